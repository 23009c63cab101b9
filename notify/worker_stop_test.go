package notify_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/internal/testutil/redistest"
	"github.com/lychgate/lychgate/notify"
)

// gateSink is an SMTP server that, at the end of DATA, reports the
// message on arrived and then holds its reply until the test sends the
// outcome on decide. Every message it accepts is recorded, whether or not
// the client is still there to read the reply (as real servers do).
type gateSink struct {
	addr    string
	arrived chan struct{}
	decide  chan error

	mu       sync.Mutex
	accepted int
}

func startGateSink(t *testing.T) *gateSink {
	t.Helper()
	g := &gateSink{arrived: make(chan struct{}, 10), decide: make(chan error, 10)}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &gateSession{g: g}, nil }))
	srv.Domain = "gate.test"
	srv.ReadTimeout, srv.WriteTimeout = 30*time.Second, 30*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g.addr = l.Addr().String()
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return g
}

func (g *gateSink) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.accepted
}

type gateSession struct{ g *gateSink }

func (*gateSession) Reset()                               {}
func (*gateSession) Logout() error                        { return nil }
func (*gateSession) Mail(string, *smtp.MailOptions) error { return nil }
func (*gateSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *gateSession) Data(r io.Reader) error {
	if _, err := io.ReadAll(r); err != nil {
		return err
	}
	s.g.arrived <- struct{}{}
	err := <-s.g.decide
	if err == nil {
		s.g.mu.Lock()
		s.g.accepted++
		s.g.mu.Unlock()
	}
	return err
}

// TestWorkerStopsDuringData: the worker is stopped while the server has
// the whole message and has not answered yet. The worker must wait for the
// answer (within StopGrace): an acceptance is acknowledged, so a restarted
// worker sends nothing again; a refusal leaves the entry for the restart.
// Before StopGrace the worker hung up at once, the server accepted anyway,
// and the restarted worker sent a second copy (the flaky
// TestWorkerKilled/"while the server refuses").
func TestWorkerStopsDuringData(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		answer    error
		wantFirst int // accepted while the first worker was stopping
		wantLeft  int64
	}{
		{"server accepts after the stop", nil, 1, 0},
		{"server refuses after the stop", &smtp.SMTPError{Code: 451, Message: "try later"}, 0, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := startGateSink(t)
			cfg := config.Default()
			cfg.Relay.Hostname = "mx.school.test"
			rs := redistest.Start(t)
			ob := notify.NewOutbox(rs.Client(t), notify.OutboxOptions{Prefix: fmt.Sprintf("stop%d", prefixes.Add(1)), Logger: logger(t)})
			nf := &notify.Notification{Key: "k|alert|st", Kind: notify.KindAlert, School: "st", From: "lychgate@mx.school.test",
				To: []string{"dsl@school.test"}, Data: []byte("Subject: alert\r\n\r\nbody\r\n")}
			if res, err := ob.Enqueue(t.Context(), nf, notify.Limit{}); err != nil || res != notify.Queued {
				t.Fatalf("Enqueue = %v, %v, want queued", res, err)
			}
			m := &notify.Mailer{Hostname: "mx.school.test", Inbound: g.addr, Outbound: g.addr, TLS: "none"}
			newWorker := func(name string) *notify.Worker {
				return notify.NewWorker(ob, m.Send, notify.WorkerOptions{Consumer: name, Logger: logger(t), Block: 20 * time.Millisecond,
					ClaimIdle: 10 * time.Millisecond, RetryMin: 10 * time.Millisecond, RetryMax: 20 * time.Millisecond, StopGrace: 10 * time.Second})
			}

			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan struct{})
			go func() { defer close(done); _ = newWorker("first").Run(ctx) }()
			<-g.arrived // the server has the message; its reply is held
			cancel()    // shutdown while the transaction is open
			g.decide <- tc.answer
			<-done
			if got := g.count(); got != tc.wantFirst {
				t.Fatalf("accepted after the first worker = %d, want %d", got, tc.wantFirst)
			}
			inStream, retrying, err := ob.Pending(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if inStream+retrying != tc.wantLeft {
				t.Fatalf("Pending = %d in stream + %d retrying, want %d left for the restart", inStream, retrying, tc.wantLeft)
			}

			// Restart: whatever is left is delivered, once in all.
			g.decide <- nil
			ctx2, cancel2 := context.WithCancel(t.Context())
			done2 := make(chan struct{})
			go func() { defer close(done2); _ = newWorker("second").Run(ctx2) }()
			if tc.wantLeft > 0 {
				<-g.arrived
			}
			waitDrained(t, ob)
			cancel2()
			<-done2
			if got := g.count(); got != 1 {
				t.Errorf("server accepted %d copies, want exactly 1", got)
			}
		})
	}
}
