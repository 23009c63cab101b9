package nexthop_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/lychgate/lychgate/internal/smtpsink"
	"github.com/lychgate/lychgate/nexthop"
)

func TestSTARTTLSModes(t *testing.T) {
	t.Parallel()
	cert, roots := testCert(t)
	cases := []struct {
		name      string
		mode      string
		offered   bool
		wantTLS   bool
		wantNoTLS bool // fails with ErrNoSTARTTLS
	}{
		{"opportunistic and offered", nexthop.TLSOpportunistic, true, true, false},
		{"opportunistic and not offered", nexthop.TLSOpportunistic, false, false, false},
		{"required and offered", nexthop.TLSRequired, true, true, false},
		{"required and not offered", nexthop.TLSRequired, false, false, true},
		{"none and offered", nexthop.TLSNone, true, false, false},
		{"none and not offered", nexthop.TLSNone, false, false, false},
		{"empty mode is opportunistic", "", true, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := smtpsink.Options{}
			if tc.offered {
				opts.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
			}
			sink := startSink(t, opts)
			c := newClient(t, hopConfig(sink.Addr, tc.mode), nexthop.Options{TLSConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}})
			err := c.Send(t.Context(), "a@example.com", []string{"b@example.org"}, []byte(testMsg))
			if tc.wantNoTLS {
				e := asError(t, err)
				if e.Stage != nexthop.StageTLS || !errors.Is(err, nexthop.ErrNoSTARTTLS) || !e.Temporary() {
					t.Fatalf("Send = %v (stage %s, temporary %v), want a temporary tls-stage ErrNoSTARTTLS", err, e.Stage, e.Temporary())
				}
				if n := len(sink.Messages()); n != 0 {
					t.Fatalf("sink got %d messages, want none", n)
				}
				return
			}
			if err != nil {
				t.Fatalf("Send = %v, want nil", err)
			}
			got := sink.Messages()
			if len(got) != 1 || got[0].TLS != tc.wantTLS {
				t.Fatalf("sink got %+v, want one message with TLS=%v", got, tc.wantTLS)
			}
			if string(got[0].Data) != testMsg {
				t.Errorf("data = %q, want %q", got[0].Data, testMsg)
			}
		})
	}
}

func TestSTARTTLSCertificate(t *testing.T) {
	t.Parallel()
	cert, _ := testCert(t)
	sink := startSink(t, smtpsink.Options{TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}})

	// An untrusted certificate fails the handshake: a temporary tls error,
	// never a silent fall back to plain text.
	c := newClient(t, hopConfig(sink.Addr, nexthop.TLSOpportunistic), nexthop.Options{})
	err := c.Send(t.Context(), "a@example.com", []string{"b@example.org"}, []byte(testMsg))
	if e := asError(t, err); e.Stage != nexthop.StageTLS || !e.Temporary() {
		t.Fatalf("Send with an untrusted certificate = %v, want a temporary tls-stage error", err)
	}

	// tls_skip_verify accepts it.
	cfg := hopConfig(sink.Addr, nexthop.TLSRequired)
	cfg.TLSSkipVerify = true
	c = newClient(t, cfg, nexthop.Options{})
	if err := c.Send(t.Context(), "a@example.com", []string{"b@example.org"}, []byte(testMsg)); err != nil {
		t.Fatalf("Send with tls_skip_verify = %v, want nil", err)
	}
	if got := sink.Messages(); len(got) != 1 || !got[0].TLS {
		t.Fatalf("sink got %+v, want one message over TLS", got)
	}
}

