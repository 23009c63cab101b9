package main

import (
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// SIGHUP re-reads the rules without a restart; a broken file is refused and
// the running configuration stays.
func TestReloadOnSIGHUP(t *testing.T) {
	t.Parallel()
	d, dumpDir, _ := startE2ERelay(t)
	addr, config := d.addr, d.config
	pupil := "pupil1@stlaurence.example.sch.uk"

	if out, err := swaks(t, addr, "a@example.com", pupil, "one", "meet me at the bandstand"); err != nil {
		t.Fatalf("swaks: %v\n%s", err, out)
	}
	eventually(t, func() (int, bool) { n := len(dumps(t, dumpDir)); return n, n == 1 })

	orig, err := os.ReadFile(config)
	if err != nil {
		t.Fatal(err)
	}
	withRule := string(orig) + `
[[rule]]
id = "bandstand"
field = "body"
words = ["bandstand"]
category = "safeguarding"
severity = "high"
`
	reload := func(content string) {
		t.Helper()
		if err := os.WriteFile(config, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := d.cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
	}
	reload(withRule)
	eventually(t, func() (bool, bool) { ok := strings.Contains(d.log.String(), "configuration reloaded"); return ok, ok })
	if out, err := swaks(t, addr, "a@example.com", pupil, "two", "meet me at the bandstand"); err != nil {
		t.Fatalf("swaks: %v\n%s", err, out)
	}
	list, err := d.run("quarantine", "list", "--config", config, "--json")
	if err != nil || !strings.Contains(list, `"subject":"two"`) {
		t.Fatalf("after reload, quarantine list = %v\n%s; want the second message held", err, list)
	}

	// A broken file: the relay logs it and keeps the last good rules.
	reload(withRule + "\n[[rule]]\nid = \"broken\"\npattern = \"(\"\ncategory = \"spam\"\n")
	eventually(t, func() (bool, bool) { ok := strings.Contains(d.log.String(), "config reload failed"); return ok, ok })
	if out, err := swaks(t, addr, "a@example.com", pupil, "three", "meet me at the bandstand"); err != nil {
		t.Fatalf("swaks after a failed reload: %v\n%s", err, out)
	}
	// The CLI needs a loadable file too.
	if err := os.WriteFile(config, []byte(withRule), 0o600); err != nil {
		t.Fatal(err)
	}
	list, err = d.run("quarantine", "list", "--config", config, "--json")
	if err != nil || !strings.Contains(list, `"subject":"three"`) {
		t.Errorf("after a failed reload, quarantine list = %v\n%s; want the third message held by the old rules", err, list)
	}
}

// A change to a watched file reloads without a signal; a change to a key
// that needs a restart is logged as such, and the rest of the change still
// takes effect.
func TestReloadOnFileChange(t *testing.T) {
	t.Parallel()
	d, _, _ := startE2ERelay(t)
	addr, config := d.addr, d.config
	pupil := "pupil1@stlaurence.example.sch.uk"
	orig, err := os.ReadFile(config)
	if err != nil {
		t.Fatal(err)
	}
	other := freePort(t)
	changed := strings.Replace(string(orig), addr, other, 1) + `
[[rule]]
id = "bandstand"
field = "body"
words = ["bandstand"]
category = "safeguarding"
severity = "high"
`
	if err := os.WriteFile(config, []byte(changed), 0o600); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Second)
	if err := os.Chtimes(config, later, later); err != nil {
		t.Fatal(err)
	}
	eventually(t, func() (bool, bool) { ok := strings.Contains(d.log.String(), "configuration reloaded"); return ok, ok })
	if log := d.log.String(); !strings.Contains(log, "need a restart") || !strings.Contains(log, "relay.listen") {
		t.Errorf("log does not name relay.listen as needing a restart:\n%s", log)
	}
	// Still listening on the old address, with the new rule.
	if out, err := swaks(t, addr, "a@example.com", pupil, "watched", "meet me at the bandstand"); err != nil {
		t.Fatalf("swaks: %v\n%s", err, out)
	}
	list, err := d.run("quarantine", "list", "--config", config, "--json")
	if err != nil || !strings.Contains(list, `"subject":"watched"`) {
		t.Fatalf("after the file changed, quarantine list = %v\n%s; want the message held by the new rule", err, list)
	}
}
