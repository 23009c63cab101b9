package policy

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/scanners"
)

// policyCase is one testdata/*.toml file: configured rules, an envelope,
// findings, and the decision wanted per recipient.
type policyCase struct {
	Policy       []config.PolicyRule               `toml:"policy"`
	Schools      []config.School                   `toml:"school"`
	Scanners     map[string]config.ScannerSettings `toml:"scanners"`
	Spam         config.Spam                       `toml:"spam"`
	SenderGroups []string                          `toml:"sender_groups"`
	SenderSchool string                            `toml:"sender_school"`
	Recipient    []struct {
		Addr      string   `toml:"addr"`
		Direction string   `toml:"direction"`
		School    string   `toml:"school"`
		Groups    []string `toml:"groups"`
	} `toml:"recipient"`
	Finding []struct {
		Scanner  string   `toml:"scanner"`
		Rule     string   `toml:"rule"`
		Category string   `toml:"category"`
		Severity string   `toml:"severity"`
		Score    float64  `toml:"score"`
		School   string   `toml:"school"`
		Tags     []string `toml:"tags"`
	} `toml:"finding"`
	Want []struct {
		Recipient  string `toml:"recipient"`
		Action     string `toml:"action"`
		Severity   string `toml:"severity"`
		NotifyDSL  bool   `toml:"notify_dsl"`
		WarnSender bool   `toml:"warn_sender"`
	} `toml:"want"`
}

func TestDecideCases(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/*.toml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no policy cases: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".toml"), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var tc policyCase
			md, err := toml.Decode(string(data), &tc)
			if err != nil {
				t.Fatal(err)
			}
			if u := md.Undecoded(); len(u) > 0 {
				t.Fatalf("unknown keys in case: %v", u)
			}
			p, err := New(&config.Config{Policy: tc.Policy, Schools: tc.Schools, Scanners: tc.Scanners, Spam: tc.Spam})
			if err != nil {
				t.Fatal(err)
			}
			env := &scanners.Envelope{SenderGroups: tc.SenderGroups, SenderSchool: tc.SenderSchool}
			for _, r := range tc.Recipient {
				env.Recipients = append(env.Recipients, scanners.Recipient{Addr: r.Addr, Direction: scanners.Direction(r.Direction), School: r.School, Groups: r.Groups})
			}
			var fs []scanners.Finding
			for _, f := range tc.Finding {
				sev, err := scanners.ParseSeverity(f.Severity)
				if err != nil {
					t.Fatal(err)
				}
				fs = append(fs, scanners.Finding{Scanner: f.Scanner, Rule: f.Rule, Category: scanners.Category(f.Category), Severity: sev, Score: f.Score, School: f.School, Tags: f.Tags})
			}
			got := p.Decide(env, fs)
			if len(got) != len(tc.Want) {
				t.Fatalf("Decide gave %d decisions, want %d", len(got), len(tc.Want))
			}
			for i, w := range tc.Want {
				g := got[i]
				if g.Recipient != w.Recipient || string(g.Action) != w.Action || g.NotifyDSL != w.NotifyDSL || g.WarnSender != w.WarnSender {
					t.Errorf("Decide()[%d] = %s %s notify=%v warn=%v (%v), want %s %s notify=%v warn=%v",
						i, g.Recipient, g.Action, g.NotifyDSL, g.WarnSender, g.Reasons, w.Recipient, w.Action, w.NotifyDSL, w.WarnSender)
				}
				if w.Severity != "" && g.Severity.String() != w.Severity {
					t.Errorf("Decide()[%d] %s severity = %s, want %s (%v)", i, g.Recipient, g.Severity, w.Severity, g.Reasons)
				}
			}
		})
	}
}

func TestNewRejectsBadRules(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		rule config.PolicyRule
	}{
		{"bad action", config.PolicyRule{ID: "x", Action: "explode"}},
		{"bad category", config.PolicyRule{ID: "x", Action: "tag", Categories: []string{"rude"}}},
		{"bad severity", config.PolicyRule{ID: "x", Action: "tag", MinSeverity: "huge"}},
		{"bad direction", config.PolicyRule{ID: "x", Action: "tag", Directions: []string{"sideways"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := New(&config.Config{Policy: []config.PolicyRule{tc.rule}}); err == nil {
				t.Errorf("New(%+v) = nil error, want one", tc.rule)
			}
		})
	}
}

func TestStricter(t *testing.T) {
	t.Parallel()
	order := []Action{Deliver, Tag, Quarantine, Reject, Tempfail}
	for i, a := range order {
		for j, b := range order {
			if got := a.Stricter(b); got != (i > j) {
				t.Errorf("%s.Stricter(%s) = %v, want %v", a, b, got, i > j)
			}
		}
	}
}

func TestExplainMatchesDecide(t *testing.T) {
	t.Parallel()
	p, err := New(&config.Config{Policy: []config.PolicyRule{{ID: "staff-tagged", Categories: []string{"safeguarding"}, RecipientGroups: []string{"staff"}, Action: "tag"}}})
	if err != nil {
		t.Fatal(err)
	}
	env := &scanners.Envelope{SenderGroups: []string{"pupils"}, Recipients: []scanners.Recipient{
		{Addr: "pupil@north.test", Direction: scanners.Internal, School: "north", Groups: []string{"pupils"}},
		{Addr: "head@south.test", Direction: scanners.Internal, School: "south", Groups: []string{"staff"}},
	}}
	fs := []scanners.Finding{
		{Scanner: "safeguarding", Rule: "safeguarding_self_harm", Category: scanners.Safeguarding, Severity: scanners.Medium},
		{Scanner: "profanity", Rule: "profanity_mild", Category: scanners.Profanity, Severity: scanners.Low, School: "north"},
	}
	ex := p.Explain(env, fs)
	ds := p.Decide(env, fs)
	for i := range ds {
		if !reflect.DeepEqual(ex[i].Decision, ds[i]) {
			t.Errorf("Explain()[%d].Decision = %+v, Decide = %+v", i, ex[i].Decision, ds[i])
		}
	}
	pupil := ex[0].Steps
	if len(pupil) != 2 || pupil[0].Rule != "default_safeguarding" || pupil[0].Base != scanners.Medium || pupil[0].Severity != scanners.High || pupil[0].Weighing != "written by a pupil" {
		t.Errorf("pupil's first step = %+v, want self-harm raised to high by default_safeguarding", pupil)
	}
	head := ex[1].Steps
	if len(head) != 2 || head[0].Rule != "staff-tagged" || head[1].Skipped == "" {
		t.Errorf("head's steps = %+v, want staff-tagged, then north's finding skipped", head)
	}
	// Every step names its finding, skipped ones too (Decide, which keeps
	// no trace, builds no names).
	for i, steps := range [][]Step{pupil, head} {
		for j, st := range steps {
			if want := fs[j].Scanner + "/" + fs[j].Rule; st.Finding != want {
				t.Errorf("recipient %d step %d names %q, want %q", i, j, st.Finding, want)
			}
		}
	}
}
