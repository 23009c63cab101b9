package resilience

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/redis/go-redis/v9"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/internal/smtpsink"
	"github.com/lychgate/lychgate/live"
	"github.com/lychgate/lychgate/notify"
	"github.com/lychgate/lychgate/quarantine"
	"github.com/lychgate/lychgate/quarantine/quarantinetest"
)

const (
	schoolID = "stlaurence"
	domain   = "school.example.sch.uk"
	pupil    = "pupil1@school.example.sch.uk"
	teacher  = "teacher@school.example.sch.uk"
)

// configTOML is a one-school relay; {{HOP}} and {{REDIS}} are filled in.
const configTOML = `
[relay]
hostname = "relay.test"
listen = "127.0.0.1:0"
trusted_networks = ["10.99.0.0/16"]
max_message_bytes = 65536
max_recipients = 5

[next_hop]
inbound = "{{HOP}}"
outbound = "{{HOP}}"
tls = "none"
dial_timeout = "2s"
command_timeout = "5s"

[redis]
timeout = "2s"
{{REDIS}}

[[school]]
id = "stlaurence"
name = "St Laurence"
domains = ["school.example.sch.uk"]
dsl = ["dsl@school.example.sch.uk"]
[school.groups]
pupils = ["pupil*@school.example.sch.uk"]
staff = ["teacher@school.example.sch.uk"]

[[rule]]
id = "test-phrase"
field = "body"
pattern = "(?i)example phrase"
category = "safeguarding"
severity = "critical"
score = 10.0
`

func loadConfig(t *testing.T, hop, redisTOML string) *config.Config {
	t.Helper()
	path := filepath.Join(t.TempDir(), "lychgate.toml")
	toml := strings.NewReplacer("{{HOP}}", hop, "{{REDIS}}", redisTOML).Replace(configTOML)
	if err := os.WriteFile(path, []byte(toml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return cfg
}

// newClient builds the Redis client exactly as lychgate serve does.
func newClient(t *testing.T, cfg *config.Config) redis.UniversalClient {
	t.Helper()
	rdb, err := live.NewRedis(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// countingHandler counts the records whose message is msg.
type countingHandler struct {
	slog.Handler
	msg string
	n   *atomic.Int64
}

func (h countingHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == h.msg {
		h.n.Add(1)
	}
	return h.Handler.Handle(ctx, r)
}

func (h countingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return countingHandler{h.Handler.WithAttrs(as), h.msg, h.n}
}

func (h countingHandler) WithGroup(g string) slog.Handler {
	return countingHandler{h.Handler.WithGroup(g), h.msg, h.n}
}

// counter counts events per key.
type counter struct {
	mu sync.Mutex
	m  map[string]int
}

func (c *counter) add(k string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]int{}
	}
	c.m[k]++
}

func (c *counter) get(k string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[k]
}

func (c *counter) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

// stats are one load's outcome, for the log.
type stats struct {
	acked, failed atomic.Int64
}

func (s *stats) String() string {
	return fmt.Sprintf("%d acknowledged, %d failed", s.acked.Load(), s.failed.Load())
}

// runLoads runs the quarantine, outbox and relay loads against cfg's Redis
// and calls failover once they are all under way; it checks every
// acknowledged write after the failover.
func runLoads(t *testing.T, cfg *config.Config, failover func()) {
	ctx, stop := context.WithCancel(t.Context())
	defer stop()
	var wg sync.WaitGroup
	q := newQuarantineLoad(t, cfg)
	o := newOutboxLoad(t, cfg)
	r := newRelayLoad(t, cfg)
	for _, run := range []func(context.Context){q.run, o.run, r.run} {
		wg.Add(1)
		go func() { defer wg.Done(); run(ctx) }()
	}
	// Under way: every load has had writes acknowledged.
	waitFor(t, func() bool { return q.put.acked.Load() > 20 && o.enq.acked.Load() > 20 && r.sent.acked.Load() > 20 })
	rounds := 1
	if os.Getenv("LYCHGATE_SOAK") != "" {
		rounds = 4 // make soak: back and forth
	}
	for range rounds {
		failover()
		before := [3]int64{q.put.acked.Load(), o.enq.acked.Load(), r.sent.acked.Load()}
		// And still acknowledging after it.
		waitFor(t, func() bool {
			return q.put.acked.Load() > before[0]+20 && o.enq.acked.Load() > before[1]+20 && r.sent.acked.Load() > before[2]+20
		})
	}
	stop()
	wg.Wait()
	q.check(t)
	o.check(t)
	r.check(t)
}

// waitFor polls cond for up to 30 seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 30s")
		}
		time.Sleep(10 * time.Millisecond) // polling load counters
	}
}

