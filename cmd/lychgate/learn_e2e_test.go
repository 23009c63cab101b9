package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/internal/testutil/redistest"
)

// TestLearn runs `lychgate learn` (a contract) over a folder holding two
// message files and an mbox of two messages, against a real redis-server,
// then learns one of them again as ham.
func TestLearn(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	dir := t.TempDir()
	cfg := writeTOML(t, dir, "[redis]\nurl = \""+srv.URL()+"\"\n")
	mail := filepath.Join(dir, "mail")
	if err := os.MkdirAll(filepath.Join(mail, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, s string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(mail, name), []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("a.eml", "From: a@x.example\r\nSubject: cheap pills\r\n\r\nbuy cheap pills now\r\n")
	write("sub/b.eml", "From: b@x.example\r\nSubject: free cash\r\n\r\nclaim your free cash\r\n")
	write("box.mbox", "From a@x.example Mon Jan  1 00:00:00 2024\nFrom: c@x.example\nSubject: one\n\nfirst offer\n>From the desk\n"+
		"From b@x.example Mon Jan  1 00:00:00 2024\nFrom: d@x.example\nSubject: two\n\nsecond offer\n")
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(binPath, args...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("lychgate %v: %v\n%s", args, err, stderr.String())
		}
		return string(out)
	}
	if out := run("learn", "--config", cfg, "--spam", mail); !strings.Contains(out, "learnt 4 messages as spam") {
		t.Errorf("learn --spam: %q, want 4 messages learnt", out)
	}
	if out := run("learn", "--config", cfg, "--ham", filepath.Join(mail, "a.eml")); !strings.Contains(out, "learnt 1 messages as ham (1 moved from the other class") {
		t.Errorf("learn --ham: %q, want 1 moved", out)
	}
	c := srv.Client(t)
	got, err := c.HGetAll(context.Background(), "lg:bayes:{global}:n").Result()
	if err != nil {
		t.Fatal(err)
	}
	if got["s"] != "3" || got["h"] != "1" {
		t.Errorf("totals = %v, want s=3 h=1", got)
	}
	cmd := exec.Command(binPath, "learn", "--config", cfg, mail)
	if err := cmd.Run(); err == nil {
		t.Errorf("learn without --spam or --ham succeeded")
	}
}
