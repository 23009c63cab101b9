package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
		aimedLowFPR: 0.01, aimedMedPrec: 0.95, bullyingPositives: "abusive", judged: "self_harm"}
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