// quarantineLoad puts entries and, from two stores on two clients (two
// lychgate instances), races to release every fourth and delete every
// fourth-plus-one.
type quarantineLoad struct {
	stores    [2]*quarantine.Store
	put       stats
	acked     sync.Map // id -> index
	delivered counter  // id -> deliveries
	released  counter  // id -> successful Release calls
	deleted   counter  // id -> successful Delete calls
	opErrs    atomic.Int64
}

func newQuarantineLoad(t *testing.T, cfg *config.Config) *quarantineLoad {
	q := &quarantineLoad{}
	for i := range q.stores {
		q.stores[i] = live.NewStore(newClient(t, cfg), cfg, testLogger(t))
	}
	return q
}

func (q *quarantineLoad) run(ctx context.Context) {
	todo := make(chan int, 1<<16)
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range todo {
				q.act(w, i)
			}
		}()
	}
	for i := 0; ctx.Err() == nil; i++ {
		id, err := q.putOne(ctx, i)
		if err != nil {
			q.put.failed.Add(1)
			continue
		}
		q.put.acked.Add(1)
		q.acked.Store(id, i)
		if i%4 < 2 {
			todo <- i
		}
	}
	close(todo)
	wg.Wait()
}

func (q *quarantineLoad) entry(i int) (*quarantine.Entry, []byte) {
	e := quarantinetest.NewEntry(schoolID, time.Now(), fmt.Sprintf("pupil%d@%s", i, domain))
	return e, quarantinetest.Message(fmt.Sprintf("q-%d", i))
}

func (q *quarantineLoad) putOne(ctx context.Context, i int) (string, error) {
	e, raw := q.entry(i)
	pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	_, err := q.stores[i%2].Put(pctx, e, raw)
	return e.ID, err
}

// act releases (i%4 == 0) or deletes (i%4 == 1) entry i from both stores
// at once, retrying each until it succeeds or is refused as not held.
func (q *quarantineLoad) act(_ int, i int) {
	e, raw := q.entry(i)
	e.Hash = ""
	id := quarantine.ID(raw, schoolID, e.Held)
	by := quarantine.Actor{Who: "dsl", From: "test"}
	var wg sync.WaitGroup
	for s := range q.stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for attempt := 0; attempt < 50; attempt++ {
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
				var err error
				if i%4 == 0 {
					_, err = q.stores[s].Release(ctx, schoolID, id, quarantine.ReleaseOptions{By: by}, func(context.Context, string, []string, []byte) error {
						q.delivered.add(id)
						return nil
					})
					if err == nil {
						q.released.add(id)
					}
				} else {
					err = q.stores[s].Delete(ctx, schoolID, id, by)
					if err == nil {
						q.deleted.add(id)
					}
				}
				cancel()
				if err == nil || errors.Is(err, quarantine.ErrNotHeld) {
					return
				}
				q.opErrs.Add(1)
				time.Sleep(50 * time.Millisecond) // back off while Redis fails over
			}
		}()
	}
	wg.Wait()
}

