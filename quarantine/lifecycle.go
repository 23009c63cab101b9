package quarantine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrNotHeld is returned by Release and Delete when the entry is no longer
// held: someone else released or deleted it first (or is releasing it right
// now). The error text says which.
var ErrNotHeld = errors.New("quarantine: entry is not held")

// Actor is who does something to an entry, and from where: a signed-in
// reviewer's name and the client address, or a CLI user and host.
type Actor struct {
	// Who is the reviewer (user name or address). Required for actions.
	Who string
	// From is where the action came from ("cli@host", "192.0.2.7").
	From string
	// Reason is why (free text, optional); it is kept in the audit record.
	Reason string
}

func (a Actor) check(action string) error {
	if strings.TrimSpace(a.Who) == "" {
		return fmt.Errorf("%w: %s needs a reviewer name", ErrInvalid, action)
	}
	return nil
}

// Audit actions.
const (
	ActionView     = "view"
	ActionRelease  = "release"
	ActionDelete   = "delete"
	ActionExport   = "export"
	ActionIncident = "incident"
	ActionExpire   = "expire"
	ActionList     = "list"
)

// AuditEntry is one record of the audit stream.
type AuditEntry struct {
	// StreamID is the Redis stream id ("" before it is written).
	StreamID string    `json:"stream_id,omitempty"`
	Who      string    `json:"who"`
	Action   string    `json:"action"`
	ID       string    `json:"id,omitempty"`
	When     time.Time `json:"when"`
	From     string    `json:"from"`
	Detail   string    `json:"detail,omitempty"`
	// Reason is the reviewer's "why", if they gave one.
	Reason string `json:"reason,omitempty"`
}

func (a AuditEntry) args() []any {
	return []any{"who", a.Who, "action", a.Action, "id", a.ID,
		"when", a.When.UTC().Format(time.RFC3339Nano), "from", a.From, "detail", a.Detail, "reason", a.Reason}
}

// record is the audit record of an action by a.
func (a Actor) record(action, id string, when time.Time, detail string) AuditEntry {
	return AuditEntry{Who: a.Who, From: a.From, Reason: a.Reason, Action: action, ID: id, When: when, Detail: detail}
}

// Audit appends a record to school's audit stream <prefix>:{school}:audit.
// Release, Delete, MarkIncident and Sweep write their own records
// atomically with the change; views, lists and exports are recorded by the
// caller through Audit (or View).
func (s *Store) Audit(ctx context.Context, school string, a AuditEntry) error {
	if err := validName("school", school); err != nil {
		return fmt.Errorf("quarantine: audit: %w", err)
	}
	if a.When.IsZero() {
		a.When = s.now()
	}
	if err := s.rdb.XAdd(ctx, &redis.XAddArgs{Stream: s.auditKey(school), Values: a.args()}).Err(); err != nil {
		return fmt.Errorf("quarantine: audit %s %s: %w", school, a.Action, err)
	}
	return nil
}

// AuditLog returns up to count records of school's audit stream, oldest
// first (count <= 0: all).
func (s *Store) AuditLog(ctx context.Context, school string, count int64) ([]AuditEntry, error) {
	if err := validName("school", school); err != nil {
		return nil, fmt.Errorf("quarantine: audit log: %w", err)
	}
	var (
		msgs []redis.XMessage
		err  error
	)
	if count > 0 {
		msgs, err = s.rdb.XRangeN(ctx, s.auditKey(school), "-", "+", count).Result()
	} else {
		msgs, err = s.rdb.XRange(ctx, s.auditKey(school), "-", "+").Result()
	}
	if err != nil {
		return nil, fmt.Errorf("quarantine: audit log %s: %w", school, err)
	}
	out := make([]AuditEntry, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, decodeAudit(m))
	}
	return out, nil
}

