package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// Marking a held message as an incident keeps it for the incident
// retention instead of the held one, and is audited.
func TestQuarantineIncident(t *testing.T) {
	t.Parallel()
	d, sinkDir, rs := startE2ERelay(t)
	addr, config := d.addr, d.config
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
	out, err := d.run("quarantine", "incident", "--config", config, "--by", "dsl-tester", e.ID,
		"--category", "bullying", "--notes", "spoke to the form tutor", "--reason", "a pupil named in threats")
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

	// The incident shows wherever the entry does.
	show, err := d.run("quarantine", "show", "--config", config, e.ID)
	if err != nil || !strings.Contains(show, "incident:   bullying") || !strings.Contains(show, "notes:      spoke to the form tutor") {
		t.Errorf("show: %v, want the incident and its notes:\n%s", err, show)
	}
	inc, err := d.run("quarantine", "list", "--config", config, "--status", "incident")
	if err != nil || !strings.Contains(inc, e.ID) || !strings.Contains(inc, "incident:bullying") {
		t.Errorf("list --status incident: %v, want %s marked as an incident:\n%s", err, e.ID, inc)
	}
	if held, err := d.run("quarantine", "list", "--config", config, "--status", "released"); err != nil || strings.Contains(held, e.ID) {
		t.Errorf("list --status released: %v, want no %s:\n%s", err, e.ID, held)
	}
	csvOut, err := d.run("quarantine", "export", "--config", config, "--incidents", "--by", "dsl-tester")
	if err != nil {
		t.Fatalf("export --incidents: %v\n%s", err, csvOut)
	}
	rows, err := csv.NewReader(strings.NewReader(csvOut)).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("export --incidents: %v, %d rows, want a header and one row:\n%s", err, len(rows), csvOut)
	}
	if got := rows[1][10:]; !slices.Equal(got, []string{e.ID, "true", "bullying", "spoke to the form tutor"}) {
		t.Errorf("export --incidents added columns = %q", got)
	}
	aud, err := d.run("quarantine", "audit", "--config", config, "--action", "incident", "--user", "dsl-tester")
	if err != nil || !strings.Contains(aud, e.ID) || !strings.Contains(aud, `why: "a pupil named in threats"`) || strings.Contains(aud, " view ") {
		t.Errorf("audit --action incident: %v, want the incident with its reason only:\n%s", err, aud)
	}
	// "Send me a copy": the message, wrapped, to the reviewer; still held.
	if out, err := d.run("quarantine", "copy", "--config", config, "--by", "dsl-tester", "--to", "dsl@stlaurence.example.sch.uk",
		"--reason", "evidence", e.ID); err != nil || !strings.Contains(out, "still held") {
		t.Fatalf("copy: %v\n%s", err, out)
	}
	waitUntil(t, 15*time.Second, "the copy at the sink", func() bool {
		files, _ := os.ReadDir(sinkDir)
		for _, f := range files {
			b, _ := os.ReadFile(filepath.Join(sinkDir, f.Name()))
			if strings.Contains(string(b), "message/rfc822") && strings.Contains(string(b), "the example phrase") {
				return true
			}
		}
		return false
	})
	if show, _ := d.run("quarantine", "show", "--config", config, e.ID); !strings.Contains(show, "status:     held") {
		t.Errorf("after copy, show:\n%s", show)
	}
	if out, err := d.run("quarantine", "not-a-problem", "--config", config, "--by", "dsl-tester", e.ID); err != nil {
		t.Errorf("not-a-problem: %v\n%s", err, out)
	}
	aud, _ = d.run("quarantine", "audit", "--config", config, "--id", e.ID, "--json")
	for _, want := range []string{`"action":"copy"`, `"reason":"evidence"`, `"action":"not-a-problem"`, `"school":"stlaurence"`} {
		if !strings.Contains(aud, want) {
			t.Errorf("audit --id --json lacks %s:\n%s", want, aud)
		}
	}
	if out, err := d.run("quarantine", "list", "--config", config, "--school", "nosuchschool"); err == nil || !strings.Contains(out, "unknown school") {
		t.Errorf("list --school nosuchschool: %v, want an unknown-school error:\n%s", err, out)
	}
	if n, _ := rs.Client(t).Exists(context.Background(), "lg:{nosuchschool}:audit").Result(); n != 0 {
		t.Errorf("a query for an unknown school created its audit stream")
	}
}
