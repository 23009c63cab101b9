package relay

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
)

// The raw-SMTP tests of the relay's edge (issue 10 and the relay part of
// issue 9): each speaks bytes to the real server on loopback.

// open starts a transaction on a raw session and returns it at DATA's 354.
func openData(t *testing.T, addr, mailParams, from, rcpt string) *rawSession {
	t.Helper()
	s := dialRaw(t, addr)
	s.send("EHLO client.test\r\n")
	s.expect("250")
	s.send("MAIL FROM:<" + from + ">" + mailParams + "\r\n")
	s.expect("250")
	s.send("RCPT TO:<" + rcpt + ">\r\n")
	s.expect("250")
	s.send("DATA\r\n")
	s.expect("354")
	return s
}

// rest reads every remaining line until the server closes the connection.
func (s *rawSession) rest() []string {
	s.t.Helper()
	var out []string
	for {
		line, err := s.r.ReadString('\n')
		if line != "" {
			out = append(out, strings.TrimRight(line, "\r\n"))
		}
		if err != nil {
			return out
		}
	}
}

func TestDataTimeoutEndsConnection(t *testing.T) {
	t.Parallel()
	// Trusted, so a smuggled MAIL to an outside address would be relayed.
	e := newEnv(t, envOpts{trusted: true, relayTOML: `read_timeout = "1s"`})
	s := openData(t, e.addr, "", teacher, "parent@example.net")
	s.send("Subject: slow\r\n\r\nbody")
	// Progress extends the deadline: 2 s of dots, 250 ms apart, with a
	// 1 s read_timeout, and the message still arrives.
	for range 8 {
		time.Sleep(250 * time.Millisecond)
		s.send(".")
	}
	s.send("\r\n.\r\n")
	s.expect("250")
	if n := len(e.sink.Messages()); n != 1 {
		t.Fatalf("slow but steady message: sink has %d, want 1", n)
	}

	// Then the sender stalls past read_timeout and sends a second
	// transaction after it: the relay answers 451 4.4.2, closes, and never
	// reads the rest as commands.
	s = openData(t, e.addr, "", teacher, "parent@example.net")
	s.send("Subject: stalls\r\n\r\nbody")
	got := s.reply()
	if !strings.HasPrefix(got, "451 4.4.2 ") || strings.Contains(got, "127.0.0.1") || strings.Contains(got, "tcp") {
		t.Errorf("reply after stalled DATA = %q, want a plain 451 4.4.2", got)
	}
	_, _ = s.c.Write([]byte("\r\nMAIL FROM:<smuggled@evil.example>\r\nRCPT TO:<victim@example.net>\r\nDATA\r\nSubject: smuggled\r\n\r\nx\r\n.\r\n"))
	if more := s.rest(); len(more) != 0 {
		t.Errorf("after the 451 the relay answered %q, want the connection closed", more)
	}
	if n := len(e.sink.Messages()); n != 1 {
		t.Errorf("sink has %d messages, want only the first", n)
	}
}

func TestDataTotalTimeLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{relayTOML: "read_timeout = \"1s\"\ndata_timeout = \"2s\""})
	s := openData(t, e.addr, "", outsider, pupil)
	s.send("Subject: trickle\r\n\r\n")
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Millisecond):
				if _, err := s.c.Write([]byte("x")); err != nil {
					return
				}
			}
		}
	}()
	got := s.reply()
	close(stop)
	if !strings.HasPrefix(got, "451 4.4.2 ") {
		t.Errorf("reply to a DATA trickling past data_timeout = %q, want 451 4.4.2", got)
	}
	if n := len(e.sink.Messages()); n != 0 {
		t.Errorf("sink has %d messages, want 0", n)
	}
}