// View is Find for a person: it records the view in the audit stream of
// the entry's school before returning the entry.
func (s *Store) View(ctx context.Context, schools []string, id string, by Actor) (*Entry, []byte, error) {
	if err := by.check(ActionView); err != nil {
		return nil, nil, fmt.Errorf("quarantine: view %s: %w", id, err)
	}
	e, raw, err := s.Find(ctx, schools, id)
	if err != nil {
		return nil, nil, err
	}
	if err := s.Audit(ctx, e.School, by.record(ActionView, id, time.Time{}, "")); err != nil {
		return nil, nil, fmt.Errorf("quarantine: view %s: %w", id, err)
	}
	return e, raw, nil
}

// claimScript takes an entry for release: held -> releasing with a claim
// token, atomically, so only one of any number of racing callers wins. A
// claim older than ARGV[3] ms (its holder died) may be taken over.
//
// KEYS[1] entry; ARGV token, now ms, stale ms
// Returns "ok", "missing" or the current status.
var claimScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 'missing' end
local st = redis.call('HGET', KEYS[1], 'st')
if st == 'releasing' then
  local at = tonumber(redis.call('HGET', KEYS[1], 'claim_at') or '0')
  if tonumber(ARGV[2]) - at < tonumber(ARGV[3]) then return st end
elseif st ~= 'held' then
  return st or 'unknown'
end
if redis.call('HEXISTS', KEYS[1], 'raw') == 0 then return 'nobody' end
redis.call('HSET', KEYS[1], 'st', 'releasing', 'claim', ARGV[1], 'claim_at', ARGV[2])
return 'ok'
`)

// finishScript completes (ARGV[2] = "released") or abandons (ARGV[2] =
// "held") a claim, if the claim is still ours. On completion the message
// body is removed (the tombstone stays until retention ends), the status
// indexes are updated and the audit record is written, all atomically.
//
// KEYS[1] entry, KEYS[2] st:held, KEYS[3] st:released, KEYS[4] audit
// ARGV token, status, id, reviewer, now ms, released to, then audit
// field/value pairs. Returns 1, or 0 if the claim was lost.
var finishScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'claim') ~= ARGV[1] then return 0 end
redis.call('HDEL', KEYS[1], 'claim', 'claim_at')
if ARGV[2] == 'held' then
  redis.call('HSET', KEYS[1], 'st', 'held')
  return 1
end
redis.call('HDEL', KEYS[1], 'raw')
redis.call('HSET', KEYS[1], 'st', 'released', 'by', ARGV[4], 'at', ARGV[5], 'to', ARGV[6])
local score = redis.call('ZSCORE', KEYS[2], ARGV[3]) or ARGV[5]
redis.call('ZREM', KEYS[2], ARGV[3])
redis.call('ZADD', KEYS[3], score, ARGV[3])
local audit = {}
for i = 7, #ARGV do audit[#audit + 1] = ARGV[i] end
redis.call('XADD', KEYS[4], '*', unpack(audit))
return 1
`)

// Deliverer sends a released message: raw as stored, with envelope sender
// from, to the given recipients, through the right next hop. It returns
// nil only once the next hop accepted every recipient.
type Deliverer func(ctx context.Context, from string, to []string, raw []byte) error

// ReleaseOptions are the details of one release.
type ReleaseOptions struct {
	// By is who releases and from where (required).
	By Actor
	// To, when set, delivers to these addresses instead of the held
	// recipients (e.g. to the DSL themselves).
	To []string
	// StaleClaim is how long a claim whose holder died blocks others
	// (default 10 minutes).
	StaleClaim time.Duration
}

