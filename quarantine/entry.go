package quarantine

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lychgate/lychgate/policy"
	"github.com/lychgate/lychgate/scanners"
)

// The statuses of an entry. An entry is "held" from Put; "releasing" while
// one reviewer's release is being delivered; "released" or "deleted"
// afterwards (a tombstone: metadata without the message). "expired" is what
// the audit stream records when retention ends; the entry is then gone.
const (
	StatusHeld      = "held"
	StatusReleasing = "releasing"
	StatusReleased  = "released"
	StatusDeleted   = "deleted"
	StatusExpired   = "expired"
)

// StatusIncident is not a status of its own but a filter: entries marked
// as an incident, whatever their status (Query.Status, the CLI's
// --status incident). It has an index like the statuses.
const StatusIncident = "incident"

// Statuses lists the statuses that have an index, for List filters.
var Statuses = []string{StatusHeld, StatusReleased, StatusDeleted, StatusIncident}

// Entry is the metadata of one quarantined message: one message as received,
// held for one or more of its recipients in one school.
type Entry struct {
	ID     string `json:"id"`
	School string `json:"school"`
	// Status is "held"; later also "released", "deleted" or "expired".
	Status    string             `json:"status"`
	Direction scanners.Direction `json:"direction"`
	// From is the envelope sender (MAIL FROM).
	From string `json:"from"`
	// Recipients are all the envelope recipients of the message.
	Recipients []string `json:"recipients"`
	// Held are the recipients whose copy was quarantined.
	Held       []string  `json:"held"`
	Subject    string    `json:"subject"`
	HeaderFrom string    `json:"header_from"`
	MessageID  string    `json:"message_id"`
	Received   time.Time `json:"received"`
	// Size is the raw message size in bytes.
	Size        int                `json:"size"`
	Categories  []string           `json:"categories"`
	MaxSeverity scanners.Severity  `json:"max_severity"`
	Findings    []scanners.Finding `json:"findings"`
	Decisions   []policy.Decision  `json:"decisions"`
	RemoteIP    string             `json:"remote_ip"`
	// Hash is the hex SHA-256 of the raw message.
	Hash string `json:"hash"`

	// The fields below are kept in their own hash fields, authoritative
	// over what the metadata JSON says, and filled in by every read.

	// Reviewer is who released or deleted the entry.
	Reviewer string `json:"reviewer,omitempty"`
	// Acted is when the entry was released or deleted.
	Acted time.Time `json:"acted,omitzero"`
	// ReleasedTo are the addresses a release delivered to.
	ReleasedTo []string `json:"released_to,omitempty"`
	// Incident is set when a reviewer marked the entry as an incident (it
	// is then kept for the incident retention).
	Incident bool `json:"incident,omitempty"`
	// IncidentCategory is the reviewer's category of the incident
	// (e.g. "bullying", "online-safety"); free text.
	IncidentCategory string `json:"incident_category,omitempty"`
	// IncidentNotes are the reviewer's notes on the incident.
	IncidentNotes string `json:"incident_notes,omitempty"`
}

// idLen is the number of hex characters of an entry id (96 bits).
const idLen = 24

// ID returns the entry id for raw held for the given recipients in school:
// the first 24 hex characters of a SHA-256 over the school, the SHA-256 of
// raw and the sorted, lower-cased, de-duplicated held recipients. The same
// message held for the same recipients always gets the same id, so a retry
// does not create a second entry.
func ID(raw []byte, school string, held []string) string {
	sum := sha256.Sum256(raw)
	return idFromHash(hex.EncodeToString(sum[:]), school, held)
}

// IDFromHash is ID for a message whose hex SHA-256 is contentHash.
func IDFromHash(contentHash, school string, held []string) string {
	return idFromHash(contentHash, school, held)
}

func idFromHash(contentHash, school string, held []string) string {
	rcpts := make([]string, len(held))
	for i, r := range held {
		rcpts[i] = strings.ToLower(r)
	}
	slices.Sort(rcpts)
	rcpts = slices.Compact(rcpts)

	h := sha256.New()
	// NUL separates the fields: none of them can contain it unescaped
	// (school ids are validated; addresses come from SMTP commands).
	fmt.Fprintf(h, "lychgate quarantine id v1\x00%s\x00%s", school, contentHash)
	for _, r := range rcpts {
		h.Write([]byte{0})
		h.Write([]byte(r))
	}
	return hex.EncodeToString(h.Sum(nil))[:idLen]
}

// fill sets the fields Put derives: Size always, the others when empty.
func (e *Entry) fill(contentHash string, size int, now time.Time) {
	if e.Hash == "" {
		e.Hash = contentHash
	}
	if e.ID == "" {
		e.ID = idFromHash(contentHash, e.School, e.Held)
	}
	if e.Status == "" {
		e.Status = StatusHeld
	}
	if e.Received.IsZero() {
		e.Received = now
	}
	e.Received = e.Received.Round(0) // no monotonic reading in stored data
	e.Size = size
	if len(e.Categories) == 0 {
		for _, f := range e.Findings {
			e.Categories = append(e.Categories, string(f.Category))
		}
	}
	slices.Sort(e.Categories)
	e.Categories = slices.Compact(e.Categories)
	for _, f := range e.Findings {
		e.MaxSeverity = max(e.MaxSeverity, f.Severity)
	}
}

// validName checks a school id or category: it becomes part of a key, and
// must not break the hash tag or the ':' structure.
func validName(kind, s string) error {
	if s == "" {
		return fmt.Errorf("%w: empty %s", ErrInvalid, kind)
	}
	if len(s) > 128 {
		return fmt.Errorf("%w: %s longer than 128 bytes", ErrInvalid, kind)
	}
	for _, c := range []byte(s) {
		if c == '{' || c == '}' || c == ':' || c <= ' ' || c == 0x7f {
			return fmt.Errorf("%w: %s %q contains %q", ErrInvalid, kind, s, c)
		}
	}
	return nil
}

// validID checks an entry id: ids we make are hex, but ids arrive from URLs,
// so anything that could reach into another key is refused.
func validID(id string) error {
	if id == "" || len(id) > 64 {
		return fmt.Errorf("%w: id %q: want 1 to 64 characters", ErrInvalid, id)
	}
	for _, c := range []byte(id) {
		ok := c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_'
		if !ok {
			return fmt.Errorf("%w: id %q contains %q", ErrInvalid, id, c)
		}
	}
	return nil
}
