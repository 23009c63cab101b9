// Package scanners owns the Scanner interface, the Finding every scanner
// returns, and the Pipeline that runs a configured set of scanners over one
// parsed message concurrently, each under its own timeout.
//
// A scanner only reports facts: what it found, where, how strong (a base
// severity), which school's list or rule produced it, and tags such as
// "directed" (Finding). It never decides what happens to the message or
// weighs findings by who sends and who receives it: that is package policy,
// per recipient. A scanner that fails, times out or panics yields a
// "scanner-error" finding, never a silent pass.
//
// Every scanner is linear in its input, checks its context inside long
// loops and caps its findings and evidence (scannertest.Adversarial).
//
// Implementations live in sub-packages (scanners/profanity,
// scanners/safeguarding, scanners/pii, scanners/personal, scanners/rules);
// scanners/all builds them from the configuration. The message they read is
// shared by all scanners and must not be modified.
package scanners

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/textnorm"
)

// Category is what kind of concern a finding is. The set is closed.
type Category string

// The categories. These strings are stable: they appear in config, JSON,
// quarantine records and the UI.
const (
	Profanity       Category = "profanity"
	Safeguarding    Category = "safeguarding"
	PII             Category = "pii"
	Spam            Category = "spam"
	Link            Category = "link"
	AttachmentRisk  Category = "attachment"
	PersonalAddress Category = "personal-address"
	Illegal         Category = "illegal"
	Malformed       Category = "malformed"
	ScannerError    Category = "scanner-error"
)

// Categories lists every category in a fixed order.
var Categories = []Category{Profanity, Safeguarding, PII, Spam, Link, AttachmentRisk, PersonalAddress, Illegal, Malformed, ScannerError}

// ParseCategory returns the category named s, or an error listing the valid ones.
func ParseCategory(s string) (Category, error) {
	for _, c := range Categories {
		if string(c) == s {
			return c, nil
		}
	}
	return "", fmt.Errorf("unknown category %q (want one of %s)", s, joinCats())
}

func joinCats() string {
	s := make([]string, len(Categories))
	for i, c := range Categories {
		s[i] = string(c)
	}
	return strings.Join(s, ", ")
}

// Severity orders findings from info to critical.
type Severity int

// The severities, in increasing order.
const (
	Info Severity = iota
	Low
	Medium
	High
	Critical
)

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

