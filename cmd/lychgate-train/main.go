// Command lychgate-train trains the classifier of package scanners/classify
// from the labelled sets in ../shared/data and the ham corpus (`make
// train`): it writes scanners/classify/model.bin and docs/model-card.md.
//
// Training is deterministic: the same data, flags and Go toolchain on the
// same architecture give byte-identical files. Only the training split of
// package internal/realdata is trained on; the validation split is used
// for the severity thresholds (precision targets, below) and the metrics of
// the model card, never for the weights.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"

	"github.com/lychgate/lychgate/internal/realdata"
	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners/classify"
)

type config struct {
	data, ham, out, card, date string
	bits, epochs               int
	lr, l2                     float64
	hamChunks                  int
	lowPrec, medPrec, medFPR   float64
	lowFPR, posCap             float64
	// aimedMedPrec is the out-of-fold precision the aimed topic's medium
	// threshold must reach.
	aimedMedPrec float64
	// bullyingPositives are the bullying model's positives: "bullying"
	// (the bullying and harassment labels) or "abusive" (those and the
	// abusive labels of Davidson and Surge).
	bullyingPositives string
	// thresholdSkip are sources left out when choosing thresholds.
	thresholdSkip string
	// judged are the topics whose validation scores count only passages
	// the scanner judges (classify.Judged).
	judged string
	diag   bool
	// lexEval is `lychgate eval --split train -v` output of the lexicons
	// alone, for the combined out-of-fold estimate of -diag.
	lexEval string
}

func main() {
	var c config
	flag.StringVar(&c.data, "data", "../shared/data", "folder of the labelled CSV sets")
	flag.StringVar(&c.ham, "ham", "../shared/corpus/spamassassin/ham", "ham corpus (ordinary negatives)")
	flag.StringVar(&c.out, "out", "scanners/classify/model.bin", "model file to write")
	flag.StringVar(&c.card, "card", "docs/model-card.md", "model card to write")
	flag.StringVar(&c.date, "date", "", "date written in the model card (YYYY-MM-DD)")
	flag.IntVar(&c.bits, "bits", 16, "log2 of the feature buckets")
	flag.IntVar(&c.epochs, "epochs", 6, "passes over the training split")
	flag.Float64Var(&c.lr, "lr", 0.3, "AdaGrad learning rate")
	flag.Float64Var(&c.l2, "l2", 1e-5, "L2 penalty per update")
	flag.IntVar(&c.hamChunks, "ham-chunks", 4, "chunks read from each ham message")
	flag.Float64Var(&c.lowPrec, "low-precision", 0.70, "validation precision the low threshold must reach")
	flag.Float64Var(&c.medPrec, "medium-precision", 0.85, "validation precision the medium threshold must reach")
	flag.Float64Var(&c.medFPR, "medium-fpr", 0.01, "most validation false positives the medium threshold may allow")
	flag.Float64Var(&c.lowFPR, "low-fpr", 0.05, "most validation false positives the low threshold may allow")
	flag.StringVar(&c.bullyingPositives, "bullying-positives", "abusive", "positives of the bullying model: bullying (the bullying and harassment labels) or abusive (those and the abusive labels of Davidson and Surge)")
	flag.Float64Var(&c.aimedMedPrec, "aimed-medium-precision", 0.95, "out-of-fold precision the aimed topic's medium threshold must reach")
	flag.Float64Var(&c.posCap, "pos-cap", 10, "most the positives are weighted up against the negatives")
	flag.StringVar(&c.thresholdSkip, "threshold-skip", "cssrs", "comma-separated sources not used to choose thresholds (C-SSRS rows are whole users' histories, not messages)")
	flag.StringVar(&c.judged, "judged", "self_harm", "comma-separated topics whose thresholds and metrics count only passages of classify.MinWords words or more (the scanner reports no shorter passage)")
	flag.BoolVar(&c.diag, "diag", false, "print validation score quantiles per topic and source to stderr")
	flag.StringVar(&c.lexEval, "lexicon-eval", "", "with -diag: output of `lychgate eval -ham '' --split train -v` with the aimed topic silent; prints the lexicons' and classifier's combined out-of-fold estimate")
	flag.Parse()
	log.SetFlags(0)
	if c.bullyingPositives != "bullying" && c.bullyingPositives != "abusive" {
		log.Fatal("lychgate-train: -bullying-positives must be bullying or abusive")
	}
	if c.date == "" {
		log.Fatal("lychgate-train: -date is required (it is written into the model card)")
	}
	if err := run(c); err != nil {
		log.Fatal("lychgate-train: ", err)
	}
}

