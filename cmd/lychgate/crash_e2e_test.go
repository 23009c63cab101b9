package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/lychgate/lychgate/internal/smtpsink"
	"github.com/lychgate/lychgate/internal/testutil/redistest"
	"github.com/lychgate/lychgate/quarantine"
)

// The crash tests run the real binary under a steady load from a Go SMTP
// client that retries like an MTA and counts every reply, and break things
// under it: kill -9 of lychgate, a Redis stop and restart (AOF on), and the
// next hop gone for ten seconds. Afterwards every message must be at the
// next hop or in the quarantine exactly once, except that a message whose
// earlier attempt got no reply may have reached the next hop twice (the
// relay died after delivering, before its 250; or the next hop died after
// recording it, before its 250, and the relay answered 4xx: by design,
// counted).

const (
	crashClean = "head@stlaurence.example.sch.uk"
	crashPupil = "pupil1@stlaurence.example.sch.uk"
)

// crashLoad is the client side: every message is sent until it is
// acknowledged.
type crashLoad struct {
	addr string
	next atomic.Int64

	mu      sync.Mutex
	acked   map[string]bool // token -> quarantined?
	retried map[string]bool // tokens that had an attempt without a reply
	replies map[int]int     // non-250 reply codes seen
	drops   int             // attempts that ended without a reply
}

func newCrashLoad(addr string) *crashLoad {
	return &crashLoad{addr: addr, acked: map[string]bool{}, retried: map[string]bool{}, replies: map[int]int{}}
}

func (l *crashLoad) ackedCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.acked)
}

// run sends with n clients until ctx is done; a message under way is still
// retried until it is acknowledged or drain passes.
func (l *crashLoad) run(ctx context.Context, n int, drain time.Duration) {
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				l.one(ctx, drain)
			}
		}()
	}
	wg.Wait()
}

func (l *crashLoad) one(ctx context.Context, drain time.Duration) {
	i := l.next.Add(1)
	token := fmt.Sprintf("load-%d", i)
	quarantined := i%3 == 0
	to, body := crashClean, "Sports day is on Friday."
	if quarantined {
		to, body = crashPupil, "this has the example phrase in it"
	}
	data := "From: parent@example.com\r\nTo: " + to + "\r\nSubject: " + token +
		"\r\nMessage-ID: <" + token + "@example.com>\r\n\r\n" + body + "\r\nToken: " + token + "\r\n"
	var giveUp time.Time
	for {
		err := sendOne(l.addr, "parent@example.com", to, data)
		var se *smtp.SMTPError
		l.mu.Lock()
		switch {
		case err == nil:
			l.acked[token] = quarantined
		case errors.As(err, &se):
			l.replies[se.Code]++
		default:
			l.drops++
			l.retried[token] = true
		}
		l.mu.Unlock()
		if err == nil || (errors.As(err, &se) && se.Code >= 500) {
			return
		}
		if ctx.Err() != nil {
			if giveUp.IsZero() {
				giveUp = time.Now().Add(drain)
			}
			if time.Now().After(giveUp) {
				return
			}
		}
		time.Sleep(100 * time.Millisecond) // retry back-off, as an MTA would
	}
}

// sendOne is one SMTP transaction; an *smtp.SMTPError is a reply, any
// other error a connection that dropped or was refused.
func sendOne(addr, from, to, data string) error {
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return err
	}
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	c := smtp.NewClient(conn)
	defer c.Close()
	if err := transact(c, from, nil, to, strings.NewReader(data)); err != nil {
		return err
	}
	_ = c.Quit()
	return nil
}

// transact greets as client.e2e.test and sends body from from (with
// opts) to to, up to the reply to the final dot.
func transact(c *smtp.Client, from string, opts *smtp.MailOptions, to string, body io.Reader) error {
	if err := c.Hello("client.e2e.test"); err != nil {
		return err
	}
	if err := c.Mail(from, opts); err != nil {
		return err
	}
	if err := c.Rcpt(to, nil); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, body); err != nil {
		return err
	}
	return w.Close()
}

