package evaluate

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"text/tabwriter"

	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/spam"
	"github.com/lychgate/lychgate/scanners/spam/bayes"
)

// Spam tuning (`lychgate eval spam --tune K`): K-fold cross-validation over
// the train split only (the test split is never read). Every train message
// is parsed, tokenized and scored by the rules once; each fold trains a
// classifier on the other folds and classifies its own messages under
// every classifier setting of the grid. The report gives, per setting, the
// cross-validated precision, recall, F1 and ham FP rate of the scanner's
// score mapping, so that a setting is chosen on the train split and the
// test split is reported once with it.

// TuneSetting is one classifier setting of the grid.
type TuneSetting struct {
	Strength, MinDev float64
	MaxClues         int
	MaxPerFamily     int
}

// DefaultTuneSetting is the classifier's default setting.
func DefaultTuneSetting() TuneSetting {
	return TuneSetting{Strength: bayes.DefaultStrength, MinDev: bayes.DefaultMinDev, MaxClues: bayes.DefaultMaxClues, MaxPerFamily: bayes.DefaultMaxPerFamily}
}

// DefaultTuneGrid is the grid `eval spam --tune` searches.
func DefaultTuneGrid() []TuneSetting {
	var g []TuneSetting
	for _, f := range []int{-1, 2, 3, 6} {
		for _, s := range []float64{0.25, 0.45, 1} {
			for _, d := range []float64{0.1, 0.2} {
				for _, n := range []int{50, 150} {
					g = append(g, TuneSetting{Strength: s, MinDev: d, MaxClues: n, MaxPerFamily: f})
				}
			}
		}
	}
	return g
}

type tuneItem struct {
	name  string
	spam  bool
	fold  int
	toks  []string
	rules float64
	ids   []string
}

// TuneResult is the cross-validated quality of one setting.
type TuneResult struct {
	Setting TuneSetting
	Counts  Counts
	// Probs are the classifier's probabilities of every train message
	// (in the order of Labels), for calibration.
	Probs []float64
}

// TuneSpam runs K-fold cross-validation over the train split for every
// setting of grid (nil: DefaultTuneGrid) and prints the table to w, best
// first.
func TuneSpam(ctx context.Context, o SpamOptions, k int, grid []TuneSetting, w io.Writer) ([]TuneResult, error) {
	if k < 2 {
		return nil, fmt.Errorf("spam tune: need at least 2 folds, got %d", k)
	}
	if grid == nil {
		grid = DefaultTuneGrid()
	}
	items, err := tuneItems(ctx, o, k)
	if err != nil {
		return nil, err
	}
	res := make([]TuneResult, len(grid))
	for g := range grid {
		res[g].Setting = grid[g]
		res[g].Probs = make([]float64, len(items))
	}
	for f := range k {
		st := bayes.NewMemStore()
		base, err := bayes.New(bayes.Options{Store: st, MinSpam: 1, MinHam: 1})
		if err != nil {
			return nil, err
		}
		tr := base.NewTrainer()
		for _, it := range items {
			if it.fold == f {
				continue
			}
			l := bayes.Ham
			if it.spam {
				l = bayes.Spam
			}
			tr.AddTokens(it.name, it.toks, l)
		}
		if _, err := tr.Flush(ctx); err != nil {
			return nil, err
		}
		for g, s := range grid {
			cls, err := bayes.New(bayes.Options{Store: st, MinSpam: 1, MinHam: 1, Strength: s.Strength, MinDev: s.MinDev, MaxClues: s.MaxClues, MaxPerFamily: s.MaxPerFamily})
			if err != nil {
				return nil, err
			}
			for i, it := range items {
				if it.fold != f {
					continue
				}
				if err := ctx.Err(); err != nil {
					return nil, err
				}
				r, err := cls.ClassifyTokens(ctx, it.toks)
				if err != nil {
					return nil, err
				}
				res[g].Probs[i] = r.Prob
			}
		}
	}
	for g := range res {
		for i, it := range items {
			score := spam.CombinedScore(it.rules, res[g].Probs[i])
			flagged := score >= o.Threshold
			c := &res[g].Counts
			switch {
			case it.spam && flagged:
				c.TP++
			case it.spam:
				c.FN++
			case flagged:
				c.FP++
			default:
				c.TN++
			}
		}
	}
	sort.SliceStable(res, func(i, j int) bool { return res[i].Counts.F1() > res[j].Counts.F1() })
	var ham, sp int
	for _, it := range items {
		if it.spam {
			sp++
		} else {
			ham++
		}
	}
	fmt.Fprintf(w, "spam tuning: %d-fold cross-validation over the train split (test split not read): %d ham, %d spam; threshold %g\n\n", k, ham, sp, o.Threshold)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "strength\tmin dev\tmax clues\tper family\tprecision\trecall\tF1\tham FP rate\tFP\tFN\t")
	for _, r := range res {
		c := r.Counts
		fmt.Fprintf(tw, "%g\t%g\t%d\t%d\t%.4f\t%.4f\t%.4f\t%.2f%%\t%d\t%d\t\n", r.Setting.Strength, r.Setting.MinDev, r.Setting.MaxClues, r.Setting.MaxPerFamily,
			c.Precision(), c.Recall(), c.F1(), 100*c.FPR(), c.FP, c.FN)
	}
	if err := tw.Flush(); err != nil {
		return nil, err
	}
	for _, r := range res[:min(len(res), 5)] {
		var h999, h99, s99 int
		for i, it := range items {
			switch {
			case !it.spam && r.Probs[i] >= 0.999:
				h999++
			case !it.spam && r.Probs[i] >= 0.99:
				h99++
			case it.spam && r.Probs[i] >= 0.99:
				s99++
			}
		}
		fmt.Fprintf(w, "classifier alone (%+v): FN at ham FP <= 0.1%%: %d, <= 0.2%%: %d, <= 0.5%%: %d; ham p>=0.999: %d, 0.99-0.999: %d; spam p>=0.99: %d\n", r.Setting,
			fnAtFP(items, r.Probs, 0.001), fnAtFP(items, r.Probs, 0.002), fnAtFP(items, r.Probs, 0.005), h999, h99, s99)
	}
	if len(res) > 0 {
		// Bands are chosen for the classifier's default setting when the
		// grid has it (the setting production runs), else the best one.
		chosen := res[0]
		def := DefaultTuneSetting()
		for _, r := range res {
			if r.Setting == def {
				chosen = r
			}
		}
		fmt.Fprintf(w, "\nband scores for the setting %+v:", chosen.Setting)
		tuneBands(w, items, chosen.Probs, o.Threshold, o.HoldThreshold)
	}
	if o.Verbose {
		dumpTune(w, items, res[0])
	}
	return res, nil
}

