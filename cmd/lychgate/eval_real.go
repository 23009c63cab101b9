package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/lychgate/lychgate/evaluate"
)

// realEval is what runRealEval measures.
type realEval struct {
	dir, ham string
	// split is "validation", "train" or "all".
	split string
	// verbose lists the training split's misses and false alarms.
	verbose bool
}

// runRealEval scans a split (validation by default) of the labelled
// real-text sets in dir as pupil mail and prints precision, recall and
// false-positive rate per source and topic at low and at medium+ (package
// evaluate, RealText). An absent dir is skipped with a note. Texts are
// listed only for the training split.
func runRealEval(analyze evaluate.Analyze, o realEval, stdout, stderr io.Writer) error {
	dir, ham := o.dir, o.ham
	if dir == "" {
		return nil
	}
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(stderr, "lychgate eval: labelled real texts %s are absent; skipping them\n", dir)
		return nil
	}
	train := o.split == "train"
	r, err := evaluate.RealText(context.Background(), evaluate.RealOptions{Analyze: analyze, DataDir: dir, HamDir: ham,
		AllSplits: o.split == "all", TrainOnly: train, ListMisses: train && o.verbose})
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	if err := r.Write(stdout, train && o.verbose); err != nil {
		return err
	}
	if train && o.verbose {
		return r.WriteMisses(stdout)
	}
	return nil
}