func TestCRCRLFBeforeEndOfData(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"reject", "fix"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOpts{relayTOML: `bare_line_endings = "` + mode + `"`})
			s := openData(t, e.addr, "", outsider, pupil)
			s.send("Subject: crcr\r\n\r\nends CR CR LF\r\r\n.\r\nQUIT\r\n")
			got := s.reply()
			want := map[string]string{"reject": "554 5.5.2", "fix": "250"}[mode]
			if !strings.HasPrefix(got, want) {
				t.Errorf("end of data after CR CR LF = %q, want %s", got, want)
			}
			s.expect("221") // QUIT was read as a command
			msgs := e.sink.Messages()
			if mode == "reject" {
				if len(msgs) != 0 {
					t.Errorf("sink has %d messages, want 0", len(msgs))
				}
				return
			}
			if len(msgs) != 1 {
				t.Fatalf("sink has %d messages, want 1", len(msgs))
			}
			if _, body := stripPrefix(msgs[0].Data); string(body) != "Subject: crcr\r\n\r\nends CR CR LF\r\n\r\n" {
				t.Errorf("delivered %q, want the CR fixed and no '.' or QUIT line", body)
			}
		})
	}
}

func TestDotCRThenOtherByte(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"reject", "fix"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOpts{relayTOML: `bare_line_endings = "` + mode + `"`})
			s := openData(t, e.addr, "", outsider, pupil)
			s.send("Subject: dotcr\r\n\r\nline\r\n.\rX\r\n.\r\n")
			got := s.reply()
			if mode == "reject" {
				if !strings.HasPrefix(got, "554 5.5.2") {
					t.Errorf("end of data = %q, want 554 5.5.2 (the CR after the dot is bare)", got)
				}
				return
			}
			if !strings.HasPrefix(got, "250") {
				t.Fatalf("end of data = %q, want 250", got)
			}
			msgs := e.sink.Messages()
			// The dot is a transparency dot; the bare CR that follows is kept
			// (as CRLF), not lost.
			if _, body := stripPrefix(msgs[0].Data); len(msgs) != 1 || string(body) != "Subject: dotcr\r\n\r\nline\r\n\r\nX\r\n" {
				t.Errorf("delivered %q", body)
			}
		})
	}
}

func TestNULBytes(t *testing.T) {
	t.Parallel()
	data := "Subject: nul\r\n\r\nbefore\r\n\x00.\r\nafter\r\n.\r\n"
	t.Run("reject", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, envOpts{})
		s := openData(t, e.addr, "", outsider, pupil)
		s.send(data)
		if got := s.reply(); !strings.HasPrefix(got, "554 5.6.0") {
			t.Errorf("end of data with NUL = %q, want 554 5.6.0", got)
		}
		if n := len(e.sink.Messages()); n != 0 {
			t.Errorf("sink has %d messages, want 0", n)
		}
	})
	t.Run("strip", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, envOpts{relayTOML: `nul_bytes = "strip"`})
		s := openData(t, e.addr, "", outsider, pupil)
		s.send(data)
		s.expect("250")
		msgs := e.sink.Messages()
		if len(msgs) != 1 || bytes.IndexByte(msgs[0].Data, 0) >= 0 || !bytes.Contains(msgs[0].Data, []byte("before\r\n.\r\nafter")) {
			t.Errorf("delivered %+v, want one message without NUL", msgs)
		}
	})
}

func TestUnicodeDomainFolding(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	cases := []struct {
		name, rcpt, mail, want, forwarded string
	}{
		{"long s without SMTPUTF8", "pupil1@\u017fchool.example.\u017fch.uk", "", "553 5.6.7", ""},
		{"long s", "pupil1@\u017fchool.example.\u017fch.uk", " SMTPUTF8", "250", pupil},
		{"Kelvin sign", "pupil1@school.example.sch.u\u212a", " SMTPUTF8", "250", pupil},
		{"long s outside", "victim@\u017f.example.net", " SMTPUTF8", "550 5.7.1", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := dialRaw(t, e.addr)
			s.send("EHLO client.test\r\nMAIL FROM:<" + outsider + ">" + tc.mail + "\r\n")
			s.expect("250")
			s.expect("250")
			s.send("RCPT TO:<" + tc.rcpt + ">\r\n")
			if got := s.reply(); !strings.HasPrefix(got, tc.want) {
				t.Fatalf("RCPT %q = %q, want %s", tc.rcpt, got, tc.want)
			}
			if tc.forwarded == "" {
				return
			}
			before := len(e.sink.Messages())
			s.send("DATA\r\n")
			s.expect("354")
			s.send("Subject: fold\r\n\r\nx\r\n.\r\n")
			s.expect("250")
			msgs := e.sink.Messages()
			if len(msgs) != before+1 || len(msgs[before].To) != 1 || msgs[before].To[0] != tc.forwarded {
				t.Errorf("forwarded to %v, want [%s] (A-label form, never verbatim)", msgs[len(msgs)-1].To, tc.forwarded)
			}
		})
	}
}

