package config

import (
	"slices"
	"strings"
)

// This file holds the schema of notifications, retention and the review
// web page: [notify], [web], [school.retention], [school.notify] and
// [school.policy_text]. Durations are Go durations: write days as hours
// ("720h" is 30 days, "8760h" a year).

// Notify configures DSL alerts, digests and warning bounces (package
// notify).
type Notify struct {
	// From is the address notifications come from (header From and, for
	// alerts and digests, MAIL FROM); "" means lychgate@ followed by
	// relay.hostname. Warning bounces always use the null sender.
	From string `toml:"from"`
	// FallbackDSL receives the DSL alerts and digests of a school that has
	// no dsl address. A held message whose alert has nowhere to go is
	// answered 4xx (it stays with the sender) rather than alerting nobody.
	FallbackDSL []string `toml:"fallback_dsl"`
	// DigestInterval is how often lower-severity alerts are sent to the DSL
	// as one digest.
	DigestInterval Duration `toml:"digest_interval"`
	// Excerpt is how much of the matched text alerts and warnings quote:
	// "full", "redacted" (first letter of each word) or "none".
	Excerpt string `toml:"excerpt"`
	// Redact lists categories and rule ids whose excerpts are always
	// redacted, whatever Excerpt says (unless Excerpt is "none").
	Redact []string `toml:"redact"`
	// RateWindow and RateLimit bound notifications: at most RateLimit
	// immediate alerts per school, sender and rule, and at most RateLimit
	// warnings per sender, in any RateWindow. Alerts over the limit go into
	// the next digest; warnings over it are dropped (and logged).
	RateWindow Duration `toml:"rate_window"`
	// RateLimit is the most notifications of one kind in one RateWindow.
	RateLimit int `toml:"rate_limit"`
	// WarnPupils sends warning bounces to pupils too (by default pupils'
	// messages alert the DSL and never bounce to the pupil).
	WarnPupils bool `toml:"warn_pupils"`
	// WarnOnHold warns a staff sender whose outbound or internal message is
	// quarantined or refused even when no policy rule sets warn_sender.
	WarnOnHold bool `toml:"warn_on_hold"`
	// MaxAttempts is how often a notification is tried before it is given
	// up (and logged at error level).
	MaxAttempts int `toml:"max_attempts"`
	// RetryMin and RetryMax bound the back-off between attempts.
	RetryMin Duration `toml:"retry_min"`
	// RetryMax is the longest wait between attempts.
	RetryMax Duration `toml:"retry_max"`
	// Templates override the built-in text/template files.
	Templates NotifyTemplates `toml:"templates"`
}

// NotifyTemplates names text/template files (relative to the config file).
// Each file defines a "subject" and a "body" template.
type NotifyTemplates struct {
	// Alert is the immediate DSL alert.
	Alert string `toml:"alert"`
	// Digest is the periodic DSL digest.
	Digest string `toml:"digest"`
	// Warning is the warning bounce to a staff sender.
	Warning string `toml:"warning"`
}

// Web configures the DSL review UI as far as other parts refer to it.
type Web struct {
	// BaseURL is the review UI's address; alerts link to
	// BaseURL/quarantine/<id>. "" leaves the link out.
	BaseURL string `toml:"base_url"`
	// Listen is the TCP address of the review UI and its JSON API, e.g.
	// "127.0.0.1:8025"; "" (the default) serves no web UI.
	Listen string `toml:"listen"`
	// TLSCert is the PEM certificate chain the review UI serves HTTPS
	// with, relative to the config file's directory. Set both TLSCert and
	// TLSKey, or neither (plain HTTP: only behind a TLS-terminating proxy
	// or on loopback).
	TLSCert string `toml:"tls_cert"`
	// TLSKey is the PEM private key for TLSCert.
	TLSKey string `toml:"tls_key"`
	// SessionIdle ends a session after this long without a request (0:
	// 30 minutes).
	SessionIdle Duration `toml:"session_idle"`
	// SessionMax ends a session this long after sign-in, however busy (0:
	// 12 hours).
	SessionMax Duration `toml:"session_max"`
	// LockAfter is how many failed sign-ins in a row lock an account (0:
	// 5).
	LockAfter int `toml:"lock_after"`
	// LockBase is the first lock-out; each further failure doubles it, up
	// to LockMax (0: 1 minute and 1 hour).
	LockBase Duration `toml:"lock_base"`
	// LockMax is the longest lock-out.
	LockMax Duration `toml:"lock_max"`
}

