package report_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/internal/smtpsink"
	"github.com/lychgate/lychgate/internal/testutil/redistest"
	"github.com/lychgate/lychgate/notify"
	"github.com/lychgate/lychgate/quarantine"
	"github.com/lychgate/lychgate/report"
	"github.com/lychgate/lychgate/scanners"
)

func logger(t *testing.T) *slog.Logger {
	t.Helper()
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type env struct {
	cfg   *config.Config
	store *quarantine.Store
	ob    *notify.Outbox
	snk   *smtpsink.Sink
}

func setup(t *testing.T) *env {
	t.Helper()
	snk, err := smtpsink.Start(smtpsink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = snk.Close() })
	cfg := config.Default()
	cfg.Relay.Hostname = "mx.trust.test"
	cfg.NextHop.Inbound, cfg.NextHop.Outbound, cfg.NextHop.TLS = snk.Addr, snk.Addr, "none"
	cfg.Schools = []config.School{
		{ID: "quiet", Name: "Quiet Primary", Domains: []string{"quiet.test"}, DSL: []string{"dsl@quiet.test"},
			Report: config.SchoolReport{Head: "head@quiet.test"}},
		{ID: "busy", Name: "Busy Academy", Domains: []string{"busy.test"}, DSL: []string{"dsl@busy.test"},
			Report: config.SchoolReport{To: []string{"slt@busy.test"}}},
	}
	rdb := redistest.Start(t).Client(t)
	return &env{cfg: cfg, store: quarantine.New(rdb, quarantine.Options{Logger: logger(t)}),
		ob: notify.NewOutbox(rdb, notify.OutboxOptions{Logger: logger(t)}), snk: snk}
}

func (e *env) put(t *testing.T, school string, n int, when time.Time, cat scanners.Category, sev scanners.Severity) []string {
	t.Helper()
	var ids []string
	for i := range n {
		raw := fmt.Appendf(nil, "From: a@example.com\r\nTo: b@%s.test\r\nSubject: %s %d %s\r\n\r\nbody\r\n", school, cat, i, when)
		en := &quarantine.Entry{School: school, From: "a@example.com", Recipients: []string{"b@" + school + ".test"},
			Held: []string{"b@" + school + ".test"}, Subject: "secret subject", Received: when.Add(time.Duration(i) * time.Minute),
			Findings: []scanners.Finding{{Scanner: "rules", Rule: "r", Category: cat, Severity: sev}}}
		if _, err := e.store.Put(t.Context(), en, raw); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, en.ID)
	}
	return ids
}

// textPart returns the decoded text/plain part of a report mail, its HTML
// part and its header; pngs counts the image/png parts.
func textPart(t *testing.T, data []byte) (text, html string, h mail.Header) {
	text, html, h, _ = parts(t, data)
	return text, html, h
}

func parts(t *testing.T, data []byte) (text, html string, h mail.Header, pngs int) {
	t.Helper()
	r, err := mail.CreateReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	h = r.Header
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p.Body)
		ct, _, _ := p.Header.(*mail.InlineHeader).ContentType()
		switch ct {
		case "text/plain":
			text = string(b)
		case "text/html":
			html = string(b)
		case "image/png":
			if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
				t.Errorf("image/png part is not a PNG")
			}
			pngs++
		}
	}
	return text, html, h, pngs
}

