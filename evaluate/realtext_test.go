package evaluate_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/engine"
	"github.com/lychgate/lychgate/evaluate"
	"github.com/lychgate/lychgate/internal/realdata"
	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/safeguarding"
)

// shared finds the shared data folder beside the checkout: ../shared from
// the repository root of a main checkout, ../../shared from a worktree.
func shared(t *testing.T) string {
	t.Helper()
	for _, d := range []string{"../../shared", "../../../shared"} {
		if _, err := os.Stat(d + "/data"); err == nil {
			return d
		}
	}
	t.Skip("labelled real texts ../shared/data absent (they live outside the repository)")
	return ""
}

func TestPupilMailParses(t *testing.T) {
	t.Parallel()
	m := message.Parse(context.Background(), evaluate.PupilMail("line one\nI want to kill myself\r\n"), message.Limits{}.WithDefaults())
	if len(m.Texts) != 1 || m.Texts[0].Content == "" {
		t.Fatalf("PupilMail: texts = %+v, want one text part", m.Texts)
	}
	sg, err := safeguarding.New(safeguarding.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := sg.Scan(t.Context(), m, evaluate.PupilEnvelope())
	if err != nil {
		t.Fatal(err)
	}
	if !evaluate.Flags(fs, realdata.SelfHarm, scanners.Medium) {
		t.Fatalf("Flags(%v, self_harm, medium) = false, want true", fs)
	}
	if evaluate.Flags(fs, realdata.Bullying, scanners.Low) {
		t.Fatalf("Flags(%v, bullying, low) = true, want false", fs)
	}
}

// TestRealText runs the real scanners over the validation splits of the
// labelled sets in ../shared/data and logs the table (go test -v -run
// TestRealText ./evaluate). It skips when the data is absent.
func TestRealText(t *testing.T) {
	t.Parallel()
	dir := shared(t)
	if testing.Short() {
		t.Skip("scans a few thousand texts")
	}
	// Through the engine, as lychgate eval and the relay: the policy weighs
	// each finding for the pupil recipient. Content scanners only, so the
	// table measures the safeguarding checks.
	engineFor := func(classifier bool) evaluate.Analyze {
		cfg := config.Default()
		off, on := false, classifier
		cfg.Scanners = map[string]config.ScannerSettings{}
		for _, id := range []string{"rules", "pii", "personal_address", "links", "attachments", "clamav"} {
			cfg.Scanners[id] = config.ScannerSettings{Enabled: &off}
		}
		cfg.Scanners["classifier"] = config.ScannerSettings{Enabled: &on}
		e, err := engine.New(cfg, engine.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = e.Close() })
		return func(ctx context.Context, raw []byte, env *scanners.Envelope) []scanners.Finding {
			return e.Analyze(ctx, raw, env).ForSchool(env.Recipients[0].School)
		}
	}
	adult := &scanners.Envelope{From: "a@example.com", Recipients: []scanners.Recipient{{Addr: "b@school.test", Direction: scanners.Inbound, School: "school"}}}
	for _, run := range []struct {
		name    string
		analyze evaluate.Analyze
		env     *scanners.Envelope
	}{
		{"profanity + safeguarding", engineFor(false), nil},
		{"profanity + safeguarding + classifier", engineFor(true), nil},
		{"profanity + safeguarding + classifier, as adult mail (no pupil weighting)", engineFor(true), adult},
	} {
		r, err := evaluate.RealText(t.Context(), evaluate.RealOptions{
			Analyze: run.analyze, DataDir: dir + "/data", HamDir: dir + "/corpus/spamassassin/ham", Envelope: run.env,
		})
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := r.Write(&b, false); err != nil {
			t.Fatal(err)
		}
		t.Logf("\n%s: %s", run.name, b.String())
		if r.Cells["all"][realdata.SelfHarm] == nil || r.Cells["all"][realdata.Bullying] == nil {
			t.Fatalf("RealText: no self_harm or bullying cell in %v", r.Cells["all"])
		}
	}
}

func TestHardNegative(t *testing.T) {
	t.Parallel()
	tests := []struct {
		e    realdata.Example
		want bool
	}{
		{realdata.Example{Source: "cssrs", Label: "clean", Labelled: []realdata.Topic{realdata.SelfHarm}}, true},
		{realdata.Example{Source: "cssrs", Label: "suicidal", Labelled: []realdata.Topic{realdata.SelfHarm}, Positive: []realdata.Topic{realdata.SelfHarm}}, false},
		{realdata.Example{Source: "openai", Label: "clean", Labelled: []realdata.Topic{realdata.SelfHarm, realdata.Bullying}}, false},
		{realdata.Example{Source: "ham", Label: "clean", Labelled: realdata.Topics}, false},
	}
	for _, tc := range tests {
		if got := evaluate.HardNegative(&tc.e); got != tc.want {
			t.Errorf("HardNegative(%s %s) = %v, want %v", tc.e.Source, tc.e.Label, got, tc.want)
		}
	}
}

// TestRealTextTrainMisses: the training split alone lists its misses and
// false alarms; listing texts of any other split is refused.
func TestRealTextTrainMisses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// Texts on both sides of the split: a bullying positive the lexicon
	// misses, one it catches, and a clean text it flags.
	var csv bytes.Buffer
	csv.WriteString("text,label,source_label\n")
	want := map[realdata.Split]int{}
	for i := range 40 {
		miss := fmt.Sprintf("a pleasant remark number %d", i)
		hit := fmt.Sprintf("you are so ugly %d", i)
		fp := fmt.Sprintf("nobody likes you %d", i)
		fmt.Fprintf(&csv, "%s,bullying,x\n%s,bullying,x\n%s,clean,x\n", miss, hit, fp)
		want[realdata.SplitOf(miss)]++
		want[realdata.SplitOf(fp)]++
	}
	if err := os.WriteFile(filepath.Join(dir, "train-bullying-convabuse.csv"), csv.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	sg, err := safeguarding.New(safeguarding.Options{})
	if err != nil {
		t.Fatal(err)
	}
	opts := evaluate.RealOptions{Scanners: []scanners.Scanner{sg}, DataDir: dir, Parse: func(b []byte) *message.Message {
		return message.Parse(context.Background(), b, message.Limits{}.WithDefaults())
	}}
	// The scanner alone does not weigh for a pupil: the bare phrases are
	// medium already, so the counts are the same.
	opts.ListMisses = true
	if _, err := evaluate.RealText(t.Context(), opts); err == nil {
		t.Fatal("RealText(ListMisses on validation) = nil error, want a refusal")
	}
	opts.TrainOnly = true
	r, err := evaluate.RealText(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if r.Split != "train" || len(r.Misses) != want[realdata.Train] {
		t.Fatalf("RealText(TrainOnly) = split %s, %d misses, want train, %d", r.Split, len(r.Misses), want[realdata.Train])
	}
	for _, m := range r.Misses {
		if realdata.SplitOf(m.Text) != realdata.Train {
			t.Errorf("miss %q is not in the training split", m.Text)
		}
		if m.FP != strings.HasPrefix(m.Text, "nobody") || m.FP != (len(m.Rules) > 0) {
			t.Errorf("miss %+v: want FP (with its rules) exactly for the flagged clean texts", m)
		}
	}
	var b bytes.Buffer
	if err := r.WriteMisses(&b); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(b.String(), "\n"); got != len(r.Misses) {
		t.Errorf("WriteMisses wrote %d lines, want %d", got, len(r.Misses))
	}
}