func TestRcptRefusals(t *testing.T) {
	t.Parallel()
	sink := startSink(t, smtpsink.Options{})
	sink.RefuseRcpt("full@school.test", &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 2, 2}, Message: "mailbox full"})
	sink.RefuseRcpt("gone@school.test", &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"})
	c := newClient(t, hopConfig(sink.Addr, nexthop.TLSNone), nexthop.Options{})
	cases := []struct {
		name      string
		rcpt      string
		code      int
		enhanced  smtp.EnhancedCode
		temporary bool
	}{
		{"4xx is temporary", "full@school.test", 452, smtp.EnhancedCode{4, 2, 2}, true},
		{"5xx is permanent", "gone@school.test", 550, smtp.EnhancedCode{5, 1, 1}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Not parallel: the cases share the client's one pooled connection.
			_, err := c.Begin(t.Context(), sink.Addr, nexthop.Mail{From: "a@example.com"}, []string{"ok@school.test", tc.rcpt})
			e := asError(t, err)
			if e.Stage != nexthop.StageRcpt || e.Rcpt != tc.rcpt || e.Code != tc.code || e.Enhanced != tc.enhanced || e.Temporary() != tc.temporary {
				t.Fatalf("Begin = %+v, want stage rcpt, rcpt %s, %d %v, temporary %v", e, tc.rcpt, tc.code, tc.enhanced, tc.temporary)
			}
			if nexthop.Permanent(err) == tc.temporary {
				t.Errorf("Permanent(%v) = %v, want %v", err, !tc.temporary, !tc.temporary)
			}
			var se *smtp.SMTPError
			if !errors.As(err, &se) || se.Code != tc.code {
				t.Errorf("errors.As(%v, *smtp.SMTPError) = %v, want the hop's reply", err, se)
			}
		})
	}

	t.Run("partial keeps the accepted recipients", func(t *testing.T) {
		tx, err := c.Begin(t.Context(), sink.Addr, nexthop.Mail{From: "a@example.com", KeepPartial: true},
			[]string{"ok@school.test", "gone@school.test", "full@school.test"})
		if err != nil {
			t.Fatalf("Begin(KeepPartial) = %v, want an open transaction", err)
		}
		res := tx.Results()
		if len(res) != 3 || res[0].Err != nil || nexthop.Permanent(res[1].Err) != true || nexthop.Permanent(res[2].Err) != false {
			t.Fatalf("Results = %+v, want accepted, permanent, temporary", res)
		}
		if got := tx.Accepted(); len(got) != 1 || got[0] != "ok@school.test" {
			t.Fatalf("Accepted = %v, want [ok@school.test]", got)
		}
		if err := tx.Data(nil, section(testMsg)); err != nil {
			t.Fatalf("Data = %v", err)
		}
		got := sink.Messages()
		if len(got) != 1 || strings.Join(got[0].To, ",") != "ok@school.test" {
			t.Fatalf("sink got %+v, want one message to ok@school.test", got)
		}
	})
	if n := sink.Sessions(); n != 1 {
		t.Errorf("sink saw %d sessions, want 1: refusals must not cost the connection", n)
	}
}

func section(s string) *io.SectionReader {
	return io.NewSectionReader(strings.NewReader(s), 0, int64(len(s)))
}

func TestHeaderAndSharedBody(t *testing.T) {
	t.Parallel()
	sink := startSink(t, smtpsink.Options{})
	c := newClient(t, hopConfig(sink.Addr, nexthop.TLSNone), nexthop.Options{})
	raw := []byte("Subject: shared\r\n\r\n.leading dot\r\nbody\r\n")
	body := io.NewSectionReader(bytes.NewReader(raw), 0, int64(len(raw)))
	for _, h := range []string{"X-Copy: 1\r\n", "X-Copy: 2\r\n"} {
		tx, err := c.Begin(t.Context(), sink.Addr, nexthop.Mail{From: "a@example.com"}, []string{"b@school.test"})
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.Data([]byte(h), body); err != nil {
			t.Fatalf("Data = %v", err)
		}
	}
	got := sink.Messages()
	if len(got) != 2 {
		t.Fatalf("sink got %d messages, want 2", len(got))
	}
	for i, m := range got {
		want := "X-Copy: " + string(rune('1'+i)) + "\r\n" + string(raw)
		if string(m.Data) != want {
			t.Errorf("copy %d = %q, want %q", i, m.Data, want)
		}
	}
}

