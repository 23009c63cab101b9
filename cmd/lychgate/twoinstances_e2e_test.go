package main

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lychgate/lychgate/internal/smtpsink"
	"github.com/lychgate/lychgate/internal/testutil/redistest"
)

// TestTwoInstancesOneRedis runs two lychgate serve processes on one Redis:
// each quarantined message's DSL alert is delivered once (both outbox
// workers read the one stream), and releasing each entry from both
// instances' CLI at the same moment delivers it exactly once.
func TestTwoInstancesOneRedis(t *testing.T) {
	t.Parallel()
	sink, err := smtpsink.Start(smtpsink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sink.Close() })
	rs := redistest.Start(t, redistest.WithAOF())
	var ds [2]*daemon
	var configs [2]string
	for i := range ds {
		addr := freePort(t)
		configs[i] = writeE2EConfig(t, addr, sink.Addr, rs.URL())
		ds[i] = startDaemon(t, configs[i], addr)
	}
	const n = 12
	for i := range n {
		// A sender per message, so no alert is rate-limited into a digest.
		from := fmt.Sprintf("stranger%d@example.com", i)
		data := fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: two-%d\r\n\r\nthis has the example phrase in it\r\nToken: two-%d\r\n", from, crashPupil, i, i)
		if err := sendOne(ds[i%2].addr, from, crashPupil, data); err != nil {
			t.Fatalf("message %d through instance %d: %v", i, i%2, err)
		}
	}
	alerts := func() int {
		k := 0
		for _, m := range sink.Messages() {
			if strings.Contains(string(m.Data), "X-Lychgate-Notification: alert") {
				k++
			}
		}
		return k
	}
	eventually(t, func() (int, bool) { return 0, alerts() >= n })

	list, err := ds[0].run("quarantine", "list", "--config", configs[0], "--json")
	if err != nil {
		t.Fatalf("quarantine list: %v\n%s", err, list)
	}
	var ids []string
	for line := range strings.SplitSeq(strings.TrimSpace(list), "\n") {
		_, rest, ok := strings.Cut(line, `"id":"`)
		id, _, _ := strings.Cut(rest, `"`)
		if ok && id != "" {
			ids = append(ids, id)
		}
	}
	if len(ids) != n {
		t.Fatalf("quarantine list has %d entries, want %d:\n%s", len(ids), n, list)
	}
	released := 0
	for _, id := range ids {
		var wg sync.WaitGroup
		outs := make([]string, 2)
		for i := range ds {
			wg.Add(1)
			go func() {
				defer wg.Done()
				outs[i], _ = ds[i].run("quarantine", "release", "--config", configs[i], id)
			}()
		}
		wg.Wait()
		ok := 0
		for _, o := range outs {
			if strings.HasPrefix(o, "released ") {
				ok++
			} else if !strings.Contains(o, "not released") {
				t.Errorf("release %s: %q", id, o)
			}
		}
		if ok != 1 {
			t.Errorf("release %s from both instances: %d succeeded (%q), want 1", id, ok, outs)
		}
		released += ok
	}
	copies := func() map[string]int {
		c := map[string]int{}
		for _, m := range sink.Messages() {
			if len(m.To) == 1 && m.To[0] == crashPupil {
				if _, tok, ok := strings.Cut(string(m.Data), "\r\nToken: "); ok {
					tok, _, _ = strings.Cut(tok, "\r\n")
					c[tok]++
				}
			}
		}
		return c
	}
	eventually(t, func() (int, bool) { return 0, len(copies()) >= n })
	// Let a duplicate alert or copy, if any, arrive.
	time.Sleep(2 * time.Second) // waiting for something that must not happen
	if a := alerts(); a != n {
		t.Errorf("%d DSL alerts for %d quarantined messages, want one each", a, n)
	}
	for i := range n {
		if c := copies()[fmt.Sprintf("two-%d", i)]; c != 1 {
			t.Errorf("message two-%d released %d times, want 1", i, c)
		}
	}
	t.Logf("two instances: %d messages, %d alerts, %d releases from 2x%d concurrent CLI calls, copies %v", n, alerts(), released, n, copies())
}
