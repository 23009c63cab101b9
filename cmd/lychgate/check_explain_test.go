package main

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckExplain: --explain shows how each check ran, which of the
// configured rules fired, and for each recipient the policy rule that chose
// the action, in text and in JSON.
func TestCheckExplain(t *testing.T) {
	t.Parallel()
	fixtures := filepath.Join("..", "..", "testdata", "directory")
	mail := filepath.Join(fixtures, "mail", "pos-1-cc.eml")
	out, err := exec.Command(binPath, "check", "--explain", "--config", filepath.Join(fixtures, "lychgate.toml"), mail).Output()
	if err != nil {
		t.Fatalf("check --explain: %v", err)
	}
	for _, want := range []string{"checks:", "personal_address   ok", "policy for jane.smith84@gmail.com:", "rule default_personal_address -> deliver"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("check --explain output lacks %q:\n%s", want, out)
		}
	}
	out, err = exec.Command(binPath, "check", "--explain", "--json", "--config", filepath.Join(fixtures, "lychgate.toml"), mail).Output()
	if err != nil {
		t.Fatalf("check --explain --json: %v", err)
	}
	var r struct {
		Explain struct {
			Scanners []struct {
				Scanner string `json:"scanner"`
			} `json:"scanners"`
			Recipients []struct {
				Decision struct {
					Recipient string `json:"recipient"`
				} `json:"decision"`
				Steps []struct {
					Finding string `json:"finding"`
					Rule    string `json:"rule"`
				} `json:"steps"`
			} `json:"recipients"`
		} `json:"explain"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("check --explain --json: %v\n%s", err, out)
	}
	if len(r.Explain.Scanners) == 0 || len(r.Explain.Recipients) != 2 {
		t.Fatalf("explain = %+v, want the scanner runs and two recipients", r.Explain)
	}
	for _, rc := range r.Explain.Recipients {
		if len(rc.Steps) != 1 || rc.Steps[0].Finding != "personal_address/personal_address_cc" || rc.Steps[0].Rule != "default_personal_address" {
			t.Errorf("steps for %s = %+v, want personal_address_cc chosen by default_personal_address", rc.Decision.Recipient, rc.Steps)
		}
	}
}
