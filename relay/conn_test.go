package relay

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestProtocolBasics(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	t.Run("pipelined transaction", func(t *testing.T) {
		s := dialRaw(t, e.addr)
		// RFC 2920: everything up to DATA in one write; replies in order.
		s.send("EHLO client.test\r\nMAIL FROM:<" + outsider + "> BODY=8BITMIME SIZE=100\r\nRCPT TO:<" + pupil + ">\r\nRCPT TO:<nobody@example.net>\r\nDATA\r\n")
		for _, want := range []string{"250", "250 2.1.0", "250 2.1.5", "550 5.7.1", "354"} {
			s.expect(want)
		}
		s.send("Subject: pipelined\r\n\r\nx\r\n.\r\nRSET\r\nNOOP\r\nVRFY pupil1\r\nQUIT\r\n")
		for _, want := range []string{"250 2.0.0", "250", "250", "252", "221"} {
			s.expect(want)
		}
	})
	t.Run("HELO first", func(t *testing.T) {
		s := dialRaw(t, e.addr)
		s.send("MAIL FROM:<" + outsider + ">\r\n")
		s.expect("503 5.5.1")
	})
	t.Run("sequence errors", func(t *testing.T) {
		s := dialRaw(t, e.addr)
		s.send("HELO client.test\r\nRCPT TO:<" + pupil + ">\r\nDATA\r\nMAIL FROM:<" + outsider + ">\r\nMAIL FROM:<" + outsider + ">\r\nDATA\r\nDATA x\r\n")
		for _, want := range []string{"250", "503 5.5.1", "503 5.5.1", "250", "503 5.5.1", "503 5.5.1", "501"} {
			s.expect(want)
		}
	})
	t.Run("unknown parameters and syntax", func(t *testing.T) {
		s := dialRaw(t, e.addr)
		s.send("EHLO client.test\r\nMAIL FROM:<" + outsider + "> RET=FULL\r\nMAIL FROM:" + outsider + "\r\nMAIL FROM:<" + outsider + "> SIZE=x\r\nMAIL FROM:<" + outsider + "> BODY=BINARYMIME\r\n")
		for _, want := range []string{"250", "555 5.5.4", "501 5.5.2", "555 5.5.4", "555 5.5.4"} {
			s.expect(want)
		}
	})
	t.Run("too many bad commands", func(t *testing.T) {
		s := dialRaw(t, e.addr)
		s.send(strings.Repeat("BOGUS\r\n", maxBadCommands))
		for range maxBadCommands {
			s.expect("500 5.5.2")
		}
		s.expect("421 4.7.0")
		if more := s.rest(); len(more) != 0 {
			t.Errorf("after 421: %q, want the connection closed", more)
		}
	})
	t.Run("command line too long", func(t *testing.T) {
		s := dialRaw(t, e.addr)
		s.send("NOOP " + strings.Repeat("x", maxCommandLine) + "\r\n")
		s.expect("500 5.5.2")
	})
}

func TestSTARTTLSDropsPlaintextAfterIt(t *testing.T) {
	t.Parallel()
	certPath, keyPath, _ := selfSigned(t, t.TempDir())
	e := newEnv(t, envOpts{relayTOML: "tls_cert = \"" + certPath + "\"\ntls_key = \"" + keyPath + "\""})
	s := dialRaw(t, e.addr)
	s.send("EHLO client.test\r\n")
	s.expect("250")
	// CVE-2011-0411: a command injected after STARTTLS in the same packet
	// must not be answered inside the TLS session.
	s.send("STARTTLS\r\nRSET\r\n")
	s.expect("220")
	tc := tls.Client(s.c, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // self-signed test cert
	if err := tc.Handshake(); err != nil {
		// The injected bytes may also have broken the handshake: equally
		// no injection.
		return
	}
	r := bufio.NewReader(tc)
	if _, err := tc.Write([]byte("NOOP\r\n")); err != nil {
		t.Fatal(err)
	}
	line, _ := r.ReadString('\n')
	if !strings.HasPrefix(line, "250 2.0.0 OK") {
		t.Fatalf("first reply inside TLS = %q, want the NOOP's", line)
	}
	if _, err := tc.Write([]byte("MAIL FROM:<" + outsider + ">\r\n")); err != nil {
		t.Fatal(err)
	}
	if line, _ := r.ReadString('\n'); !strings.HasPrefix(line, "503 5.5.1") {
		t.Errorf("MAIL inside TLS before EHLO = %q, want 503 (state reset by STARTTLS)", line)
	}
}

func TestByteSem(t *testing.T) {
	t.Parallel()
	s := newByteSem(100)
	a, err := s.acquire(context.Background(), 60)
	if err != nil || a != 60 {
		t.Fatalf("acquire(60) = %d, %v", a, err)
	}
	// Too big to fit now: waits, and gives up when its context ends.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.acquire(ctx, 50); !errors.Is(err, context.Canceled) {
		t.Fatalf("acquire(50) over budget = %v, want context.Canceled", err)
	}
	// Larger than the whole budget: clamped, runs alone once free.
	got := make(chan int64, 1)
	go func() {
		n, _ := s.acquire(context.Background(), 1000)
		got <- n
	}()
	s.release(a)
	if n := <-got; n != 100 {
		t.Errorf("acquire(1000) took %d, want the whole 100", n)
	}
	s.release(100)
	if n, err := s.acquire(context.Background(), 100); err != nil || n != 100 {
		t.Errorf("acquire after release = %d, %v", n, err)
	}
}

func TestConnLimits(t *testing.T) {
	t.Parallel()
	l := newConnLimits(10, 0, 3, 2)
	ip1, ip2, trusted := mustAddr("192.0.2.1"), mustAddr("192.0.2.2"), mustAddr("10.0.0.1")
	for i := range 3 {
		if !l.acquire(ip1, false) {
			t.Fatalf("untrusted %d refused", i+1)
		}
	}
	if l.acquire(ip1, false) {
		t.Error("4th from one untrusted address accepted, want refused (limit 3)")
	}
	for range 3 {
		l.acquire(ip2, false)
	}
	l.acquire(mustAddr("192.0.2.3"), false)
	l.acquire(mustAddr("192.0.2.3"), false)
	if l.acquire(mustAddr("192.0.2.4"), false) {
		t.Error("untrusted took a reserved slot")
	}
	if !l.stressed() {
		t.Error("8 of 10 slots in use is not stress, want stressed")
	}
	first := l.acquire(trusted, true)
	second := l.acquire(trusted, true)
	if !first || !second {
		t.Error("trusted refused its reserved slots")
	}
	if l.acquire(trusted, true) {
		t.Error("11th connection accepted")
	}
	// 10 in use; strangers need the total under 10 - 2 reserved.
	l.release(ip1)
	l.release(ip1)
	if l.acquire(mustAddr("192.0.2.5"), false) {
		t.Error("untrusted accepted with 8 of 10 in use, want refused (2 reserved)")
	}
	l.release(ip1)
	if !l.acquire(mustAddr("192.0.2.5"), false) {
		t.Error("untrusted refused with 7 of 10 in use")
	}
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }
