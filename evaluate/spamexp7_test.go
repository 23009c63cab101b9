package evaluate

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners/spam"
	"github.com/lychgate/lychgate/scanners/spam/bayes"
)

// The seventh round of spam experiments (docs/spam-eval.md): a second,
// discriminative model beside the Bayes — binary features of overlapping
// byte 4-grams of the first bytes of the message as sent (headers
// included), hashed, scored by an online logistic regression, as in the
// TREC spam tracks (Goodman & Yih 2006, Sculley & Wachman 2007, Cormack).
// 5-fold cross-validation over the train split only (cv/ and the
// seedA/B/C fold assignments); the test split is never read. Run with
// LYCHGATE_SPAMEXP=1.

// exp7View is what the n-gram model reads of raw: the header fields as
// the sender's side wrote them, then the blank line and the body, cut at
// n bytes. Fields the receiving side writes (bayes' receiver fields:
// Return-Path, Delivered-To, X-Spam-*, ...) are left out, and so are the
// Received fields of the corpus collectors' own hops down to and including
// the hop into them (whose "by" names the collector): those say how the
// corpus was collected, not what the sender did. trace false leaves out
// every Received field; raw true reads the message as stored (collector
// fields and all, for comparison only: not an honest view).
func exp7View(raw []byte, n int, trace, rawView bool) []byte {
	if rawView {
		return raw[:min(len(raw), n)]
	}
	hl, bs := message.HeaderEnd(raw)
	out := make([]byte, 0, n)
	receiver := true
	hdr := raw[:hl]
	for len(hdr) > 0 && len(out) < n {
		// one field: its first line and its continuation lines
		end := 0
		for {
			j := bytes.IndexByte(hdr[end:], '\n')
			if j < 0 {
				end = len(hdr)
				break
			}
			end += j + 1
			if end >= len(hdr) || (hdr[end] != ' ' && hdr[end] != '\t') {
				break
			}
		}
		field := hdr[:end]
		hdr = hdr[end:]
		name := ""
		if i := bytes.IndexByte(field, ':'); i > 0 {
			name = strings.ToLower(string(bytes.TrimSpace(field[:i])))
		}
		if name == "received" {
			if !trace {
				continue
			}
			if receiver {
				v := string(field[len("received:"):])
				if exp7External(v) {
					receiver = false
				}
				continue
			}
		} else if exp7ReceiverHeader(name) {
			continue
		}
		out = append(out, field...)
	}
	if len(out) < n {
		out = append(out, '\n')
	}
	if len(out) < n && bs < len(raw) {
		out = append(out, raw[bs:min(len(raw), bs+n-len(out))]...)
	}
	return out[:min(len(out), n)]
}

// exp7External reports a Received value whose client is not one of the
// corpus collectors' hosts nor a loopback or private address (the
// tokenizer's internalHop with SpamCorpusInternalHosts).
func exp7External(v string) bool {
	v = strings.TrimSpace(v)
	if len(v) < 5 || !strings.EqualFold(v[:5], "from ") {
		return false
	}
	f := strings.Fields(v[5:min(len(v), 512)])
	if len(f) == 0 {
		return false
	}
	host := strings.ToLower(f[0])
	if len(f) > 1 && strings.HasPrefix(f[1], "(") {
		if r := strings.TrimPrefix(f[1], "("); !strings.HasPrefix(r, "[") {
			host = strings.ToLower(strings.TrimRight(r, ")"))
		}
	}
	for _, w := range f {
		if strings.EqualFold(w, "by") {
			break
		}
		i := strings.IndexByte(w, '[')
		j := strings.IndexByte(w, ']')
		if i < 0 || j < i {
			continue
		}
		s := strings.TrimPrefix(strings.ToLower(w[i+1:j]), "ipv6:")
		if ip, err := netip.ParseAddr(s); err == nil {
			if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified() {
				return false
			}
			break
		}
	}
	host = strings.TrimSuffix(host, ".")
	if at := strings.LastIndexByte(host, '@'); at >= 0 {
		host = host[at+1:]
	}
	for _, d := range SpamCorpusInternalHosts() {
		if host == d || strings.HasSuffix(host, "."+d) {
			return false
		}
	}
	return true
}

