package evaluate_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/evaluate"
	"github.com/lychgate/lychgate/internal/realdata"
	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/profanity"
)

// TestRealTextTrainOnly checks that TrainOnly measures the training split
// only and lists what it got wrong there, and that the default (the
// validation split) never lists a text.
func TestRealTextTrainOnly(t *testing.T) {
	t.Parallel()
	// A davidson-format set of synthetic tweets, some in each split.
	var rows []string
	want := map[realdata.Split]int{}
	for i := 0; len(rows) < 40; i++ {
		text := fmt.Sprintf("tweet number %d says hello", i)
		class := "2" // clean: never flagged
		if i%2 == 0 {
			class = "1" // offensive but clean words: a miss
		}
		want[realdata.SplitOf(text)]++
		rows = append(rows, fmt.Sprintf("%d,%s,%q", i, class, text))
	}
	if want[realdata.Train] == 0 || want[realdata.Validation] == 0 {
		t.Fatalf("synthetic set has splits %v, want both", want)
	}
	dir := t.TempDir()
	csv := ",class,tweet\n" + strings.Join(rows, "\n") + "\n"
	if err := os.WriteFile(filepath.Join(dir, "abuse-labelled-davidson2017.csv"), []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := profanity.New(profanity.Options{})
	if err != nil {
		t.Fatal(err)
	}
	parse := func(b []byte) *message.Message {
		return message.Parse(context.Background(), b, message.Limits{}.WithDefaults())
	}
	for _, tc := range []struct {
		name  string
		train bool
		split realdata.Split
	}{
		{"train", true, realdata.Train},
		{"validation", false, realdata.Validation},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := evaluate.RealText(t.Context(), evaluate.RealOptions{Scanners: []scanners.Scanner{p}, Parse: parse, DataDir: dir, TrainOnly: tc.train})
			if err != nil {
				t.Fatal(err)
			}
			c := r.Cells["davidson"][realdata.Abusive]
			if n := c.Low.TP + c.Low.FN + c.Low.FP + c.Low.TN; n != want[tc.split] {
				t.Errorf("%s: counted %d texts, want %d", tc.name, n, want[tc.split])
			}
			var b bytes.Buffer
			if err := r.Write(&b, true); err != nil {
				t.Fatal(err)
			}
			listed := strings.Count(b.String(), "\nMISS davidson abusive: tweet number ")
			if tc.train && (listed == 0 || listed != c.Low.FN || len(r.Misses) != c.Low.FN) {
				t.Errorf("train: listed %d misses (%d recorded), want the %d missed", listed, len(r.Misses), c.Low.FN)
			}
			if !tc.train && (listed != 0 || len(r.Misses) != 0) {
				t.Errorf("validation: listed %d texts, want none:\n%s", listed, b.String())
			}
		})
	}
}