func TestPoolReuse(t *testing.T) {
	t.Parallel()
	sink := startSink(t, smtpsink.Options{})
	c := newClient(t, hopConfig(sink.Addr, nexthop.TLSNone), nexthop.Options{})
	send := func() {
		t.Helper()
		if err := c.Send(t.Context(), "a@example.com", []string{"b@school.test"}, []byte(testMsg)); err != nil {
			t.Fatalf("Send = %v", err)
		}
	}
	for range 3 {
		send()
	}
	if n := sink.Sessions(); n != 1 {
		t.Fatalf("after 3 sends the sink saw %d sessions, want 1 (reused)", n)
	}
	// An aborted transaction (RSET) leaves the connection reusable.
	tx, err := c.Begin(t.Context(), sink.Addr, nexthop.Mail{From: "a@example.com"}, []string{"b@school.test"})
	if err != nil {
		t.Fatal(err)
	}
	tx.Abort()
	send()
	if n := sink.Sessions(); n != 1 {
		t.Fatalf("after an abort the sink saw %d sessions, want 1", n)
	}
	// The hop closes idle connections: the next send notices and redials.
	sink.DropConnections()
	send()
	if n := sink.Sessions(); n != 2 {
		t.Fatalf("after the hop dropped the connection the sink saw %d sessions, want 2", n)
	}
	if n := len(sink.Messages()); n != 5 {
		t.Fatalf("sink got %d messages, want 5", n)
	}
}

func TestPoolLimits(t *testing.T) {
	t.Parallel()
	t.Run("idle connections per hop are bounded", func(t *testing.T) {
		t.Parallel()
		sink := startSink(t, smtpsink.Options{})
		c := newClient(t, hopConfig(sink.Addr, nexthop.TLSNone), nexthop.Options{MaxIdlePerHop: 2})
		var txs []*nexthop.Txn
		for range 4 {
			tx, err := c.Begin(t.Context(), sink.Addr, nexthop.Mail{From: "a@example.com"}, []string{"b@school.test"})
			if err != nil {
				t.Fatal(err)
			}
			txs = append(txs, tx)
		}
		for _, tx := range txs {
			if err := tx.Data(nil, section(testMsg)); err != nil {
				t.Fatal(err)
			}
		}
		if n := c.IdleConns(sink.Addr); n != 2 {
			t.Fatalf("IdleConns = %d after 4 concurrent transactions, want 2", n)
		}
		if n := sink.Sessions(); n != 4 {
			t.Fatalf("sink saw %d sessions, want 4", n)
		}
	})
	t.Run("a connection carries at most MaxUses transactions", func(t *testing.T) {
		t.Parallel()
		sink := startSink(t, smtpsink.Options{})
		c := newClient(t, hopConfig(sink.Addr, nexthop.TLSNone), nexthop.Options{MaxUses: 2})
		for range 3 {
			if err := c.Send(t.Context(), "a@example.com", []string{"b@school.test"}, []byte(testMsg)); err != nil {
				t.Fatal(err)
			}
		}
		if n := sink.Sessions(); n != 2 {
			t.Fatalf("sink saw %d sessions for 3 sends with MaxUses 2, want 2", n)
		}
	})
	t.Run("idle connections are closed", func(t *testing.T) {
		t.Parallel()
		sink := startSink(t, smtpsink.Options{})
		c := newClient(t, hopConfig(sink.Addr, nexthop.TLSNone), nexthop.Options{IdleTimeout: 20 * time.Millisecond})
		if err := c.Send(t.Context(), "a@example.com", []string{"b@school.test"}, []byte(testMsg)); err != nil {
			t.Fatal(err)
		}
		if !eventually(t, 10*time.Second, func() bool { return c.IdleConns(sink.Addr) == 0 }) {
			t.Fatalf("IdleConns = %d long after the idle timeout, want 0", c.IdleConns(sink.Addr))
		}
	})
	t.Run("no pooling", func(t *testing.T) {
		t.Parallel()
		sink := startSink(t, smtpsink.Options{})
		c := newClient(t, hopConfig(sink.Addr, nexthop.TLSNone), nexthop.Options{MaxIdlePerHop: -1})
		for range 2 {
			if err := c.Send(t.Context(), "a@example.com", []string{"b@school.test"}, []byte(testMsg)); err != nil {
				t.Fatal(err)
			}
		}
		if n := sink.Sessions(); n != 2 || c.IdleConns(sink.Addr) != 0 {
			t.Fatalf("sink saw %d sessions, %d idle; want 2 and 0", n, c.IdleConns(sink.Addr))
		}
	})
}

