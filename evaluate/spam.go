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
// In dev and CV modes the test part is never read: the train part is split
// again (dev: 25% held out; CV: k folds by another hash of the name, each
// scored by a classifier trained on the others) so that rules and
// classifier settings can be tuned without looking at the test part. Only
// these modes list individual misclassified files.

// SpamCorpusInternalHosts are the SpamAssassin corpus collectors' own mail
// hosts (the receiving side: the corpus owner's mail servers, fetchmail
// and spam-trap relays), the corpus' bayes.TokenizeOptions.InternalHosts
// as SpamAssassin's trusted_networks would list them. Their relaying is
// how the corpus was collected, not what the senders did, and is not
// learnt. RunSpam and TuneSpam use them when SpamOptions.Bayes lists none.
func SpamCorpusInternalHosts() []string {
	return []string{"slashnull.org", "netnoteinc.com", "webnote.net", "jmason.org"}
}

// spamTokenize are the tokenizer settings of a run.
func spamTokenize(o SpamOptions) bayes.TokenizeOptions {
	t := o.Bayes.Tokenize
	if t.InternalHosts == nil {
		t.InternalHosts = SpamCorpusInternalHosts()
	}
	return t
}

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
	// HoldThreshold, when set, is the quarantine threshold: the report
	// also counts ham that would be held (not just tagged).
	HoldThreshold float64
	// Dev tunes on a hold-out of the train part; the test part is not read.
	Dev bool
	// CV, when above 1, runs CV-fold cross-validation over the train part
	// instead (each fold trained on the others); the test part is not read.
	CV int
	// Verbose (dev and CV modes only) lists misclassified files with their
	// reasons.
	Verbose bool
}

// SpamRow is one line of the spam report.
type SpamRow struct {
	Mode   string
	Counts Counts
	// HamHeld is ham at or above HoldThreshold.
	HamHeld int
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
}

// cvFold is the cross-validation fold (0..k-1) of a train-split file.
func cvFold(name string, k int) int {
	h := fnv.New32a()
	h.Write([]byte("cv/" + name))
	return int(h.Sum32() % uint32(k))
}

type spamFold struct{ train, test []spamFile }

// spamFolds lists the train and test sets of the run: one pair for the
// test split or the dev hold-out, CV pairs over the train split.
func spamFolds(o SpamOptions) ([]spamFold, error) {
	n := 1
	if o.CV > 1 {
		n = o.CV
	}
	folds := make([]spamFold, n)
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
			switch {
			case o.CV > 1:
				if split == "test" {
					continue
				}
				k := cvFold(e.Name(), o.CV)
				for i := range folds {
					if i == k {
						folds[i].test = append(folds[i].test, f)
					} else {
						folds[i].train = append(folds[i].train, f)
					}
				}
				continue
			case o.Dev:
				if split == "test" {
					continue
				}
				if spamDevHeldOut(e.Name()) {
					split = "test"
				}
			}
			if split == "train" {
				folds[0].train = append(folds[0].train, f)
			} else {
				folds[0].test = append(folds[0].test, f)
			}
		}
	}
	return folds, nil
}

type spamMiss struct {
	path    string
	score   float64
	reasons string
}

var spamModes = []string{"rules + classifier", "rules only"}

