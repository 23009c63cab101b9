package main

import (
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/lychgate/lychgate/internal/realdata"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/classify"
)

// The aimed topic (classify.AimedTopic) is reported on passages of any
// length, at medium only when the passage is aimed at a person. Its
// thresholds are chosen by cvFolds-fold cross-validation on the training
// split: each fold's texts are scored by a model trained on the other
// folds, and the thresholds are chosen on those out-of-fold scores under
// the scanner's own rule (classify.AimedSeverity). The validation split
// only measures them.
const (
	cvFolds = 5
	cvSeed  = "lychgate-cv-v1"
)

// foldOf returns the cross-validation fold of a training example: FNV-1a-64
// of cvSeed, a zero byte and its split key (the text; a ham message's file
// name) modulo cvFolds.
func foldOf(e *realdata.Example) int {
	key := e.Text
	if e.Path != "" {
		key = filepath.Base(e.Path)
	}
	h := fnv.New64a()
	h.Write([]byte(cvSeed))
	h.Write([]byte{0})
	h.Write([]byte(key))
	return int(h.Sum64() % cvFolds)
}

// aimedScore is one text's score for the aimed topic as the scanner sees
// it: the best passage's probability and the passage.
type aimedScore struct {
	ok      bool
	p       float64
	passage string
}

func (a aimedScore) severity(low, med float32) scanners.Severity {
	if !a.ok {
		return scanners.Info
	}
	return classify.AimedSeverity(a.p, low, med, a.passage)
}

// scoreAimed scores text with m's topic ti as the scanner does.
func scoreAimed(m *classify.Model, ti int, text string) aimedScore {
	p, spans := m.Best(text, nil, nil)
	return aimedScore{ok: true, p: p[ti], passage: strings.TrimSpace(text[spans[ti][0]:spans[ti][1]])}
}

// quantise turns trained weights into a one-topic model, exactly as run
// stores them in the model file.
func quantise(bits int, topic string, w []float64, b float64) *classify.Model {
	m := &classify.Model{Bits: bits, Topics: []string{topic}, W: make([]int8, len(w)),
		Bias: []float32{float32(b)}, Scale: []float32{float32(quantScale(w))}, Low: []float32{1}, Medium: []float32{1}}
	for f, v := range w {
		m.W[f] = int8(math.Round(v / float64(m.Scale[0])))
	}
	return m
}

func quantScale(w []float64) float64 {
	maxAbs := 0.0
	for _, v := range w {
		maxAbs = max(maxAbs, math.Abs(v))
	}
	if maxAbs == 0 {
		return 1
	}
	return maxAbs / 127
}

// crossValidate returns the out-of-fold aimed scores of every training
// example (the zero aimedScore for the others).
func crossValidate(c config, all []realdata.Example, train []chunk, t realdata.Topic) []aimedScore {
	folds := make([]int, len(all))
	for i := range all {
		folds[i] = foldOf(&all[i])
	}
	out := make([]aimedScore, len(all))
	for k := range cvFolds {
		var sub []chunk
		for _, ch := range train {
			if folds[ch.ex] != k {
				sub = append(sub, ch)
			}
		}
		w, b := trainTopic(c, all, sub, t)
		m := quantise(c.bits, string(t), w, b)
		for i := range all {
			if all[i].Split == realdata.Train && folds[i] == k {
				out[i] = scoreAimed(m, 0, all[i].Text)
			}
		}
	}
	return out
}

