package main

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/internal/testutil/redistest"
	"github.com/lychgate/lychgate/users"
)

// runWithStdin runs the binary with stdin as its standard input.
func runWithStdin(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(binPath, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// TestUserCLI: accounts are created with the password on standard input,
// for configured schools only; a token is printed; passwd and disable
// take effect.
func TestUserCLI(t *testing.T) {
	t.Parallel()
	rs := redistest.Start(t)
	config := writeE2EConfig(t, freePort(t), freePort(t), rs.URL())
	out, err := runWithStdin(t, "a long enough password\n", "user", "add", "--config", config, "--username", "dsl1",
		"--role", "dsl", "--school", "stlaurence", "--email", "dsl@stlaurence.example.sch.uk")
	if err != nil || !strings.Contains(out, "added dsl1 (dsl) for stlaurence") {
		t.Fatalf("user add: %v\n%s", err, out)
	}
	for name, args := range map[string][]string{
		"unknown school": {"--username", "x", "--role", "dsl", "--school", "nosuch"},
		"unknown role":   {"--username", "x", "--role", "root", "--school", "stlaurence"},
		"taken":          {"--username", "dsl1", "--role", "dsl", "--school", "stlaurence"},
		"no username":    {"--role", "dsl", "--school", "stlaurence"},
	} {
		if out, err := runWithStdin(t, "a long enough password\n", append([]string{"user", "add", "--config", config}, args...)...); err == nil {
			t.Errorf("%s: user add succeeded:\n%s", name, out)
		}
	}
	if out, err := runWithStdin(t, "short\n", "user", "add", "--config", config, "--username", "y", "--role", "head", "--school", "stlaurence"); err == nil {
		t.Errorf("short password accepted:\n%s", out)
	}
	tok, err := runWithStdin(t, "", "user", "token", "--config", config, "--username", "dsl1")
	if err != nil || !strings.HasPrefix(tok, "lgt_") {
		t.Fatalf("user token: %v\n%s", err, tok)
	}
	us := users.New(rs.Client(t), users.Options{})
	if u, err := us.ByToken(t.Context(), strings.TrimSpace(tok)); err != nil || u.Name != "dsl1" || u.Email != "dsl@stlaurence.example.sch.uk" {
		t.Errorf("the printed token: %v, %v", u, err)
	}
	if out, err := runWithStdin(t, "another long password\n", "user", "passwd", "--config", config, "--username", "dsl1"); err != nil {
		t.Fatalf("user passwd: %v\n%s", err, out)
	}
	if _, err := us.Authenticate(t.Context(), "dsl1", "another long password", ""); err != nil {
		t.Errorf("new password: %v", err)
	}
	if out, err := runWithStdin(t, "", "user", "disable", "--config", config, "--username", "dsl1"); err != nil {
		t.Fatalf("user disable: %v\n%s", err, out)
	}
	if _, err := us.Authenticate(t.Context(), "dsl1", "another long password", ""); err == nil {
		t.Errorf("disabled account signed in")
	}
	if out, err := runWithStdin(t, "", "user", "totp", "--config", config, "--username", "dsl1"); err != nil || !strings.Contains(out, "otpauth://totp/") {
		t.Errorf("user totp: %v\n%s", err, out)
	}
}

// Under sudo the audit names the person, not root.
func TestCurrentUserUnderSudo(t *testing.T) {
	t.Setenv("SUDO_USER", "alice")
	t.Setenv("USER", "root")
	if got := currentUser(); got != "alice" {
		t.Errorf("currentUser() under sudo = %q, want alice", got)
	}
}
