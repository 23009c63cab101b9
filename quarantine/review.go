package quarantine

import (
	"bytes"
	"context"
	"fmt"
	"mime"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// More audit actions: what the review UI and the CLI record besides the
// lifecycle changes.
const (
	// ActionCopy is "send me a copy": the held message forwarded to a
	// reviewer as evidence, still held.
	ActionCopy = "copy"
	// ActionNotAProblem records that a reviewer judged the entry a false
	// positive; learners (the spam classifier) read it from the audit.
	ActionNotAProblem = "not-a-problem"
	// ActionAudit is a read of the audit log itself.
	ActionAudit = "audit"
	// ActionReport is a read of the incident report or the dashboard.
	ActionReport = "report"
	// ActionSignIn and ActionSignOut are the review UI's sessions.
	ActionSignIn  = "sign-in"
	ActionSignOut = "sign-out"
)

// Incident is what a reviewer records when marking an entry as an incident.
type Incident struct {
	// By is who and why (required).
	By Actor
	// Category is the incident's category (e.g. "bullying"); free text,
	// at most 128 bytes.
	Category string
	// Notes are the reviewer's notes, at most 8 KiB.
	Notes string
}

// incidentScript marks an entry as an incident with its category and
// notes, adds it to the incident index and extends (never shortens) its
// TTL, writing the audit record, atomically.
//
// KEYS[1] entry, KEYS[2] audit, KEYS[3] main index, KEYS[4] incident index;
// ARGV ttl ms, id, category, notes, now ms, then audit field/value pairs.
var incidentScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'inc', '1', 'icat', ARGV[3], 'inotes', ARGV[4])
local ttl = tonumber(ARGV[1])
local cur = redis.call('PTTL', KEYS[1])
if cur >= 0 and cur < ttl then
  redis.call('PEXPIRE', KEYS[1], ttl)
