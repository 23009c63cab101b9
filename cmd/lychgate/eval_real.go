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
//
// With split "train" it scans the training split instead and, verbose,
// lists the texts it got wrong: rules are tuned on those, never on the
// validation split's texts.
func runRealEval(analyze evaluate.Analyze, dir, ham, split string, verbose bool, stdout, stderr io.Writer) error {
	if dir == "" {
		return nil
	}
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(stderr, "lychgate eval: labelled real texts %s are absent; skipping them\n", dir)
		return nil
	}
	opts := evaluate.RealOptions{Analyze: analyze, DataDir: dir, HamDir: ham}
	switch split {
	case "validation":
		verbose = false // never list the validation split's texts
	case "train":
		opts.TrainOnly = true
	default:
		return fmt.Errorf("--split %q: want validation or train", split)
	}
	r, err := evaluate.RealText(context.Background(), opts)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	return r.Write(stdout, verbose)
}