// TestScheduledReportArrives: a quiet week's report says "no incidents",
// a busy one's has the right counts, both arrive in an SMTP sink through
// the outbox, and a second instance queues nothing more.
func TestScheduledReportArrives(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()
	now := time.Now()
	from, to := now.Add(-7*24*time.Hour), now.Add(time.Hour)
	// This period: 3 profanity (low), 2 safeguarding (high); the previous
	// period: 1 profanity.
	e.put(t, "busy", 3, from.Add(24*time.Hour), scanners.Profanity, scanners.Low)
	ids := e.put(t, "busy", 2, from.Add(48*time.Hour), scanners.Safeguarding, scanners.High)
	e.put(t, "busy", 1, from.Add(-24*time.Hour), scanners.Profanity, scanners.Low)
	if err := e.store.RecordIncident(ctx, "busy", ids[0], quarantine.Incident{By: quarantine.Actor{Who: "jo", From: "test"},
		Category: "bullying", Notes: "very private notes"}); err != nil {
		t.Fatal(err)
	}

	s := &report.Scheduler{Outbox: e.ob, Logger: logger(t)}
	for i := range e.cfg.Schools {
		queued, err := s.Send(ctx, e.cfg, e.store, &e.cfg.Schools[i], from, to, now)
		if err != nil || !queued {
			t.Fatalf("Send(%s) = %v, %v; want queued", e.cfg.Schools[i].ID, queued, err)
		}
	}
	w := notify.NewWorker(e.ob, (&notify.Mailer{Hostname: "mx.trust.test", Inbound: e.snk.Addr, Outbound: e.snk.Addr, TLS: "none",
		IsLocal: func(string) bool { return true }}).Send, notify.WorkerOptions{Logger: logger(t), Block: 50 * time.Millisecond})
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = w.Run(wctx) }()
	defer func() { cancel(); <-done }()
	wait, wcancel := context.WithTimeout(ctx, 30*time.Second)
	defer wcancel()
	msgs, err := e.snk.Wait(wait, 2)
	if err != nil {
		t.Fatal(err)
	}

	// A second instance (or the next tick) for the same period: nothing.
	s2 := &report.Scheduler{Outbox: e.ob}
	for i := range e.cfg.Schools {
		if queued, err := s2.Send(ctx, e.cfg, e.store, &e.cfg.Schools[i], from, to, now); err != nil || queued {
			t.Errorf("second Send(%s) = %v, %v; want nothing queued", e.cfg.Schools[i].ID, queued, err)
		}
	}

	byTo := map[string]smtpsink.Message{}
	for _, m := range msgs {
		byTo[strings.Join(m.To, ",")] = m
	}
	quiet, ok := byTo["dsl@quiet.test,head@quiet.test"]
	if !ok {
		t.Fatalf("no report to the quiet school's dsl and head; got %v", byTo)
	}
	text, html, h := textPart(t, quiet.Data)
	if !strings.Contains(text, "no incidents this period") || !strings.Contains(html, "no incidents this period") {
		t.Errorf("quiet report lacks \"no incidents this period\":\n%s", text)
	}
	if subj, _ := h.Subject(); !strings.Contains(subj, "no incidents") {
		t.Errorf("quiet report subject = %q, want \"no incidents\"", subj)
	}
	if got := h.Get("X-Lychgate-Notification"); got != notify.KindReport {
		t.Errorf("X-Lychgate-Notification = %q, want %q", got, notify.KindReport)
	}

	busy, ok := byTo["slt@busy.test"]
	if !ok {
		t.Fatalf("no report to slt@busy.test; got %v", byTo)
	}
	text, html, _, pngs := parts(t, busy.Data)
	t.Logf("busy report:\n%s", text)
	for _, want := range []string{
		"5 messages held for review (previous period: 1, +4); the DSL recorded 1 incident.",
		"  profanity                     3         1  +2",
		"  safeguarding                  2         0  +2",
		"  high                          2         0  +2",
		"  low                           3         1  +2",
		"bullying  entry " + ids[0] + " (safeguarding; high; recorded by jo)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("busy report lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(strings.ToLower(text), "no incidents") {
		t.Errorf("busy report says \"no incidents\":\n%s", text)
	}
	for _, secret := range []string{"secret subject", "very private notes", "a@example.com"} {
		if strings.Contains(text, secret) || strings.Contains(html, secret) {
			t.Errorf("report shows %q; it names no sender, subject or note", secret)
		}
	}
	if pngs != 1 || !strings.Contains(html, `<img src="cid:chart.`) {
		t.Errorf("busy report mail has %d PNG parts and HTML without the cid: chart, want 1 inline PNG:\n%s", pngs, html)
	}
}

