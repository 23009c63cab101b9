package evaluate

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/scanners/spam"
	"github.com/lychgate/lychgate/scanners/spam/bayes"
)

// Fourth round, continued (docs/spam-eval.md): the classifier's clue
// selection and combiner re-played from every token's counts, and the
// bands next to a cap on word pairs. Train split only; run with
// LYCHGATE_SPAMEXP=1.
// clsParams are the classifier settings the fourth round re-plays from
// every token's counts (cvResults with no selection at all).
type clsParams struct {
	s, x, minDev  float64
	maxClues, fam int
	capPrefix     map[string]int // more per-prefix caps ("bi:", "caps:")
	hdrN          int
	hdrW          float64
	clamp         float64 // token probabilities kept in [clamp, 1-clamp]
	dedupeBigrams bool
	hdrHasCap     int   // at most this many "h:has:" clues in the header opinion
	minSeen       int64 // tokens seen in fewer training messages are no clues
}

func defaultCls() clsParams {
	return clsParams{s: bayes.DefaultStrength, x: 0.5, minDev: bayes.DefaultMinDev, maxClues: bayes.DefaultMaxClues, fam: bayes.DefaultMaxPerFamily, hdrN: bayes.DefaultMaxPerFamily, hdrW: 1}
}

func tokProb(c bayes.Clue, tot bayes.Counts, s, x float64) float64 {
	sr := float64(min(c.Spam, tot.Spam)) / float64(max(tot.Spam, 1))
	hr := float64(min(c.Ham, tot.Ham)) / float64(max(tot.Ham, 1))
	p := sr / (sr + hr)
	n := float64(c.Spam + c.Ham)
	return (s*x + n*p) / (s + n)
}

func replay(all []bayes.Clue, tot bayes.Counts, o clsParams) float64 {
	cl := make([]bayes.Clue, 0, len(all))
	for _, c := range all {
		if c.Spam+c.Ham < o.minSeen {
			continue
		}
		p := tokProb(c, tot, o.s, o.x)
		if o.clamp > 0 {
			p = min(max(p, o.clamp), 1-o.clamp)
		}
		if math.Abs(p-0.5) < o.minDev {
			continue
		}
		c.Prob = p
		cl = append(cl, c)
	}
	sort.SliceStable(cl, func(a, b int) bool { return math.Abs(cl[a].Prob-0.5) > math.Abs(cl[b].Prob-0.5) })
	fams := map[string]int{}
	kept := cl[:0]
	words := map[string]bool{} // word -> clue side seen (spam true)
	for _, c := range cl {
		if f, ok := r4Family(c.Token); ok && o.fam >= 0 {
			if fams[f] >= o.fam {
				continue
			}
			fams[f]++
		}
		capped := false
		for pre, n := range o.capPrefix {
			if strings.HasPrefix(c.Token, pre) {
				if fams[pre] >= n {
					capped = true
				}
				fams[pre]++
			}
		}
		if capped {
			continue
		}
		if o.dedupeBigrams {
			if rest, ok := strings.CutPrefix(c.Token, "bi:"); ok {
				a, b, _ := strings.Cut(rest, " ")
				side := c.Prob > 0.5
				if v, ok := words[a]; ok && v == side {
					continue
				}
				if v, ok := words[b]; ok && v == side {
					continue
				}
			} else if !strings.Contains(c.Token, ":") {
				words[c.Token] = c.Prob > 0.5
			}
		}
		kept = append(kept, c)
	}
	var hdr []bayes.Clue
	has := 0
	for _, c := range kept {
		if strings.HasPrefix(c.Token, "h:") && len(hdr) < o.hdrN {
			if o.hdrHasCap > 0 && strings.HasPrefix(c.Token, "h:has:") {
				if has >= o.hdrHasCap {
					continue
				}
				has++
			}
			hdr = append(hdr, c)
		}
	}
	if len(kept) > o.maxClues {
		kept = kept[:o.maxClues]
	}
	w := chiP(kept)
	if o.hdrW <= 0 {
		return w
	}
	return 1 / (1 + math.Exp(-(logit(w) + o.hdrW*logit(chiP(hdr)))))
}

