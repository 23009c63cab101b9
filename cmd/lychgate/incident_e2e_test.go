package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/lychgate/lychgate/internal/testutil/redistest"
)

// Marking a held message as an incident keeps it for the incident
// retention instead of the held one, and is audited.
func TestQuarantineIncident(t *testing.T) {
	t.Parallel()
	hop, _ := postfixSink(t)
	rs := redistest.Start(t)
	addr := freePort(t)
	config := writeE2EConfig(t, addr, hop, rs.URL())
	d := startDaemon(t, config, addr)
	if out, err := swaks(t, addr, "stranger@example.com", "pupil1@stlaurence.example.sch.uk", "hi", "the example phrase"); err != nil {
		t.Fatalf("swaks: %v\n%s", err, out)
	}
	list, err := d.run("quarantine", "list", "--config", config, "--json")
	if err != nil {
		t.Fatalf("list: %v\n%s", err, list)
	}
	var e struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(strings.SplitN(list, "\n", 2)[0]), &e); err != nil || e.ID == "" {
		t.Fatalf("list output %q: %v", list, err)
	}
	key := "lg:{stlaurence}:q:" + e.ID
	before, err := rs.Client(t).PTTL(context.Background(), key).Result()
	if err != nil || before <= 0 || before > 31*24*time.Hour {
		t.Fatalf("TTL before = %v (%v), want the held retention (30 days)", before, err)
	}
	out, err := d.run("quarantine", "incident", "--config", config, "--by", "dsl-tester", e.ID)
	if err != nil || !strings.Contains(out, "marked "+e.ID) {
		t.Fatalf("incident: %v\n%s", err, out)
	}
	after, err := rs.Client(t).PTTL(context.Background(), key).Result()
	if err != nil || after < 364*24*time.Hour {
		t.Errorf("TTL after = %v (%v), want the incident retention (a year)", after, err)
	}
	audit, err := rs.Client(t).XRange(context.Background(), "lg:{stlaurence}:audit", "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, m := range audit {
		if m.Values["action"] == "incident" && m.Values["who"] == "dsl-tester" {
			found = true
		}
	}
	if !found {
		t.Errorf("audit stream has no incident entry by dsl-tester: %+v", audit)
	}
}
