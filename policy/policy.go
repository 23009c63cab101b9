// Package policy turns scanner findings into one Decision per recipient:
// deliver, tag, quarantine, reject or tempfail, plus side effects (notify the
// DSL, warn the sender).
//
// Rules are matched per finding: the first rule whose conditions (school,
// direction, sender and recipient groups, category, rule id, minimum severity
// and score) all hold applies. The ICT manager's [[policy]] rules come first,
// then the built-in defaults (Defaults). Per recipient the strictest action
// over all findings wins, and side effects are the union. Policy decides;
// scanners only report.
package policy

import (
	"fmt"
	"slices"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/scanners"
)

// Policy is a compiled, immutable rule list. Safe for concurrent use.
type Policy struct {
	rules []rule
}

type rule struct {
	id              string
	schools         []string
	directions      []scanners.Direction
	senderGroups    []string
	recipientGroups []string
	categories      []scanners.Category
	ruleIDs         []string
	minSeverity     scanners.Severity
	minScore        float64
	action          Action
	notifyDSL       bool
	warnSender      bool
}

// Defaults are the built-in rules, applied after the configured ones:
// a scanner error tempfails (never a silent pass); high or critical
// safeguarding or illegal findings quarantine for every recipient, notify
// the DSL and warn the sender; staff mail that reaches parents or pupils
// through a personal address is delivered, with a warning to the sender and
// an incident for the DSL, except school content sent to the staff member's
// own personal account, which is held; any other finding of low severity or
// more is delivered with tags; info findings are delivered as they are.
func Defaults() []config.PolicyRule {
	return []config.PolicyRule{
		{ID: "default_scanner_error", Categories: []string{string(scanners.ScannerError)}, Action: string(Tempfail)},
		{ID: "default_safeguarding", Categories: []string{string(scanners.Safeguarding), string(scanners.Illegal)}, MinSeverity: "high", Action: string(Quarantine), NotifyDSL: true, WarnSender: true},
		{ID: "default_personal_address_to_self", Categories: []string{string(scanners.PersonalAddress)}, Rules: []string{"personal_address_to_self"}, Action: string(Quarantine), NotifyDSL: true, WarnSender: true},
		{ID: "default_personal_address", Categories: []string{string(scanners.PersonalAddress)}, Action: string(Deliver), NotifyDSL: true, WarnSender: true},
		{ID: "default_tag", MinSeverity: "low", Action: string(Tag)},
		{ID: "default_deliver", Action: string(Deliver)},
	}
}

// New compiles the configured rules followed by Defaults.
func New(cfg *config.Config) (*Policy, error) {
	p := &Policy{}
	all := append(slices.Clone(cfg.Policy), Defaults()...)
	for i, pr := range all {
		r, err := compile(pr)
		if err != nil {
			return nil, fmt.Errorf("policy[%d] %s: %w", i, pr.ID, err)
		}
		p.rules = append(p.rules, r)
	}
	return p, nil
}

func compile(pr config.PolicyRule) (rule, error) {
	r := rule{
		id:              pr.ID,
		schools:         pr.Schools,
		senderGroups:    pr.SenderGroups,
		recipientGroups: pr.RecipientGroups,
		ruleIDs:         pr.Rules,
		minScore:        pr.MinScore,
		notifyDSL:       pr.NotifyDSL,
		warnSender:      pr.WarnSender,
	}
	if r.id == "" {
		r.id = "policy"
	}
	var err error
	if r.action, err = ParseAction(pr.Action); err != nil {
		return r, err
	}
	for _, d := range pr.Directions {
		dd, err := scanners.ParseDirection(d)
		if err != nil {
			return r, err
		}
		r.directions = append(r.directions, dd)
	}
	for _, c := range pr.Categories {
		cc, err := scanners.ParseCategory(c)
		if err != nil {
			return r, err
		}
		r.categories = append(r.categories, cc)
	}
	if pr.MinSeverity != "" {
		if r.minSeverity, err = scanners.ParseSeverity(pr.MinSeverity); err != nil {
			return r, err
		}
	}
	return r, nil
}

func (r *rule) matches(env *scanners.Envelope, rc scanners.Recipient, f scanners.Finding) bool {
	if len(r.schools) > 0 && !slices.Contains(r.schools, rc.School) {
		return false
	}
	if len(r.directions) > 0 && !slices.Contains(r.directions, rc.Direction) {
		return false
	}
	if len(r.senderGroups) > 0 && !intersects(r.senderGroups, env.SenderGroups) {
		return false
	}
	if len(r.recipientGroups) > 0 && !intersects(r.recipientGroups, rc.Groups) {
		return false
	}
	if len(r.categories) > 0 && !slices.Contains(r.categories, f.Category) {
		return false
	}
	if len(r.ruleIDs) > 0 && !slices.Contains(r.ruleIDs, f.Rule) && !slices.Contains(r.ruleIDs, f.Scanner+"/"+f.Rule) {
		return false
	}
	return f.Severity >= r.minSeverity && f.Score >= r.minScore
}

func intersects(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// Decide returns one Decision per recipient of env, in envelope order.
func (p *Policy) Decide(env *scanners.Envelope, findings []scanners.Finding) []Decision {
	out := make([]Decision, 0, len(env.Recipients))
	for _, rc := range env.Recipients {
		d := Decision{Recipient: rc.Addr, School: rc.School, Direction: rc.Direction, Action: Deliver}
		for _, f := range findings {
			for i := range p.rules {
				r := &p.rules[i]
				if !r.matches(env, rc, f) {
					continue
				}
				if r.action.Stricter(d.Action) {
					d.Action = r.action
				}
				d.NotifyDSL = d.NotifyDSL || r.notifyDSL
				d.WarnSender = d.WarnSender || r.warnSender
				if r.action != Deliver {
					d.Score += f.Score
					d.Reasons = append(d.Reasons, r.id+": "+f.Scanner+"/"+f.Rule)
				}
				break
			}
		}
		out = append(out, d)
	}
	return out
}