func TestDropMidData(t *testing.T) {
	t.Parallel()
	h := startHop(t, func(c *smtp.Conn, r io.Reader) error {
		_, _ = io.CopyN(io.Discard, r, 100)
		_ = c.Close()
		return errors.New("dropped")
	})
	c := newClient(t, hopConfig(h.addr, nexthop.TLSNone), nexthop.Options{})
	big := "Subject: big\r\n\r\n" + strings.Repeat("line of text that goes on\r\n", 40000)
	err := c.Send(t.Context(), "a@example.com", []string{"b@school.test"}, []byte(big))
	e := asError(t, err)
	if e.Stage != nexthop.StageData || e.Code != 0 || !e.Temporary() || nexthop.Permanent(err) {
		t.Fatalf("Send to a hop that drops mid-DATA = %v (stage %s, code %d), want a temporary data-stage error without a code", err, e.Stage, e.Code)
	}
	if n := c.IdleConns(h.addr); n != 0 {
		t.Errorf("IdleConns = %d after a dropped connection, want 0", n)
	}
}

func TestDataRefusal(t *testing.T) {
	t.Parallel()
	sink := startSink(t, smtpsink.Options{})
	sink.FailData(&smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "spam"})
	c := newClient(t, hopConfig(sink.Addr, nexthop.TLSNone), nexthop.Options{})
	err := c.Send(t.Context(), "a@example.com", []string{"b@school.test"}, []byte(testMsg))
	if e := asError(t, err); e.Stage != nexthop.StageData || e.Code != 554 || e.Temporary() {
		t.Fatalf("Send = %v, want a permanent data-stage 554", err)
	}
	// The session survives a refusal after the dot.
	sink.FailData(nil)
	if err := c.Send(t.Context(), "a@example.com", []string{"b@school.test"}, []byte(testMsg)); err != nil {
		t.Fatal(err)
	}
	if n := sink.Sessions(); n != 1 {
		t.Errorf("sink saw %d sessions, want 1", n)
	}
}

func TestContextCancel(t *testing.T) {
	t.Parallel()
	t.Run("while connecting or waiting for the greeting", func(t *testing.T) {
		t.Parallel()
		addr, accepted := silentHop(t)
		c := newClient(t, hopConfig(addr, nexthop.TLSNone), nexthop.Options{})
		ctx, cancel := context.WithCancel(t.Context())
		go func() { <-accepted; cancel() }()
		_, err := c.Begin(ctx, addr, nexthop.Mail{From: "a@example.com"}, []string{"b@school.test"})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Begin = %v, want it to end with context.Canceled", err)
		}
		// The hop accepted; whether the client was still in DialContext
		// or already reading the greeting (the command timeout is a
		// minute) the context ends it.
		if e := asError(t, err); e.Stage != nexthop.StageEHLO && e.Stage != nexthop.StageDial || !e.Temporary() {
			t.Errorf("Begin = %+v, want a temporary dial- or ehlo-stage error", e)
		}
	})
	t.Run("while waiting for the final reply", func(t *testing.T) {
		t.Parallel()
		arrived, release := make(chan struct{}), make(chan struct{})
		t.Cleanup(func() { close(release) })
		h := startHop(t, func(_ *smtp.Conn, r io.Reader) error {
			_, _ = io.Copy(io.Discard, r)
			arrived <- struct{}{}
			<-release
			return nil
		})
		c := newClient(t, hopConfig(h.addr, nexthop.TLSNone), nexthop.Options{})
		ctx, cancel := context.WithCancel(t.Context())
		tx, err := c.Begin(ctx, h.addr, nexthop.Mail{From: "a@example.com"}, []string{"b@school.test"})
		if err != nil {
			t.Fatal(err)
		}
		go func() { <-arrived; cancel() }()
		err = tx.Data(nil, section(testMsg))
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Data = %v, want it to end with context.Canceled", err)
		}
		if e := asError(t, err); e.Stage != nexthop.StageData || !e.Temporary() {
			t.Errorf("Data = %+v, want a temporary data-stage error", e)
		}
	})
	t.Run("already cancelled", func(t *testing.T) {
		t.Parallel()
		sink := startSink(t, smtpsink.Options{})
		c := newClient(t, hopConfig(sink.Addr, nexthop.TLSNone), nexthop.Options{})
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		err := c.Send(ctx, "a@example.com", []string{"b@school.test"}, []byte(testMsg))
		if e := asError(t, err); !errors.Is(err, context.Canceled) || e.Stage != nexthop.StageDial {
			t.Fatalf("Send with a cancelled context = %v, want a dial-stage context.Canceled", err)
		}
	})
}

