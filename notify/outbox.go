package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Kinds of notification.
const (
	KindAlert   = "alert"
	KindDigest  = "digest"
	KindWarning = "warning"
)

// Group is the outbox's consumer group.
const Group = "workers"

// Notification is one message in the outbox, rendered and ready to send.
type Notification struct {
	// Key identifies it for de-duplication: message hash, kind and
	// recipient.
	Key    string
	Kind   string
	School string
	// From is the envelope sender; "" is the null sender (<>).
	From string
	To   []string
	// Data is the whole message, CRLF line ends.
	Data []byte
	// Attempt counts delivery attempts made before this one.
	Attempt int
	// StreamID is the outbox entry id (set when read).
	StreamID string
}

func (n *Notification) fields() []any {
	return []any{"key", n.Key, "kind", n.Kind, "school", n.School, "from", n.From,
		"to", strings.Join(n.To, ","), "data", string(n.Data), "attempt", strconv.Itoa(n.Attempt)}
}

func parseNotification(m redis.XMessage) (*Notification, error) {
	str := func(k string) string { v, _ := m.Values[k].(string); return v }
	n := &Notification{StreamID: m.ID, Key: str("key"), Kind: str("kind"), School: str("school"), From: str("from"), Data: []byte(str("data"))}
	if to := str("to"); to != "" {
		n.To = strings.Split(to, ",")
	}
	n.Attempt, _ = strconv.Atoi(str("attempt"))
	if n.Key == "" || len(n.To) == 0 || len(n.Data) == 0 {
		return n, fmt.Errorf("outbox entry %s: missing key, recipients or data", m.ID)
	}
	return n, nil
}

// Outbox is the Redis stream of pending notifications.
type Outbox struct {
	rdb    redis.UniversalClient
	stream string
	aux    string
	// SeenTTL is how long a de-duplication key is kept.
	seenTTL time.Duration
	log     *slog.Logger
}

// OutboxOptions configures an Outbox.
type OutboxOptions struct {
	// Prefix is the key prefix ("lg" if empty).
	Prefix string
	// SeenTTL is how long an enqueued notification's key blocks a second
	// one (default 7 days: longer than any SMTP retry).
	SeenTTL time.Duration
	Logger  *slog.Logger
}

// NewOutbox returns the outbox in rdb.
func NewOutbox(rdb redis.UniversalClient, o OutboxOptions) *Outbox {
	if o.Prefix == "" {
		o.Prefix = "lg"
	}
	if o.SeenTTL <= 0 {
		o.SeenTTL = 7 * 24 * time.Hour
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	stream := o.Prefix + ":notify"
	return &Outbox{rdb: rdb, stream: stream, aux: "{" + stream + "}:", seenTTL: o.SeenTTL, log: o.Logger}
}

// Stream is the stream key.
func (o *Outbox) Stream() string { return o.stream }

func (o *Outbox) seenKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return o.aux + "seen:" + hex.EncodeToString(sum[:16])
}
func (o *Outbox) rateKey(key string) string      { return o.aux + "rl:" + key }
func (o *Outbox) digestKey(school string) string { return o.aux + "digest:" + school }
func (o *Outbox) pendingKey(school string) string {
	return o.aux + "digest:" + school + ":pending"
}
func (o *Outbox) retryKey() string { return o.aux + "retry" }
func (o *Outbox) deadKey() string  { return o.aux + "dead" }

// enqueueScript adds a notification unless its key was seen, subject to a
// rate limit; over the limit it goes to a digest buffer (or is dropped).
// With limit -1 it always goes to the digest buffer.
//
// KEYS[1] stream, [2] seen key, [3] rate key, [4] digest buffer
// ARGV[1] seen ttl ms, [2] rate window ms, [3] limit (0: none, -1: digest),
// [4] digest item ("" to drop), [5..] stream fields
// Returns the stream id, "dup", "digest" or "limited".
var enqueueScript = redis.NewScript(`
if not redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[1]) then return 'dup' end
local limit = tonumber(ARGV[3])
if limit == -1 then
  redis.call('RPUSH', KEYS[4], ARGV[4])
  return 'digest'
end
if limit > 0 then
  local n = redis.call('INCR', KEYS[3])
  if n == 1 then redis.call('PEXPIRE', KEYS[3], ARGV[2]) end
  if n > limit then
    if ARGV[4] ~= '' then
      redis.call('RPUSH', KEYS[4], ARGV[4])
      return 'digest'
    end
    return 'limited'
  end
end
local f = {}
for i = 5, #ARGV do f[#f + 1] = ARGV[i] end
return redis.call('XADD', KEYS[1], '*', unpack(f))
`)