func TestUTF8AddressNeedsSMTPUTF8(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	cases := []struct {
		name, mail, rcpt, wantMail, wantRcpt string
	}{
		{"sender without SMTPUTF8", "MAIL FROM:<j\u00fcrgen@example.com>", "", "553 5.6.7", ""},
		{"sender with SMTPUTF8", "MAIL FROM:<j\u00fcrgen@example.com> SMTPUTF8", "pupil1@" + school, "250", "250"},
		{"recipient without SMTPUTF8", "MAIL FROM:<" + outsider + ">", "sch\u00fcler@" + school, "250", "553 5.6.7"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := dialRaw(t, e.addr)
			s.send("EHLO client.test\r\n")
			s.expect("250")
			s.send(tc.mail + "\r\n")
			if got := s.reply(); !strings.HasPrefix(got, tc.wantMail) {
				t.Fatalf("%s = %q, want %s", tc.mail, got, tc.wantMail)
			}
			if tc.rcpt == "" {
				return
			}
			s.send("RCPT TO:<" + tc.rcpt + ">\r\n")
			if got := s.reply(); !strings.HasPrefix(got, tc.wantRcpt) {
				t.Errorf("RCPT %s = %q, want %s", tc.rcpt, got, tc.wantRcpt)
			}
		})
	}
}

func TestPostmasterWithoutDomain(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, toml, want string }{
		{"default", "", "postmaster@" + school},
		{"configured", `postmaster = "ict@school.example.sch.uk"`, "ict@school.example.sch.uk"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOpts{relayTOML: tc.toml})
			s := openData(t, e.addr, "", outsider, "Postmaster")
			s.send("Subject: to postmaster\r\n\r\nhello\r\n.\r\n")
			s.expect("250")
			msgs := e.sink.Messages()
			if len(msgs) != 1 || len(msgs[0].To) != 1 || msgs[0].To[0] != tc.want {
				t.Errorf("<postmaster> went to %+v, want %s", msgs, tc.want)
			}
		})
	}
}

func TestLongLines(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{relayTOML: "max_line_bytes = 40000"})
	long := strings.Repeat("0123456789", 3000) // 30,000 bytes
	t.Run("accepted and folded", func(t *testing.T) {
		s := openData(t, e.addr, "", outsider, pupil)
		s.send("Subject: long\r\n\r\n" + long + "\r\n.\r\n")
		s.expect("250")
		msgs := e.sink.Messages()
		if len(msgs) != 1 {
			t.Fatalf("sink has %d messages, want 1", len(msgs))
		}
		_, body := stripPrefix(msgs[0].Data)
		for _, l := range strings.Split(string(body), "\r\n") {
			if len(l) > 998 {
				t.Fatalf("forwarded a line of %d bytes, want at most 998", len(l))
			}
		}
		if got := strings.ReplaceAll(string(body), "\r\n ", ""); got != "Subject: long\r\n\r\n"+long+"\r\n" {
			t.Errorf("unfolded body differs from what was sent")
		}
	})
	t.Run("over the limit answered at the end", func(t *testing.T) {
		s := openData(t, e.addr, "", outsider, pupil)
		// The whole message is written before any reply is read.
		s.send("Subject: too long\r\n\r\n" + strings.Repeat("x", 50000) + "\r\nmore\r\n.\r\n")
		if got := s.reply(); !strings.HasPrefix(got, "554 5.6.0") {
			t.Errorf("end of data with a 50,000-byte line = %q, want 554 5.6.0", got)
		}
		s.send("NOOP\r\n")
		s.expect("250") // the connection is still usable
	})
}

// dialFrom connects from a chosen loopback source address.
func dialFrom(t *testing.T, src, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	return c
}

