package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/lychgate/lychgate/internal/testutil/redistest"
)

// outcome is what the sending client learnt about one numbered message.
type outcome int

const (
	accepted  outcome = iota // 250 to the end of DATA
	tempfail                 // a 4xx reply at any step
	dropped                  // the connection failed or was refused
	permanent                // a 5xx reply: must not happen here
)

// loadClient sends numbered messages over a few connections, each carrying
// several transactions, and records every message's outcome.
type loadClient struct {
	addr string
	mu   sync.Mutex
	next int
	got  map[int]outcome
	// quarantined are the numbers of messages meant for the quarantine.
	quarantined map[int]bool
}

func (lc *loadClient) take() int {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	lc.next++
	return lc.next
}

func (lc *loadClient) record(n int, o outcome) {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	lc.got[n] = o
}

func (lc *loadClient) count(o outcome) int {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	c := 0
	for _, x := range lc.got {
		if x == o {
			c++
		}
	}
	return c
}

// classify maps a client error to an outcome.
func classify(err error) outcome {
	var se *smtp.SMTPError
	switch {
	case err == nil:
		return accepted
	case errors.As(err, &se) && se.Code >= 400 && se.Code < 500:
		return tempfail
	case errors.As(err, &se) && se.Code >= 500:
		return permanent
	}
	return dropped
}

// run sends until stop is closed: up to five messages per connection, a new
// connection after any failure.
func (lc *loadClient) run(stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		nc, err := net.DialTimeout("tcp", lc.addr, 2*time.Second)
		if err != nil {
			// Down between the old and the new process: no message was
			// handed over, so nothing is recorded.
			time.Sleep(10 * time.Millisecond) // waiting for the restarted daemon's port
			continue
		}
		_ = nc.SetDeadline(time.Now().Add(30 * time.Second))
		c := smtp.NewClient(nc)
		if err := c.Hello("load.example.com"); err != nil {
			_ = c.Close()
			continue
		}
		for range 5 {
			n := lc.take()
			err := lc.send(c, n)
			lc.record(n, classify(err))
			if err != nil {
				break
			}
		}
		_ = c.Close()
	}
}

func (lc *loadClient) send(c *smtp.Client, n int) error {
	body := "Message for the restart test.\r\n"
	rcpt := "head@stlaurence.example.sch.uk"
	if n%5 == 0 {
		lc.mu.Lock()
		lc.quarantined[n] = true
		lc.mu.Unlock()
		body = "This one has the example phrase in it.\r\n"
		rcpt = "pupil1@stlaurence.example.sch.uk"
	}
	if err := c.Mail("load@example.com", nil); err != nil {
		return err
	}
	if err := c.Rcpt(rcpt, nil); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("From: load@example.com\r\nTo: %s\r\nSubject: restart %d\r\nX-Seq: %d\r\n\r\n%sseq=%d.\r\n", rcpt, n, n, body, n)
	if _, err := w.Write([]byte(msg)); err != nil {
		_ = w.Close()
		return err
	}
	return w.Close()
}

// TestRestartUnderLoadLosesNothing sends numbered messages continuously
// from four clients while the daemon is stopped with SIGTERM and started
// again on the same port. Every message that got 250 is at the next hop
// (or, if meant for it, in the quarantine) exactly once; every other one
// got a 4xx or a dropped connection, never a 5xx.
func TestRestartUnderLoadLosesNothing(t *testing.T) {
	t.Parallel()
	d, dumpDir, _ := startE2ERelay(t, redistest.WithAOF())
	addr, config := d.addr, d.config

	lc := &loadClient{addr: addr, got: map[int]outcome{}, quarantined: map[int]bool{}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() { defer wg.Done(); lc.run(stop) }()
	}
	stopLoad := sync.OnceFunc(func() { close(stop); wg.Wait() })
	t.Cleanup(stopLoad)

	waitUntil(t, 30*time.Second, "30 messages accepted before the restart", func() bool { return lc.count(accepted) >= 30 })
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := d.cmd.Wait(); err != nil {
		t.Errorf("lychgate serve after SIGTERM: %v\n%s", err, d.log.String())
	}
	before := lc.count(accepted)
	d2 := startDaemon(t, config, addr)
	waitUntil(t, 30*time.Second, "30 more messages accepted after the restart", func() bool { return lc.count(accepted) >= before+30 })
	stopLoad()
	if err := d2.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := d2.cmd.Wait(); err != nil {
		t.Errorf("second lychgate serve after SIGTERM: %v", err)
	}

	// What reached the next hop (notifications to the DSL aside).
	seqRe := regexp.MustCompile(`(?m)^X-Seq: (\d+)\r?$`)
	atHop := map[int]int{}
	for _, m := range dumps(t, dumpDir) {
		if strings.Contains(m, "X-Lychgate-Notification:") {
			continue
		}
		for _, s := range seqRe.FindAllStringSubmatch(m, -1) {
			n, _ := strconv.Atoi(s[1])
			atHop[n]++
		}
	}
	// What is in the quarantine.
	out, err := d.run("quarantine", "list", "--config", config, "--json", "--limit", "10000")
	if err != nil {
		t.Fatalf("quarantine list: %v\n%s", err, out)
	}
	held := map[int]int{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var e struct {
			Subject string `json:"subject"`
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("quarantine list line %q: %v", line, err)
		}
		if n, err := strconv.Atoi(strings.TrimPrefix(e.Subject, "restart ")); err == nil {
			held[n]++
		}
	}

	lc.mu.Lock()
	defer lc.mu.Unlock()
	counts := map[outcome]int{}
	for n, o := range lc.got {
		counts[o]++
		switch o {
		case accepted:
			where, want := atHop, "at the next hop"
			if lc.quarantined[n] {
				where, want = held, "in the quarantine"
			}
			if where[n] != 1 {
				t.Errorf("message %d got 250 but is %s %d times, want once", n, want, where[n])
			}
		case permanent:
			t.Errorf("message %d got a 5xx reply across the restart", n)
		}
	}
	for n, c := range atHop {
		if c > 1 {
			t.Errorf("message %d reached the next hop %d times", n, c)
		}
		if lc.quarantined[n] {
			t.Errorf("message %d, meant for the quarantine, reached the next hop", n)
		}
	}
	t.Logf("%d messages: %d accepted, %d tempfailed, %d dropped; %d at the next hop, %d quarantined",
		len(lc.got), counts[accepted], counts[tempfail], counts[dropped], len(atHop), len(held))
}