// topicNames are the model's topics, in weight order.
var topicNames = []realdata.Topic{realdata.SelfHarm, realdata.Bullying, realdata.Abusive}

// role says what an example is for a topic: a positive, a negative, or
// not used.
type role int8

const (
	skip role = iota
	pos
	neg
)

// roleOf maps the labels onto the three models (see the model card).
func roleOf(c config, e *realdata.Example, t realdata.Topic) role {
	clean := len(e.Positive) == 0
	switch t {
	case realdata.SelfHarm:
		if e.Is(realdata.SelfHarm) {
			return pos
		}
		return neg // every other text, labelled or not, as a negative
	case realdata.Bullying:
		if e.Is(realdata.Bullying) {
			return pos
		}
		if c.bullyingPositives == "abusive" && e.Is(realdata.Abusive) {
			// the labelled abusive tweets and comments: insults, slurs and
			// threats the bullying sets are too small to teach; the aimed
			// rule asks for the aim
			return pos
		}
		if e.Labels(realdata.Bullying) || (clean && e.Source != "cssrs") {
			return neg
		}
	case realdata.Abusive:
		if e.Is(realdata.Abusive) || e.Is(realdata.Bullying) {
			return pos
		}
		if clean && e.Source != "cssrs" {
			return neg
		}
	}
	return skip
}

// aimed holds the aimed topic's scores: out of fold on the training split,
// by the final model on the validation split.
type aimed struct {
	ti       int
	oof, val []aimedScore
}

type chunk struct {
	ex    int // example index
	feats []uint32
	inv   float64 // 1/√n
	w     float64 // 1/chunks of the example
}

