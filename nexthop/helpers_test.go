package nexthop_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/internal/smtpsink"
	"github.com/lychgate/lychgate/nexthop"
)

// testCert returns a self-signed certificate for 127.0.0.1 and a pool
// that trusts it.
func testCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "hop.test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

func startSink(t *testing.T, opts smtpsink.Options) *smtpsink.Sink {
	t.Helper()
	s, err := smtpsink.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func hopConfig(hop, mode string) config.NextHop {
	return config.NextHop{Inbound: hop, Outbound: hop, TLS: mode,
		DialTimeout: config.Duration{Duration: 5 * time.Second}, CommandTimeout: config.Duration{Duration: time.Minute}}
}

func newClient(t *testing.T, cfg config.NextHop, o nexthop.Options) *nexthop.Client {
	t.Helper()
	if o.Hostname == "" {
		o.Hostname = "relay.test"
	}
	c := nexthop.New(cfg, o)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

const testMsg = "From: a@example.com\r\nTo: b@school.test\r\nSubject: hi\r\n\r\nhello\r\n"

// hop is a go-smtp server on loopback whose DATA behaviour a test chooses.
type hop struct {
	addr string
	srv  *smtp.Server
}

// startHop serves SMTP with data called for each DATA (with the
// connection, to drop it).
func startHop(t *testing.T, data func(c *smtp.Conn, r io.Reader) error) *hop {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &hopSession{c: c, data: data}, nil
	}))
	srv.Domain = "hop.test"
	tl := &testLogger{t: t}
	t.Cleanup(tl.stop) // runs after srv.Close, registered below
	srv.ErrorLog = tl
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	srv.MaxMessageBytes = 16 << 20
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return &hop{addr: l.Addr().String(), srv: srv}
}

type hopSession struct {
	c    *smtp.Conn
	data func(c *smtp.Conn, r io.Reader) error
}

func (s *hopSession) Reset()                               {}
func (s *hopSession) Logout() error                        { return nil }
func (s *hopSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *hopSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *hopSession) Data(r io.Reader) error               { return s.data(s.c, r) }

// silentHop accepts TCP connections and never says anything; accepted
// receives each connection.
func silentHop(t *testing.T) (string, <-chan net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan net.Conn, 4)
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			ch <- c
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return l.Addr().String(), ch
}

// asError returns err as *nexthop.Error or fails the test.
func asError(t *testing.T, err error) *nexthop.Error {
	t.Helper()
	var e *nexthop.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *nexthop.Error", err, err)
	}
	return e
}

// eventually polls cond until it holds or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, cond func() bool) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			return cond()
		case <-tick.C:
		}
	}
	return true
}

// testLogger sends go-smtp's server log to t.Log until the test ends
// (connection goroutines may log after that; those lines are dropped).
type testLogger struct {
	t    *testing.T
	mu   sync.Mutex
	done bool
}

func (l *testLogger) stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.done = true
}

func (l *testLogger) Printf(format string, v ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.done {
		l.t.Logf(format, v...)
	}
}

func (l *testLogger) Println(v ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.done {
		l.t.Log(v...)
	}
}
