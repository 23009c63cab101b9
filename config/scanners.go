package config

import (
	"slices"
	"strings"
)

// ScannerNames are the ids of the scanners lychgate ships, in pipeline
// order; [scanners.<id>] tables must name one of them. scanners/all keeps
// its factory table in step (a test there checks).
var ScannerNames = []string{"rules", "profanity", "safeguarding", "pii", "classifier", "personal_address", "links", "attachments", "clamav", "spam"}

// ScannerSettings are the settings every scanner shares, in a table
// [scanners.<id>] named by the scanner's id (rules, profanity,
// safeguarding, pii, classifier, personal_address, links, attachments,
// clamav, spam). A scanner with no table runs
// with the defaults.
type ScannerSettings struct {
	// Enabled turns the scanner on or off (default on).
	Enabled *bool `toml:"enabled"`
	// Timeout bounds this scanner on one message ("" or 0: scan.scanner_timeout).
	Timeout Duration `toml:"timeout"`
	// OnError is what happens to a message when this scanner fails or times
	// out: "tempfail" (the default: the sender retries later), "quarantine"
	// (hold it for review) or "pass" (deliver as if the scanner found
	// nothing; the failure is still logged and recorded).
	OnError string `toml:"on_error"`
}

// Trust configures the multi-academy trust as a whole.
type Trust struct {
	// Owner is the id of the school that owns mail which belongs to no
	// school: a sender in no school's domains (a null-sender bounce, a
	// forwarder) sent through the trusted path to outside addresses. Its
	// quarantine and DSL receive such mail. With one school, that school is
	// the owner; with several and no owner, such a copy is never filed under
	// any school: a hold for it is refused (550) instead.
	Owner string `toml:"owner"`
}

// ScannerEnabled reports whether the scanner id runs.
func (c *Config) ScannerEnabled(id string) bool {
	s, ok := c.Scanners[id]
	return !ok || s.Enabled == nil || *s.Enabled
}

// TrustOwner is the school id that owns mail belonging to no school ("" if
// none): trust.owner, or the only school.
func (c *Config) TrustOwner() string {
	if c.Trust.Owner != "" {
		return c.Trust.Owner
	}
	if len(c.Schools) == 1 {
		return c.Schools[0].ID
	}
	return ""
}

// scanners checks [scanners.*] and [trust].
func (v *checker) scanners() {
	for _, id := range sortedKeys(v.c.Scanners) {
		s := v.c.Scanners[id]
		key := "scanners." + id
		if !slices.Contains(ScannerNames, id) {
			v.add(key, "unknown scanner %q (want one of %s)", id, strings.Join(ScannerNames, ", "))
			continue
		}
		if s.Timeout.Duration < 0 {
			v.add(key+".timeout", "must not be negative")
		}
		if s.OnError != "" {
			v.oneOf(key+".on_error", s.OnError, []string{"tempfail", "quarantine", "pass"})
		}
	}
	if o := v.c.Trust.Owner; o != "" && v.c.SchoolByID(o) == nil {
		v.add("trust.owner", "no [[school]] has id %q", o)
	}
}
