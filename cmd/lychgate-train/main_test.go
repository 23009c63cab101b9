package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/internal/realdata"
	"github.com/lychgate/lychgate/scanners/classify"
)

// tinyData writes a small labelled set and ham corpus under a temp dir.
func tinyData(t *testing.T) (data, ham string) {
	t.Helper()
	data, ham = t.TempDir(), t.TempDir()
	var conv, cssrs strings.Builder
	conv.WriteString("text,label,source_label\n")
	cssrs.WriteString("text,label,source_label\n")
	for i := range 60 {
		fmt.Fprintf(&conv, "you are a stupid idiot number %d,bullying,x\nwhat is the weather like today %d,clean,y\n", i, i)
		fmt.Fprintf(&cssrs, "\"i want to die, i cannot go on %d\",suicidal,Ideation\n\"i am helping my friend feel better %d\",clean,Supportive\n", i, i)
	}
	for name, body := range map[string]string{"train-bullying-convabuse.csv": conv.String(), "train-suicide-cssrs.csv": cssrs.String()} {
		if err := os.WriteFile(filepath.Join(data, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 20 {
		msg := fmt.Sprintf("From: a@example.com\r\nSubject: meeting %d\r\n\r\nThe build is green again, see you at the meeting %d.\r\n", i, i)
		if err := os.WriteFile(filepath.Join(ham, fmt.Sprintf("ham-%02d.eml", i)), []byte(msg), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return data, ham
}

func tinyConfig(data, ham, dir string) config {
	return config{data: data, ham: ham, out: filepath.Join(dir, "model.bin"), card: filepath.Join(dir, "card.md"), date: "2026-12-01",
		bits: 12, epochs: 3, lr: 0.3, l2: 1e-5, hamChunks: 4, lowPrec: 0.7, medPrec: 0.9, medFPR: 0.01, lowFPR: 0.05, posCap: 10, thresholdSkip: "cssrs",
		aimedMedPrec: 0.95, bullyingPositives: "abusive", judged: "self_harm"}
}

func TestTrainDeterministic(t *testing.T) {
	t.Parallel()
	data, ham := tinyData(t)
	var outs [2][2][]byte
	for k := range 2 {
		dir := t.TempDir()
		if err := run(tinyConfig(data, ham, dir)); err != nil {
			t.Fatal(err)
		}
		for j, f := range []string{"model.bin", "card.md"} {
			b, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				t.Fatal(err)
			}
			outs[k][j] = b
		}
	}
	if !bytes.Equal(outs[0][0], outs[1][0]) || !bytes.Equal(outs[0][1], outs[1][1]) {
		t.Fatal("two runs on the same data wrote different files")
	}
	m, err := classify.Decode(outs[0][0])
	if err != nil {
		t.Fatal(err)
	}
	p := m.Score("you are a stupid idiot")
	q := m.Score("what is the weather like")
	if p["bullying"] <= q["bullying"] {
		t.Errorf("bullying score of an insult %.3f <= of a question %.3f", p["bullying"], q["bullying"])
	}
	if !bytes.Contains(outs[0][1], []byte("2026-12-01")) {
		t.Error("model card does not carry the date")
	}
}

// TestAimedThresholdsFromTraining checks that the aimed topic's thresholds
// come from the training split alone: relabelling every validation row
// leaves them (and the weights) as they were.
func TestAimedThresholdsFromTraining(t *testing.T) {
	t.Parallel()
	data, ham := tinyData(t)
	read := func(dir string) *classify.Model {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, "model.bin"))
		if err != nil {
			t.Fatal(err)
		}
		m, err := classify.Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	dir1 := t.TempDir()
	if err := run(tinyConfig(data, ham, dir1)); err != nil {
		t.Fatal(err)
	}
	// flip the label of every validation row of the bullying set
	path := filepath.Join(data, "train-bullying-convabuse.csv")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	flipped := 0
	for i, line := range strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n") {
		f := strings.Split(line, ",")
		if i > 0 && len(f) == 3 && realdata.SplitOf(f[0]) == realdata.Validation {
			f[1] = map[string]string{"bullying": "clean", "clean": "bullying"}[f[1]]
			flipped++
		}
		out.WriteString(strings.Join(f, ",") + "\n")
	}
	if flipped == 0 {
		t.Fatal("no validation rows in the tiny set")
	}
	if err := os.WriteFile(path, []byte(out.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	dir2 := t.TempDir()
	if err := run(tinyConfig(data, ham, dir2)); err != nil {
		t.Fatal(err)
	}
	m1, m2 := read(dir1), read(dir2)
	ti := slices.Index(m1.Topics, classify.AimedTopic)
	t.Logf("aimed thresholds %v/%v, %d validation rows relabelled", m1.Low[ti], m1.Medium[ti], flipped)
	if m1.Low[ti] != m2.Low[ti] || m1.Medium[ti] != m2.Medium[ti] {
		t.Errorf("aimed thresholds %v/%v became %v/%v when only validation labels changed", m1.Low[ti], m1.Medium[ti], m2.Low[ti], m2.Medium[ti])
	}
	if !slices.Equal(m1.W, m2.W) {
		t.Error("weights changed when only validation labels changed")
	}
}

func TestLowestReaching(t *testing.T) {
	t.Parallel()
	s := []scored{{0.99, true}, {0.98, true}, {0.97, true}, {0.96, false}, {0.95, true}, {0.5, false}, {0.4, false}}
	if got := lowestReaching(slices.Clone(s), 0.8, 1); got != 0.95 {
		t.Errorf("lowestReaching(prec 0.8, 1 FP) = %v, want 0.95", got)
	}
	if got := lowestReaching(slices.Clone(s), 0.8, 0); got != 0.97 {
		t.Errorf("lowestReaching(prec 0.8, 0 FP) = %v, want 0.97", got)
	}
	if got := lowestReaching(slices.Clone(s[:2]), 0.8, 1); got != 1 {
		t.Errorf("lowestReaching(two positives) = %v, want 1 (at least three needed)", got)
	}
}

func TestFoldOf(t *testing.T) {
	t.Parallel()
	var n [cvFolds]int
	for i := range 1000 {
		e := realdata.Example{Text: fmt.Sprintf("text %d", i)}
		f := foldOf(&e)
		if f != foldOf(&e) {
			t.Fatal("foldOf is not deterministic")
		}
		n[f]++
	}
	for k, c := range n {
		if c < 150 || c > 250 {
			t.Errorf("fold %d has %d of 1000 texts, want about 200", k, c)
		}
	}
}