func TestSpamExperimentRound4Replay(t *testing.T) {
	if os.Getenv("LYCHGATE_SPAMEXP") == "" {
		t.Skip("set LYCHGATE_SPAMEXP=1 to run the spam experiments (train split only)")
	}
	const k = 5
	items := expItems(t, expCorpus(t), k)
	if seed := os.Getenv("LYCHGATE_SPAMEXP_SEED"); seed != "" {
		for i := range items {
			items[i].fold = int(fnvHash(seed+filepath.Base(items[i].name)) % k)
		}
	}
	res := cvResults(t, items, k, func(it expItem) []string { return it.toks }, bayes.Options{MinDev: 1e-12, MaxClues: 1 << 20, MaxPerFamily: -1, HeaderWeight: -1})
	only := os.Getenv("LYCHGATE_SPAMEXP_ONLY")
	type v struct {
		name string
		f    func(*clsParams)
	}
	vs := []v{
		{"as built", func(*clsParams) {}},
		{"x 0.4", func(o *clsParams) { o.x = 0.4 }},
		{"strength 0.15", func(o *clsParams) { o.s = 0.15 }},
		{"strength 0.2", func(o *clsParams) { o.s = 0.2 }},
		{"strength 0.3", func(o *clsParams) { o.s = 0.3 }},
		{"x 0.45", func(o *clsParams) { o.x = 0.45 }},
		{"x 0.55", func(o *clsParams) { o.x = 0.55 }},
		{"bi cap 10", func(o *clsParams) { o.capPrefix = map[string]int{"bi:": 10} }},
		{"bi cap 30", func(o *clsParams) { o.capPrefix = map[string]int{"bi:": 30} }},
		{"bi cap 20 clues 300", func(o *clsParams) { o.capPrefix = map[string]int{"bi:": 20}; o.maxClues = 300 }},
		{"bi cap 20 x 0.55", func(o *clsParams) { o.capPrefix = map[string]int{"bi:": 20}; o.x = 0.55 }},
		{"x 0.6", func(o *clsParams) { o.x = 0.6 }},
		{"bi cap 20", func(o *clsParams) { o.capPrefix = map[string]int{"bi:": 20} }},
		{"bi cap 40", func(o *clsParams) { o.capPrefix = map[string]int{"bi:": 40} }},
		{"bi cap 75", func(o *clsParams) { o.capPrefix = map[string]int{"bi:": 75} }},
		{"caps cap 10", func(o *clsParams) { o.capPrefix = map[string]int{"caps:": 10} }},
		{"dedupe bigrams", func(o *clsParams) { o.dedupeBigrams = true }},
		{"clamp 0.01", func(o *clsParams) { o.clamp = 0.01 }},
		{"clamp 0.005", func(o *clsParams) { o.clamp = 0.005 }},
		{"clamp 0.02", func(o *clsParams) { o.clamp = 0.02 }},
		{"min dev 0.2", func(o *clsParams) { o.minDev = 0.2 }},
		{"min dev 0.3", func(o *clsParams) { o.minDev = 0.3 }},
		{"clues 75", func(o *clsParams) { o.maxClues = 75 }},
		{"clues 300", func(o *clsParams) { o.maxClues = 300 }},
		{"header 4 clues", func(o *clsParams) { o.hdrN = 4 }},
		{"header opinion: 1 h:has clue", func(o *clsParams) { o.hdrHasCap = 1 }},
		{"seen 2", func(o *clsParams) { o.minSeen = 2 }},
		{"seen 3", func(o *clsParams) { o.minSeen = 3 }},
		{"seen 2 s 0.15", func(o *clsParams) { o.minSeen = 2; o.s = 0.15 }},
		{"header opinion: 2 h:has clues", func(o *clsParams) { o.hdrHasCap = 2 }},
		{"header opinion: 1 h:has clue, h cap 4", func(o *clsParams) { o.hdrHasCap = 1; o.fam = 4; o.hdrN = 4 }},
		{"header 5 clues weight 0.75", func(o *clsParams) { o.hdrN = 5; o.hdrW = 0.75 }},
	}
	for _, x := range vs {
		if only != "" && !strings.Contains(x.name, only) {
			continue
		}
		o := defaultCls()
		x.f(&o)
		probs := make([]float64, len(items))
		for i, r := range res {
			probs[i] = replay(r.Clues, r.Trained, o)
		}
		t.Logf("%s: %s\n    %s", x.name, frontier(items, probs), combinedCounts(items, probs))
	}
}

// r4Family is bayes' structural family of a token (with "h:").
func r4Family(tok string) (string, bool) {
	if strings.HasPrefix(tok, "h:") {
		return "h", true
	}
	return expStructural(tok)
}

