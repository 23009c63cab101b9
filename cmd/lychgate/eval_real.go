package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/lychgate/lychgate/evaluate"
)

// runRealEval scans the validation split of the labelled real-text sets in
// dir as pupil mail and prints precision, recall and false-positive rate
// per source and topic at low and at medium+ (package evaluate,
// RealText). An absent dir is skipped with a note.
func runRealEval(analyze evaluate.Analyze, dir, ham string, stdout, stderr io.Writer) error {
	if dir == "" {
		return nil
	}
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(stderr, "lychgate eval: labelled real texts %s are absent; skipping them\n", dir)
		return nil
	}
	r, err := evaluate.RealText(context.Background(), evaluate.RealOptions{Analyze: analyze, DataDir: dir, HamDir: ham})
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	return r.Write(stdout, false)
}
