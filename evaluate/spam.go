package evaluate

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/spam"
	"github.com/lychgate/lychgate/scanners/spam/bayes"
)

// Spam evaluation: a labelled corpus laid out as <dir>/ham/* and
// <dir>/spam/* (one message per file) is split by a hash of each file's
// name: 70% train, 30% test (SpamSplit). The classifier is trained on the
// train part only, into an in-memory store (bayes.MemStore, the same
// Classifier code path as production's Redis store), and the test part is
// scanned twice: with the classifier and with rules only.
//
// In dev mode the test part is never read: the train part is split again
// (SpamDevSplit, 25% held out) so that rules and classifier settings can be
// tuned without looking at the test part. Only dev mode lists individual
// misclassified files.

// SpamSplit returns "train" or "test" for a corpus file name (base name):
// FNV-1a of the name, mod 100, below 70 is train.
func SpamSplit(name string) string {
	h := fnv.New32a()
	h.Write([]byte(name))
	if h.Sum32()%100 < 70 {
		return "train"
	}
	return "test"
}

// spamDevHeldOut reports whether a train file is in the dev hold-out.
func spamDevHeldOut(name string) bool {
	h := fnv.New32a()
	h.Write([]byte("dev/" + name))
	return h.Sum32()%100 < 25
}

// SpamOptions configures RunSpam.
type SpamOptions struct {
	// Dir holds ham/ and spam/.
	Dir string
	// Parse turns raw bytes into a Message.
	Parse func([]byte) *message.Message
	// NewScanner builds the spam scanner around a classifier (nil: rules
	// only).
	NewScanner func(c *bayes.Classifier) (*spam.Scanner, error)
	// Bayes are the classifier options (Store is set by RunSpam).
	Bayes bayes.Options
	// Threshold is the score that counts as spam (the lowest acting
	// threshold).
	Threshold float64
	// Dev tunes on a hold-out of the train part; the test part is not read.
	Dev bool
	// Verbose (dev mode only) lists misclassified files with their reasons.
	Verbose bool
}

// SpamRow is one line of the spam report.
type SpamRow struct {
	Mode   string
	Counts Counts
}

// F1 is the harmonic mean of precision and recall.
func (c Counts) F1() float64 {
	p, r := c.Precision(), c.Recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

// SpamReport is what RunSpam measured.
type SpamReport struct {
	TrainHam, TrainSpam int
	TestHam, TestSpam   int
	Rows                []SpamRow
	TrainTime           time.Duration
	ScanTime            time.Duration
}

type spamFile struct {
	path string
	spam bool
	m    *message.Message
}

// RunSpam runs the spam evaluation and prints its table to w.
func RunSpam(ctx context.Context, o SpamOptions, w io.Writer) (*SpamReport, error) {
	var train, test []spamFile
	for _, label := range []string{"ham", "spam"} {
		dir := filepath.Join(o.Dir, label)
		ents, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("spam corpus: %w", err)
		}
		for _, e := range ents {
			if e.IsDir() {
				continue
			}
			f := spamFile{path: filepath.Join(dir, e.Name()), spam: label == "spam"}
			split := SpamSplit(e.Name())
			if o.Dev {
				if split == "test" {
					continue
				}
				if spamDevHeldOut(e.Name()) {
					split = "test"
				}
			}
			if split == "train" {
				train = append(train, f)
			} else {
				test = append(test, f)
			}
		}
	}
	rep := &SpamReport{}
	store := bayes.NewMemStore()
	bo := o.Bayes
	bo.Store = store
	cls, err := bayes.New(bo)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	tr := cls.NewTrainer()
	for _, f := range train {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		raw, err := os.ReadFile(f.path)
		if err != nil {
			return nil, fmt.Errorf("spam corpus: %w", err)
		}
		if f.spam {
			tr.Add(o.Parse(raw), bayes.Spam)
			rep.TrainSpam++
		} else {
			tr.Add(o.Parse(raw), bayes.Ham)
			rep.TrainHam++
		}
	}
	if _, err := tr.Flush(ctx); err != nil {
		return nil, err
	}
	rep.TrainTime = time.Since(start)

	withBayes, err := o.NewScanner(cls)
	if err != nil {
		return nil, err
	}
	rulesOnly, err := o.NewScanner(nil)
	if err != nil {
		return nil, err
	}
	modes := []struct {
		name string
		s    *spam.Scanner
	}{{"rules + classifier", withBayes}, {"rules only", rulesOnly}}
	counts := make([]Counts, len(modes))
	type miss struct {
		path    string
		score   float64
		reasons string
	}
	var misses [2][]miss
	env := &scanners.Envelope{Recipients: []scanners.Recipient{{Addr: "pupil@school.example", Direction: scanners.Inbound}}}
	start = time.Now()
	for _, f := range test {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		raw, err := os.ReadFile(f.path)
		if err != nil {
			return nil, fmt.Errorf("spam corpus: %w", err)
		}
		m := o.Parse(raw)
		if f.spam {
			rep.TestSpam++
		} else {
			rep.TestHam++
		}
		for i, md := range modes {
			fs, err := md.s.Scan(ctx, m, env)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", f.path, err)
			}
			score := spam.Total(fs)
			flagged := score >= o.Threshold
			c := &counts[i]
			switch {
			case f.spam && flagged:
				c.TP++
			case f.spam:
				c.FN++
			case flagged:
				c.FP++
			default:
				c.TN++
			}
			if o.Verbose && o.Dev && flagged != f.spam {
				misses[i] = append(misses[i], miss{f.path, score, reasonList(fs)})
			}
		}
	}
	rep.ScanTime = time.Since(start)
	for i, md := range modes {
		rep.Rows = append(rep.Rows, SpamRow{Mode: md.name, Counts: counts[i]})
	}
	part := "test split (30%)"
	if o.Dev {
		part = "dev hold-out of the train split (test split not read)"
	}
	fmt.Fprintf(w, "spam evaluation on %s: %d ham, %d spam; trained on %d ham, %d spam in %v; threshold %g\n\n",
		part, rep.TestHam, rep.TestSpam, rep.TrainHam, rep.TrainSpam, rep.TrainTime.Round(time.Millisecond), o.Threshold)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "mode\tprecision\trecall\tF1\tham FP rate\tFP\tFN\t")
	for _, r := range rep.Rows {
		c := r.Counts
		fmt.Fprintf(tw, "%s\t%.4f\t%.4f\t%.4f\t%.2f%%\t%d\t%d\t\n", r.Mode, c.Precision(), c.Recall(), c.F1(), 100*c.FPR(), c.FP, c.FN)
	}
	if err := tw.Flush(); err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "\nscan time %v for %d messages (both modes)\n", rep.ScanTime.Round(time.Millisecond), len(test))
	for i, md := range modes {
		if len(misses[i]) == 0 {
			continue
		}
		fmt.Fprintf(w, "\nmisclassified (%s):\n", md.name)
		slices.SortFunc(misses[i], func(a, b miss) int { return strings.Compare(a.path, b.path) })
		for _, x := range misses[i] {
			fmt.Fprintf(w, "  %s\t%.2f\t%s\n", filepath.Base(filepath.Dir(x.path))+"/"+filepath.Base(x.path), x.score, x.reasons)
		}
	}
	return rep, nil
}

func reasonList(fs []scanners.Finding) string {
	var s []string
	for _, f := range fs {
		if f.Rule != spam.TotalRule && f.Score != 0 {
			s = append(s, fmt.Sprintf("%s(%g)", f.Rule, f.Score))
		}
	}
	sort.Strings(s)
	return strings.Join(s, " ")
}
