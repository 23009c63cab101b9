package evaluate_test

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/engine"
	"github.com/lychgate/lychgate/evaluate"
	"github.com/lychgate/lychgate/internal/realdata"
	"github.com/lychgate/lychgate/scanners"
)

// handQs are clean questions of the kind pupils post on an anonymous Q&A
// site, written for this probe (no data set's text).
var handQs = []string{
	"are you going to the match", "what are you doing this weekend", "do you like your new school",
	"who is your best friend", "what's your favourite film", "are you going to the party on friday",
	"what did you get for your birthday", "do you have any pets", "where are you going on holiday",
	"are you doing the maths homework tonight", "what time does your bus come", "did you watch the game last night",
	"are you in the football team this year", "what music do you listen to", "would you rather have a dog or a cat",
	"what's your favourite subject", "are you coming to the cinema with us", "how tall are you",
	"do you play any instruments", "what are you having for tea", "are you going to prom", "what's your middle name",
	"do you still go to dance class", "have you finished the english essay yet", "are you revising for the mocks",
	"who do you sit next to in science", "are you allowed to come out later", "what game are you playing at the moment",
	"do you support city or united", "are you walking home today",
}

var shortAns = []string{"yes", "no", "idk", "lol no", "maybe", "yeah why", "nope", "haha yes", "not telling", "ya"}

// TestCleanRegisters is a probe, skipped unless LYCHGATE_PROBE is set
// (LYCHGATE_PROBE=v also prints each classifier finding): clean texts of
// the TRAINING split only (never validation), short ones (≤ 15 words) apart,
// and the hand-written questions below, reformatted as Q&A posts ("Q: a<br>A:
// b", with &#039; entities, with line breaks, with a one-word answer), chat
// lines and plain pairs, sent as pupil mail through the engine as lychgate
// eval does; it prints, per source and register, the share flagged at
// medium or above by any profanity or safeguarding finding and by the
// classifier.
//
//	LYCHGATE_PROBE=1 go test -run TestCleanRegisters -v ./evaluate
func TestCleanRegisters(t *testing.T) {
	if os.Getenv("LYCHGATE_PROBE") == "" {
		t.Skip("probe: set LYCHGATE_PROBE=1")
	}
	dir := shared(t)
	cfg := config.Default()
	off, on := false, true
	cfg.Scanners = map[string]config.ScannerSettings{}
	for _, id := range []string{"rules", "pii", "personal_address", "links", "attachments", "clamav"} {
		cfg.Scanners[id] = config.ScannerSettings{Enabled: &off}
	}
	cfg.Scanners["classifier"] = config.ScannerSettings{Enabled: &on}
	e, err := engine.New(cfg, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	exs, err := realdata.Load(dir + "/data")
	if err != nil {
		t.Fatal(err)
	}
	bySrc := map[string][]string{}
	for _, x := range exs {
		if x.Split != realdata.Train || len(x.Positive) > 0 || x.Source == "cssrs" {
			continue
		}
		if n := len(strings.Fields(x.Text)); n < 2 || n > 60 {
			continue
		}
		bySrc[x.Source] = append(bySrc[x.Source], strings.TrimSpace(x.Text))
	}
	env := evaluate.PupilEnvelope()
	type reg struct {
		name string
		f    func(a, b string) string
	}
	regs := []reg{
		{"plain", func(a, _ string) string { return a }},
		{"pair", func(a, b string) string { return a + " " + b }},
		{"qa", func(a, b string) string { return "Q: " + a + "<br>A: " + b }},
		{"qa-ent", func(a, b string) string {
			return strings.ReplaceAll("Q: "+a+"<br>A: "+b, "'", "&#039;")
		}},
		{"qa-lines", func(a, b string) string { return "Q: " + a + "\nA: " + b }},
		{"q-short", func(a, _ string) string { return "Q: " + a + "<br>A: " + shortAns[len(a)%len(shortAns)] }},
		{"chat", func(a, b string) string { return "[10:31] Sam: " + a + "\n[10:32] Alex: " + b }},
	}
	short := map[string][]string{}
	for src, ts := range bySrc {
		for _, x := range ts {
			if len(strings.Fields(x)) <= 15 {
				short[src+"-short"] = append(short[src+"-short"], x)
			}
		}
	}
	for k, v := range short {
		bySrc[k] = v
	}
	bySrc["handmade-qa"] = handQs
	srcs := make([]string, 0, len(bySrc))
	for s := range bySrc {
		srcs = append(srcs, s)
	}
	sort.Strings(srcs)
	verbose := os.Getenv("LYCHGATE_PROBE") == "v"
	for _, src := range srcs {
		texts := bySrc[src]
		if len(texts) > 600 {
			texts = texts[:600]
		}
		for _, r := range regs {
			n, flagged, cls := 0, 0, 0
			rules := map[string]int{}
			for i, a := range texts {
				b := texts[(i+1)%len(texts)]
				txt := r.f(a, b)
				fs := e.Analyze(context.Background(), evaluate.PupilMail(txt), env).ForSchool("school")
				n++
				hit, chit := false, false
				for _, f := range fs {
					if f.Severity >= scanners.Medium && (f.Category == scanners.Safeguarding || f.Category == scanners.Profanity) {
						hit = true
						rules[f.Scanner+"/"+f.Rule]++
						chit = chit || f.Scanner == "classifier"
						if verbose && f.Scanner == "classifier" {
							fmt.Printf("  %s %s %.3f %q\n", src, f.Rule, f.Score, txt)
						}
					}
				}
				if hit {
					flagged++
				}
				if chit {
					cls++
				}
			}
			fmt.Printf("%-16s %-9s n=%4d medium+ any=%4d (%.3f) classifier=%3d (%.3f)\n", src, r.name, n, flagged, float64(flagged)/float64(n), cls, float64(cls)/float64(n))
			if verbose {
				fmt.Println("   ", rules)
			}
		}
	}
	for _, txt := range []string{"Q: are you going to the match<br>A: yes", "Q: are you going to the match\nA: yes", "Q: are you going to the match\nA: no", "im going to tell everyone about the party", "Q: what&#039;s your favourite film<br>A: probably star wars tbh", "are you coming to the party on saturday? i need to know by tonight"} {
		fs := e.Analyze(context.Background(), evaluate.PupilMail(txt), env).ForSchool("school")
		for _, f := range fs {
			fmt.Printf("fixed %q: %s %s %v %.3f\n", txt, f.Scanner, f.Rule, f.Severity, f.Score)
		}
	}
}
