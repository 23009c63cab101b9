// Package pii is the pupil personal-data scanner: it reports a pupil (the
// envelope sender is in group "pupils") sending personal data. Whether that
// matters depends on where each copy goes, which the scanner does not
// decide: every finding carries the tag "outbound_only", and package policy
// applies it only to the copies that leave the schools.
//
// It looks, in the subject and every text part, for:
//
//	pii_phone          a UK phone number (mobile 07..., +44 7..., landlines 01/02/03)
//	pii_postcode       a UK postcode ("SW1A 1AA")
//	pii_address        a home address: "I live at ...", or a house number
//	                   followed by a street name ("12 Acacia Avenue")
//	pii_date_of_birth  "date of birth", "DOB", "born on", "my birthday is"
//	                   followed by a date
//	pii_school_name    the pupil's full name ("my name is First Last") together
//	                   with a school name (Options.SchoolNames, or "... School",
//	                   "... Academy", "... College")
//
// Category pii, severity medium (high when two or more kinds appear in one
// message, which is enough to locate a child). Mail that is not from a pupil
// is not examined at all.
//
// Tags (Finding.Tags):
//
//	outbound_only  the finding applies only to copies sent outside the
//	               schools (every pii finding has it)
//
// Bounded work: RE2 regular expressions (linear time) over fields read in
// windows of at most 64 KiB, cut at a line break where there is one, with
// the context checked between windows; evidence is capped per rule
// (Options.MaxEvidence) and the score is the severity, whatever the count.
//
// What it will not do: recognise addresses without a street word, names
// without "my name is"/"I'm", or data in images.
package pii

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/textnorm"
)

// Name is the scanner's stable id.
const Name = "pii"

// TagOutboundOnly marks findings that apply only to copies leaving the
// schools.
const TagOutboundOnly = "outbound_only"

// Options configures a Scanner. The zero value gives the defaults.
type Options struct {
	// SchoolNames are the names of the school(s) (e.g. "St Aidan's
	// Primary"); matched case-insensitively, in addition to the generic
	// "... School/Academy/College" pattern.
	SchoolNames []string
	// MaxEvidence is the most evidence items per finding (default 10).
	MaxEvidence int
	// School, when set, is the school whose names these are: every finding
	// carries it (Finding.School).
	School string
}

// Scanner is the pii scanner. It is safe for concurrent use.
type Scanner struct {
	school   *regexp.Regexp
	schoolID string
	maxEv    int
}

var (
	// UK phone numbers: mobiles and geographic/non-geographic landlines.
	rePhone = regexp.MustCompile(`(?:^|[^\d+])((?:\+44\s?\(?0?\)?\s?|0044\s?|0)(?:7\d{3}[\s.-]?\d{3}[\s.-]?\d{3}|[123]\d{2,4}[\s.-]?\d{3,4}[\s.-]?\d{3,4}))(?:$|\D)`)
	// UK postcodes (BS 7666 shape).
	rePostcode = regexp.MustCompile(`\b((?:GIR ?0AA)|(?:[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2}))\b`)
	reAddress  = regexp.MustCompile(`\b(?:(?i:i\s+live\s+(?:at|on))\s+[^\n.,]{3,60}|\d{1,4}[a-z]?,?\s+(?:[A-Z][a-z]+\s+){1,3}(?:Road|Rd|Street|St|Avenue|Ave|Lane|Ln|Close|Drive|Dr|Way|Crescent|Court|Grove|Gardens|Place|Terrace|Mews|Row|Hill|View|Walk|Square)\b)`)
	reDOB      = regexp.MustCompile(`(?i)\b(?:date\s+of\s+birth|d\.?o\.?b\.?|born\s+on|my\s+birthday\s+is|birthday:?)\s*(?:is\s+)?:?\s*((?:\d{1,2}(?:st|nd|rd|th)?[\s./-]+(?:\d{1,2}|jan\w*|feb\w*|mar\w*|apr\w*|may|jun\w*|jul\w*|aug\w*|sep\w*|oct\w*|nov\w*|dec\w*)(?:[\s./-]+\d{2,4})?)|(?:(?:jan\w*|feb\w*|mar\w*|apr\w*|may|jun\w*|jul\w*|aug\w*|sep\w*|oct\w*|nov\w*|dec\w*)\s+\d{1,2}(?:st|nd|rd|th)?(?:,?\s+\d{4})?))`)
	reName     = regexp.MustCompile(`\b(?i:my\s+name\s+is|my\s+full\s+name\s+is|i\s*'?\s*a?m)\s+([A-Z][a-z]+(?:[\s-]+[A-Z][a-z]+){1,2})\b`)
	reSchool   = regexp.MustCompile(`\b(?:[A-Z][a-z']+\s+){1,4}(?:Primary\s+School|Secondary\s+School|High\s+School|Grammar\s+School|School|Academy|College)\b`)
)