func TestRoute(t *testing.T) {
	t.Parallel()
	in := startSink(t, smtpsink.Options{})
	out := startSink(t, smtpsink.Options{})
	cfg := hopConfig(in.Addr, nexthop.TLSNone)
	cfg.Outbound = out.Addr
	c := newClient(t, cfg, nexthop.Options{IsLocal: func(a string) bool { return strings.HasSuffix(a, "@school.test") }})
	if err := c.Send(t.Context(), "", []string{"dsl@school.test", "parent@example.com", "head@school.test"}, []byte(testMsg)); err != nil {
		t.Fatal(err)
	}
	if got := in.Messages(); len(got) != 1 || strings.Join(got[0].To, ",") != "dsl@school.test,head@school.test" || got[0].From != "" {
		t.Errorf("inbound hop got %+v, want one message from <> to both school addresses", got)
	}
	if got := out.Messages(); len(got) != 1 || strings.Join(got[0].To, ",") != "parent@example.com" {
		t.Errorf("outbound hop got %+v, want one message to parent@example.com", got)
	}

	cfg.Outbound = ""
	c = newClient(t, cfg, nexthop.Options{})
	if _, err := c.Route("x@example.com"); !errors.Is(err, nexthop.ErrNoRoute) {
		t.Errorf("Route with no outbound hop = %v, want ErrNoRoute", err)
	}
}

func TestSMTPUTF8(t *testing.T) {
	t.Parallel()
	// go-smtp's server offers SMTPUTF8 only when enabled; this hop does not.
	h := startHop(t, func(_ *smtp.Conn, r io.Reader) error { _, err := io.Copy(io.Discard, r); return err })
	c := newClient(t, hopConfig(h.addr, nexthop.TLSNone), nexthop.Options{})
	err := c.Send(t.Context(), "jürgen@example.com", []string{"b@school.test"}, []byte(testMsg))
	if e := asError(t, err); !errors.Is(err, nexthop.ErrNoSMTPUTF8) || e.Temporary() {
		t.Fatalf("Send of a UTF-8 address to a hop without SMTPUTF8 = %v, want permanent ErrNoSMTPUTF8", err)
	}
	sink := startSink(t, smtpsink.Options{}) // offers SMTPUTF8
	c = newClient(t, hopConfig(sink.Addr, nexthop.TLSNone), nexthop.Options{})
	if err := c.Send(t.Context(), "jürgen@example.com", []string{"b@school.test"}, []byte(testMsg)); err != nil {
		t.Fatalf("Send with SMTPUTF8 = %v", err)
	}
}