func run(c config) error {
	exs, err := realdata.Load(c.data)
	if err != nil {
		return err
	}
	hams, err := realdata.HamFiles(c.ham)
	if err != nil {
		return err
	}
	lim := message.Limits{}.WithDefaults()
	for i := range hams {
		raw, err := os.ReadFile(hams[i].Path)
		if err != nil {
			return err
		}
		hams[i].Text = messageText(message.Parse(context.Background(), raw, lim))
	}
	all := append(exs, hams...)
	var train []chunk
	for i := range all {
		e := &all[i]
		if e.Split != realdata.Train {
			continue
		}
		var cs []chunk
		classify.Chunks(c.bits, e.Text, func(_, _ int, feats []uint32) {
			if e.Source == "ham" && len(cs) >= c.hamChunks {
				return
			}
			cs = append(cs, chunk{ex: i, feats: slices.Clone(feats), inv: classify.Norm(len(feats))})
		})
		for k := range cs {
			cs[k].w = 1 / float64(len(cs))
		}
		train = append(train, cs...)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(train), func(i, j int) { train[i], train[j] = train[j], train[i] })

	nb := 1 << c.bits
	nt := len(topicNames)
	m := &classify.Model{Bits: c.bits, W: make([]int8, nb*nt)}
	for _, t := range topicNames {
		m.Topics = append(m.Topics, string(t))
	}
	m.Bias = make([]float32, nt)
	m.Scale = make([]float32, nt)
	m.Low = make([]float32, nt)
	m.Medium = make([]float32, nt)
	var card strings.Builder
	for ti, t := range topicNames {
		w, b := trainTopic(c, all, train, t)
		maxAbs := 0.0
		for _, v := range w {
			maxAbs = max(maxAbs, math.Abs(v))
		}
		scale := maxAbs / 127
		if scale == 0 {
			scale = 1
		}
		for f, v := range w {
			m.W[f*nt+ti] = int8(math.Round(v / scale))
		}
		m.Bias[ti], m.Scale[ti] = float32(b), float32(scale)
	}
	// thresholds and metrics on the validation split, with the quantised
	// model exactly as the scanner uses it
	val := validationScores(m, all, strings.Split(c.judged, ","))
	var aim aimed
	for ti, t := range topicNames {
		if string(t) == classify.AimedTopic {
			// chosen by cross-validation on the training split
			aim.ti = ti
			aim.oof = crossValidate(c, all, train, t)
			lo, med := chooseAimed(c, all, aim.oof, t)
			m.Low[ti], m.Medium[ti] = float32(lo), float32(med)
			aim.val = make([]aimedScore, len(all))
			for i := range all {
				if all[i].Split == realdata.Validation {
					aim.val[i] = scoreAimed(m, ti, all[i].Text)
				}
			}
			continue
		}
		lo, med := chooseThresholds(c, all, val, ti, t)
		m.Low[ti], m.Medium[ti] = float32(lo), float32(med)
	}
	if c.diag {
		diag(all, val)
		if c.lexEval != "" {
			b, err := os.ReadFile(c.lexEval)
			if err != nil {
				return err
			}
			ti := aim.ti
			lexiconDiag(string(b), all, aim.oof, topicNames[ti], m.Low[ti], m.Medium[ti])
		}
	}
	writeCard(&card, c, all, val, m, aim)
	if err := os.WriteFile(c.out, m.Encode(), 0o644); err != nil {
		return err
	}
	return os.WriteFile(c.card, []byte(card.String()), 0o644)
}

// messageText is what the scanner reads of a ham message: the subject and
// the text parts.
func messageText(m *message.Message) string {
	var b strings.Builder
	b.WriteString(m.Subject)
	for _, t := range m.Texts {
		b.WriteString("\n\n")
		b.WriteString(t.Content)
	}
	return b.String()
}

// trainTopic fits one logistic regression by AdaGrad over the shuffled
// training chunks, positives and negatives weighted to equal totals.
func trainTopic(c config, all []realdata.Example, train []chunk, t realdata.Topic) ([]float64, float64) {
	// per source, positives and negatives get equal totals (a source's
	// clean texts are its hard negatives); then all positives together are
	// weighted up to the negatives' total, at most c.posCap times.
	type sr struct {
		src string
		r   role
	}
	tot := map[sr]float64{}
	for _, ch := range train {
		if r := roleOf(c, &all[ch.ex], t); r != skip {
			tot[sr{all[ch.ex].Source, r}] += ch.w
		}
	}
	mult := map[sr]float64{}
	var wp, wn float64
	for k, v := range tot {
		mult[k] = 1
		other := tot[sr{k.src, pos + neg - k.r}]
		if other > 0 {
			mult[k] = (v + other) / 2 / v
		}
		if k.r == pos {
			wp += v * mult[k]
		} else {
			wn += v * mult[k]
		}
	}
	cp := min(c.posCap, wn/wp)
	weight := func(ch chunk, r role) float64 {
		w := ch.w * mult[sr{all[ch.ex].Source, r}]
		if r == pos {
			w *= cp
		}
		return w
	}
	nb := 1 << c.bits
	w := make([]float64, nb)
	g2 := make([]float64, nb)
	var b, gb float64
	for range c.epochs {
		for _, ch := range train {
			r := roleOf(c, &all[ch.ex], t)
			if r == skip {
				continue
			}
			y, cw := 0.0, weight(ch, r)
			if r == pos {
				y = 1
			}
			z := b
			for _, f := range ch.feats {
				z += w[f] * ch.inv
			}
			p := 1 / (1 + math.Exp(-z))
			g := (p - y) * cw
			for _, f := range ch.feats {
				gf := g*ch.inv + c.l2*w[f]
				g2[f] += gf * gf
				w[f] -= c.lr * gf / (math.Sqrt(g2[f]) + 1e-8)
			}
			gb += g * g
			b -= c.lr * g / (math.Sqrt(gb) + 1e-8)
		}
	}
	return w, b
}