func (q *quarantineLoad) check(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	n, releases, deletes, dups, stuck, unclaimed, lostReply := 0, 0, 0, 0, 0, 0, 0
	q.acked.Range(func(k, v any) bool {
		id, i := k.(string), v.(int)
		n++
		e, raw, err := q.stores[0].Get(ctx, schoolID, id)
		if err != nil {
			t.Errorf("acknowledged entry %d (%s): %v", i, id, err)
			return true
		}
		switch i % 4 {
		case 0:
			releases++
			d := q.delivered.get(id)
			switch {
			case d == 1 && q.released.get(id) == 1 && e.Status == quarantine.StatusReleased:
			case d == 1 && q.released.get(id) == 0 && e.Status == quarantine.StatusReleased:
				// Delivered and marked released, but the reply to the final
				// write was lost in the failover: every retry then found the
				// entry no longer held. The state is what matters, as for a
				// delete.
				lostReply++
			case d == 1 && q.released.get(id) == 0 && e.Status == quarantine.StatusReleasing:
				// Delivered, but the final write failed: the claim stays
				// until StaleClaim (documented on Release); not a loss.
				stuck++
			case d == 0 && e.Status == quarantine.StatusReleasing:
				// The claim was written but not replicated in time, so
				// Release failed before delivering: once the claim is
				// stale the entry must release, exactly once.
				unclaimed++
				_, err := q.stores[0].Release(ctx, schoolID, id, quarantine.ReleaseOptions{By: quarantine.Actor{Who: "dsl"}, StaleClaim: time.Millisecond},
					func(context.Context, string, []string, []byte) error { q.delivered.add(id); return nil })
				if err != nil || q.delivered.get(id) != 1 {
					t.Errorf("entry %d: release of a stale claim: %v, delivered %d times; want nil, 1", i, err, q.delivered.get(id))
				}
			default:
				if d > 1 {
					dups++
				}
				t.Errorf("entry %d: delivered %d times, released %d times, status %s; want 1, 1, released", i, d, q.released.get(id), e.Status)
			}
		case 1:
			deletes++
			// A delete whose reply a failover lost is retried and finds the
			// entry already deleted (counted 0): the state is what matters.
			if q.deleted.get(id) > 1 || e.Status != quarantine.StatusDeleted || raw != nil {
				t.Errorf("entry %d: deleted %d times, status %s, body %d bytes; want at most 1, deleted, none", i, q.deleted.get(id), e.Status, len(raw))
			}
		default:
			if e.Status != quarantine.StatusHeld || raw == nil {
				t.Errorf("entry %d: status %s, body %d bytes; want held with its body", i, e.Status, len(raw))
			}
		}
		return true
	})
	// The index lists each entry once.
	seen := map[string]int{}
	cursor := ""
	for {
		page, next, err := q.stores[1].List(ctx, quarantine.ListOptions{School: schoolID, Limit: quarantine.MaxListLimit, Cursor: cursor})
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		for _, e := range page {
			seen[e.ID]++
		}
		if next == "" {
			break
		}
		cursor = next
	}
	missing := 0
	q.acked.Range(func(k, _ any) bool {
		if seen[k.(string)] != 1 {
			missing++
		}
		return true
	})
	if missing > 0 {
		t.Errorf("List: %d acknowledged entries not listed exactly once", missing)
	}
	t.Logf("quarantine: puts %v; %d entries checked (%d released: %d delivered once but left releasing, %d claimed but not delivered then released after StaleClaim, %d released whose reply was lost, %d delivered twice; %d deleted), %d release/delete errors retried, %d listed",
		&q.put, n, releases, stuck, unclaimed, lostReply, dups, deletes, q.opErrs.Load(), len(seen))
}

// outboxLoad enqueues notifications while two workers (two instances)
// deliver them.
type outboxLoad struct {
	cfg       *config.Config
	t         *testing.T
	obs       [2]*notify.Outbox
	enq       stats
	acked     sync.Map
	delivered counter
	// lostAcks counts the workers' "sent but not acknowledged" (the
	// outbox sends such a notification again: at least once).
	lostAcks atomic.Int64
}

func newOutboxLoad(t *testing.T, cfg *config.Config) *outboxLoad {
	o := &outboxLoad{cfg: cfg, t: t}
	for i := range o.obs {
		o.obs[i] = notify.NewOutbox(newClient(t, cfg), notify.OutboxOptions{Prefix: cfg.Redis.KeyPrefix, Logger: testLogger(t)})
	}
	return o
}

func (o *outboxLoad) run(ctx context.Context) {
	wctx, stopWorkers := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i, ob := range o.obs {
		w := notify.NewWorker(ob, func(_ context.Context, _ string, _ []string, data []byte) error {
			key, _, _ := strings.Cut(string(data), "\r\n")
			o.delivered.add(key)
			return nil
		}, notify.WorkerOptions{Consumer: fmt.Sprintf("w%d", i), Block: 100 * time.Millisecond,
			ClaimIdle: 2 * time.Second, RetryMin: 100 * time.Millisecond, RetryMax: time.Second,
			Logger: slog.New(countingHandler{testLogger(o.t).Handler(), "notification sent but not acknowledged; it may be sent again", &o.lostAcks})})
		wg.Add(1)
		go func() { defer wg.Done(); _ = w.Run(wctx) }()
	}
	for i := 0; ctx.Err() == nil; i++ {
		key := fmt.Sprintf("n-%d", i)
		n := &notify.Notification{Key: key, Kind: "alert", School: schoolID, From: "", To: []string{"dsl@" + domain},
			Data: []byte(key + "\r\nSubject: alert\r\n\r\nbody\r\n")}
		ectx, cancel := context.WithTimeout(ctx, 3*time.Second)
		_, err := o.obs[i%2].Enqueue(ectx, n, notify.Limit{})
		cancel()
		if err != nil {
			o.enq.failed.Add(1)
			continue
		}
		o.enq.acked.Add(1)
		o.acked.Store(key, true)
	}
	// Drain: every acknowledged notification delivered.
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) && o.delivered.len() < int(o.enq.acked.Load()) {
		time.Sleep(20 * time.Millisecond) // waiting for the workers
	}
	// Give a duplicate (a second delivery of a redelivered entry) the
	// chance to show up.
	time.Sleep(3 * time.Second) // longer than ClaimIdle
	stopWorkers()
	wg.Wait()
}

