package quarantine

import (
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/lychgate/lychgate/scanners"
)

// ErrNotFound is returned by Get and Find when there is no such entry (it
// never existed, or it has expired).
var ErrNotFound = errors.New("quarantine: entry not found")

// ErrInvalid wraps errors about arguments that can never succeed: a bad
// school id, entry id, category or cursor.
var ErrInvalid = errors.New("quarantine: invalid argument")

// DefaultPrefix is the key prefix when Options.Prefix is empty.
const DefaultPrefix = "lg"

// DefaultRetention is how long an entry is kept when Options.Retention is
// zero. Retention is never unlimited: quarantined mail is personal data.
const DefaultRetention = 30 * 24 * time.Hour

// Hash fields of an entry.
const (
	fieldMeta = "meta"
	fieldRaw  = "raw"
	fieldEnc  = "enc"
	encFlate  = "deflate"

	// Lifecycle fields, authoritative over the metadata JSON.
	fieldStatus     = "st"
	fieldReviewer   = "by"
	fieldActed      = "at" // unix ms
	fieldReleasedTo = "to" // comma-separated
	fieldIncident   = "inc"
	fieldIncCat     = "icat"
	fieldIncNotes   = "inotes"
	fieldClaim      = "claim"

	// Search fields, read by the search script: lower-cased.
	fieldSeverity = "sev" // scanners.Severity as a number
	fieldDir      = "dir"
	fieldFrom     = "from"
	fieldRcpt     = "rcpt" // "\n"-joined recipients
	fieldText     = "text" // subject, findings
)

// readFields are what Get and List read; decodeEntry expects this order.
var readFields = []string{fieldMeta, fieldRaw, fieldEnc, fieldStatus, fieldReviewer, fieldActed, fieldReleasedTo, fieldIncident, fieldIncCat, fieldIncNotes}

// Options configures a Store.
type Options struct {
	// Prefix starts every key; DefaultPrefix ("lg") if empty. It must not
	// contain '{' or '}'.
	Prefix string
	// Retention is the TTL of each entry; DefaultRetention if zero or less.
	Retention time.Duration
	// SeverityRetention overrides Retention for entries whose worst finding
	// has the given severity.
	SeverityRetention map[scanners.Severity]time.Duration
	// IncidentRetention is the TTL of an entry marked as an incident
	// (DefaultIncidentRetention if zero or less). Marking never shortens.
	IncidentRetention time.Duration
	// Schools overrides the retention per school id.
	Schools map[string]Retention
	// Logger receives warnings (index clean-up failures); discarded if nil.
	Logger *slog.Logger
	// Now returns the current time (tests); nil means time.Now.
	Now func() time.Time
}

// Retention is one school's retention: zero fields fall back to Options.
type Retention struct {
	Held     time.Duration
	Incident time.Duration
	Severity map[scanners.Severity]time.Duration
}

// DefaultIncidentRetention is the TTL of an incident when
// Options.IncidentRetention is zero.
const DefaultIncidentRetention = 365 * 24 * time.Hour

// Store is the quarantine in Redis. It is safe for concurrent use.
type Store struct {
	rdb       redis.UniversalClient
	prefix    string
	retention time.Duration
	opts      Options
	log       *slog.Logger
	now       func() time.Time
}