// Release delivers the held message of school's entry id with deliver,
// exactly once however many people or instances release it at the same
// time: an atomic claim lets only one caller deliver; the others get an
// error wrapping ErrNotHeld. If delivery fails the entry is held again and
// the error returned. On success the entry becomes a "released" tombstone
// (metadata, who, when, to whom; no body) and the audit stream records it.
//
// A process that dies between the next hop's acceptance and the final
// write leaves the entry "releasing"; after StaleClaim it can be released
// again, which may deliver a second copy (never none).
func (s *Store) Release(ctx context.Context, school, id string, o ReleaseOptions, deliver Deliverer) (*Entry, error) {
	if err := validName("school", school); err != nil {
		return nil, fmt.Errorf("quarantine: release %s: %w", id, err)
	}
	if err := validID(id); err != nil {
		return nil, fmt.Errorf("quarantine: release: %w", err)
	}
	if err := o.By.check(ActionRelease); err != nil {
		return nil, fmt.Errorf("quarantine: release %s: %w", id, err)
	}
	if o.StaleClaim <= 0 {
		o.StaleClaim = 10 * time.Minute
	}
	key := s.entryKey(school, id)
	token := newToken()
	st, err := claimScript.Run(ctx, s.rdb, []string{key}, token, s.now().UnixMilli(), o.StaleClaim.Milliseconds()).Text()
	if err != nil {
		return nil, fmt.Errorf("quarantine: release %s: claim: %w", id, err)
	}
	switch st {
	case "ok":
	case "missing":
		return nil, fmt.Errorf("quarantine: release %s: %w", id, ErrNotFound)
	default:
		return nil, fmt.Errorf("quarantine: release %s: %w (it is %s)", id, ErrNotHeld, st)
	}
	finish := func(ctx context.Context, status string, e *Entry, to []string) (int, error) {
		now := s.now()
		keys := []string{key, s.statusKey(school, StatusHeld), s.statusKey(school, StatusReleased), s.auditKey(school)}
		args := []any{token, status, id, o.By.Who, now.UnixMilli(), strings.Join(to, ",")}
		if e != nil {
			args = append(args, o.By.record(ActionRelease, id, now, "to "+strings.Join(to, ",")).args()...)
		}
		return finishScript.Run(ctx, s.rdb, keys, args...).Int()
	}
	abandon := func() {
		// Even if ctx is done: the claim must not block others for long.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if _, err := finish(ctx, StatusHeld, nil, nil); err != nil {
			s.log.Warn("quarantine release claim not returned; it expires after the stale time", "id", id, "err", err)
		}
	}

	e, raw, err := s.Get(ctx, school, id)
	if err != nil {
		abandon()
		return nil, fmt.Errorf("quarantine: release %s: %w", id, err)
	}
	to := o.To
	if len(to) == 0 {
		to = e.Held
	}
	if err := deliver(ctx, e.From, to, raw); err != nil {
		abandon()
		return nil, fmt.Errorf("quarantine: release %s: deliver: %w", id, err)
	}
	// Delivered: record it even if the caller's ctx has ended meanwhile.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	n, err := finish(fctx, StatusReleased, e, to)
	if err != nil {
		return nil, fmt.Errorf("quarantine: release %s: delivered, but recording it failed: %w", id, err)
	}
	if n == 0 {
		return nil, fmt.Errorf("quarantine: release %s: delivered, but the claim was taken over meanwhile", id)
	}
	e.Status, e.Reviewer, e.ReleasedTo, e.Acted = StatusReleased, o.By.Who, to, time.UnixMilli(s.now().UnixMilli()).UTC()
	return e, nil
}

