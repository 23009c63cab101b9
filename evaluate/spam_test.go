package evaluate

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners/spam"
	"github.com/lychgate/lychgate/scanners/spam/bayes"
)

// spamCorpus writes n ham and n spam messages; in dev mode the test-split
// files are dangling symlinks, so reading one fails the run.
func spamCorpus(t *testing.T, n int, poisonTest bool) string {
	t.Helper()
	dir := t.TempDir()
	words := map[string][]string{
		"ham":  strings.Fields("homework lesson timetable parents evening report meeting minutes project science"),
		"spam": strings.Fields("free money cash winner prize offer cheap pills casino lottery"),
	}
	for label, ws := range words {
		if err := os.MkdirAll(filepath.Join(dir, label), 0o755); err != nil {
			t.Fatal(err)
		}
		for i := range n {
			name := fmt.Sprintf("%s-%03d.eml", label, i)
			path := filepath.Join(dir, label, name)
			if poisonTest && SpamSplit(name) == "test" {
				if err := os.Symlink(filepath.Join(dir, "absent"), path); err != nil {
					t.Fatal(err)
				}
				continue
			}
			body := fmt.Sprintf("From: s%d@example.org\r\nSubject: %s %s\r\nDate: Tue, 1 Dec 2026 09:00:00 +0000\r\nMessage-ID: <%d@example.org>\r\n\r\n", i, ws[i%len(ws)], ws[(i+1)%len(ws)], i)
			for j := range 12 {
				body += ws[(i+j*3)%len(ws)] + " "
			}
			if err := os.WriteFile(path, []byte(body+"\r\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

func spamOpts(dir string, dev bool) SpamOptions {
	return SpamOptions{
		Dir:   dir,
		Parse: func(b []byte) *message.Message { return message.Parse(context.Background(), b, message.Limits{}) },
		NewScanner: func(c *bayes.Classifier) (*spam.Scanner, error) {
			return spam.New(spam.Options{Logger: slog.New(slog.DiscardHandler), Classifier: c})
		},
		Bayes:     bayes.Options{MinSpam: 5, MinHam: 5},
		Threshold: 5,
		Dev:       dev,
	}
}

func TestRunSpam(t *testing.T) {
	dir := spamCorpus(t, 60, false)
	var out strings.Builder
	rep, err := RunSpam(t.Context(), spamOpts(dir, false), &out)
	if err != nil {
		t.Fatal(err)
	}
	if rep.TrainHam+rep.TestHam != 60 || rep.TrainSpam+rep.TestSpam != 60 || rep.TestHam == 0 || rep.TestSpam == 0 {
		t.Fatalf("split = %+v, want 60 ham and 60 spam over train and test", rep)
	}
	if len(rep.Rows) != 2 || rep.Rows[0].Mode != "rules + classifier" || rep.Rows[1].Mode != "rules only" {
		t.Fatalf("rows = %+v", rep.Rows)
	}
	c := rep.Rows[0].Counts
	if c.TP+c.FN != rep.TestSpam || c.FP+c.TN != rep.TestHam {
		t.Errorf("counts %+v do not cover the test split", c)
	}
	if c.F1() < 0.9 {
		t.Errorf("F1 with the classifier on a trivially separable corpus = %.3f\n%s", c.F1(), out.String())
	}
	for _, col := range []string{"precision", "recall", "F1", "ham FP rate"} {
		if !strings.Contains(out.String(), col) {
			t.Errorf("report lacks %q:\n%s", col, out.String())
		}
	}
}

// TestRunSpamDevNeverReadsTest: in dev and CV modes every test-split file is a
// dangling link; the run must not touch them.
func TestRunSpamDevNeverReadsTest(t *testing.T) {
	dir := spamCorpus(t, 60, true)
	var out strings.Builder
	if _, err := RunSpam(t.Context(), spamOpts(dir, true), &out); err != nil {
		t.Fatalf("dev run read the test split: %v", err)
	}
	cv := spamOpts(dir, false)
	cv.CV = 3
	rep, err := RunSpam(t.Context(), cv, &out)
	if err != nil {
		t.Fatalf("cv run read the test split: %v", err)
	}
	if rep.TrainHam != 2*rep.TestHam || rep.TrainSpam != 2*rep.TestSpam {
		t.Errorf("3-fold: trained %d/%d, scored %d/%d; want each train file in two training sets", rep.TrainHam, rep.TrainSpam, rep.TestHam, rep.TestSpam)
	}
	if _, err := RunSpam(t.Context(), spamOpts(dir, false), &out); err == nil {
		t.Errorf("test run over dangling test files succeeded; the dev check proves nothing")
	}
}

func TestSpamSplitDeterministic(t *testing.T) {
	train := 0
	for i := range 1000 {
		name := fmt.Sprintf("easy_ham-%05d.eml", i)
		first := SpamSplit(name)
		if again := SpamSplit(name); again != first {
			t.Fatalf("SpamSplit(%s) changes", name)
		}
		if SpamSplit(name) == "train" {
			train++
		}
	}
	if train < 650 || train > 750 {
		t.Errorf("train share = %d/1000, want about 700", train)
	}
}

// TestTuneSpamNeverReadsTest: the tuner scores every grid setting by
// cross-validation over the train split alone (test files are dangling
// links) and chooses band scores on it.
func TestTuneSpamNeverReadsTest(t *testing.T) {
	dir := spamCorpus(t, 60, true)
	o := spamOpts(dir, false)
	o.HoldThreshold = 10
	var out strings.Builder
	grid := []TuneSetting{{Strength: 0.45, MinDev: 0.1, MaxClues: 150, MaxPerFamily: 3}, {Strength: 1, MinDev: 0.2, MaxClues: 50, MaxPerFamily: -1}}
	res, err := TuneSpam(t.Context(), o, 3, grid, &out)
	if err != nil {
		t.Fatalf("tune read the test split or failed: %v", err)
	}
	if len(res) != len(grid) {
		t.Fatalf("results = %d, want %d", len(res), len(grid))
	}
	for _, r := range res {
		c := r.Counts
		if c.TP+c.FN+c.FP+c.TN == 0 || c.TP+c.FN+c.FP+c.TN > 120 {
			t.Errorf("setting %+v scored %+v; want each train message once", r.Setting, c)
		}
		if c.F1() < 0.9 {
			t.Errorf("setting %+v: F1 %.3f on a trivially separable corpus", r.Setting, c.F1())
		}
	}
	for _, s := range []string{"per family", "bayes_999", "lambda", "ham held (>= 10)"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("tune report lacks %q:\n%s", s, out.String())
		}
	}
	if _, err := TuneSpam(t.Context(), o, 1, grid, &out); err == nil {
		t.Error("TuneSpam with one fold succeeded")
	}
}
