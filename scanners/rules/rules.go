// Package rules is the custom-rules scanner: the ICT manager's own [[rule]]
// blocks from the TOML, each a Go regular expression or a word list matched
// against the subject, a header, the body text or attachment file names, and
// each mapped to a category, severity and score.
//
// Words match case-insensitively on word boundaries (so "ass" does not match
// "class"); patterns are RE2 (linear time, no backtracking blow-ups).
//
// A rule scoped to schools (schools = [...]) yields one finding per listed
// school that the message concerns (the sender's school or a recipient's),
// each with Finding.School set, so that it only affects that school's
// recipients. Explanations are the rule's own text, or "custom rule <id>
// matched": never the pattern, and never the matched text, which is
// evidence (alerts show it only as the excerpt policy allows, warnings
// never).
//
// Bounded work: at most 5 evidence items per field and 20 per rule, the
// context checked between rules and every 256 fields.
package rules

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
)

// Name is the scanner id.
const Name = "rules"

// maxEvidence bounds the evidence kept per rule and field, and
// maxRuleEvidence per rule in all fields together.
const maxEvidence, maxRuleEvidence = 5, 20

// maxExcerpt bounds the length of one evidence excerpt in bytes.
const maxExcerpt = 200

// Scanner runs the configured custom rules.
type Scanner struct {
	rules []rule
}

var _ scanners.Scanner = (*Scanner)(nil)

type rule struct {
	id          string
	field       string // subject, body, filename, any, or header:<name>
	header      string
	re          *regexp.Regexp
	category    scanners.Category
	severity    scanners.Severity
	score       float64
	explanation string
	schools     []string
	directions  []scanners.Direction
}

// New compiles the rules. Errors name the rule.
func New(cfgRules []config.Rule) (*Scanner, error) {
	s := &Scanner{}
	for i, cr := range cfgRules {
		r, err := compile(cr)
		if err != nil {
			return nil, fmt.Errorf("rule[%d] %s: %w", i, cr.ID, err)
		}
		s.rules = append(s.rules, r)
	}
	return s, nil
}

func compile(cr config.Rule) (rule, error) {
	r := rule{id: cr.ID, score: cr.Score, explanation: cr.Explanation, schools: cr.Schools}
	field := strings.ToLower(cr.Field)
	switch {
	case field == "subject", field == "body", field == "filename", field == "any":
		r.field = field
	case field == "":
		r.field = "any"
	case strings.HasPrefix(field, "header:") && len(field) > len("header:"):
		r.field = "header"
		r.header = cr.Field[len("header:"):]
	default:
		return r, fmt.Errorf("field %q: want subject, body, filename, any or header:<Name>", cr.Field)
	}
	var err error
	switch {
	case cr.Pattern != "" && len(cr.Words) > 0:
		return r, fmt.Errorf("give pattern or words, not both")
	case cr.Pattern != "":
		if r.re, err = regexp.Compile(cr.Pattern); err != nil {
			return r, fmt.Errorf("pattern: %w", err)
		}
	case len(cr.Words) > 0:
		q := make([]string, 0, len(cr.Words))
		for _, w := range cr.Words {
			if w = strings.TrimSpace(w); w != "" {
				q = append(q, regexp.QuoteMeta(w))
			}
		}
		if len(q) == 0 {
			return r, fmt.Errorf("words: empty list")
		}
		r.re = regexp.MustCompile(`(?i)\b(?:` + strings.Join(q, "|") + `)\b`)
	default:
		return r, fmt.Errorf("give pattern or words")
	}
	if r.category, err = scanners.ParseCategory(cr.Category); err != nil {
		return r, err
	}
	if cr.Severity == "" {
		r.severity = scanners.Medium
	} else if r.severity, err = scanners.ParseSeverity(cr.Severity); err != nil {
		return r, err
	}
	for _, d := range cr.Directions {
		dd, err := scanners.ParseDirection(d)
		if err != nil {
			return r, err
		}
		r.directions = append(r.directions, dd)
	}
	if r.explanation == "" {
		r.explanation = fmt.Sprintf("custom rule %s matched", r.id)
	}
	return r, nil
}

