package notify_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/redis/go-redis/v9"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/engine"
	"github.com/lychgate/lychgate/internal/smtpsink"
	"github.com/lychgate/lychgate/internal/testutil/redistest"
	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/notify"
	"github.com/lychgate/lychgate/policy"
	"github.com/lychgate/lychgate/scanners"
)

var prefixes atomic.Int64

func logger(t *testing.T) *slog.Logger {
	t.Helper()
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func sink(t *testing.T) *smtpsink.Sink {
	t.Helper()
	s, err := smtpsink.Start(smtpsink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func testConfig(hop string) *config.Config {
	cfg := config.Default()
	cfg.Relay.Hostname = "mx.school.test"
	cfg.NextHop.Inbound, cfg.NextHop.Outbound, cfg.NextHop.TLS = hop, hop, "none"
	cfg.Web.BaseURL = "https://review.school.test"
	cfg.Schools = []config.School{{ID: "st", Name: "St Test", Domains: []string{"school.test"}, DSL: []string{"dsl@school.test"},
		PolicyText: map[string]string{"default": "Staff must use school email for school business."}}}
	return cfg
}

func mailer(cfg *config.Config) *notify.Mailer {
	return &notify.Mailer{Hostname: cfg.Relay.Hostname, Inbound: cfg.NextHop.Inbound, Outbound: cfg.NextHop.Outbound, TLS: "none",
		IsLocal: func(a string) bool { return cfg.SchoolForAddress(a) != nil }}
}

func event(hash, from string, groups []string, sev scanners.Severity, action policy.Action, headers string) notify.Event {
	raw := []byte(headers + "From: " + from + "\r\nTo: parent@example.com\r\nSubject: Trip\r\nMessage-ID: <m1@school.test>\r\n\r\nsome bad words here\r\n")
	env := &scanners.Envelope{From: from, SenderSchool: "st", SenderGroups: groups,
		Recipients: []scanners.Recipient{{Addr: "parent@example.com", Direction: scanners.Outbound, School: "st"}}}
	if !strings.HasSuffix(from, "@school.test") {
		env.SenderSchool = ""
	}
	f := scanners.Finding{Scanner: "rules", Rule: "bad_words", Category: scanners.Profanity, Severity: sev, Score: 3,
		Explanation: "bad words", Evidence: []scanners.Evidence{{Field: "body", Text: "bad words"}}}
	return notify.Event{
		Verdict: &engine.Verdict{Message: message.Parse(context.Background(), raw, message.Limits{}.WithDefaults()), Envelope: env,
			Result:    scanners.Result{Findings: []scanners.Finding{f}},
			Decisions: []policy.Decision{{Recipient: "parent@example.com", School: "st", Direction: scanners.Outbound, Action: action, NotifyDSL: true, WarnSender: true}}},
		Quarantined: map[string]string{"st": "abc123"}, Received: time.Date(2025, 5, 1, 9, 30, 0, 0, time.UTC), Hash: hash,
	}
}

type env struct {
	cfg *config.Config
	ob  *notify.Outbox
	n   *notify.Notifier
	snk *smtpsink.Sink
	rdb *redistest.Server
}

func setup(t *testing.T) *env {
	t.Helper()
	snk := sink(t)
	cfg := testConfig(snk.Addr)
	rs := redistest.Start(t, redistest.WithAOF())
	ob := notify.NewOutbox(rs.Client(t), notify.OutboxOptions{Prefix: fmt.Sprintf("n%d", prefixes.Add(1)), Logger: logger(t)})
	n, err := notify.New(cfg, ob, notify.Options{Logger: logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	return &env{cfg: cfg, ob: ob, n: n, snk: snk, rdb: rs}
}

func (e *env) worker(t *testing.T, o notify.WorkerOptions) *notify.Worker {
	t.Helper()
	o.Logger = logger(t)
	if o.RetryMin == 0 {
		o.RetryMin, o.RetryMax = 20*time.Millisecond, 50*time.Millisecond
	}
	o.Block = 50 * time.Millisecond
	return notify.NewWorker(e.ob, mailer(e.cfg).Send, o)
}

func run(t *testing.T, w *notify.Worker) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); _ = w.Run(ctx) }()
	return func() { cancel(); <-done }
}

func waitDrained(t *testing.T, ob *notify.Outbox) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		a, b, err := ob.Pending(t.Context())
		if err == nil && a == 0 && b == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox not drained: %d in stream, %d retrying, %v", a, b, err)
		}
		<-tick.C
	}
}