func (o *outboxLoad) check(t *testing.T) {
	t.Helper()
	n, dups := 0, 0
	o.acked.Range(func(k, _ any) bool {
		n++
		switch d := o.delivered.get(k.(string)); {
		case d == 0:
			t.Errorf("acknowledged notification %s never delivered", k)
		case d > 1:
			dups += d - 1
		}
		return true
	})
	// A second copy is allowed only after an acknowledgement was lost.
	if int64(dups) > o.lostAcks.Load() {
		t.Errorf("outbox: %d extra deliveries but only %d lost acknowledgements", dups, o.lostAcks.Load())
	}
	t.Logf("outbox: enqueues %v; %d checked, %d extra deliveries (%d acknowledgements lost)", &o.enq, n, dups, o.lostAcks.Load())
}

// relayLoad sends mail through an in-process relay whose runtime uses the
// topology's client: clean mail to the sink, the test phrase to a pupil
// (quarantined).
type relayLoad struct {
	t     *testing.T
	addr  string
	sink  *smtpsink.Sink
	store *quarantine.Store
	sent  stats
	temp  atomic.Int64 // 4xx
	drops atomic.Int64 // connection errors
	acked sync.Map     // subject -> quarantined?
}

func newRelayLoad(t *testing.T, cfg *config.Config) *relayLoad {
	return startRelay(t, cfg)
}

func (r *relayLoad) run(ctx context.Context) {
	var wg sync.WaitGroup
	var next atomic.Int64
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := next.Add(1)
				r.sendOne(i)
			}
		}()
	}
	wg.Wait()
}

func (r *relayLoad) sendOne(i int64) {
	subject := fmt.Sprintf("r-%d", i)
	quarantined := i%2 == 0
	to, body := teacher, "See you at sports day."
	if quarantined {
		to, body = pupil, "this has the example phrase in it"
	}
	data := "From: parent@example.com\r\nTo: " + to + "\r\nSubject: " + subject +
		"\r\nMessage-ID: <" + subject + "@example.com>\r\n\r\n" + body + "\r\n"
	err := sendMail(r.addr, "parent@example.com", []string{to}, data)
	var se *smtp.SMTPError
	switch {
	case err == nil:
		r.sent.acked.Add(1)
		r.acked.Store(subject, quarantined)
	case errors.As(err, &se) && se.Code >= 400 && se.Code < 500:
		r.sent.failed.Add(1)
		r.temp.Add(1)
	case errors.As(err, &se):
		r.sent.failed.Add(1)
		r.t.Errorf("message %s answered %d %s; want 250 or 4xx", subject, se.Code, se.Message)
	default:
		r.sent.failed.Add(1)
		r.drops.Add(1)
	}
}

func (r *relayLoad) check(t *testing.T) {
	t.Helper()
	atSink := map[string]int{}
	for _, m := range r.sink.Messages() {
		for line := range strings.SplitSeq(string(m.Data), "\r\n") {
			if s, ok := strings.CutPrefix(line, "Subject: "); ok {
				atSink[s]++
				break
			}
		}
	}
	held := map[string]int{}
	cursor := ""
	for {
		page, next, err := r.store.List(context.Background(), quarantine.ListOptions{School: schoolID, Limit: quarantine.MaxListLimit, Cursor: cursor})
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		for _, e := range page {
			held[e.Subject]++
		}
		if next == "" {
			break
		}
		cursor = next
	}
	n, bad := 0, 0
	r.acked.Range(func(k, v any) bool {
		n++
		s, q := k.(string), v.(bool)
		if q && (held[s] != 1 || atSink[s] != 0) {
			bad++
			t.Errorf("quarantined message %s: %d quarantine entries, %d at the sink; want 1, 0", s, held[s], atSink[s])
		}
		if !q && (atSink[s] != 1 || held[s] != 0) {
			bad++
			t.Errorf("clean message %s: %d at the sink, %d quarantined; want 1, 0", s, atSink[s], held[s])
		}
		return true
	})
	t.Logf("relay: %v (%d answered 4xx, %d connection errors); %d acknowledged checked, %d wrong", &r.sent, r.temp.Load(), r.drops.Load(), n, bad)
}

// sendMail delivers one message with go-smtp's client and returns the
// first error (an *smtp.SMTPError for a reply, another error for a dropped
// connection).
func sendMail(addr, from string, to []string, data string) error {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	c := smtp.NewClient(conn)
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		return err
	}
	if err := c.Mail(from, nil); err != nil {
		return err
	}
	for _, r := range to {
		if err := c.Rcpt(r, nil); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(data)); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	_ = c.Quit()
	return nil
}