// sinkTokens counts the load's messages (by Token line) that reached a
// sink for the clean recipient, and names those of which a copy was
// recorded by a sink that closed before writing its 250: the relay saw no
// reply from its next hop, answered 4xx, and the client rightly sent the
// message again (the duplicate of RFC 1047, not a loss or a relay bug).
func sinkTokens(sinks []*smtpsink.Sink) (map[string]int, map[string]bool) {
	out, unreplied := map[string]int{}, map[string]bool{}
	for _, s := range sinks {
		for _, m := range s.Messages() {
			if len(m.To) != 1 || m.To[0] != crashClean {
				continue
			}
			i := strings.Index(string(m.Data), "\r\nToken: ")
			if i < 0 {
				continue
			}
			tok, _, _ := strings.Cut(string(m.Data[i+len("\r\nToken: "):]), "\r\n")
			out[tok]++
			if !m.Replied {
				unreplied[tok] = true
			}
		}
	}
	return out, unreplied
}

func TestCrashUnderLoad(t *testing.T) {
	t.Parallel()
	sink, err := smtpsink.Start(smtpsink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sinks := []*smtpsink.Sink{sink}
	t.Cleanup(func() {
		for _, s := range sinks {
			_ = s.Close()
		}
	})
	hop := sink.Addr
	rs := redistest.Start(t, redistest.WithAOF())
	addr := freePort(t)
	config := writeE2EConfig(t, addr, hop, rs.URL())
	d := startDaemon(t, config, addr)

	load := newCrashLoad(addr)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); load.run(ctx, 4, 30*time.Second) }()
	defer func() { stop(); <-done }()
	progress := func(what string) {
		t.Helper()
		n := load.ackedCount()
		eventually(t, func() (int, bool) { return 0, load.ackedCount() >= n+30 })
		t.Logf("%s: %d acknowledged so far", what, load.ackedCount())
	}
	progress("warm-up")
	rounds := 1
	if os.Getenv("LYCHGATE_SOAK") != "" {
		rounds = 5 // make soak
	}
	for r := range rounds {
		// kill -9 lychgate mid-load and start it again.
		if err := d.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = d.cmd.Wait()
		d = startDaemon(t, config, addr)
		progress(fmt.Sprintf("round %d: after kill -9 and restart", r+1))

		// Stop Redis (SIGTERM, AOF flushed) for two seconds, then start it.
		rs.Stop(t)
		time.Sleep(2 * time.Second) // the outage under load
		rs.Restart(t)
		progress(fmt.Sprintf("round %d: after the Redis restart", r+1))

		// The next hop gone for ten seconds.
		_ = sink.Close()
		time.Sleep(10 * time.Second) // the outage under load
		sink, err = smtpsink.Start(smtpsink.Options{Addr: hop})
		if err != nil {
			t.Fatalf("restart the next hop on %s: %v", hop, err)
		}
		sinks = append(sinks, sink)
		progress(fmt.Sprintf("round %d: after the next-hop outage", r+1))
	}
	stop()
	<-done

	// Check.
	store := quarantine.New(rs.Client(t), quarantine.Options{})
	held := map[string]int{}
	cursor := ""
	for {
		page, next, err := store.List(context.Background(), quarantine.ListOptions{School: "stlaurence", Limit: quarantine.MaxListLimit, Cursor: cursor})
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		for _, e := range page {
			held[e.Subject]++
		}
		if next == "" {
			break
		}
		cursor = next
	}
	at, unreplied := sinkTokens(sinks)
	load.mu.Lock()
	defer load.mu.Unlock()
	var clean, quar, dups, wrong int
	for tok, q := range load.acked {
		switch {
		case q:
			quar++
			if held[tok] != 1 || at[tok] != 0 {
				wrong++
				t.Errorf("quarantined %s: %d entries, %d at the next hop; want 1, 0", tok, held[tok], at[tok])
			}
		default:
			clean++
			switch n := at[tok]; {
			case n == 1 && held[tok] == 0:
			case n > 1 && (load.retried[tok] || unreplied[tok]):
				dups += n - 1
			default:
				wrong++
				t.Errorf("clean %s: %d at the next hop, %d quarantined, retried after a drop %v, a copy unreplied by its hop %v; want 1, 0",
					tok, n, held[tok], load.retried[tok], unreplied[tok])
			}
		}
	}
	started := int(load.next.Load())
	for code, n := range load.replies {
		if code >= 500 {
			t.Errorf("%d attempts answered %d; want only 250 or 4xx", n, code)
		}
	}
	if len(load.acked) != started {
		t.Errorf("%d of %d messages never acknowledged within the drain time", started-len(load.acked), started)
	}
	t.Logf("crash load: %d messages, %d acknowledged (%d clean, %d quarantined); non-250 replies %v, %d attempts without a reply; %d duplicates at the next hop after a drop; %d wrong",
		started, len(load.acked), clean, quar, load.replies, load.drops, dups, wrong)
}