// TestAlertAndWarning: a high finding from staff gives one DSL alert and one
// warning bounce; a retried message queues nothing new.
func TestAlertAndWarning(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ev := event("h1", "teacher@school.test", []string{"staff"}, scanners.High, policy.Quarantine, "")
	for range 3 { // SMTP retries of one message
		if err := e.n.Notify(t.Context(), ev); err != nil {
			t.Fatal(err)
		}
	}
	stop := run(t, e.worker(t, notify.WorkerOptions{}))
	defer stop()
	msgs, err := e.snk.Wait(t.Context(), 2)
	if err != nil {
		t.Fatal(err)
	}
	waitDrained(t, e.ob)
	if got := len(e.snk.Messages()); got != 2 {
		t.Fatalf("sink got %d messages, want 2", got)
	}
	var alert, warning smtpsink.Message
	for _, m := range msgs {
		if m.From == "" {
			warning = m
		} else {
			alert = m
		}
	}
	a := strings.ReplaceAll(string(alert.Data), "=\r\n", "")
	for _, want := range []string{"To: dsl@school.test", "Auto-Submitted: auto-generated", "https://review.school.test/quarantine/abc123", "bad words", "St Test", "teacher@school.test"} {
		if !strings.Contains(a, want) {
			t.Errorf("alert lacks %q:\n%s", want, a)
		}
	}
	w := strings.ReplaceAll(string(warning.Data), "=\r\n", "")
	if len(warning.To) != 1 || warning.To[0] != "teacher@school.test" {
		t.Errorf("warning to %v, want the teacher", warning.To)
	}
	for _, want := range []string{"Auto-Submitted: auto-replied", "held for review", "Staff must use school email", "In-Reply-To: <m1@school.test>", "dsl@school.test"} {
		if !strings.Contains(w, want) {
			t.Errorf("warning lacks %q:\n%s", want, w)
		}
	}
	if strings.Contains(w, "some bad words here") || strings.Contains(a, "some bad words here") {
		t.Error("a notification carries the original message body")
	}
	t.Logf("warning bounce:\n%s", w)
}

func TestWarnBlocked(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		from    string
		groups  []string
		headers string
		pupils  bool
		blocked bool
	}{
		{"staff", "teacher@school.test", []string{"staff"}, "", false, false},
		{"null sender", "", []string{"staff"}, "", false, true},
		{"mailer-daemon", "MAILER-DAEMON@school.test", []string{"staff"}, "", false, true},
		{"postmaster", "postmaster@school.test", []string{"staff"}, "", false, true},
		{"noreply", "noreply@school.test", []string{"staff"}, "", false, true},
		{"auto-submitted", "teacher@school.test", []string{"staff"}, "Auto-Submitted: auto-replied\r\n", false, true},
		{"auto-submitted no", "teacher@school.test", []string{"staff"}, "Auto-Submitted: no\r\n", false, false},
		{"list-id", "teacher@school.test", []string{"staff"}, "List-Id: <staff.school.test>\r\n", false, true},
		{"precedence bulk", "teacher@school.test", []string{"staff"}, "Precedence: bulk\r\n", false, true},
		{"precedence junk", "teacher@school.test", []string{"staff"}, "Precedence: junk\r\n", false, true},
		{"external", "someone@example.com", nil, "", false, true},
		{"pupil", "pupil@school.test", []string{"pupils"}, "", false, true},
		{"pupil allowed", "pupil@school.test", []string{"pupils"}, "", true, false},
		{"no group", "office@school.test", nil, "", false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ev := event("x", tc.from, tc.groups, scanners.High, policy.Quarantine, tc.headers)
			why := notify.WarnBlocked(ev.Verdict.Envelope, ev.Verdict.Message, tc.pupils)
			if (why != "") != tc.blocked {
				t.Errorf("WarnBlocked(%s) = %q, want blocked %v", tc.name, why, tc.blocked)
			}
		})
	}
}

