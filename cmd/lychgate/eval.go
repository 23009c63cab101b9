package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/lychgate/lychgate/engine"
	"github.com/lychgate/lychgate/evaluate"
	"github.com/lychgate/lychgate/scanners"
)

// runEval measures detection quality: precision, recall and false-positive
// rate per category over labelled folders (<dir>/<category>/{pos,neg}/), and
// the rate of medium-or-worse findings over a ham corpus.
func runEval(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "spam" {
		return runEvalSpam(args[1:], stdout, stderr)
	}
	fs := newFlagSet("eval", stderr)
	cfgFlag := fs.String("config", "", "configuration file (default: built-in defaults)")
	ham := fs.String("ham", "../shared/corpus/spamassassin/ham", "folder of ham messages (\"\" to skip)")
	verbose := fs.Bool("v", false, "list every misclassified file and every ham hit")
	real := fs.String("real", "../shared/data", "folder of labelled real-text sets, scanned as pupil mail on their validation split (\"\" to skip)")
	split := fs.String("split", "validation", "split of the real-text sets and the ham corpus to measure: validation, train or all; with -v and train, every medium+ miss and false alarm is listed (never for validation)")
	dirs, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	switch *split {
	case "validation", "train", "all":
	default:
		return fmt.Errorf("eval: --split %q: want validation, train or all", *split)
	}
	if len(dirs) == 0 {
		dirs = []string{"testdata/content"}
	}
	for _, d := range dirs {
		if _, err := os.Stat(d); err != nil {
			return fmt.Errorf("labelled folder: %w", err)
		}
	}
	if *ham != "" {
		if _, err := os.Stat(*ham); errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(stderr, "lychgate eval: ham corpus %s is absent; skipping it\n", *ham)
			*ham = ""
		}
	}
	cfg, err := loadConfig(*cfgFlag, true)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return errReported
	}
	// The same engine serve and check use: configured limits, scanner
	// timeouts, malformed findings and the policy's weighing for the
	// recipient the labelled file names.
	eng, err := engine.New(cfg, engine.Options{Logger: newLogger(cfg, stderr)})
	if err != nil {
		return err
	}
	defer eng.Close() //nolint:errcheck // read-only use
	analyze := func(ctx context.Context, raw []byte, env *scanners.Envelope) []scanners.Finding {
		return eng.Analyze(ctx, raw, env).ForSchool(env.Recipients[0].School)
	}
	if err := evaluate.Run(context.Background(), evaluate.Options{
		Analyze:      analyze,
		LabelledDirs: dirs,
		HamDir:       *ham,
		Verbose:      *verbose,
	}, stdout); err != nil {
		return err
	}
	return runRealEval(analyze, realEval{dir: *real, ham: *ham, split: *split, verbose: *verbose}, stdout, stderr)
}
