package main

import (
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestCheckPersonalAddress runs `lychgate check --json` over the
// personal-address fixtures with a config naming the MIS CSV exports, and
// checks the findings and the default policy's decisions.
func TestCheckPersonalAddress(t *testing.T) {
	t.Parallel()
	fixtures := filepath.Join("..", "..", "testdata", "directory")
	cmd := exec.Command(binPath, "check", "--config", filepath.Join(fixtures, "lychgate.toml"), "--json", filepath.Join(fixtures, "mail"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("check: %v\n%s", err, stderr.String())
	}
	// Malformed CSV rows are logged with file and line, not fatal.
	if !strings.Contains(stderr.String(), "staff.csv:5:") || !strings.Contains(stderr.String(), "staff.csv:6:") {
		t.Errorf("stderr does not report the malformed staff rows:\n%s", stderr.String())
	}
	got := parseCheckJSON(t, out)
	cases := []struct {
		file     string
		rules    []string
		evidence string
		action   string
		notified bool
	}{
		{"pos-1-cc.eml", []string{"personal_address_cc"}, "jane.smith84@gmail.com", "deliver", true},
		{"pos-1-reply-to.eml", []string{"personal_address_cc"}, "tombaker1970@hotmail.co.uk", "deliver", true},
		{"pos-2-body.eml", []string{"personal_address_in_body", "personal_address_in_body"}, "jane.smith84@gmail.com", "deliver", true},
		{"pos-3-thread.eml", []string{"personal_address_in_thread"}, "jane.smith84@gmail.com", "deliver", true},
		{"pos-3-to-cc.eml", []string{"personal_address_in_thread"}, "tb.home@btinternet.com", "deliver", true},
		{"pos-4-staff-personal-account.eml", []string{"personal_address_staff_personal_account"}, "jane.smith84@gmail.com", "deliver", true},
		{"pos-5-to-self.eml", []string{"personal_address_to_self"}, "jane.smith84@gmail.com", "quarantine", true},
		{"clean-parent-webmail.eml", nil, "", "deliver", false},
		{"clean-parent-shares-surname.eml", nil, "", "deliver", false},
		{"clean-staff-to-parent.eml", nil, "", "deliver", false},
		{"clean-official-contacts.eml", nil, "", "deliver", false},
		{"clean-reply-to-office.eml", nil, "", "deliver", false},
		{"clean-staff-to-supplier.eml", nil, "", "deliver", false},
		{"clean-staff-to-other-school.eml", nil, "", "deliver", false},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			r, ok := got[tc.file]
			if !ok {
				t.Fatalf("no result for %s", tc.file)
			}
			var rules []string
			for _, f := range r.Findings {
				rules = append(rules, f.Rule)
				if f.Scanner != "personal_address" || f.Category != "personal-address" || f.Severity != "medium" {
					t.Errorf("finding %+v: want personal_address / personal-address / medium", f)
				}
			}
			if !slices.Equal(rules, tc.rules) {
				t.Errorf("rules = %q, want %q", rules, tc.rules)
			}
			if tc.evidence != "" && (len(r.Findings) == 0 || len(r.Findings[0].Evidence) == 0 || r.Findings[0].Evidence[0].Text != tc.evidence) {
				t.Errorf("first evidence = %+v, want %q", r.Findings, tc.evidence)
			}
			if len(r.Decisions) == 0 {
				t.Fatalf("no decisions")
			}
			for _, d := range r.Decisions {
				if d.Action != tc.action || d.NotifyDSL != tc.notified || d.WarnSender != tc.notified {
					t.Errorf("decision %+v, want action %s notify/warn %v", d, tc.action, tc.notified)
				}
			}
		})
	}
}