// chooseAimed picks the aimed topic's thresholds on the out-of-fold scores:
// medium is the lowest probability at which the directed passages above it
// reach aimedMedPrec precision with at most medFPR of all the negatives
// above it (1 when none does); low is the same probability, so the model
// alone (a long passage not aimed at anyone, or an aimed one that laughs)
// is rated low only where an aimed passage would be medium. A lower low
// threshold (precision 0.70, 1% of the negatives: 0.818) flagged 19 more of
// the 566 hand-written ordinary teen messages for 4 more of the 810
// bullying ones.
func chooseAimed(c config, all []realdata.Example, oof []aimedScore, t realdata.Topic) (float64, float64) {
	skipSrc := strings.Split(c.thresholdSkip, ",")
	var dir []scored
	nneg := 0
	for i := range all {
		a := oof[i]
		if !a.ok || slices.Contains(skipSrc, all[i].Source) {
			continue
		}
		r := evalRole(&all[i], t)
		if r == skip {
			continue
		}
		if r == neg {
			nneg++
		}
		if classify.Directed(a.passage) {
			dir = append(dir, scored{a.p, r == pos})
		}
	}
	med := lowestReaching(dir, c.aimedMedPrec, c.medFPR*float64(nneg))
	return med, med
}

// lowestReaching returns the lowest score at which the scores at or above
// it reach precision prec with at most maxFP negatives (and at least three
// positives), or 1.
func lowestReaching(s []scored, prec, maxFP float64) float64 {
	slices.SortStableFunc(s, func(a, b scored) int {
		switch {
		case a.p > b.p:
			return -1
		case a.p < b.p:
			return 1
		}
		return 0
	})
	th := 1.0
	tp, fp := 0, 0
	for i, x := range s {
		if x.pos {
			tp++
		} else {
			fp++
		}
		if i+1 < len(s) && s[i+1].p == x.p {
			continue
		}
		if tp >= 3 && float64(tp)/float64(tp+fp) >= prec && float64(fp) <= maxFP {
			th = x.p
		}
	}
	return th
}

// writeAimedTable writes the aimed topic's metrics per source at the
// thresholds: scores[i] for each example of the given split.
func writeAimedTable(w io.Writer, all []realdata.Example, scores []aimedScore, t realdata.Topic, low, med float32) {
	fmt.Fprintf(w, "| source | pos | neg | P low | R low | FPR low | P medium | R medium | FPR medium |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, src := range append(realdata.Sources(), "ham", "all") {
		var cnt confusion
		any := false
		for i := range all {
			if !scores[i].ok || (src != "all" && all[i].Source != src) {
				continue
			}
			r := evalRole(&all[i], t)
			if r == skip {
				continue
			}
			any = true
			sev := scores[i].severity(low, med)
			for k, lv := range []scanners.Severity{scanners.Low, scanners.Medium} {
				cnt.add(k, r == pos, sev >= lv)
			}
		}
		if !any {
			continue
		}
		fmt.Fprintf(w, "| %s |", src)
		cnt.write(w)
		fmt.Fprintln(w)
	}
}

