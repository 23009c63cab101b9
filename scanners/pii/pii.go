// Package pii is the pupil personal-data scanner: it reports a pupil (the
// envelope sender is in group "pupils") sending personal data to an address
// outside the schools (a recipient whose Direction is outbound).
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
// message, which is enough to locate a child). Mail that is not from a pupil,
// or that stays inside the schools, is not examined at all.
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

// PupilGroup is the group name that marks pupils.
const PupilGroup = "pupils"

// Options configures a Scanner. The zero value gives the defaults.
type Options struct {
	// SchoolNames are the names of the school(s) (e.g. "St Aidan's
	// Primary"); matched case-insensitively, in addition to the generic
	// "... School/Academy/College" pattern.
	SchoolNames []string
	// MaxEvidence is the most evidence items per finding (default 10).
	MaxEvidence int
}

// Scanner is the pii scanner. It is safe for concurrent use.
type Scanner struct {
	school *regexp.Regexp
	maxEv  int
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
	s := &Scanner{maxEv: opts.MaxEvidence}
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

// Applies reports whether env is a pupil writing outside the schools.
func Applies(env *scanners.Envelope) bool {
	if env == nil || !scanners.HasGroup(env.SenderGroups, PupilGroup) {
		return false
	}
	for _, r := range env.Recipients {
		if r.Direction == scanners.Outbound {
			return true
		}
	}
	return false
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

// Scan implements scanners.Scanner.
func (s *Scanner) Scan(ctx context.Context, m *message.Message, env *scanners.Envelope) ([]scanners.Finding, error) {
	if !Applies(env) {
		return nil, nil
	}
	ev := make([][]scanners.Evidence, len(kinds))
	add := func(k int, f textnorm.Field, a, b int) {
		if len(ev[k]) < s.maxEv {
			ev[k] = append(ev[k], scanners.Evidence{Part: f.Part, Field: f.Name, Offset: a, Length: b - a, Text: textnorm.Quote(f.Text, a, b, 120)})
		}
	}
	var nameEv, schoolEv []scanners.Evidence
	for _, f := range textnorm.MessageFields(m, nil) {
		if f.Name != "subject" && f.Name != "body" {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		t := f.Text
		for _, loc := range rePhone.FindAllStringSubmatchIndex(t, -1) {
			add(0, f, loc[2], loc[3])
		}
		for _, loc := range rePostcode.FindAllStringSubmatchIndex(t, -1) {
			add(1, f, loc[2], loc[3])
		}
		for _, loc := range reAddress.FindAllStringIndex(t, -1) {
			add(2, f, loc[0], loc[1])
		}
		for _, loc := range reDOB.FindAllStringIndex(t, -1) {
			add(3, f, loc[0], loc[1])
		}
		for _, loc := range reName.FindAllStringSubmatchIndex(t, -1) {
			nameEv = append(nameEv, scanners.Evidence{Part: f.Part, Field: f.Name, Offset: loc[0], Length: loc[1] - loc[0], Text: t[loc[0]:loc[1]]})
		}
		schools := reSchool.FindAllStringIndex(t, -1)
		if s.school != nil {
			schools = append(schools, s.school.FindAllStringIndex(t, -1)...)
		}
		for _, loc := range schools {
			schoolEv = append(schoolEv, scanners.Evidence{Part: f.Part, Field: f.Name, Offset: loc[0], Length: loc[1] - loc[0], Text: t[loc[0]:loc[1]]})
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
		})
	}
	return out, nil
}

var _ scanners.Scanner = (*Scanner)(nil)
