package policy

import (
	"fmt"

	"github.com/lychgate/lychgate/scanners"
)

// Action is what happens to one recipient's copy.
type Action string

// The actions, from least to most strict.
const (
	Deliver    Action = "deliver"
	Tag        Action = "tag"
	Quarantine Action = "quarantine"
	Reject     Action = "reject"
	// Tempfail answers 4xx so the sender retries later (the default for a
	// scanner error).
	Tempfail Action = "tempfail"
)

var strictness = map[Action]int{Deliver: 0, Tag: 1, Quarantine: 2, Reject: 3, Tempfail: 4}

// Stricter reports whether a is stricter than b. Tempfail is the strictest:
// when any copy cannot be decided safely, the whole message is retried.
func (a Action) Stricter(b Action) bool { return strictness[a] > strictness[b] }

// ParseAction returns the action named s.
func ParseAction(s string) (Action, error) {
	if _, ok := strictness[Action(s)]; ok {
		return Action(s), nil
	}
	return "", fmt.Errorf("unknown action %q (want deliver, tag, quarantine, reject or tempfail)", s)
}

// Decision is what happens to one recipient's copy, and why.
type Decision struct {
	Recipient  string             `json:"recipient"`
	School     string             `json:"school,omitempty"`
	Direction  scanners.Direction `json:"direction"`
	Action     Action             `json:"action"`
	NotifyDSL  bool               `json:"notify_dsl"`
	WarnSender bool               `json:"warn_sender"`
	// Reasons are "<policy rule id>: <scanner>/<rule>" for each finding
	// that raised the action above deliver.
	Reasons []string `json:"reasons,omitempty"`
	// Score is the sum of the scores of the findings that applied.
	Score float64 `json:"score"`
	// Severity is the highest severity of the findings that apply to this
	// copy, as weighed for this recipient.
	Severity scanners.Severity `json:"severity"`
}