// writeAimed writes the model card's section on the aimed topic.
func writeAimed(w io.Writer, c config, all []realdata.Example, m *classify.Model, aim aimed) {
	t := realdata.Topic(m.Topics[aim.ti])
	low, med := m.Low[aim.ti], m.Medium[aim.ti]
	fmt.Fprintf(w, "\n## %s: the aimed topic\n\n", t)
	fmt.Fprintf(w, "Bullying and harassment as they are typed are mostly short (\"ur a fat slag\", \"send me pics\"), and\n")
	fmt.Fprintf(w, "the word minimum above would hide nearly all of it; without it the model scores short ordinary\n")
	fmt.Fprintf(w, "lines (\"see you at the trip\") too close to abuse. So %s is scored on a passage of any length and\n", t)
	fmt.Fprintf(w, "rated by classify.AimedSeverity: **medium** when the probability reaches medium and the passage is\n")
	fmt.Fprintf(w, "aimed at a person (classify.Directed: a second-person word such as you, u, ur, your, you're; an\n")
	fmt.Fprintf(w, "order such as shut up, fuck off, go away, go to hell, stfu; or a name called at someone: \"oi slag\",\n")
	fmt.Fprintf(w, "\"shut up, bitch\") and does not laugh (classify.Laughs: lol, haha,\n")
	fmt.Fprintf(w, "jk, 😂); **low** when it reaches low and the passage is aimed or has at least %d words; otherwise\n", classify.MinWords)
	fmt.Fprintf(w, "nothing.\n\n")
	fmt.Fprintf(w, "Thresholds: %d-fold cross-validation on the training split (fold: FNV-1a-64 of %q, a zero\n", cvFolds, cvSeed)
	fmt.Fprintf(w, "byte and the text, or a ham message's file name, modulo %d). Each fold is scored by a model trained\n", cvFolds)
	fmt.Fprintf(w, "as above on the other four; on these out-of-fold scores, with the rule above, medium is the lowest\n")
	fmt.Fprintf(w, "threshold whose aimed passages reach precision ≥ %.2f with at most %.0f%% of the negatives above it\n", c.aimedMedPrec, 100*c.medFPR)
	fmt.Fprintf(w, "(sources left out: %s); low is the same threshold, so the model alone is rated low only where an\n", c.thresholdSkip)
	fmt.Fprintf(w, "aimed passage would be medium (a lower one flagged many ordinary second-person lines). The model\n")
	fmt.Fprintf(w, "in the file is then trained on the whole training split.\n\n")
	fmt.Fprintf(w, "| topic | low | medium |\n|---|---:|---:|\n| %s | %.3f | %.3f |\n\n", t, low, med)
	fmt.Fprintf(w, "Training split, out of fold (the numbers the thresholds were chosen on):\n\n")
	writeAimedTable(w, all, aim.oof, t, low, med)
	fmt.Fprintf(w, "\nValidation split (the model in the file; measured only):\n\n")
	writeAimedTable(w, all, aim.val, t, low, med)
}

// lexiconDiag prints to stderr, for the aimed topic at the thresholds
// and at a few other medium thresholds, the out-of-fold recall and false
// positive rate of the lexicons and the classifier together, on the
// training split, given the medium+ misses and false alarms the lexicons
// alone make there (the MISS and FALSE lines of `lychgate eval -real DIR
// -ham "" --split train -v` on a model whose aimed topic never reports).
// Aggregates only.
func lexiconDiag(eval string, all []realdata.Example, oof []aimedScore, t realdata.Topic, low, med float32) {
	miss, fa := map[string]bool{}, map[string]bool{}
	for line := range strings.SplitSeq(eval, "\n") {
		f := strings.Split(line, "\t")
		if len(f) < 4 || f[2] != string(t) {
			continue
		}
		switch f[0] {
		case "MISS":
			miss[f[1]+"\t"+f[3]] = true
		case "FALSE":
			fa[f[1]+"\t"+f[3]] = true
		}
	}
	for _, th := range []float32{med, 0.95, 0.97, 0.98, 0.99, 0.995} {
		var tp, npos, fp, nneg, fpLex, tpLex int
		for i := range all {
			e := &all[i]
			if !oof[i].ok || e.Source == "ham" || !e.Labels(t) || e.Source == "cssrs" {
				continue
			}
			key := e.Source + "\t" + strings.Join(strings.Fields(e.Text), " ")
			clf := oof[i].severity(low, th) >= scanners.Medium
			if e.Is(t) {
				npos++
				lex := !miss[key]
				if lex {
					tpLex++
				}
				if lex || clf {
					tp++
				}
			} else {
				nneg++
				lex := fa[key]
				if lex {
					fpLex++
				}
				if lex || clf {
					fp++
				}
			}
		}
		fmt.Fprintf(os.Stderr, "aimed %s medium %.3f: lexicons R %.3f FPR %.4f; with the classifier R %.3f FPR %.4f (pos %d neg %d)\n",
			t, th, float64(tpLex)/float64(npos), float64(fpLex)/float64(nneg), float64(tp)/float64(npos), float64(fp)/float64(nneg), npos, nneg)
	}
}