func TestFoldOnTheWire(t *testing.T) {
	t.Parallel()
	sink := startSink(t, smtpsink.Options{})
	c := newClient(t, hopConfig(sink.Addr, nexthop.TLSNone), nexthop.Options{MaxLineLength: 100})
	long := strings.Repeat("word ", 100)
	msg := "Subject: " + long + "\r\n\r\n" + long + "\r\nshort\r\n"
	if err := c.Send(t.Context(), "a@example.com", []string{"b@school.test"}, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	got := sink.Messages()
	if len(got) != 1 {
		t.Fatalf("sink got %d messages", len(got))
	}
	for _, l := range strings.Split(string(got[0].Data), "\r\n") {
		if len(l) > 100 {
			t.Errorf("line of %d octets reached the hop, want at most 100: %q", len(l), l)
		}
	}
	if !strings.HasSuffix(string(got[0].Data), "\r\nshort\r\n") {
		t.Errorf("data = %q, want the short last line unchanged", got[0].Data)
	}
}

func BenchmarkSend(b *testing.B) {
	sink, err := smtpsink.Start(smtpsink.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = sink.Close() })
	data := []byte("Subject: bench\r\n\r\n" + strings.Repeat("a line of an ordinary message body\r\n", 300))
	for _, bc := range []struct {
		name string
		idle int
	}{{"pooled", 0}, {"new connection each", -1}} {
		b.Run(bc.name, func(b *testing.B) {
			c := nexthop.New(hopConfig(sink.Addr, nexthop.TLSNone), nexthop.Options{Hostname: "relay.test", MaxIdlePerHop: bc.idle})
			defer c.Close()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if err := c.Send(b.Context(), "a@example.com", []string{"b@school.test"}, data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// closingSession answers 421 to the second MAIL of its session, as a hop
// closing an idle connection does.
type closingSession struct {
	mails *int
}

func (s *closingSession) Reset()        {}
func (s *closingSession) Logout() error { return nil }
func (s *closingSession) Mail(string, *smtp.MailOptions) error {
	*s.mails++
	if *s.mails == 2 {
		return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 4, 2}, Message: "idle too long, closing"}
	}
	return nil
}
func (s *closingSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *closingSession) Data(r io.Reader) error {
	_, err := io.Copy(io.Discard, r)
	return err
}

func TestReused421Redials(t *testing.T) {
	t.Parallel()
	sessions := 0
	var mu sync.Mutex
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		mu.Lock()
		defer mu.Unlock()
		sessions++
		return &closingSession{mails: new(int)}, nil
	}))
	srv.Domain, srv.ReadTimeout, srv.WriteTimeout = "hop.test", time.Minute, time.Minute
	tl := &testLogger{t: t}
	t.Cleanup(tl.stop)
	srv.ErrorLog = tl
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	c := newClient(t, hopConfig(l.Addr().String(), nexthop.TLSNone), nexthop.Options{})
	for i := range 2 {
		if err := c.Send(t.Context(), "a@example.com", []string{"b@school.test"}, []byte(testMsg)); err != nil {
			t.Fatalf("send %d = %v, want nil (a 421 on a reused connection is retried on a new one)", i, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if sessions != 2 {
		t.Errorf("hop saw %d sessions, want 2", sessions)
	}
}

// TestStalledHop: a hop that stops reading in the middle of DATA fails the
// copy after command_timeout without progress (go-smtp itself sets no
// deadline while the message is written).
func TestStalledHop(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	h := startHop(t, func(_ *smtp.Conn, _ io.Reader) error {
		<-release // never reads the message
		return nil
	})
	cfg := hopConfig(h.addr, nexthop.TLSNone)
	cfg.CommandTimeout.Duration = 200 * time.Millisecond
	c := newClient(t, cfg, nexthop.Options{})
	big := []byte("Subject: big\r\n\r\n" + strings.Repeat("a line that fills the socket buffers\r\n", 300000))
	err := c.Send(t.Context(), "a@example.com", []string{"b@school.test"}, big)
	var ne net.Error
	if e := asError(t, err); e.Stage != nexthop.StageData || !e.Temporary() || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("Send to a stalled hop = %v, want a temporary data-stage timeout", err)
	}
}
