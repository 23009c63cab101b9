package relay

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/lychgate/lychgate/engine"
	"github.com/lychgate/lychgate/internal/smtpsink"
	"github.com/lychgate/lychgate/internal/testutil/redistest"
	"github.com/lychgate/lychgate/live"
)

// recorder is an Observer that remembers what it was told.
type recorder struct {
	mu       sync.Mutex
	replies  []int
	analyzed int
	hopErrs  []error
}

func (r *recorder) Reply(code int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.replies = append(r.replies, code)
}
func (r *recorder) Analyzed(*engine.Verdict) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.analyzed++
}
func (r *recorder) NextHopError(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hopErrs = append(r.hopErrs, err)
}

// syncBuf is a log destination read while the relay writes.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }

// infoLines returns the JSON log records at info or above.
func (s *syncBuf) infoLines(t *testing.T) []map[string]any {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if m["level"] != "DEBUG" {
			out = append(out, m)
		}
	}
	return out
}

// observedRelay runs a relay with obs and a JSON log at info level.
func observedRelay(t *testing.T, obs Observer) (addr string, sink *smtpsink.Sink, logs *syncBuf) {
	t.Helper()
	sink, err := smtpsink.Start(smtpsink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sink.Close() })
	cfg := writeConfig(t, strings.NewReplacer("{{TRUSTED}}", `"10.99.0.0/16"`, "{{RELAY}}", "", "{{HOP}}", sink.Addr).Replace(baseTOML))
	logs = &syncBuf{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	rs := redistest.Start(t)
	rt, err := live.Build(cfg, live.Options{Logger: log, Redis: rs.Client(t)})
	if err != nil {
		t.Fatal(err)
	}
	holder := live.NewHolder(rt)
	t.Cleanup(holder.Close)
	srv, err := New(cfg, Options{Runtime: holder, Logger: log, Observer: obs})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	})
	return l.Addr().String(), sink, logs
}

// TestObserverAndMessageLog: the Observer hears every reply, one analysis
// per message and the next hop's failure; each message has exactly one log
// line at info or above, with the msg_id of its Received header, a
// findings summary and the decision, and nothing of its content.
func TestObserverAndMessageLog(t *testing.T) {
	t.Parallel()
	obs := &recorder{}
	addr, sink, logs := observedRelay(t, obs)
	e := &env{t: t, addr: addr}

	if err := e.send(outsider, []string{pupil}, msg("Trip", "See you at the trip.")); err != nil {
		t.Fatalf("clean message: %v", err)
	}
	if err := e.send(outsider, []string{pupil}, msg("hello", "the example phrase is here")); err != nil {
		t.Fatalf("quarantined message: %v", err)
	}
	sink.FailData(&smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try later"})
	if err := e.send(outsider, []string{pupil}, msg("Later", "Try this later.")); code(err) != 451 {
		t.Fatalf("message with the next hop failing = %v, want 451", err)
	}

	obs.mu.Lock()
	replies, analyzed, hopErrs := slices.Clone(obs.replies), obs.analyzed, slices.Clone(obs.hopErrs)
	obs.mu.Unlock()
	// Per session: 220, EHLO 250, MAIL 250, RCPT 250, DATA 354, the end of
	// DATA, QUIT 221 (the failed one ends without QUIT).
	if n := count(replies, 220); n != 3 {
		t.Errorf("220 replies = %d, want 3 (%v)", n, replies)
	}
	if n := count(replies, 354); n != 3 {
		t.Errorf("354 replies = %d, want 3 (%v)", n, replies)
	}
	if n := count(replies, 451); n != 1 {
		t.Errorf("451 replies = %d, want 1 (%v)", n, replies)
	}
	if n := count(replies, 250); n != 11 {
		t.Errorf("250 replies = %d, want 11 (%v)", n, replies)
	}
	if analyzed != 3 {
		t.Errorf("Analyzed called %d times, want 3", analyzed)
	}
	if len(hopErrs) != 1 {
		t.Errorf("NextHopError called with %v, want one error", hopErrs)
	}

	lines := logs.infoLines(t)
	byID := map[string][]map[string]any{}
	for _, l := range lines {
		if id, ok := l["msg_id"].(string); ok {
			byID[id] = append(byID[id], l)
		}
		for _, secret := range []string{"example phrase", "See you at the trip", "hello", "Trip"} {
			if b, _ := json.Marshal(l); bytes.Contains(b, []byte(secret)) {
				t.Errorf("log line quotes the message (%q): %s", secret, b)
			}
		}
	}
	if len(byID) != 3 {
		t.Fatalf("log lines with a msg_id: %v, want 3 messages", byID)
	}
	want := map[string]string{"none|deliver": "", "safeguarding:1|quarantine": "", "none|deliver|tempfail": ""}
	for id, ls := range byID {
		if len(ls) != 1 {
			t.Errorf("msg_id %s has %d lines at info or above, want 1: %v", id, len(ls), ls)
			continue
		}
		key := ls[0]["findings"].(string) + "|" + ls[0]["action"].(string)
		if ls[0]["level"] == "WARN" {
			key += "|tempfail"
		}
		if _, ok := want[key]; !ok {
			t.Errorf("msg_id %s: findings|action = %q, want one of %v", id, key, want)
		}
		want[key] = id
	}
	got := sink.Messages()
	if len(got) != 1 {
		t.Fatalf("sink has %d messages, want the clean one", len(got))
	}
	m := regexp.MustCompile(`\(lychgate\) with ESMTP id ([0-9a-f]+)`).FindSubmatch(got[0].Data)
	if m == nil || string(m[1]) != want["none|deliver"] {
		t.Errorf("delivered Received id = %q, want the logged msg_id %q", m, want["none|deliver"])
	}
}

func count(xs []int, x int) int {
	n := 0
	for _, v := range xs {
		if v == x {
			n++
		}
	}
	return n
}