// New builds a Scanner.
func New(opts Options) (*Scanner, error) {
	s := &Scanner{maxEv: opts.MaxEvidence, schoolID: opts.School}
	if s.maxEv <= 0 {
		s.maxEv = 10
	}
	var alts []string
	for _, n := range opts.SchoolNames {
		if n = strings.TrimSpace(n); n != "" {
			alts = append(alts, regexp.QuoteMeta(n))
		}
	}
	if len(alts) > 0 {
		re, err := regexp.Compile(`(?i)\b(?:` + strings.Join(alts, "|") + `)\b`)
		if err != nil {
			return nil, fmt.Errorf("school names: %w", err)
		}
		s.school = re
	}
	return s, nil
}

// Name returns "pii".
func (s *Scanner) Name() string { return Name }

// Applies reports whether the sender of env is a pupil. (Where each copy
// goes is for policy: see TagOutboundOnly.)
func Applies(env *scanners.Envelope) bool {
	return env != nil && scanners.HasGroup(env.SenderGroups, scanners.PupilGroup)
}

// window is the most bytes one regular expression pass reads; windowSlack
// is how far back from a window's end a line break is looked for, and how
// much consecutive windows overlap when there is none.
const window, windowSlack = 64 << 10, 1 << 10

// windows calls f for consecutive windows of t (with their offset), each
// at most window bytes, ending after a line break where one is near the
// end. Without a line break windows overlap by windowSlack bytes, so a
// match across the cut is found in the next window (and one found twice is
// the caller's to drop). It stops with ctx's error once ctx is done.
func windows(ctx context.Context, t string, f func(off int, w string)) error {
	for off := 0; off < len(t); {
		if err := ctx.Err(); err != nil {
			return err
		}
		end := len(t)
		next := end
		if end-off > window {
			end = off + window
			if i := strings.LastIndexByte(t[end-windowSlack:end], '\n'); i >= 0 {
				end = end - windowSlack + i + 1
				next = end
			} else {
				next = end - windowSlack
			}
		}
		f(off, t[off:end])
		off = next
	}
	return nil
}

type kind struct {
	rule, what string
}

var kinds = []kind{
	{"pii_phone", "UK phone number"},
	{"pii_postcode", "UK postcode"},
	{"pii_address", "home address"},
	{"pii_date_of_birth", "date of birth"},
	{"pii_school_name", "full name with school name"},
}

