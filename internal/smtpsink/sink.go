// Package smtpsink is a small recording SMTP server: the demo next hop of
// `make run` (it writes each delivered message to a directory) and the
// downstream peer of the relay's tests (it keeps messages in memory and can
// be told to refuse or fail). It is a real go-smtp server on a real socket.
package smtpsink

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one received message.
type Message struct {
	From string
	To   []string
	Data []byte
	At   time.Time
	// TLS is true when the message came over STARTTLS.
	TLS bool
	// Replied is true once the sink's 250 for this message was written to
	// the socket before Close began. A message recorded but not replied is
	// one the sender may rightly send again (it saw no reply: RFC 1047).
	Replied bool
}

// Sink is a running recording SMTP server.
type Sink struct {
	// Addr is the listening host:port.
	Addr string

	srv *smtp.Server
	l   net.Listener
	dir string

	mu       sync.Mutex
	msgs     []Message
	failRcpt map[string]*smtp.SMTPError
	failData *smtp.SMTPError
	notify   chan struct{}
	conns    []*smtp.Conn
	closing  bool
}

// Options configures a Sink.
type Options struct {
	// Addr to listen on; "" means 127.0.0.1:0.
	Addr string
	// Dir, when set, receives every message as <unix-nanos>.eml.
	Dir string
	// TLSConfig, when set, makes the sink offer STARTTLS.
	TLSConfig *tls.Config
	// MaxLineLength, when set, is the longest line the sink accepts
	// (go-smtp's default, 2000 bytes, otherwise: a longer one ends the
	// session).
	MaxLineLength int
}

// Start listens and serves until Close.
func Start(opts Options) (*Sink, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.Dir != "" {
		if err := os.MkdirAll(opts.Dir, 0o750); err != nil {
			return nil, fmt.Errorf("smtpsink: %w", err)
		}
	}
	l, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("smtpsink: listen: %w", err)
	}
	s := &Sink{Addr: l.Addr().String(), l: l, dir: opts.Dir, failRcpt: map[string]*smtp.SMTPError{}, notify: make(chan struct{}, 1)}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		s.mu.Lock()
		s.conns = append(s.conns, c)
		s.mu.Unlock()
		return &session{s: s, conn: c, last: -1}, nil
	}))
	s.srv.TLSConfig = opts.TLSConfig
	s.srv.Domain = "sink.test"
	s.srv.EnableSMTPUTF8 = true
	s.srv.MaxMessageBytes = 64 << 20
	if opts.MaxLineLength > 0 {
		s.srv.MaxLineLength = opts.MaxLineLength
	}
	s.srv.ReadTimeout = time.Minute
	s.srv.WriteTimeout = time.Minute
	go func() { _ = s.srv.Serve(l) }()
	return s, nil
}

// Close stops the server and closes every connection. A message whose
// reply had not been written when Close began stays unreplied
// (Message.Replied false).
func (s *Sink) Close() error {
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	return s.srv.Close()
}

// Messages returns a copy of what was received so far.
func (s *Sink) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Wait blocks until at least n messages arrived or ctx ends.
func (s *Sink) Wait(ctx context.Context, n int) ([]Message, error) {
	for {
		if m := s.Messages(); len(m) >= n {
			return m, nil
		}
		select {
		case <-s.notify:
		case <-ctx.Done():
			return s.Messages(), fmt.Errorf("smtpsink: waiting for %d messages: %w", n, ctx.Err())
		}
	}
}

// Sessions returns how many SMTP sessions (EHLO/HELO) were opened.
func (s *Sink) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// DropConnections closes every open connection, as a server does with idle
// clients.
func (s *Sink) DropConnections() {
	s.mu.Lock()
	conns := s.conns
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
}

// RefuseRcpt makes RCPT TO addr fail with err (nil to accept again).
func (s *Sink) RefuseRcpt(addr string, err *smtp.SMTPError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failRcpt[strings.ToLower(addr)] = err
}

// FailData makes the end of DATA fail with err (nil to accept again).
func (s *Sink) FailData(err *smtp.SMTPError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failData = err
}

type session struct {
	s    *Sink
	conn *smtp.Conn
	from string
	to   []string
	// last is the index in s.msgs of the message recorded by the last
	// DATA, until its reply is written (-1: none).
	last int
}

// Reset runs after the reply to DATA was flushed (go-smtp resets the
// transaction after writing it), on RSET and on MAIL.
func (se *session) Reset() {
	se.from, se.to = "", nil
	if se.last < 0 {
		return
	}
	se.s.mu.Lock()
	if !se.s.closing {
		se.s.msgs[se.last].Replied = true
	}
	se.s.mu.Unlock()
	se.last = -1
}
func (se *session) Logout() error { return nil }
func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	se.from = from
	return nil
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	se.s.mu.Lock()
	err := se.s.failRcpt[strings.ToLower(to)]
	se.s.mu.Unlock()
	if err != nil {
		return err
	}
	se.to = append(se.to, to)
	return nil
}

func (se *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	se.s.mu.Lock()
	fail := se.s.failData
	se.s.mu.Unlock()
	if fail != nil {
		return fail
	}
	_, isTLS := se.conn.TLSConnectionState()
	m := Message{From: se.from, To: append([]string(nil), se.to...), Data: data, At: time.Now(), TLS: isTLS}
	if se.s.dir != "" {
		name := filepath.Join(se.s.dir, fmt.Sprintf("%d.eml", m.At.UnixNano()))
		hdr := fmt.Sprintf("X-Sink-Envelope-From: <%s>\r\nX-Sink-Envelope-To: %s\r\n", m.From, strings.Join(m.To, ", "))
		if err := os.WriteFile(name, append([]byte(hdr), data...), 0o640); err != nil {
			return errors.New("sink: cannot store message")
		}
	}
	se.s.mu.Lock()
	se.s.msgs = append(se.s.msgs, m)
	se.last = len(se.s.msgs) - 1
	se.s.mu.Unlock()
	select {
	case se.s.notify <- struct{}{}:
	default:
	}
	return nil
}