// validationScores scores every validation example: per example index, the
// per-topic best-chunk probability (nil for training examples); for the
// judged topics 0 when that chunk is too short for the scanner to report.
func validationScores(m *classify.Model, all []realdata.Example, judged []string) [][]float64 {
	out := make([][]float64, len(all))
	for i := range all {
		if all[i].Split != realdata.Validation {
			continue
		}
		p, spans := m.Best(all[i].Text, nil, nil)
		for t := range p {
			if !slices.Contains(judged, m.Topics[t]) {
				continue
			}
			// as the scanner reports it: a best passage too short to
			// judge is no finding at any threshold
			if !classify.Judged(strings.TrimSpace(all[i].Text[spans[t][0]:spans[t][1]])) {
				p[t] = 0
			}
		}
		out[i] = p
	}
	return out
}

// evalRole is how a validation example counts for topic t in thresholds
// and metrics: the sources that label t, and the ham corpus as negatives.
func evalRole(e *realdata.Example, t realdata.Topic) role {
	if e.Source == "ham" {
		return neg
	}
	if !e.Labels(t) {
		return skip
	}
	if e.Is(t) {
		return pos
	}
	return neg
}

type scored struct {
	p   float64
	pos bool
}

// chooseThresholds picks the lowest probabilities whose validation
// precision reaches the targets (and, for medium, whose false-positive
// rate stays under medFPR); 1 (never) when none does.
func chooseThresholds(c config, all []realdata.Example, val [][]float64, ti int, t realdata.Topic) (float64, float64) {
	var s []scored
	npos, nneg := 0, 0
	skipSrc := strings.Split(c.thresholdSkip, ",")
	for i := range all {
		if val[i] == nil || slices.Contains(skipSrc, all[i].Source) {
			continue
		}
		switch evalRole(&all[i], t) {
		case pos:
			s = append(s, scored{val[i][ti], true})
			npos++
		case neg:
			s = append(s, scored{val[i][ti], false})
			nneg++
		}
	}
	slices.SortStableFunc(s, func(a, b scored) int {
		switch {
		case a.p > b.p:
			return -1
		case a.p < b.p:
			return 1
		}
		return 0
	})
	lo, med := 1.0, 1.0
	tp, fp := 0, 0
	for i, x := range s {
		if x.pos {
			tp++
		} else {
			fp++
		}
		if i+1 < len(s) && s[i+1].p == x.p {
			continue // thresholds fall between distinct scores
		}
		prec := float64(tp) / float64(tp+fp)
		if tp >= 3 && prec >= c.lowPrec && float64(fp) <= c.lowFPR*float64(nneg) {
			lo = x.p
		}
		if tp >= 3 && prec >= c.medPrec && float64(fp) <= c.medFPR*float64(nneg) {
			med = x.p
		}
	}
	lo = min(lo, med)
	return lo, med
}