// The words that reAddress (its street-name branch; the other needs
// "live"), reDOB and reSchool cannot match without: cheap tests that spare
// ordinary text the slow expressions.
var (
	streetWords = []string{"Road", "Rd", "Street", "St", "Avenue", "Ave", "Lane", "Ln", "Close", "Drive", "Dr", "Way", "Crescent", "Court", "Grove", "Gardens", "Place", "Terrace", "Mews", "Row", "Hill", "View", "Walk", "Square"}
	dobWords    = []string{"birth", "born", "dob", "d.ob", "do.b", "d.o.b"}
	schoolWords = []string{"School", "Academy", "College"}
)

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// Scan implements scanners.Scanner.
func (s *Scanner) Scan(ctx context.Context, m *message.Message, env *scanners.Envelope) ([]scanners.Finding, error) {
	if !Applies(env) {
		return nil, nil
	}
	ev := make([][]scanners.Evidence, len(kinds))
	last := make([]int, len(kinds)) // end of the last match per kind and field, to drop repeats from overlapping windows
	add := func(k int, f textnorm.Field, a, b int) {
		if a < last[k] {
			return
		}
		last[k] = b
		if len(ev[k]) < s.maxEv {
			ev[k] = append(ev[k], scanners.Evidence{Part: f.Part, Field: f.Name, Offset: a, Length: b - a, Text: textnorm.Quote(f.Text, a, b, 120)})
		}
	}
	var nameEv, schoolEv []scanners.Evidence // the first of each is enough
	for _, f := range textnorm.MessageFields(m, nil) {
		if f.Name != "subject" && f.Name != "body" {
			continue
		}
		clear(last)
		err := windows(ctx, f.Text, func(off int, t string) {
			// A kind whose evidence is full needs no more matching, and each
			// expression runs only where the words it needs occur.
			full := func(k int) bool { return len(ev[k]) >= s.maxEv }
			lower := strings.ToLower(t)
			if !full(0) && (strings.Contains(t, "0") || strings.Contains(t, "+44")) {
				for _, loc := range rePhone.FindAllStringSubmatchIndex(t, s.maxEv) {
					add(0, f, off+loc[2], off+loc[3])
				}
			}
			if !full(1) && strings.ContainsAny(t, "0123456789") {
				for _, loc := range rePostcode.FindAllStringSubmatchIndex(t, s.maxEv) {
					add(1, f, off+loc[2], off+loc[3])
				}
			}
			if !full(2) && (strings.Contains(lower, "live") || containsAny(t, streetWords)) {
				for _, loc := range reAddress.FindAllStringIndex(t, s.maxEv) {
					add(2, f, off+loc[0], off+loc[1])
				}
			}
			if !full(3) && containsAny(lower, dobWords) {
				for _, loc := range reDOB.FindAllStringIndex(t, s.maxEv) {
					add(3, f, off+loc[0], off+loc[1])
				}
			}
			if nameEv == nil {
				if loc := reName.FindStringIndex(t); loc != nil {
					nameEv = append(nameEv, scanners.Evidence{Part: f.Part, Field: f.Name, Offset: off + loc[0], Length: loc[1] - loc[0], Text: t[loc[0]:loc[1]]})
				}
			}
			if schoolEv == nil {
				var loc []int
				if containsAny(t, schoolWords) {
					loc = reSchool.FindStringIndex(t)
				}
				if loc == nil && s.school != nil {
					loc = s.school.FindStringIndex(t)
				}
				if loc != nil {
					schoolEv = append(schoolEv, scanners.Evidence{Part: f.Part, Field: f.Name, Offset: off + loc[0], Length: loc[1] - loc[0], Text: t[loc[0]:loc[1]]})
				}
			}
		})
		if err != nil {
			return nil, err
		}
	}
	if len(nameEv) > 0 && len(schoolEv) > 0 {
		ev[4] = append(ev[4], nameEv[0], schoolEv[0])
	}
	n := 0
	for _, e := range ev {
		if len(e) > 0 {
			n++
		}
	}
	sev := scanners.Medium
	if n >= 2 {
		sev = scanners.High
	}
	var out []scanners.Finding
	for i, k := range kinds {
		if len(ev[i]) == 0 {
			continue
		}
		out = append(out, scanners.Finding{
			Scanner: Name, Rule: k.rule, Category: scanners.PII, Severity: sev, Score: float64(sev),
			Explanation: fmt.Sprintf("pupil sent a %s to an address outside the school", k.what),
			Evidence:    ev[i],
			Tags:        []string{TagOutboundOnly},
			School:      s.schoolID,
		})
	}
	return out, nil
}

var _ scanners.Scanner = (*Scanner)(nil)