// TestSpamExperimentRound4Split: the current bands with bayes_50 split at
// edge e, the upper part scoring s (one new band), for a few classifier
// variants (train split only).
func TestSpamExperimentRound4Split(t *testing.T) {
	if os.Getenv("LYCHGATE_SPAMEXP") == "" {
		t.Skip("set LYCHGATE_SPAMEXP=1 to run the spam experiments (train split only)")
	}
	const k = 5
	items := expItems(t, expCorpus(t), k)
	if seed := os.Getenv("LYCHGATE_SPAMEXP_SEED"); seed != "" {
		for i := range items {
			items[i].fold = int(fnvHash(seed+filepath.Base(items[i].name)) % k)
		}
	}
	res := cvResults(t, items, k, func(it expItem) []string { return it.toks }, bayes.Options{MinDev: 1e-12, MaxClues: 1 << 20, MaxPerFamily: -1, HeaderWeight: -1})
	_, nsp := expNSpam(items)
	for _, bi := range []int{0, 20, 30} {
		o := defaultCls()
		if bi > 0 {
			o.capPrefix = map[string]int{"bi:": bi}
		}
		probs := make([]float64, len(items))
		for i, r := range res {
			probs[i] = replay(r.Clues, r.Trained, o)
		}
		cur := currentBands()
		for _, e := range []float64{0.9, 0.95, 0.98} {
			var cells []string
			for _, s := range []float64{2.5, 3, 3.5, 4, 4.5, 5} {
				b := bandSet{}
				for j, ed := range cur.edges {
					if ed == 0.5 {
						b.edges = append(b.edges, e)
						b.scores = append(b.scores, s)
					}
					b.edges = append(b.edges, ed)
					b.scores = append(b.scores, cur.scores[j])
				}
				c := countBands(items, probs, b, spam.DefaultRuleWeight, 5, 10)
				cells = append(cells, fmt.Sprintf("%g: %d/%d %.4f", s, c.fp, c.fn, c.f1(nsp)))
			}
			t.Logf("bi cap %d, bayes_%g: %s", bi, e*100, strings.Join(cells, "  "))
		}
	}
}

// TestSpamExperimentRound4Ensemble: a logistic regression on the same
// tokens (hashed, trained by SGD on the training folds) next to the Bayes
// log-odds, as a measure of what a second, discriminative model could add
// (train split only).
func TestSpamExperimentRound4Ensemble(t *testing.T) {
	if os.Getenv("LYCHGATE_SPAMEXP") == "" {
		t.Skip("set LYCHGATE_SPAMEXP=1 to run the spam experiments (train split only)")
	}
	const k = 5
	const bits = 20
	items := expItems(t, expCorpus(t), k)
	if seed := os.Getenv("LYCHGATE_SPAMEXP_SEED"); seed != "" {
		for i := range items {
			items[i].fold = int(fnvHash(seed+filepath.Base(items[i].name)) % k)
		}
	}
	res := cvResults(t, items, k, func(it expItem) []string { return it.toks }, bayes.Options{})
	feats := make([][]uint32, len(items))
	for i, it := range items {
		for _, tok := range it.toks {
			feats[i] = append(feats[i], fnvHash(tok)&(1<<bits-1))
		}
	}
	bay := make([]float64, len(items))
	for i := range items {
		bay[i] = max(min(logit(res[i].Prob), 20), -20)
	}
	t.Logf("bayes alone: FN at FP<=2 %d, <=4 %d, <=5 %d", fnAtFPScores(items, bay, 2), fnAtFPScores(items, bay, 4), fnAtFPScores(items, bay, 5))
	for _, hamW := range []float64{1, 3} {
		for _, l2 := range []float64{1e-6, 1e-5} {
			z := make([]float64, len(items))
			for f := range k {
				w := make([]float64, 1<<bits)
				var order []int
				for i, it := range items {
					if it.fold != f {
						order = append(order, i)
					}
				}
				lr := 0.1
				for ep := range 8 {
					// a fixed shuffle per epoch
					for j := range order {
						h := int(fnvHash(fmt.Sprintf("%d/%d", ep, j)) % uint32(len(order)))
						order[j], order[h] = order[h], order[j]
					}
					for _, i := range order {
						s := 0.0
						for _, x := range feats[i] {
							s += w[x]
						}
						y, cw := 0.0, hamW
						if items[i].spam {
							y, cw = 1, 1
						}
						g := cw * (1/(1+math.Exp(-s)) - y) / math.Sqrt(float64(len(feats[i])+1))
						for _, x := range feats[i] {
							w[x] -= lr * (g + l2*w[x])
						}
					}
					lr *= 0.7
				}
				for i, it := range items {
					if it.fold == f {
						s := 0.0
						for _, x := range feats[i] {
							s += w[x]
						}
						z[i] = s
					}
				}
			}
			var cells []string
			for _, beta := range []float64{0, 0.5, 1, 2, 4, -1} {
				sc := make([]float64, len(items))
				for i := range items {
					if beta < 0 {
						sc[i] = z[i]
					} else {
						sc[i] = bay[i] + beta*z[i]
					}
				}
				name := fmt.Sprintf("bayes+%g*lr", beta)
				if beta < 0 {
					name = "lr alone"
				}
				cells = append(cells, fmt.Sprintf("%s: %d/%d/%d", name, fnAtFPScores(items, sc, 2), fnAtFPScores(items, sc, 4), fnAtFPScores(items, sc, 5)))
			}
			t.Logf("hamW %g l2 %g (FN at FP<=2/4/5): %s", hamW, l2, strings.Join(cells, "  "))
		}
	}
}