// TestRateLimitAndDigest: a mass mailing (many different messages from one
// sender breaking one rule) gives one alert; the rest, and low-severity
// alerts, arrive in one digest.
func TestRateLimitAndDigest(t *testing.T) {
	t.Parallel()
	e := setup(t)
	for i := range 20 {
		if err := e.n.Notify(t.Context(), event(fmt.Sprintf("mass%d", i), "spammer@example.com", nil, scanners.Critical, policy.Quarantine, "")); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		if err := e.n.Notify(t.Context(), event(fmt.Sprintf("low%d", i), "parent@example.com", nil, scanners.Low, policy.Tag, "")); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.n.FlushDigests(t.Context()); err != nil {
		t.Fatal(err)
	}
	stop := run(t, e.worker(t, notify.WorkerOptions{}))
	defer stop()
	if _, err := e.snk.Wait(t.Context(), 2); err != nil {
		t.Fatal(err)
	}
	waitDrained(t, e.ob)
	msgs := e.snk.Messages()
	if len(msgs) != 2 {
		t.Fatalf("sink got %d messages, want 1 alert + 1 digest", len(msgs))
	}
	var digest string
	for _, m := range msgs {
		if strings.Contains(string(m.Data), "X-Lychgate-Notification: digest") {
			digest = string(m.Data)
		}
	}
	if !strings.Contains(digest, "22 lower-severity alerts") {
		t.Errorf("digest does not batch 19 limited + 3 low alerts:\n%s", digest)
	}
}

// TestWorkerKilled: the worker is stopped right after the server accepted
// a notification (before XACK), or while the server refuses; after a
// restart every notification has arrived exactly once.
func TestWorkerKilled(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		kill func(t *testing.T, e *env, w *notify.Worker, stop func())
	}{
		{"after acceptance before ack", func(t *testing.T, e *env, w *notify.Worker, _ func()) {
			accepted := make(chan struct{}, 10)
			ctx, cancel := context.WithCancel(t.Context())
			w.SetAfterAccept(func(*notify.Notification) { cancel(); accepted <- struct{}{} })
			done := make(chan struct{})
			go func() { defer close(done); _ = w.Run(ctx) }()
			<-accepted
			<-done
		}},
		{"while the server refuses", func(t *testing.T, e *env, w *notify.Worker, _ func()) {
			e.snk.FailData(&smtp.SMTPError{Code: 451, Message: "try later"})
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan struct{})
			go func() { defer close(done); _ = w.Run(ctx) }()
			tick := time.NewTicker(5 * time.Millisecond)
			defer tick.Stop()
			deadline := time.Now().Add(10 * time.Second)
			for { // until the failure was scheduled for retry
				_, retrying, _ := e.ob.Pending(t.Context())
				if retrying > 0 || time.Now().After(deadline) {
					break
				}
				<-tick.C
			}
			cancel()
			<-done
			e.snk.FailData(nil)
		}},
		{"crashed consumer never acked", func(t *testing.T, e *env, _ *notify.Worker, _ func()) {
			// A consumer reads the entry and dies: it stays pending.
			rdb := e.rdb.Client(t)
			_ = rdb.XGroupCreateMkStream(t.Context(), e.ob.Stream(), notify.Group, "0").Err()
			if err := rdb.XReadGroup(t.Context(), &redis.XReadGroupArgs{Group: notify.Group, Consumer: "dead", Streams: []string{e.ob.Stream(), ">"}, Count: 10}).Err(); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			if err := e.n.Notify(t.Context(), event("k1", "teacher@school.test", []string{"staff"}, scanners.Critical, policy.Quarantine, "")); err != nil {
				t.Fatal(err)
			}
			first := e.worker(t, notify.WorkerOptions{Consumer: "first"})
			tc.kill(t, e, first, nil)
			second := e.worker(t, notify.WorkerOptions{Consumer: "second", ClaimIdle: 10 * time.Millisecond})
			stop := run(t, second)
			defer stop()
			if _, err := e.snk.Wait(t.Context(), 2); err != nil {
				t.Fatal(err)
			}
			waitDrained(t, e.ob)
			if n := len(e.snk.Messages()); n != 2 {
				t.Errorf("sink got %d messages, want the alert and the warning once each", n)
			}
		})
	}
}
