// Package policy turns scanner findings into one Decision per recipient:
// deliver, tag, quarantine, reject or tempfail, plus side effects (notify the
// DSL, warn the sender).
//
// Scanners report facts with a base severity; the policy weighs each
// finding for each recipient (weigh.go: who wrote it, who reads this copy,
// which school's list or rule produced it) and then matches rules per
// finding: the first rule whose conditions (school, direction, sender and
// recipient groups, category, rule id, minimum severity and score) all hold
// applies. The ICT manager's [[policy]] rules come first, then each
// scanner's on_error, then the built-in defaults (Defaults). Per recipient
// the strictest action over all findings wins, and side effects are the
// union. Policy decides; scanners only report.
//
// No tip-off: a decision never warns the sender when a safeguarding or
// illegal finding applies to that copy, unless the recipient's school opted
// in to warnings for that topic ([school.notify] warn_sender_topics).
package policy

import (
	"fmt"
	"maps"
	"slices"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/scanners"
)

// Policy is a compiled, immutable rule list. Safe for concurrent use.
type Policy struct {
	rules []rule
	// optIn is each school's warn_sender_topics.
	optIn map[string][]string
	// spam holds the spam thresholds per school and direction.
	spam config.Spam
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
//   - a scanner error tempfails (never a silent pass);
//   - high or critical safeguarding or illegal findings quarantine for every
//     recipient and notify the DSL; nobody warns the sender (no tip-off);
//   - strong profanity and slurs between pupils are held for the DSL's
//     review, and so are insults aimed at the reader, threats and hate
//     (profanity_insult, profanity_hate at medium or above);
//   - a dangerous attachment (a virus, a macro document, a PDF that runs
//     code, an HTML form asking for a password) is held for review;
//   - a spam score at the recipient's school and direction's reject
//     threshold is refused (held when other copies are delivered), at the
//     quarantine threshold held, at the tag threshold tagged;
//   - staff mail that reaches parents or pupils through a personal address
//     is delivered, with a warning to the sender and an incident for the
//     DSL, except school content sent to the staff member's own personal
//     account, which is held;
//   - any other finding of low severity or more is delivered with tags;
//     info findings are delivered as they are.
func Defaults() []config.PolicyRule {
	return []config.PolicyRule{
		{ID: "default_scanner_error", Categories: []string{string(scanners.ScannerError)}, Action: string(Tempfail)},
		{ID: "default_safeguarding", Categories: []string{string(scanners.Safeguarding), string(scanners.Illegal)}, MinSeverity: "high", Action: string(Quarantine), NotifyDSL: true},
		{ID: "default_pupil_profanity", Categories: []string{string(scanners.Profanity)}, Rules: []string{"profanity_strong", "profanity_slur"},
			SenderGroups: []string{scanners.PupilGroup}, RecipientGroups: []string{scanners.PupilGroup}, Action: string(Quarantine), NotifyDSL: true},
		{ID: "default_pupil_insult", Categories: []string{string(scanners.Profanity)}, Rules: []string{"profanity_insult", "profanity_hate"}, MinSeverity: "medium",
			SenderGroups: []string{scanners.PupilGroup}, RecipientGroups: []string{scanners.PupilGroup}, Action: string(Quarantine), NotifyDSL: true},
		{ID: "default_dangerous_attachment", Categories: []string{string(scanners.AttachmentRisk)}, MinSeverity: "high", Action: string(Quarantine)},
		{ID: "default_spam_reject", Categories: []string{string(scanners.Spam)}, Rules: []string{"spam/spam_score"}, MinSeverity: "high", Action: string(Reject)},
		{ID: "default_spam_quarantine", Categories: []string{string(scanners.Spam)}, Rules: []string{"spam/spam_score"}, MinSeverity: "medium", Action: string(Quarantine)},
		{ID: "default_personal_address_to_self", Categories: []string{string(scanners.PersonalAddress)}, Rules: []string{"personal_address_to_self"}, Action: string(Quarantine), NotifyDSL: true, WarnSender: true},
		{ID: "default_personal_address", Categories: []string{string(scanners.PersonalAddress)}, Action: string(Deliver), NotifyDSL: true, WarnSender: true},
		{ID: "default_tag", MinSeverity: "low", Action: string(Tag)},
		{ID: "default_deliver", Action: string(Deliver)},
	}
}

// onErrorRules turns each scanner's on_error into a rule for that
// scanner's scanner-error findings.
func onErrorRules(cfg *config.Config) []config.PolicyRule {
	var out []config.PolicyRule
	for _, id := range slices.Sorted(maps.Keys(cfg.Scanners)) {
		oe := cfg.Scanners[id].OnError
		if oe == "" {
			continue
		}
		act := Action(oe)
		if oe == "pass" {
			act = Deliver
		}
		out = append(out, config.PolicyRule{
			ID: "scanner_" + id + "_on_error", Categories: []string{string(scanners.ScannerError)},
			Rules: []string{id + "/scanner_error", id + "/scanner_timeout"}, Action: string(act), NotifyDSL: act == Quarantine,
		})
	}
	return out
}

// New compiles the configured rules, the scanners' on_error rules and
// Defaults.
func New(cfg *config.Config) (*Policy, error) {
	p := &Policy{optIn: map[string][]string{}, spam: cfg.Spam}
	for _, s := range cfg.Schools {
		p.optIn[s.ID] = s.Notify.WarnSenderTopics
	}
	all := slices.Concat(cfg.Policy, onErrorRules(cfg), Defaults())
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

func (r *rule) matches(env *scanners.Envelope, rc scanners.Recipient, f *scanners.Finding) bool {
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
		out = append(out, p.decideOne(env, rc, findings, nil))
	}
	return out
}

func (p *Policy) decideOne(env *scanners.Envelope, rc scanners.Recipient, findings []scanners.Finding, steps *[]Step) Decision {
	d := Decision{Recipient: rc.Addr, School: rc.School, Direction: rc.Direction, Action: Deliver}
	confidential := false
	for _, f := range findings {
		w := p.weigh(env, rc, f)
		step := Step{Category: f.Category, Base: f.Severity, Severity: w.f.Severity, Weighing: w.why, Skipped: w.skip}
		if steps != nil {
			// Only the trace (Explain) names the finding: Decide runs for
			// every recipient of every message.
			step.Finding = f.Scanner + "/" + f.Rule
		}
		if w.skip != "" {
			if steps != nil {
				*steps = append(*steps, step)
			}
			continue
		}
		d.Severity = max(d.Severity, w.f.Severity)
		if Confidential(w.f, p.optIn[rc.School]) {
			confidential = true
		}
		for i := range p.rules {
			r := &p.rules[i]
			if !r.matches(env, rc, &w.f) {
				continue
			}
			if r.action.Stricter(d.Action) {
				d.Action = r.action
			}
			d.NotifyDSL = d.NotifyDSL || r.notifyDSL
			d.WarnSender = d.WarnSender || r.warnSender
			step.Rule, step.Action = r.id, r.action
			if r.action != Deliver {
				d.Score += w.f.Score
				reason := r.id + ": " + w.f.Scanner + "/" + w.f.Rule
				if w.why != "" {
					reason += " (" + w.why + ")"
				}
				d.Reasons = append(d.Reasons, reason)
			}
			break
		}
		if steps != nil {
			*steps = append(*steps, step)
		}
	}
	if confidential {
		// No tip-off: the sender hears nothing about this copy.
		d.WarnSender = false
	}
	if rc.School == "" && (d.Action == Quarantine) {
		// No school owns this copy (trust.owner unset): never file it under
		// one; refuse it instead.
		d.Action = Reject
		d.Reasons = append(d.Reasons, "no_owner: no school owns this copy (set trust.owner)")
	}
	return d
}

// SchoolView is findings as school sees them: only those that apply to
// its recipients, each at the highest severity it has for one of them.
// The quarantine entry and the DSL alert of school show this view.
func (p *Policy) SchoolView(env *scanners.Envelope, findings []scanners.Finding, school string) []scanners.Finding {
	var out []scanners.Finding
	for i, f := range findings {
		best, ok := scanners.Finding{}, false
		for _, rc := range env.Recipients {
			if rc.School != school {
				continue
			}
			w := p.weigh(env, rc, f)
			if w.skip != "" {
				continue
			}
			if !ok || w.f.Severity > best.Severity {
				best, ok = w.f, true
			}
		}
		if ok {
			if out == nil {
				// Room for the rest at once: most schools see every finding.
				out = make([]scanners.Finding, 0, len(findings)-i)
			}
			out = append(out, best)
		}
	}
	scanners.SortFindings(out)
	return out
}