// deleteScript removes the body of a held or released entry and marks it
// deleted, moving it between the status indexes and writing the audit
// record, atomically.
//
// KEYS[1] entry, KEYS[2] st:held, KEYS[3] st:released, KEYS[4] st:deleted,
// KEYS[5] audit; ARGV id, reviewer, now ms, then audit field/value pairs.
// Returns "ok", "missing" or the status that forbids it.
var deleteScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 'missing' end
local st = redis.call('HGET', KEYS[1], 'st')
if st == 'deleted' or st == 'releasing' then return st end
redis.call('HDEL', KEYS[1], 'raw')
redis.call('HSET', KEYS[1], 'st', 'deleted', 'by', ARGV[2], 'at', ARGV[3])
local score = redis.call('ZSCORE', KEYS[2], ARGV[1]) or redis.call('ZSCORE', KEYS[3], ARGV[1]) or ARGV[3]
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZADD', KEYS[4], score, ARGV[1])
local audit = {}
for i = 4, #ARGV do audit[#audit + 1] = ARGV[i] end
redis.call('XADD', KEYS[5], '*', unpack(audit))
return 'ok'
`)

// Delete removes the message of school's entry id and keeps its metadata as
// a "deleted" tombstone until retention ends (so the audit trail can show
// what was deleted, and a late SMTP retry cannot bring it back). It
// returns an error wrapping ErrNotHeld if the entry is already deleted or
// being released.
func (s *Store) Delete(ctx context.Context, school, id string, by Actor) error {
	if err := validName("school", school); err != nil {
		return fmt.Errorf("quarantine: delete %s: %w", id, err)
	}
	if err := validID(id); err != nil {
		return fmt.Errorf("quarantine: delete: %w", err)
	}
	if err := by.check(ActionDelete); err != nil {
		return fmt.Errorf("quarantine: delete %s: %w", id, err)
	}
	now := s.now()
	keys := []string{s.entryKey(school, id), s.statusKey(school, StatusHeld), s.statusKey(school, StatusReleased),
		s.statusKey(school, StatusDeleted), s.auditKey(school)}
	args := []any{id, by.Who, now.UnixMilli()}
	args = append(args, by.record(ActionDelete, id, now, "").args()...)
	st, err := deleteScript.Run(ctx, s.rdb, keys, args...).Text()
	if err != nil {
		return fmt.Errorf("quarantine: delete %s: %w", id, err)
	}
	switch st {
	case "ok":
		return nil
	case "missing":
		return fmt.Errorf("quarantine: delete %s: %w", id, ErrNotFound)
	}
	return fmt.Errorf("quarantine: delete %s: %w (it is %s)", id, ErrNotHeld, st)
}

// Sweep removes the index members of school's entries whose retention has
// ended (Redis expired their hash) and records each as "expired" in the
// audit stream. List and Search also skip and drop such members as they
// meet them; Sweep makes sure it happens for entries nobody lists. It
// returns how many it removed.
func (s *Store) Sweep(ctx context.Context, school string) (int, error) {
	if err := validName("school", school); err != nil {
		return 0, fmt.Errorf("quarantine: sweep: %w", err)
	}
	const batch = 1000
	idx := s.indexKey(school)
	removed := 0
	for offset := int64(0); ; {
		ids, err := s.rdb.ZRange(ctx, idx, offset, offset+batch-1).Result()
		if err != nil {
			return removed, fmt.Errorf("quarantine: sweep %s: %w", school, err)
		}
		if len(ids) == 0 {
			return removed, nil
		}
		exists := make([]*redis.IntCmd, len(ids))
		if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, id := range ids {
				exists[i] = p.Exists(ctx, s.entryKey(school, id))
			}
			return nil
		}); err != nil {
			return removed, fmt.Errorf("quarantine: sweep %s: %w", school, err)
		}
		var gone []string
		for i, c := range exists {
			if c.Val() == 0 {
				gone = append(gone, ids[i])
			}
		}
		offset += int64(len(ids))
		if len(gone) == 0 {
			continue
		}
		if !s.dropStale(ctx, school, idx, gone) {
			return removed, fmt.Errorf("quarantine: sweep %s: index clean-up failed", school)
		}
		offset -= int64(len(gone))
		removed += len(gone)
		now := s.now()
		if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, id := range gone {
				p.XAdd(ctx, &redis.XAddArgs{Stream: s.auditKey(school),
					Values: AuditEntry{Who: "lychgate", From: "retention", Action: ActionExpire, ID: id, When: now}.args()})
			}
			return nil
		}); err != nil {
			return removed, fmt.Errorf("quarantine: sweep %s: audit: %w", school, err)
		}
	}
}

func newToken() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:]) + "." + strconv.FormatInt(time.Now().UnixNano(), 36)
}