// SchoolRetention overrides [quarantine] retention for one school.
type SchoolRetention struct {
	// Held is how long held mail is kept (0: quarantine.retention).
	Held Duration `toml:"held"`
	// Incident is how long mail marked as an incident is kept (0:
	// quarantine.incident_retention).
	Incident Duration `toml:"incident"`
	// Severity maps a severity name (info .. critical) to how long mail whose
	// worst finding has that severity is kept.
	Severity map[string]Duration `toml:"severity"`
}

// SchoolNotify configures one school's notifications.
type SchoolNotify struct {
	// Contact is whom warning bounces tell staff to contact (a name and
	// address); "" means the first DSL address.
	Contact string `toml:"contact"`
	// DigestTo receives digests instead of the DSL addresses when set.
	DigestTo []string `toml:"digest_to"`
	// WarnSenderTopics opts the school in to warning the sender about
	// these safeguarding topics (e.g. "bullying") or "illegal". By default
	// nobody but the DSL ever learns that a message raised a safeguarding or
	// illegal concern: a warning would tip off a possible abuser.
	WarnSenderTopics []string `toml:"warn_sender_topics"`
}

// notify checks [notify], [web] and the schools' retention and notify
// tables.
func (v *checker) notify() {
	c := v.c
	n := &c.Notify
	for _, f := range []struct {
		key string
		d   Duration
	}{
		{"quarantine.incident_retention", c.Quarantine.IncidentRetention},
		{"notify.digest_interval", n.DigestInterval},
		{"notify.rate_window", n.RateWindow},
		{"notify.retry_min", n.RetryMin},
		{"notify.retry_max", n.RetryMax},
	} {
		if f.d.Duration <= 0 {
			v.add(f.key, "must be positive")
		}
	}
	v.oneOf("notify.excerpt", n.Excerpt, []string{"full", "redacted", "none"})
	for i, a := range n.FallbackDSL {
		if !isAddress(a) {
			v.add(indexKey("notify.fallback_dsl", i), "%q is not an email address (write user@domain)", a)
		}
	}
	if n.From != "" && !isAddress(n.From) {
		v.add("notify.from", "%q is not an email address (write user@domain)", n.From)
	}
	if n.RateLimit < 0 {
		v.add("notify.rate_limit", "must not be negative (0 means no limit)")
	}
	if n.MaxAttempts <= 0 {
		v.add("notify.max_attempts", "must be positive")
	}
	for _, f := range []struct{ key, path string }{
		{"notify.templates.alert", n.Templates.Alert},
		{"notify.templates.digest", n.Templates.Digest},
		{"notify.templates.warning", n.Templates.Warning},
	} {
		if f.path == "" {
			continue
		}
		if err := readableFile(c.Path(f.path)); err != nil {
			v.add(f.key, "%s", fileProblem(err))
		}
	}
	if u := c.Web.BaseURL; u != "" && !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		v.add("web.base_url", "must start with https:// (or http://)")
	}
	v.web()
	v.retention("quarantine.severity_retention", c.Quarantine.SeverityRetention)
	for i := range c.Schools {
		s := &c.Schools[i]
		at := indexKey("school", i)
		if s.Retention.Held.Duration < 0 {
			v.add(at+".retention.held", "must not be negative (0 means quarantine.retention)")
		}
		if s.Retention.Incident.Duration < 0 {
			v.add(at+".retention.incident", "must not be negative (0 means quarantine.incident_retention)")
		}
		v.retention(at+".retention.severity", s.Retention.Severity)
		for j, a := range s.Notify.DigestTo {
			if !isAddress(a) {
				v.add(indexKey(at+".notify.digest_to", j), "%q is not an email address (write user@domain)", a)
			}
		}
	}
}

func (v *checker) retention(key string, m map[string]Duration) {
	for _, sev := range sortedKeys(m) {
		if !slices.Contains(severities, sev) {
			v.add(joinKey(key, sev), "unknown severity (want one of %s)", strings.Join(severities, ", "))
		}
		if m[sev].Duration <= 0 {
			v.add(joinKey(key, sev), "must be positive")
		}
	}
}