// Name returns "rules".
func (s *Scanner) Name() string { return Name }

// Scan runs every applicable rule over m.
func (s *Scanner) Scan(ctx context.Context, m *message.Message, env *scanners.Envelope) ([]scanners.Finding, error) {
	var out []scanners.Finding
	for i := range s.rules {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		r := &s.rules[i]
		if !r.applies(env) {
			continue
		}
		ev, err := r.match(ctx, m)
		if err != nil {
			return nil, err
		}
		if len(ev) == 0 {
			continue
		}
		f := scanners.Finding{
			Scanner:     Name,
			Rule:        r.id,
			Category:    r.category,
			Severity:    r.severity,
			Score:       r.score,
			Explanation: r.explanation,
			Evidence:    ev,
		}
		for _, d := range r.directions {
			f.Tags = append(f.Tags, scanners.DirectionTag(d))
		}
		if len(r.schools) == 0 {
			out = append(out, f)
			continue
		}
		// A school-scoped rule decides only for its schools' copies: one
		// finding per school of this message it is scoped to.
		for _, school := range r.schoolsIn(env) {
			f.School = school
			out = append(out, f)
		}
	}
	return out, nil
}

// schoolsIn returns the schools of r that env concerns (all of them when
// env is nil), in r's order.
func (r *rule) schoolsIn(env *scanners.Envelope) []string {
	if env == nil {
		return r.schools
	}
	var out []string
	for _, sc := range r.schools {
		ok := env.SenderSchool == sc
		for _, rc := range env.Recipients {
			ok = ok || rc.School == sc
		}
		if ok {
			out = append(out, sc)
		}
	}
	return out
}

func (r *rule) applies(env *scanners.Envelope) bool {
	if env == nil {
		return true
	}
	if len(r.schools) > 0 {
		ok := slices.Contains(r.schools, env.SenderSchool)
		for _, rc := range env.Recipients {
			ok = ok || slices.Contains(r.schools, rc.School)
		}
		if !ok {
			return false
		}
	}
	if len(r.directions) > 0 {
		ok := false
		for _, rc := range env.Recipients {
			ok = ok || slices.Contains(r.directions, rc.Direction)
		}
		if !ok {
			return false
		}
	}
	return true
}

// ctxEvery is how many fields are read between two checks of the context.
const ctxEvery = 256

func (r *rule) match(ctx context.Context, m *message.Message) ([]scanners.Evidence, error) {
	var ev []scanners.Evidence
	want := func(f string) bool { return r.field == f || r.field == "any" }
	if want("subject") {
		ev = r.find(ev, "", "subject", m.Subject)
	}
	if r.field == "header" {
		for _, v := range m.HeaderValues(r.header) {
			ev = r.find(ev, "", "header:"+r.header, v)
		}
	}
	if want("body") {
		for i, t := range m.Texts {
			if i%ctxEvery == ctxEvery-1 {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
			ev = r.find(ev, t.PartID, "body", t.Content)
		}
	}
	if want("filename") {
		for i, a := range m.Attachments {
			if i%ctxEvery == ctxEvery-1 {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
			ev = r.find(ev, a.PartID, "filename", a.Filename)
		}
	}
	return ev, nil
}

func (r *rule) find(ev []scanners.Evidence, part, field, text string) []scanners.Evidence {
	if text == "" || len(ev) >= maxRuleEvidence {
		return ev
	}
	for _, loc := range r.re.FindAllStringIndex(text, min(maxEvidence, maxRuleEvidence-len(ev))) {
		ev = append(ev, scanners.Evidence{
			Part:   part,
			Field:  field,
			Offset: loc[0],
			Length: loc[1] - loc[0],
			Text:   Excerpt(text[loc[0]:loc[1]], maxExcerpt),
		})
	}
	return ev
}

// Excerpt shortens s to at most n bytes without splitting a UTF-8 sequence.
func Excerpt(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}