// RunSpam runs the spam evaluation and prints its table to w.
func RunSpam(ctx context.Context, o SpamOptions, w io.Writer) (*SpamReport, error) {
	folds, err := spamFolds(o)
	if err != nil {
		return nil, err
	}
	rep := &SpamReport{}
	rows := make([]SpamRow, len(spamModes))
	var misses [2][]spamMiss
	for _, fold := range folds {
		if err := runSpamFold(ctx, o, fold, rep, rows, &misses); err != nil {
			return nil, err
		}
	}
	for i, name := range spamModes {
		rows[i].Mode = name
	}
	rep.Rows = rows
	part := "test split (30%)"
	switch {
	case o.CV > 1:
		part = fmt.Sprintf("%d-fold cross-validation over the train split (test split not read)", o.CV)
	case o.Dev:
		part = "dev hold-out of the train split (test split not read)"
	}
	fmt.Fprintf(w, "spam evaluation on %s: %d ham, %d spam; trained on %d ham, %d spam in %v; threshold %g\n\n",
		part, rep.TestHam, rep.TestSpam, rep.TrainHam, rep.TrainSpam, rep.TrainTime.Round(time.Millisecond), o.Threshold)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	held := ""
	if o.HoldThreshold > 0 {
		held = fmt.Sprintf("ham held (>= %g)\t", o.HoldThreshold)
	}
	fmt.Fprintln(tw, "mode\tprecision\trecall\tF1\tham FP rate\tFP\tFN\t"+held)
	for _, r := range rep.Rows {
		c := r.Counts
		fmt.Fprintf(tw, "%s\t%.4f\t%.4f\t%.4f\t%.2f%%\t%d\t%d\t", r.Mode, c.Precision(), c.Recall(), c.F1(), 100*c.FPR(), c.FP, c.FN)
		if held != "" {
			fmt.Fprintf(tw, "%d (%.2f%%)\t", r.HamHeld, 100*ratio(r.HamHeld, c.FP+c.TN, 0))
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "\nscan time %v for %d messages (both modes)\n", rep.ScanTime.Round(time.Millisecond), rep.TestHam+rep.TestSpam)
	for i, name := range spamModes {
		if len(misses[i]) == 0 {
			continue
		}
		fmt.Fprintf(w, "\nmisclassified (%s):\n", name)
		slices.SortFunc(misses[i], func(a, b spamMiss) int { return strings.Compare(a.path, b.path) })
		for _, x := range misses[i] {
			fmt.Fprintf(w, "  %s\t%.2f\t%s\n", filepath.Base(filepath.Dir(x.path))+"/"+filepath.Base(x.path), x.score, x.reasons)
		}
	}
	return rep, nil
}

// runSpamFold trains a fresh in-memory classifier on fold.train and scores
// fold.test in both modes, adding to rep, rows and misses.
func runSpamFold(ctx context.Context, o SpamOptions, fold spamFold, rep *SpamReport, rows []SpamRow, misses *[2][]spamMiss) error {
	bo := o.Bayes
	bo.Store = bayes.NewMemStore()
	bo.Tokenize = spamTokenize(o)
	cls, err := bayes.New(bo)
	if err != nil {
		return err
	}
	start := time.Now()
	tr := cls.NewTrainer()
	for _, f := range fold.train {
		if err := ctx.Err(); err != nil {
			return err
		}
		raw, err := os.ReadFile(f.path)
		if err != nil {
			return fmt.Errorf("spam corpus: %w", err)
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
		return err
	}
	rep.TrainTime += time.Since(start)
	withBayes, err := o.NewScanner(cls)
	if err != nil {
		return err
	}
	rulesOnly, err := o.NewScanner(nil)
	if err != nil {
		return err
	}
	modes := []*spam.Scanner{withBayes, rulesOnly}
	env := &scanners.Envelope{Recipients: []scanners.Recipient{{Addr: "pupil@school.example", Direction: scanners.Inbound}}}
	start = time.Now()
	defer func() { rep.ScanTime += time.Since(start) }()
	for _, f := range fold.test {
		if err := ctx.Err(); err != nil {
			return err
		}
		raw, err := os.ReadFile(f.path)
		if err != nil {
			return fmt.Errorf("spam corpus: %w", err)
		}
		m := o.Parse(raw)
		if f.spam {
			rep.TestSpam++
		} else {
			rep.TestHam++
		}
		for i, s := range modes {
			fs, err := s.Scan(ctx, m, env)
			if err != nil {
				return fmt.Errorf("%s: %w", f.path, err)
			}
			score := spam.Total(fs)
			flagged := score >= o.Threshold
			c := &rows[i].Counts
			if !f.spam && o.HoldThreshold > 0 && score >= o.HoldThreshold {
				rows[i].HamHeld++
			}
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
			if o.Verbose && (o.Dev || o.CV > 1) && flagged != f.spam {
				misses[i] = append(misses[i], spamMiss{f.path, score, reasonList(fs)})
			}
		}
	}
	return nil
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
