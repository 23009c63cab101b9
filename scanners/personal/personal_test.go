package personal_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/directory"
	"github.com/lychgate/lychgate/engine"
	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/personal"
	"github.com/lychgate/lychgate/scanners/scannertest"
)

var fixtures = filepath.Join("..", "..", "testdata", "directory")

type fixture struct {
	cfg *config.Config
	eng *engine.Engine
	sc  *personal.Scanner
}

func load(t *testing.T) fixture {
	t.Helper()
	cfg, err := config.Load(filepath.Join(fixtures, "lychgate.toml"))
	if err != nil {
		t.Fatalf("load config: %v", err)
	}
	eng, err := engine.New(cfg, engine.Options{})
	if err != nil {
		t.Fatalf("engine: %v", err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	sc, err := personal.New(directory.New(cfg), personal.OptionsFromConfig(cfg))
	if err != nil {
		t.Fatalf("personal.New: %v", err)
	}
	return fixture{cfg: cfg, eng: eng, sc: sc}
}

// envelope builds the envelope the relay would: From and To/Cc from the
// headers, trusted when the sender is in a school domain.
func (f fixture) envelope(t *testing.T, raw []byte) *scanners.Envelope {
	t.Helper()
	m := message.Parse(t.Context(), raw, message.Limits{})
	from := ""
	if len(m.From) > 0 {
		from = m.From[0].Addr
	}
	trusted := f.eng.Directory().SchoolOf(from) != ""
	env := f.eng.NewEnvelope(engine.Sender{From: from, Trusted: trusted})
	for _, a := range append(append([]message.Address{}, m.To...), m.Cc...) {
		r, err := f.eng.Classify(env, trusted, a.Addr)
		if errors.Is(err, engine.ErrRelayDenied) {
			r = scanners.Recipient{Addr: a.Addr, Direction: scanners.Inbound}
		}
		env.Recipients = append(env.Recipients, r)
	}
	return env
}

func readMail(t *testing.T, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(fixtures, "mail", name))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestScanFixtures(t *testing.T) {
	t.Parallel()
	f := load(t)
	cases := []struct {
		file      string
		wantRules []string
		wantText  []string // evidence texts, in order, first evidence of each finding
	}{
		{"pos-1-cc.eml", []string{personal.RuleCc}, []string{"jane.smith84@gmail.com"}},
		{"pos-1-reply-to.eml", []string{personal.RuleCc}, []string{"tombaker1970@hotmail.co.uk"}},
		{"pos-2-body.eml", []string{personal.RuleInBody, personal.RuleInBody}, []string{"jane.smith84@gmail.com", "07700 900456"}},
		{"pos-3-thread.eml", []string{personal.RuleInThread}, []string{"jane.smith84@gmail.com"}},
		{"pos-3-to-cc.eml", []string{personal.RuleInThread}, []string{"tb.home@btinternet.com"}},
		{"pos-4-staff-personal-account.eml", []string{personal.RuleStaffPersonal}, []string{"jane.smith84@gmail.com"}},
		{"pos-5-to-self.eml", []string{personal.RuleToSelf}, []string{"jane.smith84@gmail.com"}},
		{"clean-parent-webmail.eml", nil, nil},
		{"clean-parent-shares-surname.eml", nil, nil},
		{"clean-staff-to-parent.eml", nil, nil},
		{"clean-official-contacts.eml", nil, nil},
		{"clean-reply-to-office.eml", nil, nil},
		{"clean-staff-to-supplier.eml", nil, nil},
		{"clean-staff-to-other-school.eml", nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			raw := readMail(t, tc.file)
			m := message.Parse(t.Context(), raw, message.Limits{})
			fs, err := f.sc.Scan(t.Context(), m, f.envelope(t, raw))
			if err != nil {
				t.Fatalf("Scan = %v", err)
			}
			var rules, texts []string
			for _, fd := range fs {
				rules = append(rules, fd.Rule)
				if len(fd.Evidence) > 0 {
					texts = append(texts, fd.Evidence[0].Text)
				}
				if fd.Category != scanners.PersonalAddress || fd.Severity != scanners.Medium || fd.Scanner != personal.ID {
					t.Errorf("finding %+v: want category personal-address, severity medium, scanner %s", fd, personal.ID)
				}
				scannertest.CheckFinding(t, m, fd)
			}
			if !slices.Equal(rules, tc.wantRules) || !slices.Equal(texts, tc.wantText) {
				t.Errorf("Scan(%s) rules %q evidence %q, want %q %q", tc.file, rules, texts, tc.wantRules, tc.wantText)
				for _, fd := range fs {
					t.Logf("  %s: %s", fd.Rule, fd.Explanation)
				}
			}
		})
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	f := load(t)
	for _, name := range []string{"pos-1-cc.eml", "pos-2-body.eml", "pos-5-to-self.eml", "clean-staff-to-parent.eml"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			raw := readMail(t, name)
			scannertest.Conformance(t, f.sc, f.envelope(t, raw), raw)
		})
	}
}

func TestNoDirectory(t *testing.T) {
	t.Parallel()
	if _, err := personal.New(nil, personal.Options{}); err == nil {
		t.Error("New(nil) = nil error, want one")
	}
}

func TestOfficialNumberFormats(t *testing.T) {
	t.Parallel()
	cfg := config.Default()
	cfg.Schools = []config.School{{ID: "s", Domains: []string{"s.sch.uk"}, Groups: map[string][]string{"staff": {"*@s.sch.uk"}, "parents": {"*@gmail.com"}},
		Personal: config.SchoolPersonal{OfficialNumbers: []string{"+44 (0)7700 900123"}}}}
	sc, err := personal.New(directory.New(cfg), personal.OptionsFromConfig(cfg))
	if err != nil {
		t.Fatal(err)
	}
	env := &scanners.Envelope{From: "t@s.sch.uk", SenderSchool: "s", SenderGroups: []string{"staff"},
		Recipients: []scanners.Recipient{{Addr: "p@gmail.com", Direction: scanners.Outbound, School: "s", Groups: []string{"parents"}}}}
	cases := []struct {
		name, body string
		want       int
	}{
		{"official in another format", "Text me on 07700900123 on the trip.", 0},
		{"official with +44", "Call me on +44 7700 900123.", 0},
		{"personal mobile", "My mobile: 07700-900-456", 1},
		{"number without a cue", "Order ref 07700 900456 is confirmed.", 0},
		{"personal in quoted history only", "Thanks.\n\nOn Mon, 3 Mar 2025, P <p@gmail.com> wrote:\n> text me on 07700 900456\n", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			raw := []byte("From: T <t@s.sch.uk>\r\nTo: p@gmail.com\r\nSubject: x\r\n\r\n" + tc.body + "\r\n")
			m := message.Parse(t.Context(), raw, message.Limits{})
			fs, err := sc.Scan(t.Context(), m, env)
			if err != nil {
				t.Fatal(err)
			}
			if len(fs) != tc.want {
				t.Errorf("Scan(%q) = %d findings %+v, want %d", tc.body, len(fs), fs, tc.want)
			}
		})
	}
}

func TestAdversarial(t *testing.T) {
	t.Parallel()
	f := load(t)
	raw := readMail(t, "clean-staff-to-parent.eml")
	scannertest.Adversarial(t, f.sc, f.envelope(t, raw), "email me on my personal address jo.bloggs@gmail.com")
}