// New returns a Store that keeps its entries in rdb. rdb may be a single
// node, Sentinel or Cluster client; create it with ContextTimeoutEnabled so
// ctx deadlines bound every command.
func New(rdb redis.UniversalClient, opts Options) *Store {
	s := &Store{rdb: rdb, prefix: opts.Prefix, retention: opts.Retention, log: opts.Logger, opts: opts, now: opts.Now}
	if s.prefix == "" {
		s.prefix = DefaultPrefix
	}
	if s.retention <= 0 {
		s.retention = DefaultRetention
	}
	if s.opts.IncidentRetention <= 0 {
		s.opts.IncidentRetention = DefaultIncidentRetention
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// RetentionFor is how long an entry of school whose worst finding is sev is
// kept: the school's severity setting, then the global severity setting,
// then the school's held retention, then Options.Retention.
func (s *Store) RetentionFor(school string, sev scanners.Severity) time.Duration {
	sr := s.opts.Schools[school]
	if d := sr.Severity[sev]; d > 0 {
		return d
	}
	if d := s.opts.SeverityRetention[sev]; d > 0 {
		return d
	}
	if sr.Held > 0 {
		return sr.Held
	}
	return s.retention
}

// IncidentRetentionFor is how long an entry of school marked as an
// incident is kept.
func (s *Store) IncidentRetentionFor(school string) time.Duration {
	if d := s.opts.Schools[school].Incident; d > 0 {
		return d
	}
	return s.opts.IncidentRetention
}

// Keys. The school id is the hash tag, so all keys of one school share a
// Cluster slot.

func (s *Store) schoolKey(school string) string { return s.prefix + ":{" + school + "}:q:" }
func (s *Store) entryKey(school, id string) string {
	return s.schoolKey(school) + id
}
func (s *Store) indexKey(school string) string { return s.schoolKey(school) + "idx" }
func (s *Store) categoryKey(school, cat string) string {
	return s.schoolKey(school) + "cat:" + cat
}
func (s *Store) statusKey(school, status string) string {
	return s.schoolKey(school) + "st:" + status
}

// addrKey is the index of the entries an address sent or received.
func (s *Store) addrKey(school, addr string) string {
	return s.schoolKey(school) + "addr:" + strings.ToLower(addr)
}

// addressKeys are the address indexes of e: its sender and every recipient,
// each once.
func addressKeys(s *Store, e *Entry) []string {
	var keys []string
	for _, a := range append([]string{e.From}, e.Recipients...) {
		if a == "" {
			continue
		}
		if k := s.addrKey(e.School, a); !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

func (s *Store) auditKey(school string) string { return s.prefix + ":{" + school + "}:audit" }

// putScript writes an entry and its index members in one atomic step unless
// the entry exists (held, or a released or deleted tombstone: a late SMTP
// retry must not bring a deleted message back). It returns 1 if it wrote
// the entry, 0 if it existed.
//
// KEYS[1] entry hash, KEYS[2..] indexes (sorted sets); the last ARGV[7]
// of them are address indexes, which live as long as their longest-lived
// entry.
// ARGV meta, raw, enc, ttl ms, score, id, number of address indexes, then
// field/value pairs
var putScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], 'meta', ARGV[1], 'raw', ARGV[2], 'enc', ARGV[3])
for i = 8, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
local ttl = tonumber(ARGV[4])
redis.call('PEXPIRE', KEYS[1], ttl)
local firstaddr = #KEYS - tonumber(ARGV[7]) + 1
for i = 2, #KEYS do
  redis.call('ZADD', KEYS[i], ARGV[5], ARGV[6])
  if i >= firstaddr then
    local cur = redis.call('PTTL', KEYS[i])
    if cur >= 0 and cur < ttl or cur == -1 then
      redis.call('PEXPIRE', KEYS[i], ttl)
    end
  end
end
return 1
`)

// Put stores e with the raw message unless an entry with the same id exists,
// and reports whether it created one. It fills in e.Hash, e.ID, e.Status
// ("held"), e.Received (now) and e.Categories (from e.Findings) when they
// are empty, raises e.MaxSeverity to the highest finding's and sets e.Size to
// len(raw). The entry, its TTL (RetentionFor) and its index members
// are written atomically; when Put returns nil the entry is as durable as
// Redis makes it. An existing entry is left untouched (created is false):
// that is an SMTP retry of a message already held, or of one already
// released or deleted (whose tombstone lasts until retention ends).
func (s *Store) Put(ctx context.Context, e *Entry, raw []byte) (created bool, err error) {
	return s.PutWithHeader(ctx, e, nil, raw)
}

// PutWithHeader is Put for the message header followed by raw (the relay's
// Received line and the message as received), without joining them: a
// large message is not copied to be stored.
func (s *Store) PutWithHeader(ctx context.Context, e *Entry, header, raw []byte) (created bool, err error) {
	if e == nil {
		return false, fmt.Errorf("quarantine: put: %w: nil entry", ErrInvalid)
	}
	if err := validName("school", e.School); err != nil {
		return false, fmt.Errorf("quarantine: put %s: %w", e.ID, err)
	}
	hw := sha256.New()
	hw.Write(header)
	hw.Write(raw)
	contentHash := hex.EncodeToString(hw.Sum(nil))
	if e.Hash != "" && e.Hash != contentHash {
		return false, fmt.Errorf("quarantine: put %s: %w: hash %s does not match the raw message", e.ID, ErrInvalid, e.Hash)
	}
	e.fill(contentHash, len(header)+len(raw), s.now())
	e.Status = StatusHeld
	if err := validID(e.ID); err != nil {
		return false, fmt.Errorf("quarantine: put: %w", err)
	}
	keys := make([]string, 0, 3+len(e.Categories))
	keys = append(keys, s.entryKey(e.School, e.ID), s.indexKey(e.School), s.statusKey(e.School, StatusHeld))
	for _, c := range e.Categories {
		if err := validName("category", c); err != nil {
			return false, fmt.Errorf("quarantine: put %s: %w", e.ID, err)
		}
		keys = append(keys, s.categoryKey(e.School, c))
	}
	addrs := addressKeys(s, e)
	keys = append(keys, addrs...)
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("quarantine: put %s: %w", e.ID, err)
	}

	meta, err := json.Marshal(e)
	if err != nil {
		return false, fmt.Errorf("quarantine: put %s: encode: %w", e.ID, err)
	}
	packed, err := compress(header, raw)
	if err != nil {
		return false, fmt.Errorf("quarantine: put %s: compress: %w", e.ID, err)
	}
	ttl := s.RetentionFor(e.School, e.MaxSeverity)
	args := []any{meta, packed, encFlate, ttl.Milliseconds(), e.Received.UnixMilli(), e.ID, len(addrs)}
	args = append(args, searchFields(e)...)
	n, err := putScript.Run(ctx, s.rdb, keys, args...).Int()
	if err != nil {
		return false, fmt.Errorf("quarantine: put %s: %w", e.ID, err)
	}
	return n == 1, nil
}

// Get returns the entry id of school and its raw message, decompressed and
// checked against the entry's hash. The raw message is nil for a released
// or deleted entry (a tombstone). It returns an error wrapping ErrNotFound
// if there is no such entry.
func (s *Store) Get(ctx context.Context, school, id string) (*Entry, []byte, error) {
	if err := validName("school", school); err != nil {
		return nil, nil, fmt.Errorf("quarantine: get %s: %w", id, err)
	}
	if err := validID(id); err != nil {
		return nil, nil, fmt.Errorf("quarantine: get: %w", err)
	}
	return s.Find(ctx, []string{school}, id)
}

// Find looks for entry id in each of schools (the schools a user may see)
// in one round trip, and returns the first it finds, in the order given. It
// returns an error wrapping ErrNotFound if none has it.
func (s *Store) Find(ctx context.Context, schools []string, id string) (*Entry, []byte, error) {
	if err := validID(id); err != nil {
		return nil, nil, fmt.Errorf("quarantine: find: %w", err)
	}
	for _, school := range schools {
		if err := validName("school", school); err != nil {
			return nil, nil, fmt.Errorf("quarantine: find %s: %w", id, err)
		}
	}
	if len(schools) == 0 {
		return nil, nil, fmt.Errorf("quarantine: find %s: %w", id, ErrNotFound)
	}
	cmds := make([]*redis.SliceCmd, len(schools))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, school := range schools {
			cmds[i] = p.HMGet(ctx, s.entryKey(school, id), readFields...)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("quarantine: find %s: %w", id, err)
	}
	for _, c := range cmds {
		e, raw, err := decodeEntry(c.Val())
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("quarantine: find %s: %w", id, err)
		}
		return e, raw, nil
	}
	return nil, nil, fmt.Errorf("quarantine: find %s: %w", id, ErrNotFound)
}

// Ping checks that Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("quarantine: ping: %w", err)
	}
	return nil
}

// decodeEntry turns HMGET readFields into an entry and its raw message
// (nil for a tombstone).
func decodeEntry(vals []any) (*Entry, []byte, error) {
	if len(vals) != len(readFields) || vals[0] == nil {
		return nil, nil, ErrNotFound
	}
	e, err := decodeMeta(vals[0], vals[3:])
	if err != nil {
		return nil, nil, err
	}
	if vals[1] == nil {
		return e, nil, nil
	}
	packed, _ := vals[1].(string)
	enc, _ := vals[2].(string)
	if enc != encFlate {
		return nil, nil, fmt.Errorf("raw message: unknown encoding %q", enc)
	}
	raw, err := decompress(packed, e.Size)
	if err != nil {
		return nil, nil, fmt.Errorf("raw message: %w", err)
	}
	sum := sha256.Sum256(raw)
	if got := hex.EncodeToString(sum[:]); got != e.Hash {
		return nil, nil, fmt.Errorf("raw message: sha256 %s, want %s", got, e.Hash)
	}
	return e, raw, nil
}

// decodeMeta decodes the metadata JSON and overlays the lifecycle fields
// (status, reviewer, acted, released to, incident, its category and
// notes; nil when absent).
func decodeMeta(meta any, life []any) (*Entry, error) {
	m, _ := meta.(string)
	var e Entry
	if err := json.Unmarshal([]byte(m), &e); err != nil {
		return nil, fmt.Errorf("decode metadata: %w", err)
	}
	str := func(i int) string {
		if i < len(life) {
			v, _ := life[i].(string)
			return v
		}
		return ""
	}
	if v := str(0); v != "" {
		e.Status = v
	}
	e.Reviewer = str(1)
	if ms, err := strconv.ParseInt(str(2), 10, 64); err == nil {
		e.Acted = time.UnixMilli(ms).UTC()
	}
	if v := str(3); v != "" {
		e.ReleasedTo = strings.Split(v, ",")
	}
	e.Incident = str(4) == "1"
	e.IncidentCategory = str(5)
	e.IncidentNotes = str(6)
	return &e, nil
}

// searchFields are the lower-cased hash fields the search script reads.
func searchFields(e *Entry) []any {
	var text strings.Builder
	text.WriteString(e.Subject)
	for _, f := range e.Findings {
		// "\n<category> <scanner>/<rule> <explanation> <severity>", then
		// " <text>" for each piece of evidence.
		for _, s := range [...]string{"\n", string(f.Category), " ", f.Scanner, "/", f.Rule, " ", f.Explanation, " ", f.Severity.String()} {
			text.WriteString(s)
		}
		for _, ev := range f.Evidence {
			text.WriteByte(' ')
			text.WriteString(ev.Text)
		}
	}
	from := e.From
	if e.HeaderFrom != "" {
		from += "\n" + e.HeaderFrom
	}
	return []any{
		fieldStatus, StatusHeld,
		fieldSeverity, int(e.MaxSeverity),
		fieldDir, string(e.Direction),
		fieldFrom, strings.ToLower(from),
		fieldRcpt, strings.ToLower(strings.Join(e.Recipients, "\n")),
		fieldText, strings.ToLower(text.String()),
	}
}

// flate writers are large (hundreds of KiB); reuse them. BestSpeed: on
// the SpamAssassin corpus it costs about a third less CPU than the default
// level on ham and a quarter of it on spam (the mail that is held), for a
// stored size 6% larger (0.477 of the raw size against 0.449;
// BenchmarkCompressCorpus). Entries stored at any level read back alike
// (decompress; TestDecompressDefaultLevel).
var writers = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(nil, flate.BestSpeed) // the level is valid
	return w
}}

// compress deflates header followed by raw into one buffer allocated
// once, at the size a trial on the first sampleBytes predicts (so a large
// attachment that does not compress is not copied as the buffer grows).
func compress(header, raw []byte) ([]byte, error) {
	w := writers.Get().(*flate.Writer)
	defer writers.Put(w)
	n := len(header) + len(raw)
	want := n/2 + 64
	if len(raw) > 4*sampleBytes {
		var trial countWriter
		w.Reset(&trial)
		_, _ = w.Write(raw[:sampleBytes])
		_ = w.Close()
		want = int(int64(n)*int64(trial)/sampleBytes) + n/64 + 4096
	}
	var buf bytes.Buffer
	buf.Grow(want)
	w.Reset(&buf)
	if _, err := w.Write(header); err != nil {
		return nil, err
	}
	if _, err := w.Write(raw); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// sampleBytes is how much of a large message compress tries first.
const sampleBytes = 256 << 10

// countWriter counts what is written to it.
type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) {
	*c += countWriter(len(p))
	return len(p), nil
}

// decompress inflates packed, which should hold size bytes; it refuses to
// inflate more than that, so a damaged value cannot blow up memory.
func decompress(packed string, size int) ([]byte, error) {
	r := flate.NewReader(bytes.NewReader([]byte(packed)))
	defer r.Close()
	buf := bytes.NewBuffer(make([]byte, 0, size))
	n, err := io.Copy(buf, io.LimitReader(r, int64(size)+1))
	if err != nil {
		return nil, err
	}
	if n != int64(size) {
		return nil, fmt.Errorf("inflated %d bytes, want %d", n, size)
	}
	return buf.Bytes(), nil
}