func writeCard(w io.Writer, c config, all []realdata.Example, val [][]float64, m *classify.Model, aim aimed) {
	fmt.Fprintf(w, "# Model card: lychgate classifier (scanners/classify)\n\n")
	fmt.Fprintf(w, "Generated by `make train` (cmd/lychgate-train) on %s. Do not edit by hand: edit the\n", c.date)
	fmt.Fprintf(w, "program and re-run it; the same data and flags give byte-identical `model.bin` and card.\n\n")
	fmt.Fprintf(w, "## What it is\n\n")
	fmt.Fprintf(w, "Three logistic regressions (one per topic: %s) over %d hashed buckets (2^%d) of\n", strings.Join(m.Topics, ", "), 1<<c.bits, c.bits)
	fmt.Fprintf(w, "word, word-pair and character 4-gram features, normalised by 1/√n per chunk of about\n")
	fmt.Fprintf(w, "%d bytes of whole sentences; weights quantised to int8 (%d KB). A message's score per\n", classify.ChunkTarget, len(m.W)/1024)
	fmt.Fprintf(w, "topic is the highest chunk probability; that chunk is the finding's evidence.\n\n")
	fmt.Fprintf(w, "Training: AdaGrad, %d epochs, learning rate %g, L2 %g, chunks in a fixed shuffled order\n", c.epochs, c.lr, c.l2)
	fmt.Fprintf(w, "(PCG seed 1,2); each text's chunks share a weight of 1; positives and negatives are\n")
	fmt.Fprintf(w, "balanced within each source, then positives weighted up to the negatives' total (at most %gx);\n", c.posCap)
	fmt.Fprintf(w, "at most %d chunks of each ham message.\n\n", c.hamChunks)
	fmt.Fprintf(w, "## Data\n\n")
	fmt.Fprintf(w, "From `../shared/data` (see its SOURCES.md, sections 8 and 9, for sources, licences and\n")
	fmt.Fprintf(w, "caveats) and the SpamAssassin ham corpus (`../shared/corpus/spamassassin/ham`) as ordinary negatives.\n\n")
	fmt.Fprintf(w, "| source | label | train | validation |\n|---|---|---:|---:|\n")
	type key struct{ src, label string }
	counts := map[key][2]int{}
	var keys []key
	for i := range all {
		k := key{all[i].Source, all[i].Label}
		v, ok := counts[k]
		if !ok {
			keys = append(keys, k)
		}
		v[all[i].Split]++
		counts[k] = v
	}
	for _, k := range keys {
		fmt.Fprintf(w, "| %s | %s | %d | %d |\n", k.src, k.label, counts[k][0], counts[k][1])
	}
	fmt.Fprintf(w, "\nWhat each model learns from:\n\n")
	fmt.Fprintf(w, "- self_harm: positives are C-SSRS suicidal users (Ideation, Behavior, Attempt) and OpenAI SH;\n  negatives are every other text (C-SSRS Indicator and Supportive users, all the other sets, ham).\n")
	if c.bullyingPositives == "abusive" {
		fmt.Fprintf(w, "- bullying: positives are ConvAbuse bullying and harassment, OpenAI harassment, and Davidson hate and\n  offensive tweets and Surge toxic comments (insults, slurs and threats the bullying sets are too small\n  to teach; the aimed rule below asks for the aim); negatives are their clean texts, OpenAI self-harm\n  texts, and ham (C-SSRS is not used).\n")
	} else {
		fmt.Fprintf(w, "- bullying: positives are ConvAbuse bullying and harassment and OpenAI harassment; negatives are\n  their clean texts, the clean tweets and comments, and ham (C-SSRS is not used).\n")
	}
	fmt.Fprintf(w, "- abusive: positives are Davidson hate and offensive tweets, Surge toxic comments and every\n  bullying or harassment text; negatives are the clean texts of those sets and ham.\n\n")
	fmt.Fprintf(w, "## Split\n\n")
	fmt.Fprintf(w, "Package internal/realdata: a unit is in the validation split when FNV-1a-64 of %q, a zero\n", realdata.SplitSeed)
	fmt.Fprintf(w, "byte and the unit's text is 0 modulo 5 (20%%). A C-SSRS row is one user (all of their posts),\n")
	fmt.Fprintf(w, "so users never straddle the split; ConvAbuse has no conversation id, so a turn is the unit;\n")
	fmt.Fprintf(w, "ham messages split by file name. Training reads only the training split. The validation split\n")
	fmt.Fprintf(w, "chooses the self_harm and abusive thresholds below and gives the metrics (the %s thresholds are\n", classify.AimedTopic)
	fmt.Fprintf(w, "chosen by cross-validation on the training split); no text of it was read by a person tuning\n")
	fmt.Fprintf(w, "rules or features.\n\n")
	fmt.Fprintf(w, "## Thresholds (probability of the best chunk)\n\n")
	fmt.Fprintf(w, "For %s a text's score is its best chunk's probability when that chunk has at least\n", strings.ReplaceAll(c.judged, ",", " and "))
	fmt.Fprintf(w, "%d words (classify.Words: markup such as `<br>` or `&#039;` and a `Q:`/`A:` label do not count),\n", classify.MinWords)
	fmt.Fprintf(w, "and 0 otherwise, exactly as the scanner reports it: the model is not asked to judge a shorter\n")
	fmt.Fprintf(w, "passage, so the thresholds and metrics are measured on the passages it does judge.\n")
	fmt.Fprintf(w, "Abusive (reported at most as low extra evidence) is scored on every chunk; choosing it on judged passages\n")
	fmt.Fprintf(w, "lowered its thresholds and raised its false alarms on clean tweets for no recall.\n")
	fmt.Fprintf(w, "The %s topic is the aimed topic (classify.AimedTopic, below): it has its own rule and its thresholds are\n", classify.AimedTopic)
	fmt.Fprintf(w, "chosen on the training split by cross-validation, not on the validation split.\n\n")
	fmt.Fprintf(w, "low: the lowest threshold with validation precision ≥ %.2f and at most %.0f%% of the validation\n", c.lowPrec, 100*c.lowFPR)
	fmt.Fprintf(w, "negatives above it; medium: precision ≥ %.2f and at\n", c.medPrec)
	fmt.Fprintf(w, "most %.0f%% of the validation negatives (ham included) above it. 1.000 means the target was not\n", 100*c.medFPR)
	fmt.Fprintf(w, "reached and the model never reports that severity for the topic. Sources left out of the choice:\n")
	fmt.Fprintf(w, "%s (a C-SSRS row is a whole user's posting history, scored by its most worrying chunk;\n", c.thresholdSkip)
	fmt.Fprintf(w, "nearly every such history, suicidal or not, has one, so it says little about single messages).\n\n")
	fmt.Fprintf(w, "| topic | low | medium |\n|---|---:|---:|\n")
	for ti, t := range m.Topics {
		fmt.Fprintf(w, "| %s | %.3f | %.3f |\n", t, m.Low[ti], m.Medium[ti])
	}
	fmt.Fprintf(w, "\n## Validation metrics (classifier alone, at the thresholds)\n\n")
	fmt.Fprintf(w, "Texts scored as they are (not as mail; the word minimum above for the judged topics); the ham rows are validation ham messages.\n\n")
	fmt.Fprintf(w, "| topic | source | pos | neg | P low | R low | FPR low | P medium | R medium | FPR medium |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for ti, t := range topicNames {
		if ti == aim.ti && aim.val != nil {
			continue // its own tables below
		}
		srcs := append(realdata.Sources(), "ham", "all")
		for _, src := range srcs {
			var c confusion
			any := false
			for i := range all {
				if val[i] == nil || (src != "all" && all[i].Source != src) {
					continue
				}
				r := evalRole(&all[i], t)
				if r == skip {
					continue
				}
				any = true
				for k, th := range []float32{m.Low[ti], m.Medium[ti]} {
					c.add(k, r == pos, val[i][ti] >= float64(th) && th < 1)
				}
			}
			if !any {
				continue
			}
			fmt.Fprintf(w, "| %s | %s |", t, src)
			c.write(w)
			fmt.Fprintln(w)
		}
	}
	if aim.val != nil {
		writeAimed(w, c, all, m, aim)
	}
	fmt.Fprintf(w, "\nThe classifier together with the phrase lists, on the same validation split sent as pupil mail,\n")
	fmt.Fprintf(w, "is measured by `make eval` (`lychgate eval -real`); the results are in docs/safeguarding-eval.md.\n")
	fmt.Fprintf(w, "\n## Limits\n\n")
	fmt.Fprintf(w, "- None of the data is school mail. C-SSRS is adult Reddit (2005–2016) with labels per user and\n")
	fmt.Fprintf(w, "  text altered upstream (apostrophes removed, medical-concept names substituted); ConvAbuse is\n")
	fmt.Fprintf(w, "  abuse typed at a chatbot; Davidson is US tweets with dialect bias in its labels. Expect the\n")
	fmt.Fprintf(w, "  model to miss what pupils write and to score some dialect and slang as abusive.\n")
	fmt.Fprintf(w, "- The self_harm and abusive thresholds were chosen on the same validation split the metrics are\n")
	fmt.Fprintf(w, "  measured on, and a few settings (2^16 against 2^18 buckets, the 1/√n normalisation, the medium\n")
	fmt.Fprintf(w, "  precision target 0.85) were compared on its aggregate metrics, so their metrics are somewhat\n")
	fmt.Fprintf(w, "  optimistic. The %s thresholds were chosen on the training split (cross-validation); three\n", classify.AimedTopic)
	fmt.Fprintf(w, "  settings of its positives and precision target were compared there and on hand-written teen\n")
	fmt.Fprintf(w, "  messages (round 7), then four precision targets and an aim rule (round 9); their validation\n")
	fmt.Fprintf(w, "  aggregates are all in docs/safeguarding-eval.md.\n")
	fmt.Fprintf(w, "- The model is a statistical guess: it adds evidence beside the lexicons; the policy decides.\n")
	fmt.Fprintf(w, "- Licences: C-SSRS CC-BY, ConvAbuse CC-BY-4.0, OpenAI moderation MIT, Davidson MIT, Surge MIT;\n")
	fmt.Fprintf(w, "  credited in NOTICE. The texts themselves are not in the repository or the binary.\n")
}

