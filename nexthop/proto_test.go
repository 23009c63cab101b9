package nexthop_test

import (
	"bufio"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/lychgate/lychgate/nexthop"
)

// scriptedHop is an old-fashioned SMTP server on loopback: no EHLO (502,
// so the client falls back to HELO), no extensions, so no PIPELINING, and
// multi-line replies with enhanced codes on every line. It records each
// command and whether another command was already waiting when it was
// read (which only a pipelining client can cause).
type scriptedHop struct {
	addr string
	mu   sync.Mutex
	cmds []string
	data []string
	// early is set when a command arrived before the reply to the one
	// before it was sent.
	early bool
}

func startScriptedHop(t *testing.T) *scriptedHop {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	h := &scriptedHop{addr: l.Addr().String()}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go h.serve(c)
		}
	}()
	return h
}

func (h *scriptedHop) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(s string) { _, _ = c.Write([]byte(s)) }
	say("220-old.test ESMTP\r\n220 welcome\r\n")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.TrimRight(line, "\r\n")
		h.mu.Lock()
		h.cmds = append(h.cmds, cmd)
		if r.Buffered() > 0 && !strings.HasPrefix(cmd, "DATA") {
			h.early = true
		}
		h.mu.Unlock()
		verb := strings.ToUpper(strings.SplitN(cmd, " ", 2)[0])
		switch {
		case verb == "EHLO":
			say("502 5.5.1 EHLO not implemented\r\n")
		case verb == "HELO", verb == "MAIL", verb == "RSET":
			say("250 ok\r\n")
		case verb == "RCPT" && strings.Contains(cmd, "gone@"):
			say("550-5.1.1 no such\r\n550 5.1.1 user\r\n")
		case verb == "RCPT":
			say("250 ok\r\n")
		case verb == "DATA":
			say("354 go ahead\r\n")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(l)
			}
			h.mu.Lock()
			h.data = append(h.data, b.String())
			h.mu.Unlock()
			say("250-2.0.0 queued\r\n250 2.0.0 as 1\r\n")
		case verb == "QUIT":
			say("221 bye\r\n")
			return
		default:
			say("500 5.5.2 what\r\n")
		}
	}
}

func (h *scriptedHop) snapshot() ([]string, []string, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.cmds...), append([]string(nil), h.data...), h.early
}

func TestHopWithoutExtensions(t *testing.T) {
	t.Parallel()
	h := startScriptedHop(t)
	c := newClient(t, hopConfig(h.addr, nexthop.TLSNone), nexthop.Options{})

	// A refused recipient: the multi-line reply's code and text.
	_, err := c.Begin(t.Context(), h.addr, nexthop.Mail{From: "a@example.com", Size: 42}, []string{"ok@school.test", "gone@school.test"})
	e := asError(t, err)
	if e.Stage != nexthop.StageRcpt || e.Code != 550 || e.Enhanced != (smtp.EnhancedCode{5, 1, 1}) || e.Msg != "no such\nuser" {
		t.Fatalf("Begin = %+v, want stage rcpt, 550 5.1.1 %q", e, "no such\nuser")
	}

	// Then a delivery on the same connection, after the RSET.
	tx, err := c.Begin(t.Context(), h.addr, nexthop.Mail{From: "a@example.com", Size: 42}, []string{"ok@school.test", "ok2@school.test"})
	if err != nil {
		t.Fatalf("Begin = %v", err)
	}
	if err := tx.Data(nil, section(".dot\r\n"+testMsg)); err != nil {
		t.Fatalf("Data = %v", err)
	}
	cmds, data, early := snapshotAfterQuit(t, c, h)
	want := []string{
		"EHLO relay.test", "HELO relay.test",
		"MAIL FROM:<a@example.com>", "RCPT TO:<ok@school.test>", "RCPT TO:<gone@school.test>", "RSET",
		"MAIL FROM:<a@example.com>", "RCPT TO:<ok@school.test>", "RCPT TO:<ok2@school.test>", "DATA",
		"QUIT",
	}
	if strings.Join(cmds, "|") != strings.Join(want, "|") {
		t.Errorf("commands = %q, want %q (no SIZE or BODY: not offered)", cmds, want)
	}
	if early {
		t.Error("a command arrived before the previous reply: pipelining to a hop that does not offer it")
	}
	if len(data) != 1 || data[0] != "..dot\r\n"+testMsg {
		t.Errorf("data = %q, want the message with its leading dot doubled", data)
	}
}

// snapshotAfterQuit closes the client (QUIT on the pooled connection) and
// waits until the hop has seen it.
func snapshotAfterQuit(t *testing.T, c *nexthop.Client, h *scriptedHop) ([]string, []string, bool) {
	t.Helper()
	_ = c.Close()
	var cmds, data []string
	var early bool
	if !eventually(t, 5*time.Second, func() bool {
		cmds, data, early = h.snapshot()
		return len(cmds) > 0 && cmds[len(cmds)-1] == "QUIT"
	}) {
		t.Fatalf("the hop never saw QUIT; commands %q", cmds)
	}
	return cmds, data, early
}
