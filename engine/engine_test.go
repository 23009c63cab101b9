package engine

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/policy"
	"github.com/lychgate/lychgate/scanners"
)

func testConfig() *config.Config {
	cfg := config.Default()
	cfg.Schools = []config.School{
		{ID: "a", Domains: []string{"a.sch.uk"}, Groups: map[string][]string{"pupils": {"pupil*@a.sch.uk"}, "parents": {"mum@example.com"}}},
		{ID: "b", Domains: []string{"b.sch.uk"}},
	}
	cfg.Rules = []config.Rule{{ID: "phrase", Field: "body", Pattern: "(?i)example phrase", Category: "safeguarding", Severity: "critical"}}
	return cfg
}

func TestClassify(t *testing.T) {
	t.Parallel()
	e, err := New(testConfig(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name       string
		from       string
		trusted    bool
		rcpt       string
		wantDir    scanners.Direction
		wantSchool string
		wantGroups []string
		wantErr    error
	}{
		{"internet to school", "x@example.net", false, "pupil1@a.sch.uk", scanners.Inbound, "a", []string{"pupils"}, nil},
		{"internet to other school", "x@example.net", false, "head@B.SCH.UK", scanners.Inbound, "b", nil, nil},
		{"internet to outside", "x@example.net", false, "y@example.org", "", "", nil, ErrRelayDenied},
		{"school to outside", "head@a.sch.uk", true, "y@example.org", scanners.Outbound, "a", nil, nil},
		{"school to parent", "head@a.sch.uk", true, "mum@example.com", scanners.Outbound, "a", []string{"parents"}, nil},
		{"school to school", "head@a.sch.uk", true, "pupil2@a.sch.uk", scanners.Internal, "a", []string{"pupils"}, nil},
		{"across the trust", "head@a.sch.uk", true, "head@b.sch.uk", scanners.Internal, "b", nil, nil},
		{"trusted forwarding outside sender in", "x@example.net", true, "pupil1@a.sch.uk", scanners.Inbound, "a", []string{"pupils"}, nil},
		{"spoofed school sender from internet", "head@a.sch.uk", false, "pupil1@a.sch.uk", scanners.Inbound, "a", []string{"pupils"}, nil},
		{"spoofed school sender to outside", "head@a.sch.uk", false, "y@example.org", "", "", nil, ErrRelayDenied},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := e.NewEnvelope(Sender{From: tc.from, Trusted: tc.trusted})
			r, err := e.Classify(env, tc.trusted, tc.rcpt)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Classify(%s -> %s) error = %v, want %v", tc.from, tc.rcpt, err, tc.wantErr)
			}
			if err != nil {
				return
			}
			if r.Direction != tc.wantDir || r.School != tc.wantSchool || !slices.Equal(r.Groups, tc.wantGroups) {
				t.Errorf("Classify(%s -> %s) = %+v, want %s %s %v", tc.from, tc.rcpt, r, tc.wantDir, tc.wantSchool, tc.wantGroups)
			}
		})
	}
}

func TestAnalyze(t *testing.T) {
	t.Parallel()
	e, err := New(testConfig(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	env := e.NewEnvelope(Sender{From: "x@example.net"})
	r, err := e.Classify(env, false, "pupil1@a.sch.uk")
	if err != nil {
		t.Fatal(err)
	}
	env.Recipients = append(env.Recipients, r)
	v := e.Analyze(context.Background(), []byte("Subject: hi\r\n\r\nthe example phrase\r\n"), env)
	if len(v.Decisions) != 1 || v.Decisions[0].Action != policy.Quarantine || !v.Decisions[0].NotifyDSL {
		t.Errorf("Analyze() decisions = %+v, want quarantine with DSL alert", v.Decisions)
	}
	if len(v.Result.Findings) == 0 || v.Result.Findings[0].Rule != "phrase" {
		t.Errorf("Analyze() findings = %+v, want the phrase rule", v.Result.Findings)
	}
}
