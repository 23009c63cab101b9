package main

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lychgate/lychgate/internal/testutil/redistest"
	"github.com/lychgate/lychgate/quarantine"
	"github.com/lychgate/lychgate/scanners"
)

// cli runs the binary with args and an environment without
// LYCHGATE_CONFIG; it returns stdout, stderr and the exit code.
func cli(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(binPath, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "USER=tester"}
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return o.String(), e.String(), code
}

// TestHelpEverywhere: `help X`, `X --help` and `X -h` print X's own usage
// on standard output and exit 0, for every command and subcommand, and
// never read a configuration file.
func TestHelpEverywhere(t *testing.T) {
	t.Parallel()
	names := []string{"serve", "check", "config", "report", "eval", "version", "quarantine", "user"}
	for sub := range quarantineFlags {
		names = append(names, "quarantine "+sub)
	}
	for sub := range userFlags {
		names = append(names, "user "+sub)
	}
	for _, name := range names {
		words := strings.Fields(name)
		for _, args := range [][]string{append([]string{"help"}, words...), append(words, "--help"), append(words, "-h")} {
			out, errOut, code := cli(t, args...)
			if code != 0 || errOut != "" || !strings.HasPrefix(out, "usage: lychgate "+name) {
				t.Errorf("lychgate %s: exit %d, stderr %q, stdout starts %q; want exit 0 and \"usage: lychgate %s\" on stdout",
					strings.Join(args, " "), code, errOut, firstLine(out), name)
			}
		}
	}
	// Each quarantine subcommand lists its own flags only.
	show, _, _ := cli(t, "help", "quarantine", "show")
	list, _, _ := cli(t, "help", "quarantine", "list")
	if strings.Contains(show, "-limit") || !strings.Contains(list, "-limit") {
		t.Errorf("quarantine show's help lists --limit, or list's does not:\n%s\n---\n%s", show, list)
	}
	if !strings.Contains(list, "examples:") {
		t.Errorf("quarantine list's help has no examples:\n%s", list)
	}
	out, _, code := cli(t, "help")
	if code != 0 || !strings.Contains(out, "exit codes:") || !strings.Contains(out, "3  configuration error") {
		t.Errorf("lychgate help: exit %d, want 0 and the exit codes:\n%s", code, out)
	}
}

func firstLine(s string) string { l, _, _ := strings.Cut(s, "\n"); return l }

func writeConfig(t *testing.T, redisURL, extra string) string {
	t.Helper()
	src := fmt.Sprintf("[redis]\nurl = %q\nkey_prefix = \"cli\"\n[next_hop]\ninbound = \"127.0.0.1:1\"\n[[school]]\nid = \"north\"\ndomains = [\"north.test\"]\ndsl = [\"dsl@north.test\"]\n%s", redisURL, extra)
	return writeTOML(t, t.TempDir(), src)
}

// TestExitCodesAndSentences: each kind of mistake has its exit code and
// one clear sentence.
func TestExitCodesAndSentences(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := l.Addr().String()
	_ = l.Close() // nothing listens there now
	downCfg := writeConfig(t, "redis://"+down+"/0", "")
	rs := redistest.Start(t)
	upCfg := writeConfig(t, rs.URL(), "")

	// A held entry whose release cannot reach the next hop (127.0.0.1:1).
	held := &quarantine.Entry{School: "north", From: "x@example.com", Recipients: []string{"p@north.test"}, Held: []string{"p@north.test"},
		Findings: []scanners.Finding{{Scanner: "rules", Rule: "r", Category: scanners.Profanity, Severity: scanners.Medium}}}
	if _, err := quarantine.New(rs.Client(t), quarantine.Options{Prefix: "cli"}).Put(t.Context(), held, []byte("Subject: x\r\n\r\nx\r\n")); err != nil {
		t.Fatal(err)
	}

	for name, tc := range map[string]struct {
		args     []string
		code     int
		stderr   string
		stdout   string
		noStderr []string
	}{
		"unknown command": {args: []string{"frobnicate"}, code: exitUsage, stderr: `unknown command "frobnicate"`},
		"bad flag": {args: []string{"quarantine", "show", "--limit", "3"}, code: exitUsage,
			stderr: "lychgate quarantine show: flag provided but not defined: -limit\nusage: lychgate quarantine show"},
		"no config": {args: []string{"quarantine", "list"}, code: exitConfig,
			stderr: "no configuration file: /etc/lychgate/lychgate.toml does not exist"},
		"missing config file": {args: []string{"report", "--config", "/nonexistent/x.toml"}, code: exitConfig},
		"redis down": {args: []string{"quarantine", "list", "--config", downCfg}, code: exitUnavailable,
			stderr: "lychgate quarantine: cannot reach Redis at " + down + ": connection refused\n", noStderr: []string{"pool.go", "dial tcp"}},
		"redis down, report": {args: []string{"report", "--config", downCfg, "--school", "north"}, code: exitUnavailable,
			stderr: "cannot reach Redis at " + down + ": connection refused"},
		"empty list":  {args: []string{"quarantine", "list", "--config", upCfg, "--status", "deleted"}, code: 0, stdout: "no entries\n"},
		"empty users": {args: []string{"user", "list", "--config", upCfg}, code: 0, stdout: "no entries\n"},
		"no such entry": {args: []string{"quarantine", "show", "--config", upCfg, "0123456789abcdef01234567"}, code: exitFailure,
			stderr: "lychgate quarantine: no quarantine entry \"0123456789abcdef01234567\" in school north", noStderr: []string{"quarantine: quarantine", "find"}},
		"next hop down": {args: []string{"quarantine", "release", "--config", upCfg, held.ID}, code: exitUnavailable,
			stderr: "lychgate quarantine: cannot reach 127.0.0.1:1: connection refused\n"},
		"bad entry id":   {args: []string{"quarantine", "delete", "--config", upCfg, "../x"}, code: exitUsage, stderr: "is not a quarantine entry id"},
		"unknown school": {args: []string{"report", "--config", upCfg, "--school", "south"}, code: exitUsage, stderr: `unknown school "south"`},
	} {
		out, errOut, code := cli(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.stderr) || !strings.Contains(out, tc.stdout) {
			t.Errorf("%s: lychgate %s = exit %d\nstdout %q\nstderr %q\nwant exit %d, stderr containing %q, stdout %q",
				name, strings.Join(tc.args, " "), code, out, errOut, tc.code, tc.stderr, tc.stdout)
		}
		for _, bad := range tc.noStderr {
			if strings.Contains(errOut, bad) {
				t.Errorf("%s: stderr %q contains %q", name, errOut, bad)
			}
		}
	}
}