// dumpTune lists the train-split messages the best setting gets wrong and
// a probability histogram (train split only).
func dumpTune(w io.Writer, items []tuneItem, r TuneResult) {
	var hist [2][20]int
	for i, it := range items {
		b := min(int(r.Probs[i]*20), 19)
		if it.spam {
			hist[1][b]++
		} else {
			hist[0][b]++
		}
	}
	fmt.Fprintln(w, "\np bucket: ham spam")
	for b := range 20 {
		fmt.Fprintf(w, "  %.2f: %d %d\n", float64(b)/20, hist[0][b], hist[1][b])
	}
	fmt.Fprintln(w, "\nwrong (train split):")
	for i, it := range items {
		score := spam.CombinedScore(it.rules, r.Probs[i])
		if (score >= 5) != it.spam {
			fmt.Fprintf(w, "  %s spam=%v p=%.4f rules=%.2f %v\n", it.name, it.spam, r.Probs[i], it.rules, it.ids)
		}
	}
}

// tuneItems parses, tokenizes and rule-scores every train-split message.
func tuneItems(ctx context.Context, o SpamOptions, k int) ([]tuneItem, error) {
	rules, err := o.NewScanner(nil)
	if err != nil {
		return nil, err
	}
	env := &scanners.Envelope{Recipients: []scanners.Recipient{{Addr: "pupil@school.example", Direction: scanners.Inbound}}}
	var items []tuneItem
	for _, label := range []string{"ham", "spam"} {
		dir := filepath.Join(o.Dir, label)
		ents, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("spam corpus: %w", err)
		}
		for _, e := range ents {
			if e.IsDir() || SpamSplit(e.Name()) != "train" {
				continue
			}
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				return nil, fmt.Errorf("spam corpus: %w", err)
			}
			m := o.Parse(raw)
			fs, err := rules.Scan(ctx, m, env)
			if err != nil {
				return nil, err
			}
			var ids []string
			for _, f := range fs {
				if f.Rule != spam.TotalRule && f.Score != 0 {
					ids = append(ids, f.Rule)
				}
			}
			items = append(items, tuneItem{name: label + "/" + e.Name(), spam: label == "spam", fold: cvFold(e.Name(), k),
				toks: bayes.TokenizeWith(m, spamTokenize(o)), rules: spam.Total(fs), ids: ids})
		}
	}
	return items, nil
}