// Limit is a rate limit for Enqueue: at most Max notifications with the
// same Key in Window. Max 0 means no limit.
type Limit struct {
	Key    string
	Max    int
	Window time.Duration
	// DigestItem, when set, is added to School's digest buffer instead when
	// the limit is reached.
	DigestItem []byte
}

// Result is what Enqueue did.
type Result string

// Enqueue results.
const (
	Queued    Result = "queued"
	Duplicate Result = "duplicate"
	Digested  Result = "digest"
	Limited   Result = "limited"
)

// Enqueue adds n to the outbox unless a notification with the same key was
// enqueued before (Duplicate), or the rate limit diverts it to the digest
// (Digested) or drops it (Limited). All of it is one atomic step.
func (o *Outbox) Enqueue(ctx context.Context, n *Notification, lim Limit) (Result, error) {
	if n.Key == "" || len(n.To) == 0 {
		return "", fmt.Errorf("notify: enqueue: key and recipients are required")
	}
	rk := o.rateKey("none")
	if lim.Key != "" {
		rk = o.rateKey(lim.Key)
	}
	args := []any{o.seenTTL.Milliseconds(), max(lim.Window.Milliseconds(), 1), lim.Max, string(lim.DigestItem)}
	args = append(args, n.fields()...)
	res, err := enqueueScript.Run(ctx, o.rdb, []string{o.stream, o.seenKey(n.Key), rk, o.digestKey(n.School)}, args...).Text()
	if err != nil {
		return "", fmt.Errorf("notify: enqueue %s: %w", n.Key, err)
	}
	switch res {
	case "dup":
		return Duplicate, nil
	case "digest":
		return Digested, nil
	case "limited":
		return Limited, nil
	}
	n.StreamID = res
	return Queued, nil
}

// AddToDigest adds item to school's digest buffer once per key.
func (o *Outbox) AddToDigest(ctx context.Context, school, key string, item []byte) (Result, error) {
	args := []any{o.seenTTL.Milliseconds(), 1, -1, string(item)}
	res, err := enqueueScript.Run(ctx, o.rdb, []string{o.stream, o.seenKey(key), o.rateKey("none"), o.digestKey(school)}, args...).Text()
	if err != nil {
		return "", fmt.Errorf("notify: digest %s: %w", key, err)
	}
	if res == "dup" {
		return Duplicate, nil
	}
	return Digested, nil
}