func greeting(t *testing.T, c net.Conn) string {
	t.Helper()
	line, _ := bufio.NewReader(c).ReadString('\n')
	return strings.TrimRight(line, "\r\n")
}

func TestConnectionExhaustion(t *testing.T) {
	t.Parallel()
	// 20 slots, 2 reserved for the trusted 127.0.0.2, 10 per untrusted
	// address; from 15 connections on, commands get the 1 s stress timeout.
	e := newEnv(t, envOpts{trustedNets: `"127.0.0.2/32"`, relayTOML: "max_connections = 20\ntrusted_reserved_connections = 2\nread_timeout = \"5m\"\nstress_read_timeout = \"1s\""})
	var idle []net.Conn
	for i := range 10 {
		c := dialFrom(t, "127.0.0.1", e.addr)
		if g := greeting(t, c); !strings.HasPrefix(g, "220") {
			t.Fatalf("untrusted connection %d: %q, want 220", i+1, g)
		}
		idle = append(idle, c)
	}
	if g := greeting(t, dialFrom(t, "127.0.0.1", e.addr)); !strings.HasPrefix(g, "421 4.7.0") {
		t.Errorf("11th connection from one untrusted address: %q, want 421 4.7.0", g)
	}
	for i := range 8 {
		c := dialFrom(t, "127.0.0.3", e.addr)
		if g := greeting(t, c); !strings.HasPrefix(g, "220") {
			t.Fatalf("untrusted connection %d from a second address: %q, want 220", i+1, g)
		}
		idle = append(idle, c)
	}
	if g := greeting(t, dialFrom(t, "127.0.0.3", e.addr)); !strings.HasPrefix(g, "421 4.7.0") {
		t.Errorf("untrusted connection into the reserved slots: %q, want 421 4.7.0", g)
	}
	trusted := dialFrom(t, "127.0.0.2", e.addr)
	if g := greeting(t, trusted); !strings.HasPrefix(g, "220") {
		t.Errorf("trusted connection with strangers holding the rest: %q, want 220", g)
	}
	idle = append(idle, trusted)
	// Under stress idle connections are closed after stress_read_timeout,
	// not read_timeout (5 min; each connection's deadline is 20 s), until
	// the relay is out of stress: from 19 connections down to 14 at most.
	results := make(chan string, len(idle))
	for _, c := range idle {
		go func() {
			line, err := bufio.NewReader(c).ReadString('\n')
			if err != nil {
				results <- "no reply: " + err.Error()
				return
			}
			results <- line
		}()
	}
	closed := 0
	for range len(idle) - 14 {
		if line := <-results; strings.HasPrefix(line, "421 4.4.2") {
			closed++
		} else {
			t.Errorf("idle connection under stress: %q, want 421 4.4.2 idle timeout", line)
		}
	}
	if closed < len(idle)-14 {
		t.Errorf("%d idle connections closed under stress, want at least %d", closed, len(idle)-14)
	}
}

func TestMailLoop(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	own := "Received: from a ([10.0.0.1])\r\n\tby relay.test (lychgate) with ESMTP id 1;\r\n\tMon, 23 Nov 2026 10:00:00 +0000\r\n"
	other := "Received: from a by mx.example.net with ESMTP id 2; Mon, 23 Nov 2026 10:00:00 +0000\r\n"
	cases := []struct {
		name, header, want string
	}{
		{"one own trace header", own, "250"},
		{"own trace header twice", own + other + own, "554 5.4.6"},
		{"50 hops", strings.Repeat(other, 50), "250"},
		{"51 hops", strings.Repeat(other, 51), "554 5.4.6"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := len(e.sink.Messages())
			s := openData(t, e.addr, "", outsider, pupil)
			s.send(tc.header + "Subject: loop\r\n\r\nx\r\n.\r\n")
			if got := s.reply(); !strings.HasPrefix(got, tc.want) {
				t.Errorf("end of data = %q, want %s", got, tc.want)
			}
			forwarded := len(e.sink.Messages()) - before
			if tc.want != "250" && forwarded != 0 {
				t.Errorf("a looping message was forwarded")
			}
		})
	}
}

