package metrics_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	"github.com/lychgate/lychgate/engine"
	"github.com/lychgate/lychgate/internal/testutil/redistest"
	"github.com/lychgate/lychgate/metrics"
	"github.com/lychgate/lychgate/nexthop"
	"github.com/lychgate/lychgate/notify"
	"github.com/lychgate/lychgate/policy"
	"github.com/lychgate/lychgate/scanners"
)

func newMetrics(t *testing.T) (*metrics.Metrics, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	return m, reg
}

// gather renders reg in the text format.
func gather(t *testing.T, reg *prometheus.Registry) string {
	t.Helper()
	rec := httptest.NewRecorder()
	metrics.Handler(metrics.HandlerOptions{Gatherer: reg}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics = %d", rec.Code)
	}
	return rec.Body.String()
}

func TestAnalyzedCountsDecisionsFindingsAndRuns(t *testing.T) {
	t.Parallel()
	m, reg := newMetrics(t)
	v := &engine.Verdict{
		Result: scanners.Result{
			Findings: []scanners.Finding{
				{Scanner: "rules", Rule: "r1", Category: scanners.Category("safeguarding"), Severity: scanners.Critical},
				{Scanner: "rules", Rule: "r2", Category: scanners.Category("safeguarding"), Severity: scanners.Critical},
			},
			Runs: []scanners.Run{{Scanner: "rules", Status: scanners.StatusOK, Duration: 3 * time.Millisecond}, {Scanner: "clamav", Status: scanners.StatusTimeout, Duration: time.Second}},
		},
		Decisions: []policy.Decision{
			{Recipient: "a@school.test", School: "s1", Direction: scanners.Inbound, Action: policy.Quarantine},
			{Recipient: "b@school.test", School: "s1", Direction: scanners.Inbound, Action: policy.Deliver},
			{Recipient: "c@example.com", Direction: scanners.Outbound, Action: policy.Deliver},
		},
	}
	m.Analyzed(v)
	m.Analyzed(nil)
	out := gather(t, reg)
	for _, want := range []string{
		`lychgate_messages_total{decision="quarantine",direction="inbound",school="s1"} 1`,
		`lychgate_messages_total{decision="deliver",direction="inbound",school="s1"} 1`,
		`lychgate_messages_total{decision="deliver",direction="outbound",school="none"} 1`,
		`lychgate_findings_total{category="safeguarding",severity="critical"} 2`,
		`lychgate_scanner_duration_seconds_count{scanner="rules",status="ok"} 1`,
		`lychgate_scanner_duration_seconds_count{scanner="clamav",status="timeout"} 1`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("/metrics lacks %s\n%s", want, out)
		}
	}
}

func TestRepliesAndNextHopErrors(t *testing.T) {
	t.Parallel()
	m, reg := newMetrics(t)
	for _, c := range []int{220, 250, 250, 451} {
		m.Reply(c)
	}
	for _, err := range []error{
		&nexthop.Error{Hop: "h:25", Stage: nexthop.StageDial, Err: errors.New("refused")},
		&nexthop.Error{Hop: "h:25", Stage: nexthop.StageRcpt, Code: 550, Err: &smtp.SMTPError{Code: 550}},
		errors.New("unclassified"),
		nil,
	} {
		m.NextHopError(err)
	}
	send := m.CountSend(func(context.Context, string, []string, []byte) error {
		return &nexthop.Error{Hop: "h:25", Stage: nexthop.StageData, Code: 451}
	})
	if err := send(t.Context(), "", []string{"x@y.test"}, nil); err == nil {
		t.Error("CountSend swallowed the error")
	}
	out := gather(t, reg)
	for _, want := range []string{
		`lychgate_smtp_replies_total{code="250"} 2`,
		`lychgate_smtp_replies_total{code="451"} 1`,
		`lychgate_next_hop_errors_total{kind="temporary",stage="dial"} 1`,
		`lychgate_next_hop_errors_total{kind="permanent",stage="rcpt"} 1`,
		`lychgate_next_hop_errors_total{kind="temporary",stage="other"} 1`,
		`lychgate_next_hop_errors_total{kind="temporary",stage="data"} 1`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("/metrics lacks %s\n%s", want, out)
		}
	}
}

func TestMetricsLint(t *testing.T) {
	t.Parallel()
	m, reg := newMetrics(t)
	m.Reply(250)
	m.Analyzed(&engine.Verdict{Result: scanners.Result{Runs: []scanners.Run{{Scanner: "a", Status: scanners.StatusOK}}}})
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint %s: %s", p.Metric, p.Text)
	}
}

