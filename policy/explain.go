package policy

import "github.com/lychgate/lychgate/scanners"

// Step is how one finding was weighed for one recipient and which policy
// rule chose its action (lychgate check --explain).
type Step struct {
	// Finding is "<scanner>/<rule>".
	Finding  string            `json:"finding"`
	Category scanners.Category `json:"category"`
	// Base is the severity the scanner gave; Severity the one weighed for
	// this recipient, and Weighing why it changed ("" if it did not).
	Base     scanners.Severity `json:"base_severity"`
	Severity scanners.Severity `json:"severity"`
	Weighing string            `json:"weighing,omitempty"`
	// Skipped says why the finding does not apply to this recipient at
	// all (another school's list, another direction); "" when it applies.
	Skipped string `json:"skipped,omitempty"`
	// Rule is the id of the first policy rule that matched (configured
	// [[policy]], a scanner's on_error, or a built-in default_*), and
	// Action what it asks for.
	Rule   string `json:"rule,omitempty"`
	Action Action `json:"action,omitempty"`
}

// Explanation is the decision for one recipient with every step that led
// to it.
type Explanation struct {
	Decision Decision `json:"decision"`
	Steps    []Step   `json:"steps"`
}

// Explain is Decide with the steps: for each recipient, each finding as
// weighed for it and the policy rule that chose its action. Decisions are
// exactly Decide's.
func (p *Policy) Explain(env *scanners.Envelope, findings []scanners.Finding) []Explanation {
	out := make([]Explanation, 0, len(env.Recipients))
	for _, rc := range env.Recipients {
		var steps []Step
		d := p.decideOne(env, rc, findings, &steps)
		if steps == nil {
			steps = []Step{}
		}
		out = append(out, Explanation{Decision: d, Steps: steps})
	}
	return out
}