// confusion counts, at low (0) and at medium+ (1), true positives,
// missed positives, false positives and true negatives.
type confusion [2][4]int

// add counts one text: whether it is a positive and whether it was
// flagged at level k.
func (c *confusion) add(k int, positive, flagged bool) {
	switch {
	case positive && flagged:
		c[k][0]++
	case positive:
		c[k][1]++
	case flagged:
		c[k][2]++
	default:
		c[k][3]++
	}
}

// write prints the table cells after the row's names: positives,
// negatives, then precision, recall and false-positive rate at each level.
func (c *confusion) write(w io.Writer) {
	fmt.Fprintf(w, " %d | %d |", c[0][0]+c[0][1], c[0][2]+c[0][3])
	for k := range 2 {
		fmt.Fprintf(w, " %s | %s | %s |", ratio(c[k][0], c[k][0]+c[k][2]), ratio(c[k][0], c[k][0]+c[k][1]), ratio(c[k][2], c[k][2]+c[k][3]))
	}
}

func ratio(a, b int) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.3f", float64(a)/float64(b))
}

// diag prints score quantiles per topic, source and role (aggregates only).
func diag(all []realdata.Example, val [][]float64) {
	for ti, t := range topicNames {
		groups := map[string][]float64{}
		for i := range all {
			if val[i] == nil {
				continue
			}
			r := evalRole(&all[i], t)
			if r == skip {
				continue
			}
			k := fmt.Sprintf("%s/%s/%v", t, all[i].Source, r == pos)
			groups[k] = append(groups[k], val[i][ti])
		}
		var ks []string
		for k := range groups {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		for _, k := range ks {
			g := groups[k]
			slices.Sort(g)
			q := func(f float64) float64 { return g[int(f*float64(len(g)-1))] }
			fmt.Fprintf(os.Stderr, "%-30s n=%4d q10=%.3f q50=%.3f q90=%.3f q99=%.3f\n", k, len(g), q(.1), q(.5), q(.9), q(.99))
		}
	}
}