// exp7ReceiverHeader is bayes' receiverHeader (fields the receiving side
// writes), Received aside.
func exp7ReceiverHeader(n string) bool {
	switch n {
	case "return-path", "delivery-date", "delivered-to", "envelope-to", "status", "x-status",
		"x-keywords", "x-uid", "x-loop", "x-original-to", "x-virus-scanned", "x-authentication-warning",
		"authentication-results", "received-spf", "dkim-signature", "x-lychgate-spam", "lines", "content-length":
		return true
	}
	for _, p := range []string{"x-spam", "x-lychgate", "x-razor", "x-pyzor", "x-dcc", "x-bogosity", "x-mailscanner", "x-amavis"} {
		if strings.HasPrefix(n, p) {
			return true
		}
	}
	return false
}

// exp7Grams are the distinct hashed byte n-grams of b (bits-bit buckets),
// sorted.
func exp7Grams(b []byte, n, bits int) []uint32 {
	mask := uint32(1)<<bits - 1
	seen := make(map[uint32]struct{}, len(b))
	out := make([]uint32, 0, len(b))
	for i := 0; i+n <= len(b); i++ {
		h := uint32(2166136261)
		for _, c := range b[i : i+n] {
			h ^= uint32(c)
			h *= 16777619
		}
		h ^= h >> 16
		h *= 0x7feb352d
		h ^= h >> 15
		h &= mask
		if _, ok := seen[h]; !ok {
			seen[h] = struct{}{}
			out = append(out, h)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// exp7Config is one setting of the online logistic regression.
type exp7Config struct {
	rate   float64 // learning rate
	norm   bool    // feature value 1/sqrt(#features) instead of 1
	passes int
	thick  float64 // > 0: train only when y*score < thick (train on or near error)
	hamW   float64 // weight of a ham's gradient
	// blocked > 0: trained class by class in batches of blocked messages
	blocked int
	// replay > 0 (with blocked): each batch trained together with the
	// last replay messages learnt of the other class
	replay int
}

func (c exp7Config) String() string {
	s := fmt.Sprintf("rate %g norm %v passes %d hamW %g", c.rate, c.norm, c.passes, c.hamW)
	if c.thick > 0 {
		s += fmt.Sprintf(" thick %g", c.thick)
	}
	if c.blocked > 0 {
		s += fmt.Sprintf(" spam then ham in batches of %d", c.blocked)
	}
	if c.replay > 0 {
		s += fmt.Sprintf(" replaying %d of the other class", c.replay)
	}
	return s
}

// exp7Train fits weights (the last bucket, 1<<bits, is the bias) on the
// items train, in a fixed shuffled order per pass.
func exp7Train(feats [][]uint32, spam []bool, train []int, bits int, c exp7Config) []float32 {
	w := make([]float32, 1<<bits+1)
	if c.blocked > 0 {
		// as "lychgate learn --spam" and then "--ham" would train: the
		// spam in batches of c.blocked, then the ham, each batch its own
		// passes
		learnt := map[bool][]int{}
		for _, want := range []bool{true, false} {
			var cls []int
			for _, i := range train {
				if spam[i] == want {
					cls = append(cls, i)
				}
			}
			for start := 0; start < len(cls); start += c.blocked {
				batch := cls[start:min(start+c.blocked, len(cls))]
				if c.replay > 0 {
					// with the feature sets of the last c.replay learnt
					// messages of the other class kept (a replay buffer)
					other := learnt[!want]
					batch = append(slices.Clone(batch), other[max(0, len(other)-c.replay):]...)
				}
				exp7Passes(w, feats, spam, batch, bits, c)
				learnt[want] = append(learnt[want], cls[start:min(start+c.blocked, len(cls))]...)
			}
		}
		return w
	}
	exp7Passes(w, feats, spam, train, bits, c)
	return w
}

func exp7Passes(w []float32, feats [][]uint32, spam []bool, train []int, bits int, c exp7Config) {
	bias := 1 << bits
	order := append([]int(nil), train...)
	for p := range c.passes {
		for j := range order {
			h := int(fnvHash(fmt.Sprintf("%d/%d", p, j)) % uint32(len(order)))
			order[j], order[h] = order[h], order[j]
		}
		for _, i := range order {
			v := float32(1)
			if c.norm {
				v = float32(1 / math.Sqrt(float64(len(feats[i])+1)))
			}
			s := float64(w[bias])
			for _, x := range feats[i] {
				s += float64(w[x])
			}
			s *= float64(v)
			y, cw := -1.0, c.hamW
			if spam[i] {
				y, cw = 1, 1
			}
			if c.thick > 0 && y*s >= c.thick {
				continue
			}
			// gradient of the log loss: (label - p)
			g := float32(cw * c.rate * ((y+1)/2 - 1/(1+math.Exp(-s))))
			gv := g * v
			for _, x := range feats[i] {
				w[x] += gv
			}
			w[bias] += gv
		}
	}
}

// exp7Score is the regression's log-odds for features f.
func exp7Score(w []float32, f []uint32, bits int, norm bool) float64 {
	v := 1.0
	if norm {
		v = 1 / math.Sqrt(float64(len(f)+1))
	}
	s := 0.0
	for _, x := range f {
		s += float64(w[x])
	}
	return s*v + float64(w[1<<bits])*v
}

// exp7Bayes trains the Bayes on train and gives the probabilities of test
// (probs[i] for i in test).
func exp7Bayes(t *testing.T, items []expItem, train, test []int, probs []float64) {
	t.Helper()
	ctx := context.Background()
	st := bayes.NewMemStore()
	cls, err := bayes.New(bayes.Options{Store: st, MinSpam: 1, MinHam: 1})
	if err != nil {
		t.Fatal(err)
	}
	tr := cls.NewTrainer()
	for _, i := range train {
		l := bayes.Ham
		if items[i].spam {
			l = bayes.Spam
		}
		tr.AddTokens(items[i].name, items[i].toks, l)
	}
	if _, err := tr.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for _, i := range test {
		r, err := cls.ClassifyTokens(ctx, items[i].toks)
		if err != nil {
			t.Fatal(err)
		}
		probs[i] = r.Prob
	}
}

// exp7Setup is the corpus' train items and their n-gram features.
type exp7Setup struct {
	items []expItem
	feats [][]uint32
	spam  []bool
	bits  int
}

func exp7Load(t *testing.T, n, gram, bits int, trace, rawView bool) *exp7Setup {
	t.Helper()
	items := expItems(t, expCorpus(t), 5)
	s := &exp7Setup{items: items, bits: bits}
	s.refeat(n, gram, bits, trace, rawView)
	return s
}

func (s *exp7Setup) refeat(n, gram, bits int, trace, rawView bool) {
	s.bits = bits
	s.feats = make([][]uint32, len(s.items))
	s.spam = make([]bool, len(s.items))
	for i, it := range s.items {
		s.feats[i] = exp7Grams(exp7View(it.m.Raw, n, trace, rawView), gram, bits)
		s.spam[i] = it.spam
	}
}

func (s *exp7Setup) assign(seed string) {
	for i := range s.items {
		s.items[i].fold = int(fnvHash(seed+filepath.Base(s.items[i].name)) % 5)
	}
}

// folds splits the indices not in skip (a fold, or -1) into train and
// test for fold f.
func (s *exp7Setup) folds(f, skip int) (train, test []int) {
	for i, it := range s.items {
		switch it.fold {
		case skip:
		case f:
			test = append(test, i)
		default:
			train = append(train, i)
		}
	}
	return train, test
}

// oof are out-of-fold Bayes probabilities and regression scores: for
// outer fold skip = -1 the usual 5-fold CV, else the 4-fold CV inside the
// other folds (entries of fold skip are left 0).
func (s *exp7Setup) oof(t *testing.T, skip int, c exp7Config, withBayes bool) (probs, z []float64) {
	t.Helper()
	probs = make([]float64, len(s.items))
	z = make([]float64, len(s.items))
	for f := range 5 {
		if f == skip {
			continue
		}
		train, test := s.folds(f, skip)
		if withBayes {
			exp7Bayes(t, s.items, train, test, probs)
		}
		w := exp7Train(s.feats, s.spam, train, s.bits, c)
		for _, i := range test {
			z[i] = exp7Score(w, s.feats[i], s.bits, c.norm)
		}
	}
	return probs, z
}

// exp7Comb is a way of adding the regression to the scanner's total.
type exp7Comb struct {
	name  string
	param float64
	// total is the scanner's total of a message whose rules sum to rules
	// (at full score), with Bayes probability p and regression log-odds z.
	total func(rules, p, z, param float64) float64
}

func exp7BandScore(p float64) float64 {
	b := currentBands()
	bi := b.band(p)
	if bi < len(b.scores) {
		return b.scores[bi]
	}
	return 0
}

func exp7Rules(rules float64) float64 {
	return math.Round(rules*spam.DefaultRuleWeight*100) / 100
}

// exp7Combs: (a) the Bayes log-odds plus beta times the regression's, then
// the scanner's bands; (b) the regression's log-odds times w as one more
// score, at most ±6 (like a rule's).
func exp7Combs() []exp7Comb {
	var out []exp7Comb
	for _, beta := range []float64{0.1, 0.25, 0.5, 1, 2} {
		out = append(out, exp7Comb{"logodds", beta, func(rules, p, z, beta float64) float64 {
			q := 1 / (1 + math.Exp(-(max(min(logit(p), 20), -20) + beta*z)))
			return exp7Rules(rules) + exp7BandScore(q)
		}})
	}
	for _, w := range []float64{0.25, 0.5, 1, 2} {
		out = append(out, exp7Comb{"score", w, func(rules, p, z, w float64) float64 {
			return exp7Rules(rules) + exp7BandScore(p) + math.Round(max(min(w*z, 6), -6)*100)/100
		}})
	}
	return out
}

// exp7Count is the scanner point (FP, FN at tag threshold 5) of the items
// in idx under the total function.
func exp7Count(s *exp7Setup, idx []int, probs, z []float64, total func(rules, p, z float64) float64) (fp, fn int) {
	for _, i := range idx {
		tagged := total(s.items[i].rules, probs[i], z[i]) >= 5
		switch {
		case s.spam[i] && !tagged:
			fn++
		case !s.spam[i] && tagged:
			fp++
		}
	}
	return fp, fn
}

func exp7Base(rules, p, _ float64) float64 { return exp7Rules(rules) + exp7BandScore(p) }

func exp7All(s *exp7Setup) []int {
	idx := make([]int, len(s.items))
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// TestSpamExperimentRound7Alone: the regression alone (FN at 0.1 / 0.2 /
// 0.5% ham FP) for a grid of settings and views, and the Bayes with it at
// fixed combination weights (scanner point FP / FN), on the four fold
// assignments. LYCHGATE_SPAMEXP_ONLY=word: only the settings whose name
// contains word.
func TestSpamExperimentRound7Alone(t *testing.T) {
	if os.Getenv("LYCHGATE_SPAMEXP") == "" {
		t.Skip("set LYCHGATE_SPAMEXP=1 to run the spam experiments (train split only)")
	}
	const bits = 20
	s := exp7Load(t, 3000, 4, bits, true, false)
	nham, _ := expNSpam(s.items)
	at := func(score []float64) string {
		return fmt.Sprintf("%d/%d/%d", fnAtFPScores(s.items, score, int(0.001*float64(nham))),
			fnAtFPScores(s.items, score, int(0.002*float64(nham))), fnAtFPScores(s.items, score, int(0.005*float64(nham))))
	}
	type view struct {
		name        string
		n, gram     int
		trace, rawV bool
	}
	views := []view{
		{"sent 3000 4-grams", 3000, 4, true, false},
		{"no Received 3000 4-grams", 3000, 4, false, false},
		{"sent 1500 4-grams", 1500, 4, true, false},
		{"sent 6000 4-grams", 6000, 4, true, false},
		{"sent 3000 5-grams", 3000, 5, true, false},
		{"sent 3000 3-grams", 3000, 3, true, false},
		{"as stored 3000 4-grams (collector fields: not honest)", 3000, 4, true, true},
	}
	cfgs := []exp7Config{
		{rate: 0.002, passes: 1, hamW: 1},
		{rate: 0.002, passes: 5, hamW: 1},
		{rate: 0.002, passes: 10, hamW: 1},
		{rate: 0.01, passes: 5, hamW: 1},
		{rate: 1, norm: true, passes: 5, hamW: 1},
		{rate: 4, norm: true, passes: 5, hamW: 1},
		{rate: 4, norm: true, passes: 10, hamW: 1},
		{rate: 16, norm: true, passes: 5, hamW: 1},
		{rate: 4, norm: true, passes: 5, hamW: 3},
		{rate: 4, norm: true, passes: 5, hamW: 1, thick: 2},
		{rate: 0.002, passes: 5, hamW: 1, thick: 2},
	}
	if os.Getenv("LYCHGATE_SPAMEXP7_THICK") != "" {
		cfgs = []exp7Config{
			{rate: 4, norm: true, passes: 5, hamW: 1, thick: 2},
			{rate: 4, norm: true, passes: 5, hamW: 1, thick: 1},
			{rate: 4, norm: true, passes: 5, hamW: 1, thick: 4},
			{rate: 4, norm: true, passes: 10, hamW: 1, thick: 2},
			{rate: 4, norm: true, passes: 2, hamW: 1, thick: 2},
			{rate: 1, norm: true, passes: 5, hamW: 1, thick: 2},
			{rate: 16, norm: true, passes: 5, hamW: 1, thick: 2},
			{rate: 4, norm: true, passes: 5, hamW: 3, thick: 2},
			{rate: 0.002, passes: 10, hamW: 1, thick: 2},
			{rate: 0.002, passes: 5, hamW: 1, thick: 4},
			{rate: 4, norm: true, passes: 5, hamW: 1, thick: 2, blocked: 500},
			{rate: 4, norm: true, passes: 1, hamW: 1, thick: 2, blocked: 500},
			{rate: 4, norm: true, passes: 5, hamW: 1, thick: 2, blocked: 500, replay: 500},
			{rate: 4, norm: true, passes: 5, hamW: 1, thick: 2, blocked: 500, replay: 2000},
		}
	}
	only := os.Getenv("LYCHGATE_SPAMEXP_ONLY")
	seeds := []string{"cv/", "seedA/", "seedB/", "seedC/"}
	bayesP := map[string][]float64{}
	for _, seed := range seeds {
		s.assign(seed)
		p, _ := s.oof(t, -1, exp7Config{passes: 0}, true)
		bayesP[seed] = p
		lo := make([]float64, len(p))
		for i := range p {
			lo[i] = max(min(logit(p[i]), 20), -20)
		}
		fp, fn := exp7Count(s, exp7All(s), p, lo, exp7Base)
		t.Logf("%s bayes alone %s, scanner point %d/%d", seed, at(lo), fp, fn)
	}
	for vi, v := range views {
		if vi > 0 && os.Getenv("LYCHGATE_SPAMEXP7_VIEWS") == "" {
			break
		}
		s.refeat(v.n, v.gram, bits, v.trace, v.rawV)
		for ci, c := range cfgs {
			name := v.name + " " + c.String()
			if only != "" && !strings.Contains(name, only) {
				continue
			}
			if vi > 0 && ci > 0 && os.Getenv("LYCHGATE_SPAMEXP7_ALLCFG") == "" {
				break
			}
			line := name
			for _, seed := range seeds {
				s.assign(seed)
				_, z := s.oof(t, -1, c, false)
				line += fmt.Sprintf(" | %s alone %s", seed, at(z))
				p := bayesP[seed]
				var cells []string
				for _, cb := range exp7Combs() {
					fp, fn := exp7Count(s, exp7All(s), p, z, func(r, p, z float64) float64 { return cb.total(r, p, z, cb.param) })
					cells = append(cells, fmt.Sprintf("%s%g %d/%d", cb.name, cb.param, fp, fn))
				}
				line += " [" + strings.Join(cells, " ") + "]"
			}
			t.Log(line)
		}
	}
}

// exp7Chosen is the regression setting chosen on the four fold
// assignments (TestSpamExperimentRound7Alone): the first 3,000 bytes as
// sent, byte 4-grams in 2^20 buckets, features 1/sqrt(n), rate 4, five
// passes, trained only when y*score < 2 (thick threshold).
var exp7Chosen = exp7Config{rate: 4, norm: true, passes: 5, hamW: 1, thick: 2}

// TestSpamExperimentRound7Nested chooses the combination weight for each
// fold on a 4-fold CV inside the other four folds (both models trained
// again there), as the lowest FN whose FP is at most the scanner's own on
// the same inner results, and applies it to the fold: an estimate of the
// weight's choice that does not see the fold it is scored on.
func TestSpamExperimentRound7Nested(t *testing.T) {
	if os.Getenv("LYCHGATE_SPAMEXP") == "" {
		t.Skip("set LYCHGATE_SPAMEXP=1 to run the spam experiments (train split only)")
	}
	const bits = 20
	s := exp7Load(t, 3000, 4, bits, true, false)
	c := exp7Chosen
	combs := exp7Combs()
	// LYCHGATE_SPAMEXP7_LAMBDA=x: choose by FN + x*FP instead of the
	// lowest FN at no more FP than the scanner's.
	lambda, _ := strconv.ParseFloat(os.Getenv("LYCHGATE_SPAMEXP7_LAMBDA"), 64)
	for _, seed := range []string{"cv/", "seedA/", "seedB/", "seedC/"} {
		s.assign(seed)
		probs, z := s.oof(t, -1, c, true)
		bfp, bfn := exp7Count(s, exp7All(s), probs, z, exp7Base)
		var fp, fn int
		var chosen []string
		for f := range 5 {
			ip, iz := s.oof(t, f, c, true)
			innerIdx, _ := s.folds(-2, f)
			var fold []int
			for i, it := range s.items {
				if it.fold == f {
					fold = append(fold, i)
				}
			}
			b0fp, b0fn := exp7Count(s, innerIdx, ip, iz, exp7Base)
			best, bestFN, bestFP := -1, b0fn, b0fp
			for ci, cb := range combs {
				if cb.name != "logodds" {
					continue
				}
				cfp, cfn := exp7Count(s, innerIdx, ip, iz, func(r, p, z float64) float64 { return cb.total(r, p, z, cb.param) })
				better := cfp <= b0fp && (cfn < bestFN || (cfn == bestFN && cfp < bestFP))
				if lambda > 0 {
					// the tuner's cost: FN + lambda*FP, the smaller weight on ties
					better = float64(cfn)+lambda*float64(cfp) < float64(bestFN)+lambda*float64(bestFP)
				}
				if better {
					best, bestFN, bestFP = ci, cfn, cfp
				}
			}
			total := exp7Base
			name := "none"
			if best >= 0 {
				cb := combs[best]
				total = func(r, p, z float64) float64 { return cb.total(r, p, z, cb.param) }
				name = fmt.Sprintf("%g (inner %d/%d, base %d/%d)", cb.param, bestFP, bestFN, b0fp, b0fn)
			}
			ffp, ffn := exp7Count(s, fold, probs, z, total)
			fp += ffp
			fn += ffn
			chosen = append(chosen, name)
		}
		t.Logf("%s base %d/%d, nested weight %d/%d; weights %s", seed, bfp, bfn, fp, fn, strings.Join(chosen, ", "))
	}
}

// exp7NB is an order-free model on the same features: per bucket, the
// log of its smoothed spam frequency over its ham frequency (a naive Bayes
// on byte 4-grams); a message's score is the sum over its buckets divided
// by norm(n). Trained from counts, it learns the same from "learn --spam"
// then "--ham" as from a mixed stream, and from one-sided feedback ("not
// a problem" trains ham only) as the token counts do.
func exp7NB(feats [][]uint32, spam []bool, train []int, bits int, alpha float64) []float32 {
	s := make([]float64, 1<<bits)
	h := make([]float64, 1<<bits)
	var ns, nh float64
	for _, i := range train {
		if spam[i] {
			ns++
			for _, x := range feats[i] {
				s[x]++
			}
		} else {
			nh++
			for _, x := range feats[i] {
				h[x]++
			}
		}
	}
	w := make([]float32, 1<<bits+1)
	for b := range s {
		if s[b] == 0 && h[b] == 0 {
			continue
		}
		w[b] = float32(math.Log((s[b]+alpha)/(ns+2*alpha)) - math.Log((h[b]+alpha)/(nh+2*alpha)))
	}
	return w
}

// TestSpamExperimentRound7NB: the order-free naive Bayes on the same byte
// 4-gram features, alone and combined with the Bayes (train split only).
func TestSpamExperimentRound7NB(t *testing.T) {
	if os.Getenv("LYCHGATE_SPAMEXP") == "" {
		t.Skip("set LYCHGATE_SPAMEXP=1 to run the spam experiments (train split only)")
	}
	const bits = 20
	s := exp7Load(t, 3000, 4, bits, true, false)
	nham, _ := expNSpam(s.items)
	at := func(score []float64) string {
		return fmt.Sprintf("%d/%d/%d", fnAtFPScores(s.items, score, int(0.001*float64(nham))),
			fnAtFPScores(s.items, score, int(0.002*float64(nham))), fnAtFPScores(s.items, score, int(0.005*float64(nham))))
	}
	seeds := []string{"cv/", "seedA/", "seedB/", "seedC/"}
	bayesP := map[string][]float64{}
	for _, seed := range seeds {
		s.assign(seed)
		p, _ := s.oof(t, -1, exp7Config{}, true)
		bayesP[seed] = p
	}
	for _, alpha := range []float64{0.1, 1} {
		for _, norm := range []string{"sqrt", "n"} {
			line := fmt.Sprintf("alpha %g norm %s", alpha, norm)
			for _, seed := range seeds {
				s.assign(seed)
				z := make([]float64, len(s.items))
				for f := range 5 {
					train, test := s.folds(f, -1)
					w := exp7NB(s.feats, s.spam, train, bits, alpha)
					for _, i := range test {
						sum := 0.0
						for _, x := range s.feats[i] {
							sum += float64(w[x])
						}
						d := math.Sqrt(float64(len(s.feats[i]) + 1))
						if norm == "n" {
							d = float64(len(s.feats[i]) + 1)
						}
						z[i] = sum / d
					}
				}
				p := bayesP[seed]
				var cells []string
				for _, beta := range []float64{0.02, 0.05, 0.1, 0.25, 0.5, 1, 2, 4} {
					fp, fn := exp7Count(s, exp7All(s), p, z, func(r, p, z float64) float64 {
						q := 1 / (1 + math.Exp(-(max(min(logit(p), 20), -20) + beta*z)))
						return exp7Rules(r) + exp7BandScore(q)
					})
					cells = append(cells, fmt.Sprintf("%g %d/%d", beta, fp, fn))
				}
				line += fmt.Sprintf(" | %s alone %s [%s]", seed, at(z), strings.Join(cells, " "))
			}
			t.Log(line)
		}
	}
}

// TestSpamExperimentRound7Self: the regression trained not on the true
// labels but on the Bayes' own confident verdicts (p >= hi as spam, p < lo
// as ham, the rest not trained), as a relay could train it online from
// the mail it scans: a mixed stream, nothing stored per message. For each
// fold the verdicts are the Bayes' on the other folds from a 4-fold CV
// inside them (the fold itself unseen). Train split only.
func TestSpamExperimentRound7Self(t *testing.T) {
	if os.Getenv("LYCHGATE_SPAMEXP") == "" {
		t.Skip("set LYCHGATE_SPAMEXP=1 to run the spam experiments (train split only)")
	}
	const bits = 20
	s := exp7Load(t, 3000, 4, bits, true, false)
	c := exp7Chosen
	type cut struct{ hi, lo float64 }
	cuts := []cut{{0.999, 0.01}, {0.99, 0.05}}
	for _, seed := range []string{"cv/", "seedA/", "seedB/", "seedC/"} {
		s.assign(seed)
		probs, _ := s.oof(t, -1, exp7Config{}, true)
		bfp, bfn := exp7Count(s, exp7All(s), probs, probs, exp7Base)
		z := make([][]float64, len(cuts))
		for k := range z {
			z[k] = make([]float64, len(s.items))
		}
		wrong := make([]int, len(cuts))
		for f := range 5 {
			ip, _ := s.oof(t, f, exp7Config{}, true)
			train, test := s.folds(f, -1)
			for k, ct := range cuts {
				lab := slices.Clone(s.spam)
				var used []int
				for _, i := range train {
					switch {
					case ip[i] >= ct.hi:
						lab[i] = true
					case ip[i] < ct.lo:
						lab[i] = false
					default:
						continue
					}
					if lab[i] != s.spam[i] {
						wrong[k]++
					}
					used = append(used, i)
				}
				w := exp7Train(s.feats, lab, used, bits, c)
				for _, i := range test {
					z[k][i] = exp7Score(w, s.feats[i], bits, c.norm)
				}
			}
		}
		line := fmt.Sprintf("%s base %d/%d", seed, bfp, bfn)
		for k, ct := range cuts {
			line += fmt.Sprintf(" | verdicts p>=%g spam, p<%g ham (%d wrong labels over the 5 folds):", ct.hi, ct.lo, wrong[k])
			for _, beta := range []float64{0.5, 1} {
				fp, fn := exp7Count(s, exp7All(s), probs, z[k], func(r, p, z float64) float64 {
					q := 1 / (1 + math.Exp(-(max(min(logit(p), 20), -20) + beta*z)))
					return exp7Rules(r) + exp7BandScore(q)
				})
				line += fmt.Sprintf(" w %g %d/%d", beta, fp, fn)
			}
		}
		t.Log(line)
	}
}