// gate is a scanner that blocks each message until released.
type gate struct {
	entered chan struct{}
	release chan struct{}
	running atomic.Int32
}

func newGate() *gate { return &gate{entered: make(chan struct{}, 10), release: make(chan struct{})} }

func (g *gate) scanner() scanners.Scanner {
	return scanners.Func{ID: "gate", F: func(ctx context.Context, _ *message.Message, _ *scanners.Envelope) ([]scanners.Finding, error) {
		g.running.Add(1)
		defer g.running.Add(-1)
		g.entered <- struct{}{}
		select {
		case <-g.release:
			return nil, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}}
}

func TestShutdownWaitsForTransactions(t *testing.T) {
	t.Parallel()
	g := newGate()
	e := newEnv(t, envOpts{extra: []scanners.Scanner{g.scanner()}})
	busy := openData(t, e.addr, "", outsider, pupil)
	busy.send("Subject: in flight\r\n\r\nx\r\n.\r\n")
	<-g.entered
	idle := dialRaw(t, e.addr)
	idle.send("EHLO client.test\r\n")
	idle.expect("250")

	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		done <- e.srv.Shutdown(ctx)
	}()
	// The idle connection is told at once; the transaction goes on.
	idle.expect("421 4.3.2")
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned (%v) while a message was in flight", err)
	default:
	}
	close(g.release)
	busy.expect("250")
	if more := busy.rest(); len(more) != 1 || !strings.HasPrefix(more[0], "421 4.3.2") {
		t.Errorf("after its message the busy connection got %q, want one 421 4.3.2", more)
	}
	if err := <-done; err != nil {
		t.Errorf("Shutdown = %v, want nil", err)
	}
	if n := len(e.sink.Messages()); n != 1 {
		t.Errorf("sink has %d messages, want the one in flight", n)
	}
}

func TestShutdownDeadlineTempfails(t *testing.T) {
	t.Parallel()
	g := newGate() // never released
	e := newEnv(t, envOpts{extra: []scanners.Scanner{g.scanner()}})
	busy := openData(t, e.addr, "", outsider, pupil)
	busy.send("Subject: stuck\r\n\r\nx\r\n.\r\n")
	<-g.entered
	receiving := openData(t, e.addr, "", outsider, pupil)
	receiving.send("Subject: half\r\n\r\nstill sending")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := e.srv.Shutdown(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown = %v, want the deadline", err)
	}
	if n := g.running.Load(); n != 0 {
		t.Errorf("%d scanner still running after Shutdown returned", n)
	}
	if got := busy.reply(); !strings.HasPrefix(got, "451") {
		t.Errorf("message being scanned at the deadline = %q, want 451", got)
	}
	if got := receiving.reply(); !strings.HasPrefix(got, "421 4.3.2") {
		t.Errorf("message being received at the deadline = %q, want 421 4.3.2", got)
	}
	if n := len(e.sink.Messages()); n != 0 {
		t.Errorf("sink has %d messages, want 0", n)
	}
}

func TestBytesInFlightBounded(t *testing.T) {
	t.Parallel()
	g := newGate()
	e := newEnv(t, envOpts{extra: []scanners.Scanner{g.scanner()}, relayTOML: "max_bytes_in_flight = 1000\nanalysis_wait = \"200ms\""})
	body := "Subject: half\r\n\r\n" + strings.Repeat("a", 600) + "\r\n.\r\n"
	first := openData(t, e.addr, "", outsider, pupil)
	first.send(body)
	<-g.entered
	second := openData(t, e.addr, "", outsider, pupil)
	second.send(body)
	if got := second.reply(); !strings.HasPrefix(got, "451 4.3.2") {
		t.Errorf("message over max_bytes_in_flight = %q, want 451 4.3.2", got)
	}
	close(g.release)
	first.expect("250")
	second.send("MAIL FROM:<" + outsider + ">\r\nRCPT TO:<" + pupil + ">\r\nDATA\r\n")
	second.expect("250")
	second.expect("250")
	second.expect("354")
	second.send(body)
	second.expect("250")
}

var _ = fmt.Sprint