// takeDigestScript moves a school's digest buffer to its pending key
// unless a pending batch (from a flush that died) is still there.
// KEYS[1] buffer, KEYS[2] pending. Returns 1 if there is a pending batch.
var takeDigestScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[2]) == 1 then return 1 end
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('RENAME', KEYS[1], KEYS[2])
return 1
`)

// takeDigest returns the pending digest items of school (nil if none).
func (o *Outbox) takeDigest(ctx context.Context, school string) ([]string, error) {
	n, err := takeDigestScript.Run(ctx, o.rdb, []string{o.digestKey(school), o.pendingKey(school)}).Int()
	if err != nil || n == 0 {
		return nil, err
	}
	return o.rdb.LRange(ctx, o.pendingKey(school), 0, -1).Result()
}

func (o *Outbox) dropDigest(ctx context.Context, school string) error {
	return o.rdb.Del(ctx, o.pendingKey(school)).Err()
}

// ensureGroup creates the stream and its consumer group if needed.
func (o *Outbox) ensureGroup(ctx context.Context) error {
	err := o.rdb.XGroupCreateMkStream(ctx, o.stream, Group, "0").Err()
	if err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
		return fmt.Errorf("notify: create consumer group: %w", err)
	}
	return nil
}

// ackScript acknowledges and deletes an entry. KEYS[1] stream; ARGV group, id.
var ackScript = redis.NewScript(`
local n = redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
return n
`)

func (o *Outbox) ack(ctx context.Context, id string) error {
	return ackScript.Run(ctx, o.rdb, []string{o.stream}, Group, id).Err()
}

// renewScript makes sure consumer still owns a pending entry and resets
// its idle time, so that no other worker takes it over (XAUTOCLAIM after
// ClaimIdle) while this one delivers it. An entry of a batch waits while
// the ones before it are delivered; without renewing, a slow batch (a
// Redis failover stalls every acknowledgement) ages its last entries past
// ClaimIdle and another worker sends them too. KEYS[1] stream; ARGV
// group, id, consumer. Returns 1 when the entry is consumer's, else 0.
var renewScript = redis.NewScript(`
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)
if #p == 0 or p[1][2] ~= ARGV[3] then
  return 0
end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[3], 0, ARGV[2], 'JUSTID')
return 1
`)

// renew reports whether consumer still owns entry id, and if so resets its
// idle time (see renewScript).
func (o *Outbox) renew(ctx context.Context, id, consumer string) (bool, error) {
	n, err := renewScript.Run(ctx, o.rdb, []string{o.stream}, Group, id, consumer).Int()
	if err != nil {
		return false, fmt.Errorf("notify: renew %s: %w", id, err)
	}
	return n == 1, nil
}

// retryScript acknowledges an entry and schedules a copy for later, in one
// step. KEYS[1] stream, KEYS[2] retry zset; ARGV group, id, due ms, member.
var retryScript = redis.NewScript(`
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
return 1
`)

func (o *Outbox) retry(ctx context.Context, n *Notification, due time.Time) error {
	member, err := json.Marshal(n.fields())
	if err != nil {
		return err
	}
	return retryScript.Run(ctx, o.rdb, []string{o.stream, o.retryKey()}, Group, n.StreamID, due.UnixMilli(), member).Err()
}

// deadScript acknowledges an entry that will not be tried again and keeps
// it in a list for the operator. KEYS[1] stream, KEYS[2] dead list.
var deadScript = redis.NewScript(`
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('LPUSH', KEYS[2], ARGV[3])
redis.call('LTRIM', KEYS[2], 0, 9999)
return 1
`)

func (o *Outbox) dead(ctx context.Context, n *Notification, why string) error {
	member, err := json.Marshal(append(n.fields(), "error", why))
	if err != nil {
		return err
	}
	return deadScript.Run(ctx, o.rdb, []string{o.stream, o.deadKey()}, Group, n.StreamID, member).Err()
}

// promoteScript moves due retries back into the stream.
// KEYS[1] stream, KEYS[2] retry zset; ARGV now ms. Returns how many.
var promoteScript = redis.NewScript(`
local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, 100)
for _, m in ipairs(due) do
  redis.call('XADD', KEYS[1], '*', unpack(cjson.decode(m)))
  redis.call('ZREM', KEYS[2], m)
end
return #due
`)

func (o *Outbox) promote(ctx context.Context, now time.Time) (int, error) {
	return promoteScript.Run(ctx, o.rdb, []string{o.stream, o.retryKey()}, now.UnixMilli()).Int()
}

// Pending reports how many notifications wait: in the stream (read or
// not, unacknowledged) and scheduled for retry.
func (o *Outbox) Pending(ctx context.Context) (inStream, retrying int64, err error) {
	inStream, err = o.rdb.XLen(ctx, o.stream).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return 0, 0, fmt.Errorf("notify: pending: %w", err)
	}
	retrying, err = o.rdb.ZCard(ctx, o.retryKey()).Result()
	if err != nil {
		return 0, 0, fmt.Errorf("notify: pending: %w", err)
	}
	return inStream, retrying, nil
}