func TestReportFormats(t *testing.T) {
	t.Parallel()
	e := setup(t)
	now := time.Now()
	from, to := now.Add(-48*time.Hour), now.Add(time.Hour)
	r, err := report.Build(t.Context(), &e.cfg.Schools[0], from, to, report.Options{Store: e.store})
	if err != nil {
		t.Fatal(err)
	}
	var txt, csv bytes.Buffer
	if err := r.WriteText(&txt); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteCSV(&csv); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(txt.String(), "no incidents") {
		t.Errorf("text of a quiet period lacks \"no incidents\":\n%s", txt.String())
	}
	if !strings.Contains(csv.String(), ",summary,no incidents,0,") {
		t.Errorf("csv of a quiet period lacks the no incidents row:\n%s", csv.String())
	}

	e.put(t, "quiet", 2, now.Add(-time.Hour), scanners.Spam, scanners.Medium)
	r, err = report.Build(t.Context(), &e.cfg.Schools[0], from, to, report.Options{Store: e.store})
	if err != nil {
		t.Fatal(err)
	}
	csv.Reset()
	if err := r.WriteCSV(&csv); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{",summary,held,2,0,", ",category,spam,2,0,", ",severity,medium,2,0,"} {
		if !strings.Contains(csv.String(), want) {
			t.Errorf("csv lacks %q:\n%s", want, csv.String())
		}
	}
}

func TestLastPeriod(t *testing.T) {
	t.Parallel()
	loc := time.UTC
	for name, tc := range map[string]struct {
		rc       config.Report
		now      time.Time
		from, to time.Time
	}{
		"weekly default, on a Wednesday": {config.Report{}, time.Date(2026, 12, 2, 15, 0, 0, 0, loc),
			time.Date(2026, 11, 23, 0, 0, 0, 0, loc), time.Date(2026, 11, 30, 0, 0, 0, 0, loc)},
		"weekly, exactly at the end": {config.Report{}, time.Date(2026, 11, 30, 0, 0, 0, 0, loc),
			time.Date(2026, 11, 23, 0, 0, 0, 0, loc), time.Date(2026, 11, 30, 0, 0, 0, 0, loc)},
		"friday 17:00": {config.Report{Day: "friday", Hour: 17}, time.Date(2026, 12, 4, 16, 59, 0, 0, loc),
			time.Date(2026, 11, 20, 17, 0, 0, 0, loc), time.Date(2026, 11, 27, 17, 0, 0, 0, loc)},
		"daily": {config.Report{Every: config.Duration{Duration: 24 * time.Hour}, Hour: 6}, time.Date(2026, 12, 2, 7, 0, 0, 0, loc),
			time.Date(2026, 12, 1, 6, 0, 0, 0, loc), time.Date(2026, 12, 2, 6, 0, 0, 0, loc)},
	} {
		from, to := report.LastPeriod(tc.rc, tc.now)
		if !from.Equal(tc.from) || !to.Equal(tc.to) {
			t.Errorf("%s: LastPeriod(%v) = %v, %v, want %v, %v", name, tc.now, from, to, tc.from, tc.to)
		}
	}
}

// TestTickQueuesLastPeriodOnce: Tick queues each school's report for the
// last period once, and nothing when reports are disabled.
func TestTickQueuesLastPeriodOnce(t *testing.T) {
	t.Parallel()
	e := setup(t)
	now := time.Now()
	from, _ := report.LastPeriod(e.cfg.Report, now)
	e.put(t, "busy", 2, from.Add(time.Hour), scanners.Spam, scanners.Medium)

	off := *e.cfg
	off.Report.Disabled = true
	s := &report.Scheduler{Outbox: e.ob}
	if err := s.Tick(t.Context(), &off, e.store, now); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := e.ob.Pending(t.Context()); n != 0 {
		t.Fatalf("disabled reports queued %d notifications", n)
	}
	for range 2 {
		if err := s.Tick(t.Context(), e.cfg, e.store, now); err != nil {
			t.Fatal(err)
		}
	}
	if n, _, err := e.ob.Pending(t.Context()); err != nil || n != 2 {
		t.Fatalf("two ticks queued %d notifications (err %v), want one per school", n, err)
	}
}