// String returns the lower-case name of s.
func (s Severity) String() string {
	if s < Info || s > Critical {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity returns the severity named s.
func ParseSeverity(s string) (Severity, error) {
	for i, n := range severityNames {
		if n == s {
			return Severity(i), nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want one of %s)", s, strings.Join(severityNames[:], ", "))
}

// MarshalText implements encoding.TextMarshaler.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Evidence is the exact text that made a rule fire, and where it is, so the
// DSL can see why.
type Evidence struct {
	// Part is the MIME PartID ("" for headers and envelope).
	Part string `json:"part"`
	// Field is where in the message: "subject", "body", "header:<Name>",
	// "filename", "envelope".
	Field string `json:"field"`
	// Offset and Length locate Text in the field's content (bytes, in the
	// decoded UTF-8 text the scanner read). For "header:From", "header:To"
	// and "header:Cc" from content scanners (textnorm.MessageFields) that
	// content is one address's decoded display name.
	Offset int `json:"offset"`
	Length int `json:"length"`
	// Text is the matched original text (possibly shortened).
	Text string `json:"text"`
}

// Finding is one thing one scanner found.
//
// Severity is the finding's base severity: how serious it is before any
// weighting by who sends and who receives the message. Scanners do not read
// sender or recipient groups or directions to set it; they record such
// facts about the text in Tags, and package policy weighs them per
// recipient.
type Finding struct {
	Scanner     string     `json:"scanner"`
	Rule        string     `json:"rule"`
	Category    Category   `json:"category"`
	Severity    Severity   `json:"severity"`
	Score       float64    `json:"score"`
	Explanation string     `json:"explanation"`
	Evidence    []Evidence `json:"evidence"`
	// School is the school whose list or rule produced this finding; when
	// set, the finding only ever affects that school's recipients. Empty
	// for findings of the trust-wide scanners and lists.
	School string `json:"school,omitempty"`
	// Tags are facts about the finding the policy may weigh (stable,
	// lower-case snake_case, documented by each scanner), e.g. "directed"
	// for profanity aimed at the reader.
	Tags []string `json:"tags,omitempty"`
}

// HasTag reports whether f carries tag t.
func (f *Finding) HasTag(t string) bool { return slices.Contains(f.Tags, t) }

// QuoteWords joins the words that drove a finding as “a”, “b”, for its
// Explanation.
func QuoteWords(words []string) string {
	n := 0
	for _, w := range words {
		n += len(w) + len("\u201c\u201d, ")
	}
	var b strings.Builder
	b.Grow(n)
	for i, w := range words {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("\u201c")
		b.WriteString(w)
		b.WriteString("\u201d")
	}
	return b.String()
}

// Direction is which way a message (or one recipient's copy) travels.
type Direction string

// The directions.
const (
	Inbound  Direction = "inbound"
	Outbound Direction = "outbound"
	Internal Direction = "internal"
)

// DirectionTag is the Finding tag that limits a finding to copies going
// direction d ("direction_outbound"); a finding with such tags applies only
// to copies going one of those directions.
func DirectionTag(d Direction) string { return "direction_" + string(d) }

// ParseDirection returns the direction named s.
func ParseDirection(s string) (Direction, error) {
	switch Direction(s) {
	case Inbound, Outbound, Internal:
		return Direction(s), nil
	}
	return "", fmt.Errorf("unknown direction %q (want inbound, outbound or internal)", s)
}

// Recipient is one envelope recipient with what the relay knows about it.
type Recipient struct {
	// Addr is the RCPT TO address.
	Addr string
	// Direction of this recipient's copy.
	Direction Direction
	// School is the id of the school this copy belongs to: the recipient's
	// school for inbound and internal mail, the sender's for outbound.
	School string
	// Groups are the recipient's groups in its own school ("staff",
	// "pupils", "parents", ...), empty for outside addresses.
	Groups []string
}

// Envelope is the SMTP envelope and connection facts of one message.
type Envelope struct {
	// From is the MAIL FROM address ("" for the null sender).
	From string
	// Recipients are the accepted RCPT TO addresses.
	Recipients []Recipient
	// RemoteIP is the client's IP address ("" offline).
	RemoteIP string
	// HELO is the name the client gave.
	HELO string
	// AuthUser is the authenticated user, if any.
	AuthUser string
	// SenderSchool is the school whose domain the sender is in, if any.
	SenderSchool string
	// SenderGroups are the sender's groups in its school (or, for an outside
	// sender listed in a school directory, e.g. a parent, in that school).
	SenderGroups []string
}

// The group names the built-in weighting and defaults know. A school's
// directory and [school.groups] may define any others.
const (
	PupilGroup  = "pupils"
	StaffGroup  = "staff"
	ParentGroup = "parents"
)

// HasGroup reports whether groups contains g.
func HasGroup(groups []string, g string) bool { return slices.Contains(groups, g) }

// Direction returns the message-level direction: outbound if any copy leaves
// the schools, else internal if any copy is internal, else inbound.
func (e *Envelope) Direction() Direction {
	d := Inbound
	for _, r := range e.Recipients {
		switch r.Direction {
		case Outbound:
			return Outbound
		case Internal:
			d = Internal
		}
	}
	return d
}

// Scanner looks at a parsed message and reports what it found.
//
// Scan must honour ctx (return promptly once it is done), must not modify m
// or env, and must be safe for concurrent use on different messages. An
// error means the scan could not be completed; the pipeline turns it into a
// scanner-error finding.
type Scanner interface {
	// Name is the scanner's stable id, lower-case snake_case.
	Name() string
	Scan(ctx context.Context, m *message.Message, env *Envelope) ([]Finding, error)
}

// Func adapts a function to the Scanner interface.
type Func struct {
	ID string
	F  func(ctx context.Context, m *message.Message, env *Envelope) ([]Finding, error)
}

// Name returns f.ID.
func (f Func) Name() string { return f.ID }

// Scan calls f.F.
func (f Func) Scan(ctx context.Context, m *message.Message, env *Envelope) ([]Finding, error) {
	return f.F(ctx, m, env)
}

// TextScanner is implemented by scanners that read the normalised text of
// a message (textnorm). The pipeline normalises each message once and hands
// the same read-only Text to every such scanner instead of calling Scan.
// ScanText must return exactly what Scan would.
type TextScanner interface {
	Scanner
	ScanText(ctx context.Context, t *textnorm.Text, env *Envelope) ([]Finding, error)
}

// Closer is implemented by scanners that hold resources.
type Closer interface {
	Close() error
}
