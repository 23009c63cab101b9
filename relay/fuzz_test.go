package relay

import (
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/live"
)

// pipeListener hands out one in-memory connection, then blocks until closed.
type pipeListener struct {
	conn   net.Conn
	once   sync.Once
	closed chan struct{}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	var c net.Conn
	l.once.Do(func() { c = l.conn })
	if c != nil {
		return c, nil
	}
	<-l.closed
	return nil, net.ErrClosed
}

func (l *pipeListener) Close() error {
	select {
	case <-l.closed:
	default:
		close(l.closed)
	}
	return nil
}

func (l *pipeListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

// FuzzSession feeds raw client bytes to a fresh relay over net.Pipe. The
// relay must never panic or hang, whatever arrives; the next hop is dead so
// any message that gets through DATA is answered 4xx.
func FuzzSession(f *testing.F) {
	seeds := []string{
		"EHLO a\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<p@school.example.sch.uk>\r\nDATA\r\nSubject: x\r\n\r\nhi\r\n.\r\nQUIT\r\n",
		"HELO a\r\nMAIL FROM:<>\r\nRCPT TO:<\"a@b\"@school.example.sch.uk>\r\nQUIT\r\n",
		"EHLO a\r\nMAIL FROM:<a@b.example> SIZE=99999999999\r\n",
		"EHLO a\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<p@school.example.sch.uk>\r\nDATA\r\nx\n.\nMAIL FROM:<b@c>\r\n.\r\n",
		"EHLO a\r\nBDAT 5 LAST\r\nhello",
		"\x00\xff\r\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	cfg := config.Default()
	cfg.Relay.Hostname = "relay.test"
	cfg.Relay.MaxMessageBytes = 4096
	cfg.Relay.ReadTimeout = config.Duration{Duration: 2 * time.Second}
	cfg.Relay.WriteTimeout = config.Duration{Duration: 2 * time.Second}
	cfg.Schools = []config.School{{ID: "s", Domains: []string{"school.example.sch.uk"}}}
	cfg.NextHop.Inbound = "127.0.0.1:1"
	cfg.NextHop.Outbound = "127.0.0.1:1"
	cfg.NextHop.DialTimeout = config.Duration{Duration: 100 * time.Millisecond}
	rt, err := live.Build(cfg, live.Options{})
	if err != nil {
		f.Fatal(err)
	}
	holder := live.NewHolder(rt)
	f.Fuzz(func(t *testing.T, in []byte) {
		srv, err := New(cfg, Options{Runtime: holder})
		if err != nil {
			t.Fatal(err)
		}
		client, server := net.Pipe()
		l := &pipeListener{conn: server, closed: make(chan struct{})}
		done := make(chan struct{})
		go func() {
			_ = srv.Serve(l)
			close(done)
		}()
		go func() { _, _ = io.Copy(io.Discard, client) }()
		_ = client.SetWriteDeadline(time.Now().Add(3 * time.Second))
		_, _ = client.Write(in)
		_ = client.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		_ = l.Close()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("relay did not stop")
		}
	})
}
