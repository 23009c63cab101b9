package relay

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

func TestDeliverReusesConnections(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	for i := range 3 {
		if err := e.send(outsider, []string{pupil}, msg("reuse", "message number "+string(rune('1'+i)))); err != nil {
			t.Fatalf("send %d = %v", i, err)
		}
	}
	if n := len(e.sink.Messages()); n != 3 {
		t.Fatalf("sink got %d messages, want 3", n)
	}
	// Verification probes and the three deliveries share one session.
	if n := e.sink.Sessions(); n != 1 {
		t.Errorf("sink saw %d SMTP sessions, want 1 (pooled)", n)
	}
}

func TestDeliverFoldsLongLines(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	long := strings.Repeat("0123456789", 150) // 1,500 octets, over RFC 5322's 998
	if err := e.send(outsider, []string{pupil}, msg("long line", long)); err != nil {
		t.Fatalf("send = %v", err)
	}
	got := e.sink.Messages()
	if len(got) != 1 {
		t.Fatalf("sink got %d messages, want 1", len(got))
	}
	for _, l := range bytes.Split(got[0].Data, []byte("\r\n")) {
		if len(l) > 998 {
			t.Errorf("a line of %d octets reached the next hop, want at most 998", len(l))
		}
	}
	_, body := stripPrefix(got[0].Data)
	if !bytes.Contains(bytes.ReplaceAll(body, []byte("\r\n "), nil), []byte(long)) {
		t.Errorf("folded body does not unfold to the original line")
	}
}

func TestDeliverHopDropsMidData(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hop := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &dropSession{c: c}, nil }))
	hop.Domain, hop.ReadTimeout, hop.WriteTimeout = "hop.test", time.Minute, time.Minute
	hop.ErrorLog = discardLog{}
	go func() { _ = hop.Serve(l) }()
	t.Cleanup(func() { _ = hop.Close() })
	cfg := writeConfig(t, strings.NewReplacer("{{TRUSTED}}", `"10.99.0.0/16"`, "{{RELAY}}", "", "{{HOP}}", l.Addr().String()).Replace(baseTOML))
	e := startRelay(t, cfg, nil)
	err = e.send(outsider, []string{pupil}, msg("dropped", "the hop hangs up while reading this"))
	if code(err) != 451 {
		t.Fatalf("send through a hop that drops mid-DATA = %v, want 451", err)
	}
}

// dropSession accepts everything and hangs up during DATA.
type dropSession struct{ c *smtp.Conn }

func (s *dropSession) Reset()                               {}
func (s *dropSession) Logout() error                        { return nil }
func (s *dropSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *dropSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *dropSession) Data(r io.Reader) error {
	_, _ = io.CopyN(io.Discard, r, 10)
	_ = s.c.Close()
	return errors.New("dropped")
}

type discardLog struct{}

func (discardLog) Printf(string, ...any) {}
func (discardLog) Println(...any)        {}