// With a real Redis: the outbox gauges, the Redis error counter and
// readiness follow the server going away.
func TestStateRedisErrorsAndReadiness(t *testing.T) {
	t.Parallel()
	rs := redistest.Start(t)
	rdb := rs.Client(t)
	m, reg := newMetrics(t)
	rdb.AddHook(m.RedisHook())
	ob := notify.NewOutbox(rdb, notify.OutboxOptions{Prefix: "obs"})
	if err := m.WatchState(metrics.StateOptions{Redis: rdb, Outbox: ob, Timeout: time.Second}); err != nil {
		t.Fatal(err)
	}
	if err := rdb.XAdd(t.Context(), &redis.XAddArgs{Stream: ob.Stream(), Values: map[string]any{"k": "v"}}).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.Get(t.Context(), "no-such-key").Err(); err == nil {
		t.Fatal("GET of a missing key succeeded")
	}
	out := gather(t, reg)
	for _, want := range []string{`lychgate_outbox_pending{state="stream"} 1`, `lychgate_outbox_pending{state="retry"} 0`, "lychgate_outbox_oldest_age_seconds "} {
		if !strings.Contains(out, want) {
			t.Errorf("/metrics lacks %s\n%s", want, out)
		}
	}
	if strings.Contains(out, "lychgate_redis_errors_total{") {
		t.Errorf("a missing key counted as a Redis error:\n%s", out)
	}

	// A next hop that listens and one that does not.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := dead.Addr().String()
	_ = dead.Close()
	ready := metrics.Readiness{Redis: rdb, Hops: func() []string { return []string{l.Addr().String(), ""} }, Timeout: time.Second}
	h := metrics.Handler(metrics.HandlerOptions{Gatherer: reg, Ready: ready.Check})
	if code, body := get(t, h, "/readyz"); code != http.StatusOK || body != "ready\n" {
		t.Errorf("/readyz = %d %q, want 200 ready", code, body)
	}
	ready.Hops = func() []string { return []string{l.Addr().String(), deadAddr} }
	h = metrics.Handler(metrics.HandlerOptions{Gatherer: reg, Ready: ready.Check})
	if code, body := get(t, h, "/readyz"); code != http.StatusServiceUnavailable || body != "not ready: next hop "+deadAddr+"\n" {
		t.Errorf("/readyz with a hop down = %d %q", code, body)
	}

	rs.Stop(t)
	if code, body := get(t, h, "/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "redis") {
		t.Errorf("/readyz with Redis stopped = %d %q, want 503 naming redis", code, body)
	}
	if code, body := get(t, h, "/healthz"); code != http.StatusOK || body != "ok\n" {
		t.Errorf("/healthz = %d %q, want 200 ok", code, body)
	}
	out = gather(t, reg)
	if strings.Contains(out, "lychgate_outbox_pending{") {
		t.Errorf("outbox gauges reported while Redis is down:\n%s", out)
	}
	// The failures of one scrape show in the next (collectors run
	// concurrently).
	out = gather(t, reg)
	if !strings.Contains(out, `lychgate_redis_errors_total{command="ping"} 1`) || !strings.Contains(out, `lychgate_redis_errors_total{command="xlen"}`) {
		t.Errorf("Redis errors not counted:\n%s", out)
	}
}

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	b, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(b)
}

// TestAnalyzedConcurrentNewLabels has goroutines add label values while
// others count under existing ones: no count may be lost when the cache of
// children is copied for a new label set.
func TestAnalyzedConcurrentNewLabels(t *testing.T) {
	t.Parallel()
	m, reg := newMetrics(t)
	const goroutines, perG, schools = 8, 300, 12
	done := make(chan struct{})
	for g := range goroutines {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range perG {
				school := "s" + strconv.Itoa((g*perG+i)%schools)
				m.Analyzed(&engine.Verdict{
					Result:    scanners.Result{Runs: []scanners.Run{{Scanner: "rules", Status: scanners.StatusOK}}},
					Decisions: []policy.Decision{{Recipient: "a@x.test", School: school, Direction: scanners.Inbound, Action: policy.Deliver}},
				})
			}
		}()
	}
	for range goroutines {
		<-done
	}
	out := gather(t, reg)
	per := goroutines * perG / schools
	for s := range schools {
		want := `lychgate_messages_total{decision="deliver",direction="inbound",school="s` + strconv.Itoa(s) + `"} ` + strconv.Itoa(per)
		if !strings.Contains(out, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if want := `lychgate_scanner_duration_seconds_count{scanner="rules",status="ok"} ` + strconv.Itoa(goroutines*perG); !strings.Contains(out, want) {
		t.Errorf("/metrics lacks %s", want)
	}
}

// BenchmarkAnalyzed counts a typical verdict (one decision, two findings,
// ten scanner runs) from parallel goroutines, as the relay's sessions do.
func BenchmarkAnalyzed(b *testing.B) {
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg)
	if err != nil {
		b.Fatal(err)
	}
	v := &engine.Verdict{
		Result: scanners.Result{
			Findings: []scanners.Finding{{Category: "spam", Severity: scanners.Low}, {Category: "links", Severity: scanners.Medium}},
		},
		Decisions: []policy.Decision{{Recipient: "a@x.test", School: "s1", Direction: scanners.Inbound, Action: policy.Deliver}},
	}
	for i := range 10 {
		v.Result.Runs = append(v.Result.Runs, scanners.Run{Scanner: "scanner" + strconv.Itoa(i), Status: scanners.StatusOK, Duration: time.Millisecond})
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.Analyzed(v)
		}
	})
}
