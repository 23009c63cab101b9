package logrl

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newTestLogger() (*slog.Logger, *bytes.Buffer, *clock) {
	var buf bytes.Buffer
	c := &clock{t: time.Unix(1_800_000_000, 0)}
	text := slog.NewTextHandler(&buf, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	})
	return slog.New(New(text, Options{Every: 10 * time.Second, Now: c.now})), &buf, c
}

func lines(buf *bytes.Buffer) []string {
	s := strings.TrimSpace(buf.String())
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func TestRepeatsAreCounted(t *testing.T) {
	t.Parallel()
	log, buf, c := newTestLogger()
	for range 5 {
		log.Warn("outbox read failed", "err", "connection refused")
		c.add(200 * time.Millisecond)
	}
	if got := lines(buf); len(got) != 1 || strings.Contains(got[0], "repeated") {
		t.Fatalf("after 5 warnings within a second: %q, want the first only", got)
	}
	c.add(10 * time.Second)
	log.Warn("outbox read failed", "err", "connection refused")
	got := lines(buf)
	if len(got) != 2 || !strings.Contains(got[1], "repeated=4") {
		t.Fatalf("after the window: %q, want a second line with repeated=4", got)
	}
	c.add(10 * time.Second)
	log.Warn("outbox read failed", "err", "connection refused")
	if got := lines(buf); len(got) != 3 || strings.Contains(got[2], "repeated") {
		t.Fatalf("a lone repeat after the window: %q, want it passed without a count", got)
	}
}

func TestWhatIsNotLimited(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		log  func(l *slog.Logger)
	}{
		{"info lines", func(l *slog.Logger) { l.Info("message handled") }},
		{"per-message logger", func(l *slog.Logger) { l.With("msg_id", "abc").Warn("data tempfailed: next hop") }},
		{"per-connection logger", func(l *slog.Logger) { l.With("conn_id", "c1").With("helo", "x").Warn("read failed") }},
		{"msg_id on the record", func(l *slog.Logger) { l.Warn("data tempfailed: next hop", "msg_id", "abc") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			log, buf, _ := newTestLogger()
			for range 3 {
				tc.log(log)
			}
			if got := lines(buf); len(got) != 3 {
				t.Errorf("logged %d lines, want 3: %q", len(got), got)
			}
		})
	}
}

func TestKindsAreSeparate(t *testing.T) {
	t.Parallel()
	log, buf, _ := newTestLogger()
	log.Warn("a")
	log.Warn("b")
	log.Error("a")
	log.WithGroup("g").Warn("a")
	log.With("consumer", "x").Warn("a")
	log.With("consumer", "x").Warn("a") // a repeat: dropped
	log.Warn("row skipped", "where", "staff.csv:4")
	log.Warn("row skipped", "where", "staff.csv:5")
	log.Warn("row skipped", "where", "staff.csv:5") // a repeat: dropped
	if got := lines(buf); len(got) != 7 {
		t.Errorf("logged %q, want 7 lines (a, b, error a, g.a, consumer a, two rows)", got)
	}
}

func TestMemoryIsBounded(t *testing.T) {
	t.Parallel()
	log, _, c := newTestLogger()
	h := log.Handler().(*handler)
	for i := range 3 * maxKinds {
		log.Warn("kind " + strings.Repeat("x", i%50) + string(rune('a'+i%26)) + time.Duration(i).String())
		if i%maxKinds == 0 {
			c.add(11 * time.Second)
		}
	}
	h.sh.mu.Lock()
	n := len(h.sh.kinds)
	h.sh.mu.Unlock()
	if n > maxKinds {
		t.Errorf("limiter remembers %d kinds, want at most %d", n, maxKinds)
	}
}
