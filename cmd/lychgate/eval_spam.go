package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/lychgate/lychgate/scanners/all"
	"io"
	"os"

	"github.com/lychgate/lychgate/evaluate"
	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners/spam"
	"github.com/lychgate/lychgate/scanners/spam/bayes"
)

// runEvalSpam measures the spam scanner on a labelled corpus (<dir>/ham,
// <dir>/spam): a 70/30 split by file-name hash, the classifier trained on
// the train part in memory, precision, recall, F1 and ham false-positive
// rate on the test part with and without the classifier. --dev (a hold-out
// of the train part) and --cv K (K-fold cross-validation over the train
// part) measure without reading the test part, for tuning; --tune K runs
// K-fold cross-validation over the train part for a grid of classifier
// settings and chooses the classifier band scores on it
// (docs/spam-eval.md).
func runEvalSpam(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval spam", stderr)
	cfgFlag := fs.String("config", "", "configuration file (default: built-in defaults)")
	corpus := fs.String("corpus", "../shared/corpus/spamassassin", "labelled corpus with ham/ and spam/")
	dev := fs.Bool("dev", false, "tune on a hold-out of the train split; the test split is not read")
	cv := fs.Int("cv", 0, "K-fold cross-validation over the train split (K >= 2); the test split is not read")
	tune := fs.Int("tune", 0, "K-fold cross-validation over the train split for every classifier setting of the tuning grid (K >= 2); the test split is not read")
	quick := fs.Bool("quick", false, "with --tune, try only the classifier's default setting (band scores are still chosen)")
	verbose := fs.Bool("v", false, "with --dev, --cv or --tune, list misclassified train-split files and their reasons")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, pos[0])
	}
	if _, err := os.Stat(*corpus); errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(stderr, "lychgate eval spam: corpus %s is absent\n", *corpus)
		return errReported
	}
	cfg, err := loadConfig(*cfgFlag, true)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return errReported
	}
	sc := spamConfig(cfg)
	logger := newLogger(cfg, stderr)
	lim := all.Limits(cfg)
	o := evaluate.SpamOptions{
		Dir:   *corpus,
		Parse: func(b []byte) *message.Message { return message.Parse(context.Background(), b, lim) },
		NewScanner: func(c *bayes.Classifier) (*spam.Scanner, error) {
			o := spam.OptionsFromConfig(sc, logger)
			o.Classifier = c
			return spam.New(o)
		},
		Bayes:         bayes.Options{MinSpam: int64(sc.Bayes.MinSpam), MinHam: int64(sc.Bayes.MinHam)},
		Threshold:     spam.LowestThreshold(sc.Thresholds),
		HoldThreshold: sc.Thresholds.Quarantine,
		Dev:           *dev,
		CV:            *cv,
		Verbose:       *verbose,
	}
	if *tune > 0 {
		var grid []evaluate.TuneSetting
		if *quick {
			grid = []evaluate.TuneSetting{evaluate.DefaultTuneSetting()}
		}
		_, err = evaluate.TuneSpam(context.Background(), o, *tune, grid, stdout)
		return err
	}
	_, err = evaluate.RunSpam(context.Background(), o, stdout)
	return err
}