end
local score = redis.call('ZSCORE', KEYS[3], ARGV[2]) or ARGV[5]
redis.call('ZADD', KEYS[4], score, ARGV[2])
local audit = {}
for i = 6, #ARGV do audit[#audit + 1] = ARGV[i] end
redis.call('XADD', KEYS[2], '*', unpack(audit))
return 1
`)

// MarkIncident records that school's entry id is a safeguarding incident
// without a category or notes; see RecordIncident.
func (s *Store) MarkIncident(ctx context.Context, school, id string, by Actor) error {
	return s.RecordIncident(ctx, school, id, Incident{By: by})
}

// RecordIncident records that school's entry id is a safeguarding
// incident, with a category and notes (recording again replaces them): the
// entry is then kept for the incident retention (IncidentRetentionFor),
// listed under Query.Status StatusIncident, and the audit stream records
// it with the category in its detail.
func (s *Store) RecordIncident(ctx context.Context, school, id string, inc Incident) error {
	if err := validName("school", school); err != nil {
		return fmt.Errorf("quarantine: incident %s: %w", id, err)
	}
	if err := validID(id); err != nil {
		return fmt.Errorf("quarantine: incident: %w", err)
	}
	if err := inc.By.check(ActionIncident); err != nil {
		return fmt.Errorf("quarantine: incident %s: %w", id, err)
	}
	if len(inc.Category) > 128 || len(inc.Notes) > 8<<10 {
		return fmt.Errorf("quarantine: incident %s: %w: category over 128 bytes or notes over 8 KiB", id, ErrInvalid)
	}
	now := s.now()
	detail := ""
	if inc.Category != "" {
		detail = "category " + inc.Category
	}
	args := []any{s.IncidentRetentionFor(school).Milliseconds(), id, inc.Category, inc.Notes, now.UnixMilli()}
	args = append(args, inc.By.record(ActionIncident, id, now, detail).args()...)
	keys := []string{s.entryKey(school, id), s.auditKey(school), s.indexKey(school), s.statusKey(school, StatusIncident)}
	n, err := incidentScript.Run(ctx, s.rdb, keys, args...).Int()
	if err != nil {
		return fmt.Errorf("quarantine: incident %s: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("quarantine: incident %s: %w", id, ErrNotFound)
	}
	return nil
}

// CopyOptions are the details of "send me a copy".
type CopyOptions struct {
	// By is who asks and why (required).
	By Actor
	// To are the reviewer's addresses (required).
	To []string
	// From is the envelope and header sender of the copy (lychgate's
	// notification address).
	From string
}

// Copy forwards the held message of school's entry id to o.To as evidence,
// wrapped as a message/rfc822 attachment of a new message from o.From, so
// it reaches the reviewer and not the original recipients, and it stays
// held. The audit stream records it. It returns an error wrapping
// ErrNotHeld when the message is no longer held (released or deleted: the
// body is gone).
func (s *Store) Copy(ctx context.Context, school, id string, o CopyOptions, deliver Deliverer) error {
	if err := o.By.check(ActionCopy); err != nil {
		return fmt.Errorf("quarantine: copy %s: %w", id, err)
	}
	if len(o.To) == 0 || o.From == "" {
		return fmt.Errorf("quarantine: copy %s: %w: needs to and from addresses", id, ErrInvalid)
	}
	for _, a := range append([]string{o.From}, o.To...) {
		if strings.ContainsAny(a, "\r\n,<>") {
			return fmt.Errorf("quarantine: copy %s: %w: address %q", id, ErrInvalid, a)
		}
	}
	e, raw, err := s.Get(ctx, school, id)
	if err != nil {
		return fmt.Errorf("quarantine: copy: %w", err)
	}
	if raw == nil {
		return fmt.Errorf("quarantine: copy %s: %w (it is %s)", id, ErrNotHeld, e.Status)
	}
	msg := wrapCopy(e, raw, o, s.now())
	if err := deliver(ctx, o.From, o.To, msg); err != nil {
		return fmt.Errorf("quarantine: copy %s: deliver: %w", id, err)
	}
	if err := s.Audit(ctx, school, o.By.record(ActionCopy, id, time.Time{}, "to "+strings.Join(o.To, ","))); err != nil {
		return fmt.Errorf("quarantine: copy %s: delivered, but %w", id, err)
	}
	return nil
}

// wrapCopy builds the evidence copy: a short text part and the original
// as message/rfc822 (RFC 2046 §5.2.1), which keeps it byte for byte.
func wrapCopy(e *Entry, raw []byte, o CopyOptions, now time.Time) []byte {
	boundary := "lychgate-copy-" + e.ID
	var b bytes.Buffer
	subj := mime.QEncoding.Encode("utf-8", "[lychgate copy] "+strings.ToValidUTF8(e.Subject, "?"))
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <copy.%s.%d@lychgate>\r\nAuto-Submitted: auto-generated\r\n",
		o.From, strings.Join(o.To, ", "), subj, now.Format(time.RFC1123Z), e.ID, now.UnixNano())
	fmt.Fprintf(&b, "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=%q\r\n\r\n", boundary)
	fmt.Fprintf(&b, "--%s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n", boundary)
	fmt.Fprintf(&b, "A copy of quarantined message %s (school %s), sent to %s at their request\r\nas evidence. The message is still held; nothing was delivered to its recipients.\r\n\r\n",
		e.ID, e.School, o.By.Who)
	fmt.Fprintf(&b, "--%s\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename=\"%s.eml\"\r\n\r\n", boundary, e.ID)
	b.Write(raw)
	if !bytes.HasSuffix(raw, []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	return b.Bytes()
}

// NotAProblem records that a reviewer judged school's entry id a false
// positive. The entry itself is unchanged (release or delete it as well);
// the audit record is what learners read.
func (s *Store) NotAProblem(ctx context.Context, school, id string, by Actor) error {
	if err := by.check(ActionNotAProblem); err != nil {
		return fmt.Errorf("quarantine: not a problem %s: %w", id, err)
	}
	e, _, err := s.Get(ctx, school, id)
	if err != nil {
		return fmt.Errorf("quarantine: not a problem: %w", err)
	}
	if err := s.Audit(ctx, school, by.record(ActionNotAProblem, id, time.Time{}, "categories "+strings.Join(e.Categories, ","))); err != nil {
		return fmt.Errorf("quarantine: not a problem %s: %w", id, err)
	}
	return nil
}

// AuditQuery selects records of one school's audit stream.
type AuditQuery struct {
	// School is required.
	School string
	// Who, Action and ID, when set, must match exactly (Who
	// case-insensitively).
	Who, Action, ID string
	// Since and Until bound the record's time (Since inclusive, Until
	// exclusive).
	Since, Until time.Time
	// Limit is the most records returned (100 if zero or less, at most
	// 10000).
	Limit int
}

// auditScan is the most stream records one AuditSearch reads.
const auditScan = 50000

// AuditSearch returns the records of q.School's audit stream that match q,
// newest first. It reads the stream backwards over the time range in
// batches and stops after auditScan records, so a search over a long
// history stays bounded.
func (s *Store) AuditSearch(ctx context.Context, q AuditQuery) ([]AuditEntry, error) {
	if err := validName("school", q.School); err != nil {
		return nil, fmt.Errorf("quarantine: audit search: %w", err)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 10000)
	end, start := "+", "-"
	if !q.Until.IsZero() {
		end = fmt.Sprintf("(%d-0", q.Until.UnixMilli())
	}
	if !q.Since.IsZero() {
		start = fmt.Sprintf("%d-0", q.Since.UnixMilli())
	}
	var out []AuditEntry
	for scanned := 0; scanned < auditScan && len(out) < limit; {
		msgs, err := s.rdb.XRevRangeN(ctx, s.auditKey(q.School), end, start, 500).Result()
		if err != nil {
			return nil, fmt.Errorf("quarantine: audit search %s: %w", q.School, err)
		}
		for _, m := range msgs {
			a := decodeAudit(m)
			if (q.Who == "" || strings.EqualFold(a.Who, q.Who)) && (q.Action == "" || a.Action == q.Action) && (q.ID == "" || a.ID == q.ID) {
				out = append(out, a)
				if len(out) == limit {
					break
				}
			}
		}
		scanned += len(msgs)
		if len(msgs) < 500 {
			break
		}
		end = "(" + msgs[len(msgs)-1].ID
	}
	return out, nil
}

func decodeAudit(m redis.XMessage) AuditEntry {
	str := func(k string) string { v, _ := m.Values[k].(string); return v }
	a := AuditEntry{StreamID: m.ID, Who: str("who"), Action: str("action"), ID: str("id"), From: str("from"), Detail: str("detail"), Reason: str("reason")}
	a.When, _ = time.Parse(time.RFC3339Nano, str("when"))
	return a
}

// Counts are the sizes of one school's indexes, for the dashboard.
type Counts struct {
	// Status maps held, released, deleted and incident to their number of
	// entries (index members: entries that expired and were not yet swept
	// are still counted).
	Status map[string]int64
	// Category maps a finding category to its number of entries.
	Category map[string]int64
}

// Counts returns the number of entries per status and category of school,
// for the given categories, in one round trip.
func (s *Store) Counts(ctx context.Context, school string, categories []string) (Counts, error) {
	if err := validName("school", school); err != nil {
		return Counts{}, fmt.Errorf("quarantine: counts: %w", err)
	}
	st := map[string]*redis.IntCmd{}
	cat := map[string]*redis.IntCmd{}
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, name := range Statuses {
			st[name] = p.ZCard(ctx, s.statusKey(school, name))
		}
		for _, c := range categories {
			if validName("category", c) == nil {
				cat[c] = p.ZCard(ctx, s.categoryKey(school, c))
			}
		}
		return nil
	})
	if err != nil {
		return Counts{}, fmt.Errorf("quarantine: counts %s: %w", school, err)
	}
	out := Counts{Status: map[string]int64{}, Category: map[string]int64{}}
	for k, c := range st {
		out.Status[k] = c.Val()
	}
	for k, c := range cat {
		out.Category[k] = c.Val()
	}
	return out, nil
}

// Trend returns how many entries school received on each of the days
// days before until (oldest first), in until's location; each day is
// [midnight, next midnight).
func (s *Store) Trend(ctx context.Context, school string, until time.Time, days int) ([]int64, error) {
	if err := validName("school", school); err != nil {
		return nil, fmt.Errorf("quarantine: trend: %w", err)
	}
	days = min(max(days, 1), 366)
	y, m, d := until.Date()
	first := time.Date(y, m, d, 0, 0, 0, 0, until.Location()).AddDate(0, 0, -(days - 1))
	cmds := make([]*redis.IntCmd, days)
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i := range days {
			from, to := first.AddDate(0, 0, i), first.AddDate(0, 0, i+1)
			cmds[i] = p.ZCount(ctx, s.indexKey(school), fmt.Sprint(from.UnixMilli()), fmt.Sprintf("(%d", to.UnixMilli()))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("quarantine: trend %s: %w", school, err)
	}
	out := make([]int64, days)
	for i, c := range cmds {
		out[i] = c.Val()
	}
	return out, nil
}

// OldestHeld returns up to n of school's held entries, oldest first: the
// review queue.
func (s *Store) OldestHeld(ctx context.Context, school string, n int) ([]Entry, error) {
	if err := validName("school", school); err != nil {
		return nil, fmt.Errorf("quarantine: oldest: %w", err)
	}
	n = min(max(n, 1), MaxListLimit)
	zs, err := s.rdb.ZRangeWithScores(ctx, s.statusKey(school, StatusHeld), 0, int64(n-1)).Result()
	if err != nil {
		return nil, fmt.Errorf("quarantine: oldest %s: %w", school, err)
	}
	cands := make([]cursor, 0, len(zs))
	for _, z := range zs {
		id, _ := z.Member.(string)
		cands = append(cands, cursor{ms: int64(z.Score), id: id})
	}
	metas, err := s.metas(ctx, school, cands)
	if err != nil {
		return nil, fmt.Errorf("quarantine: oldest %s: %w", school, err)
	}
	var out []Entry
	for i, m := range metas {
		if m == nil {
			continue
		}
		e, err := decodeMeta(m[0], m[1:])
		if err != nil {
			s.log.Error("quarantine entry unreadable", "school", school, "id", cands[i].id, "err", err)
			continue
		}
		out = append(out, *e)
	}
	slices.SortStableFunc(out, func(a, b Entry) int { return a.Received.Compare(b.Received) })
	return out, nil
}

// Record is an audit record of action by a concerning no single entry
// (a list, a report, a sign-in); set ID for one that does. Audit fills in
// the time.
func (a Actor) Record(action, detail string) AuditEntry {
	return a.record(action, "", time.Time{}, detail)
}