// fnAtFP is the fewest spam missed by a threshold on probs that flags at
// most rate of the ham.
func fnAtFP(items []tuneItem, probs []float64, rate float64) int {
	var ham, sp []float64
	for i, it := range items {
		if it.spam {
			sp = append(sp, probs[i])
		} else {
			ham = append(ham, probs[i])
		}
	}
	sort.Float64s(ham)
	allowed := int(rate * float64(len(ham)))
	// the threshold must be above the (allowed+1)-th highest ham
	th := ham[len(ham)-1-allowed]
	fn := 0
	for _, p := range sp {
		if p <= th {
			fn++
		}
	}
	return fn
}

// BandChoice is a set of classifier band scores chosen on the train split.
type BandChoice struct {
	RuleWeight float64
	Lambda     float64
	Scores     map[string]float64
	Counts     Counts
	// HamHeld is ham at or above the quarantine threshold.
	HamHeld int
}

// TuneLambdas are the cost ratios tuneBands tries: a false positive costs
// lambda missed spam.
var TuneLambdas = []float64{1, 2, 3, 4, 5, 6, 7, 8, 10, 13, 20}

// tuneBands chooses, for each rule weight and cost ratio lambda, the score
// of each classifier band that minimises FN + lambda*FP over the
// cross-validated messages. Every message falls in exactly one band, so
// the bands are chosen one by one, most spammy first, each no higher than
// the one before (a more spammy verdict never scores less).
func tuneBands(w io.Writer, items []tuneItem, probs []float64, threshold, hold float64) []BandChoice {
	bands := spam.Bands()
	bandOf := make([]int, len(items))
	for i := range items {
		bandOf[i] = -1
		for b, bd := range bands {
			if probs[i] >= bd.Lo && probs[i] < bd.Hi {
				bandOf[i] = b
			}
		}
	}
	var out []BandChoice
	fmt.Fprintln(w, "\nclassifier band scores chosen by cross-validation (FN + lambda*FP minimal per band):")
	tw := tabwriter.NewWriter(w, 0, 4, 1, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "rule weight\tlambda\t")
	for _, b := range bands {
		fmt.Fprint(tw, b.ID+"\t")
	}
	fmt.Fprintf(tw, "precision\trecall\tF1\tham FP rate\tFP\tFN\tham held (>= %g)\t\n", hold)
	for _, rw := range []float64{0.25, 0.5, 0.75, 1} {
		for _, lambda := range TuneLambdas {
			ch := BandChoice{RuleWeight: rw, Lambda: lambda, Scores: map[string]float64{}}
			upper := 10.0
			for b, bd := range bands {
				best, bestCost := min(bd.Score, upper), math.Inf(1)
				for s := -8.0; s <= upper; s += 0.5 {
					var fp, fn int
					for i, it := range items {
						if bandOf[i] != b {
							continue
						}
						flagged := it.rules*rw+s >= threshold
						if it.spam && !flagged {
							fn++
						} else if !it.spam && flagged {
							fp++
						}
					}
					cost := float64(fn) + lambda*float64(fp)
					if cost < bestCost || (cost == bestCost && math.Abs(s-bd.Score) < math.Abs(best-bd.Score)) {
						best, bestCost = s, cost
					}
				}
				ch.Scores[bd.ID] = best
				upper = best
			}
			for i, it := range items {
				s := 0.0
				if bandOf[i] >= 0 {
					s = ch.Scores[bands[bandOf[i]].ID]
				}
				total := it.rules*rw + s
				flagged := total >= threshold
				if !it.spam && hold > 0 && total >= hold {
					ch.HamHeld++
				}
				switch {
				case it.spam && flagged:
					ch.Counts.TP++
				case it.spam:
					ch.Counts.FN++
				case flagged:
					ch.Counts.FP++
				default:
					ch.Counts.TN++
				}
			}
			out = append(out, ch)
			fmt.Fprintf(tw, "%g\t%g\t", rw, lambda)
			for _, b := range bands {
				fmt.Fprintf(tw, "%g\t", ch.Scores[b.ID])
			}
			c := ch.Counts
			fmt.Fprintf(tw, "%.4f\t%.4f\t%.4f\t%.2f%%\t%d\t%d\t%d\t\n", c.Precision(), c.Recall(), c.F1(), 100*c.FPR(), c.FP, c.FN, ch.HamHeld)
		}
	}
	tw.Flush()
	return out
}