// TestReportCommand: `lychgate report` says "no incidents" for a quiet
// period and counts a busy one, in text and CSV.
func TestReportCommand(t *testing.T) {
	t.Parallel()
	rs := redistest.Start(t)
	cfg := writeConfig(t, rs.URL(), "")
	out, errOut, code := cli(t, "report", "--config", cfg, "--school", "north", "--from", "2026-01-05", "--to", "2026-01-11")
	if code != 0 || !strings.Contains(out, "no incidents") {
		t.Fatalf("quiet report: exit %d, stderr %q\n%s", code, errOut, out)
	}
	store := quarantine.New(rs.Client(t), quarantine.Options{Prefix: "cli"})
	for i := range 3 {
		e := &quarantine.Entry{School: "north", From: "x@example.com", Recipients: []string{"p@north.test"}, Held: []string{"p@north.test"},
			Received: time.Date(2026, 1, 6+i, 10, 0, 0, 0, time.Local),
			Findings: []scanners.Finding{{Scanner: "rules", Rule: "r", Category: scanners.Profanity, Severity: scanners.Medium}}}
		if _, err := store.Put(t.Context(), e, fmt.Appendf(nil, "Subject: %d\r\n\r\nx\r\n", i)); err != nil {
			t.Fatal(err)
		}
	}
	out, errOut, code = cli(t, "report", "--config", cfg, "--school", "north", "--from", "2026-01-05", "--to", "2026-01-11", "--format", "csv")
	if code != 0 || !strings.Contains(out, "north,") || !strings.Contains(out, ",category,profanity,3,0,") || strings.Contains(out, "no incidents") {
		t.Errorf("busy report csv: exit %d, stderr %q\n%s", code, errOut, out)
	}
	out, _, code = cli(t, "report", "--config", cfg, "--school", "north", "--from", "2026-01-05", "--to", "2026-01-11", "--format", "html")
	if code != 0 || !strings.Contains(out, "<svg") || !strings.Contains(out, "3 messages held for review") {
		t.Errorf("busy report html: exit %d\n%s", code, out)
	}
}

// TestConfigCheckWarnings: a school without dsl and a group glob on a
// domain the school does not own are warnings: exit 0, or 3 with --strict.
func TestConfigCheckWarnings(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "warn.toml")
	src := "[next_hop]\ninbound = \"127.0.0.1:1\"\n[[school]]\nid = \"north\"\ndomains = [\"north.test\"]\n[school.groups]\nstaff = [\"*@north.test\", \"*@gmail.com\"]\n"
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := cli(t, "config", "check", path)
	if code != 0 || !strings.Contains(out, "ok, with 2 warning(s)") ||
		!strings.Contains(errOut, path+":3: school[0].dsl: warning:") ||
		!strings.Contains(errOut, path+":7: school[0].groups.staff[1]: warning: glob \"*@gmail.com\" is on gmail.com") {
		t.Errorf("config check: exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	if _, _, code := cli(t, "config", "check", "--strict", path); code != exitConfig {
		t.Errorf("config check --strict with warnings: exit %d, want %d", code, exitConfig)
	}
}

// TestCheckMailSources: a folder with a message, an mbox, a Maildir, a
// text note and a binary: every message is checked, the others skipped
// with a warning and never printed.
func TestCheckMailSources(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	msg := "From: a@example.com\nTo: b@example.net\nSubject: hello\n\nhi\n"
	files := map[string]string{
		"one.eml":             msg,
		"notes.txt":           "shopping list\nmilk\n",
		"prog.bin":            "\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00>\x00\x01",
		"box.mbox":            "From a@example.com Mon Jan  1 00:00:00 2024\n" + msg + ">From the quoted line\n\nFrom c@example.com Mon Jan  1 00:00:00 2024\n" + msg,
		"Maildir/cur/1.h:2,S": msg,
		"Maildir/new/2.h":     msg,
		"Maildir/tmp/3.h":     "half-written",
	}
	writeFiles(t, dir, files)
	out, errOut, code := cli(t, "check", dir)
	if code != 0 {
		t.Fatalf("check: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"one.eml (", "box.mbox#1 (", "box.mbox#2 (", "1.h:2,S (", "2.h ("} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
	for _, bad := range []string{"notes.txt", "prog.bin", "3.h", "ELF", "malformed"} {
		if strings.Contains(out, bad) {
			t.Errorf("check output mentions %q:\n%s", bad, out)
		}
	}
	for _, want := range []string{`skipped "` + filepath.Join(dir, "notes.txt") + `": not a mail message`, `skipped "` + filepath.Join(dir, "prog.bin") + `": a binary file`} {
		if !strings.Contains(errOut, want) {
			t.Errorf("check stderr lacks %q:\n%s", want, errOut)
		}
	}
}
