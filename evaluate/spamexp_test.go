package evaluate

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/mail"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/spam"
	"github.com/lychgate/lychgate/scanners/spam/bayes"
)

// The spam experiments: cross-validation over the train split only (the
// test split is never read), run with LYCHGATE_SPAMEXP=1.

// expCorpus is the corpus of the experiments: $LYCHGATE_SPAMCORPUS, else
// ../../shared/corpus/spamassassin from the package directory.
func expCorpus(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("LYCHGATE_SPAMCORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "corpus", "spamassassin")
	}
	if _, err := os.Stat(filepath.Join(dir, "ham")); err != nil {
		t.Skipf("spam corpus %s is absent (set LYCHGATE_SPAMCORPUS): %v", dir, err)
	}
	return dir
}

type expItem struct {
	tuneItem
	m *message.Message
}

func expItems(t *testing.T, dir string, k int) []expItem {
	t.Helper()
	ctx := context.Background()
	sc, err := spam.New(spam.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	env := &scanners.Envelope{Recipients: []scanners.Recipient{{Addr: "pupil@school.example", Direction: scanners.Inbound}}}
	var items []expItem
	for _, label := range []string{"ham", "spam"} {
		ents, err := os.ReadDir(filepath.Join(dir, label))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if SpamSplit(e.Name()) != "train" {
				continue
			}
			raw, err := os.ReadFile(filepath.Join(dir, label, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			m := message.Parse(ctx, raw, message.Limits{})
			fs, err := sc.Scan(ctx, m, env)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, f := range fs {
				if f.Rule != spam.TotalRule && f.Score != 0 {
					ids = append(ids, f.Rule)
				}
			}
			items = append(items, expItem{tuneItem{name: label + "/" + e.Name(), spam: label == "spam", fold: cvFold(e.Name(), k),
				toks: expTokenize(m), rules: spam.Total(fs), ids: ids}, m})
		}
	}
	return items
}

// cvProbs trains on k-1 folds and classifies the held-out fold.
func cvProbs(t *testing.T, items []expItem, k int, toks func(it expItem) []string, o bayes.Options) ([]float64, [][]bayes.Clue) {
	t.Helper()
	ctx := context.Background()
	probs := make([]float64, len(items))
	clues := make([][]bayes.Clue, len(items))
	tk := make([][]string, len(items))
	for i, it := range items {
		tk[i] = toks(it)
	}
	for f := range k {
		st := bayes.NewMemStore()
		o.Store, o.MinSpam, o.MinHam = st, 1, 1
		cls, err := bayes.New(o)
		if err != nil {
			t.Fatal(err)
		}
		tr := cls.NewTrainer()
		for i, it := range items {
			if it.fold != f {
				l := bayes.Ham
				if it.spam {
					l = bayes.Spam
				}
				tr.AddTokens(it.name, tk[i], l)
			}
		}
		if _, err := tr.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		for i, it := range items {
			if it.fold == f {
				r, err := cls.ClassifyTokens(ctx, tk[i])
				if err != nil {
					t.Fatal(err)
				}
				probs[i], clues[i] = r.Prob, r.Clues
			}
		}
	}
	return probs, clues
}

// fnAtFPScores is the fewest spam missed by a threshold on score that
// flags at most maxFP ham.
func fnAtFPScores(items []expItem, score []float64, maxFP int) int {
	var ham []float64
	for i, it := range items {
		if !it.spam {
			ham = append(ham, score[i])
		}
	}
	sort.Float64s(ham)
	th := ham[len(ham)-1-maxFP]
	fn := 0
	for i, it := range items {
		if it.spam && score[i] <= th {
			fn++
		}
	}
	return fn
}

func logit(p float64) float64 {
	p = min(max(p, 1e-9), 1-1e-9)
	return math.Log(p / (1 - p))
}

// frontier summarises probs: the classifier alone and with the rules, FN
// at 0.1%, 0.2% and 0.5% ham FP.
func frontier(items []expItem, probs []float64) string {
	var nham int
	for _, it := range items {
		if !it.spam {
			nham++
		}
	}
	at := func(score []float64) [3]int {
		return [3]int{fnAtFPScores(items, score, int(0.001*float64(nham))), fnAtFPScores(items, score, int(0.002*float64(nham))), fnAtFPScores(items, score, int(0.005*float64(nham)))}
	}
	alone := at(probs)
	best, bestRW := [3]int{1 << 30, 1 << 30, 1 << 30}, 0.0
	for _, rw := range []float64{0.05, 0.1, 0.2, 0.3, 0.5, 1} {
		s := make([]float64, len(items))
		for i, it := range items {
			s[i] = logit(probs[i]) + rw*it.rules
		}
		if r := at(s); r[1] < best[1] {
			best, bestRW = r, rw
		}
	}
	h999 := 0
	for i, it := range items {
		if !it.spam && probs[i] >= 0.999 {
			h999++
		}
	}
	return fmt.Sprintf("alone FN@0.1/0.2/0.5%%: %v  +rules(logit+%.2f*rules) FN@0.1/0.2/0.5%%: %v  ham p>=.999: %d", alone, bestRW, best, h999)
}

func TestSpamExperiment(t *testing.T) {
	if os.Getenv("LYCHGATE_SPAMEXP") == "" {
		t.Skip("set LYCHGATE_SPAMEXP=1 to run the spam experiments (train split only)")
	}
	const k = 5
	items := expItems(t, expCorpus(t), k)
	base := func(it expItem) []string { return it.toks }
	probs, clues := cvProbs(t, items, k, base, bayes.Options{})
	t.Logf("base: %s", frontier(items, probs))
	for _, r := range [][2]float64{{0.99, 0.999}, {0.999, 0.9999}, {0.9999, 0.99999}, {0.99999, 0.999999}, {0.999999, 2}} {
		var h, sp int
		for i, it := range items {
			if probs[i] >= r[0] && probs[i] < r[1] {
				if it.spam {
					sp++
				} else {
					h++
				}
			}
		}
		t.Logf("p in [%g, %g): ham %d spam %d", r[0], r[1], h, sp)
	}
	if os.Getenv("LYCHGATE_SPAMEXP_V") != "" {
		type hi struct {
			i int
			p float64
		}
		var hs []hi
		for i, it := range items {
			if !it.spam {
				hs = append(hs, hi{i, logit(probs[i]) + 0.2*it.rules})
			}
		}
		sort.Slice(hs, func(a, b int) bool { return hs[a].p > hs[b].p })
		for rank, h := range hs[:15] {
			it := items[h.i]
			fnBelow := 0
			for j, jt := range items {
				if jt.spam && logit(probs[j])+0.2*jt.rules <= h.p {
					fnBelow++
				}
			}
			t.Logf("rank %d: FN if threshold just above it: %d", rank+1, fnBelow)
			var top []string
			for _, c := range clues[h.i] {
				if c.Prob > 0.9 && len(top) < 12 {
					top = append(top, fmt.Sprintf("%s %.3f", c.Token, c.Prob))
				}
			}
			t.Logf("ham %s p=%.6f rules=%.1f %v\n   %v", it.name, probs[h.i], it.rules, it.ids, top)
		}
	}
	for _, sc := range clueScorers {
		v := make([]float64, len(items))
		for i := range items {
			v[i] = sc.f(clues[i])
		}
		t.Logf("scorer %s: %s", sc.name, frontierScore(items, v))
	}
	isHdr := func(x string) bool { return strings.HasPrefix(x, "h:") || strings.HasPrefix(x, "h:x") }
	ti := make([]tuneItem, len(items))
	for i := range items {
		ti[i] = items[i].tuneItem
	}
	if os.Getenv("LYCHGATE_SPAMEXP_BANDS") != "" {
		var sb strings.Builder
		tuneBands(&sb, ti, probs, 5, 10)
		t.Log(sb.String())
	}
	for _, cap := range []int{2, 3, 4} {
		if os.Getenv("LYCHGATE_SPAMEXP_TWO") == "" {
			break
		}
		for _, md := range []float64{0.1, 0.2} {
			ph, _ := cvProbs(t, items, k, func(it expItem) []string {
				var o []string
				for _, x := range it.toks {
					if isHdr(x) {
						o = append(o, x)
					}
				}
				return o
			}, bayes.Options{MaxPerFamily: cap, MinDev: md})
			for _, a := range []float64{0.75, 1, 1.5, 2} {
				v := make([]float64, len(items))
				for i := range items {
					v[i] = 1 / (1 + math.Exp(-(logit(probs[i]) + a*logit(ph[i]))))
				}
				t.Logf("cap %d mindev %g a %g: %s", cap, md, a, frontier(items, v))
				if os.Getenv("LYCHGATE_SPAMEXP_BANDS") != "" && cap == 3 && a == 1 && md == 0.1 {
					var sb strings.Builder
					tuneBands(&sb, ti, v, 5, 10)
					t.Log(sb.String())
				}
			}
		}
	}
	if os.Getenv("LYCHGATE_SPAMEXP_HDR") == "" {
		return
	}
	for _, v := range expVariants {
		if f := os.Getenv("LYCHGATE_SPAMEXP_ONLY"); f != "" && !strings.HasPrefix(v.name, f) {
			continue
		}
		p, _ := cvProbs(t, items, k, func(it expItem) []string { return append(append([]string(nil), it.toks...), v.extra(it.m)...) }, v.opts)
		t.Logf("%s: %s", v.name, frontier(items, p))
	}
}

type expVariant struct {
	name  string
	extra func(m *message.Message) []string
	opts  bayes.Options
}

func hdrNames(m *message.Message) []string {
	var out []string
	for i, h := range m.Headers {
		if i >= 100 {
			break
		}
		n := strings.ToLower(h.Name)
		if n == "received" || n == "return-path" || n == "delivered-to" || n == "delivery-date" || n == "x-loop" ||
			n == "status" || n == "x-status" || n == "x-keywords" || n == "x-uid" || n == "envelope-to" || n == "x-original-to" ||
			strings.HasPrefix(n, "x-spam") || n == "x-virus-scanned" || n == "lines" || n == "content-length" || n == "x-authentication-warning" {
			continue
		}
		out = append(out, h.Name)
	}
	return out
}

func countClass(n int) string {
	switch {
	case n <= 2:
		return strconv.Itoa(n)
	case n <= 5:
		return "3-5"
	case n <= 20:
		return "6-20"
	}
	return "21+"
}

var expVariants = []expVariant{
	{name: "A header name case (h:)", extra: func(m *message.Message) []string {
		var o []string
		for _, n := range hdrNames(m) {
			o = append(o, "h:hn:"+n)
		}
		return o
	}},
	{name: "A header name case (hd:)", extra: func(m *message.Message) []string {
		var o []string
		for _, n := range hdrNames(m) {
			o = append(o, "h:xhn:"+n)
		}
		return o
	}},
	{name: "H header order pairs (hd:)", extra: func(m *message.Message) []string {
		var o []string
		ns := hdrNames(m)
		for i := 1; i < len(ns); i++ {
			o = append(o, "h:xord:"+strings.ToLower(ns[i-1])+">"+strings.ToLower(ns[i]))
		}
		return o
	}},
	{name: "B date shape+tz (hd:)", extra: func(m *message.Message) []string {
		d := strings.TrimSpace(m.Header("Date"))
		if d == "" {
			return nil
		}
		o := []string{"h:xdateshape:" + shape(d)}
		f := strings.Fields(d)
		o = append(o, "h:xtz:"+strings.ToLower(f[len(f)-1]))
		return o
	}},
	{name: "C to/cc counts (hd:)", extra: func(m *message.Message) []string {
		o := []string{"h:xto:" + countClass(len(m.To)), "h:xcc:" + countClass(len(m.Cc))}
		if len(m.To) > 0 && len(m.From) > 0 && strings.EqualFold(m.To[0].Addr, m.From[0].Addr) {
			o = append(o, "h:xto=from")
		}
		if len(m.To) > 0 && m.To[0].Name == "" {
			o = append(o, "h:xto:noname")
		}
		return o
	}},
	{name: "D subject shape (hd:)", extra: func(m *message.Message) []string {
		var o []string
		s := m.Subject
		ls := strings.ToLower(s)
		if strings.HasPrefix(ls, "re:") && m.Header("In-Reply-To") == "" && m.Header("References") == "" {
			o = append(o, "h:xsubj:fakere")
		}
		o = append(o, "h:xsubjlen:"+strconv.Itoa(len(s)/10))
		if strings.Contains(s, "  ") {
			o = append(o, "h:xsubj:spaces")
		}
		return o
	}},
	{name: "E/G misc header values (hd:)", extra: func(m *message.Message) []string {
		var o []string
		for _, n := range []string{"Content-Transfer-Encoding", "X-Priority", "X-MSMail-Priority", "Importance", "Precedence", "MIME-Version"} {
			if v := strings.TrimSpace(m.Header(n)); v != "" {
				o = append(o, "h:x"+strings.ToLower(n)+":"+strings.ToLower(v[:min(len(v), 20)]))
			}
		}
		return o
	}},
	{name: "F msgid length class (hd:)", extra: func(m *message.Message) []string {
		if m.MessageID == "" {
			return nil
		}
		i := strings.LastIndexByte(m.MessageID, '@')
		if i < 0 {
			return []string{"h:xmid:noat"}
		}
		return []string{"h:xmidlen:" + strconv.Itoa(i/5)}
	}},
}

func init() {
	expVariants = append(expVariants,
		expVariant{name: "I list-unsubscribe aligned with From", extra: func(m *message.Message) []string {
			lu := strings.ToLower(m.Header("List-Unsubscribe"))
			if lu == "" || len(m.From) == 0 {
				return nil
			}
			a := strings.ToLower(m.From[0].Addr)
			at := strings.LastIndexByte(a, '@')
			if at < 0 {
				return nil
			}
			d := a[at+1:]
			if p := strings.Split(d, "."); len(p) > 2 {
				d = strings.Join(p[len(p)-2:], ".")
			}
			if strings.Contains(lu, d) {
				return []string{"h:align:listunsub"}
			}
			return []string{"h:xlistunsub:other"}
		}},
		expVariant{name: "J date vs first Received skew", extra: func(m *message.Message) []string {
			rs := m.HeaderValues("Received")
			if len(rs) == 0 || m.Date.IsZero() {
				return nil
			}
			r := rs[0]
			i := strings.LastIndexByte(r, ';')
			if i < 0 {
				return nil
			}
			rt, err := mailDate(strings.TrimSpace(r[i+1:]))
			if err != nil {
				return []string{"h:xskew:unparsed"}
			}
			d := rt.Sub(m.Date).Hours()
			switch {
			case d < -1:
				return []string{"h:xskew:future"}
			case d < 1:
				return []string{"h:xskew:0"}
			case d < 24:
				return []string{"h:xskew:day"}
			case d < 24*7:
				return []string{"h:xskew:week"}
			}
			return []string{"h:xskew:old"}
		}},
	)
}

func combo(names ...string) func(*message.Message) []string {
	return func(m *message.Message) []string {
		var o []string
		for _, v := range expVariants {
			for _, n := range names {
				if strings.HasPrefix(v.name, n+" ") {
					o = append(o, v.extra(m)...)
				}
			}
		}
		return o
	}
}

func init() {
	expVariants = append(expVariants,
		expVariant{name: "combo C+D+E+F", extra: combo("C", "D", "E", "F")},
		expVariant{name: "combo F+J+C+E", extra: combo("F", "J", "C", "E")},
		expVariant{name: "combo A+F", extra: combo("A", "F")},
		expVariant{name: "combo C+D+E+F+J", extra: combo("C", "D", "E", "F", "J")},
	)
}

func mailDate(s string) (time.Time, error) {
	if i := strings.IndexByte(s, '('); i > 0 {
		s = strings.TrimSpace(s[:i])
	}
	return mail.ParseDate(s)
}

func allHeaderExtra(m *message.Message) []string {
	var o []string
	for _, v := range expVariants {
		o = append(o, v.extra(m)...)
	}
	return o
}

func shape(s string) string {
	var b strings.Builder
	var last byte
	for i := 0; i < len(s) && b.Len() < 24; i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			c = 'a'
		case c >= '0' && c <= '9':
			c = '9'
		}
		if c == last && (c == 'a' || c == '9') {
			continue
		}
		b.WriteByte(c)
		last = c
	}
	return b.String()
}

// frontierScore is frontier for an unbounded score (higher is spammier).
func frontierScore(items []expItem, score []float64) string {
	var nham int
	for _, it := range items {
		if !it.spam {
			nham++
		}
	}
	at := func(score []float64) [3]int {
		return [3]int{fnAtFPScores(items, score, int(0.001*float64(nham))), fnAtFPScores(items, score, int(0.002*float64(nham))), fnAtFPScores(items, score, int(0.005*float64(nham)))}
	}
	alone := at(score)
	best, bestRW := [3]int{1 << 30, 1 << 30, 1 << 30}, 0.0
	for _, rw := range []float64{0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 4} {
		s := make([]float64, len(items))
		for i, it := range items {
			s[i] = score[i] + rw*it.rules
		}
		if r := at(s); r[1] < best[1] {
			best, bestRW = r, rw
		}
	}
	return fmt.Sprintf("alone FN@0.1/0.2/0.5%%: %v  +%.2f*rules: %v", alone, bestRW, best)
}

// logChi2Q is ln(chi2Q(x2, v)) without underflow.
func logChi2Q(x2 float64, v int) float64 {
	m := x2 / 2
	// sum_{i<v/2} m^i/i! * e^-m, in log domain
	lt := -m
	ls := lt
	for i := 1; i < v/2; i++ {
		lt += math.Log(m) - math.Log(float64(i))
		ls = logAdd(ls, lt)
	}
	return min(ls, 0)
}

func logAdd(a, b float64) float64 {
	if a < b {
		a, b = b, a
	}
	return a + math.Log1p(math.Exp(b-a))
}

var clueScorers = []struct {
	name string
	f    func([]bayes.Clue) float64
}{
	{"chi prob", func(c []bayes.Clue) float64 { return chiP(c) }},
	{"sum llr", func(c []bayes.Clue) float64 {
		s := 0.0
		for _, x := range c {
			s += logit(x.Prob)
		}
		return s
	}},
	{"mean llr", func(c []bayes.Clue) float64 {
		s := 0.0
		for _, x := range c {
			s += logit(x.Prob)
		}
		return s / float64(max(len(c), 1))
	}},
	{"log chi (lnQh - lnQs)", func(c []bayes.Clue) float64 {
		var lnS, lnH float64
		for _, cl := range c {
			p := min(max(cl.Prob, 1e-6), 1-1e-6)
			lnH += math.Log(p)
			lnS += math.Log(1 - p)
		}
		n := len(c)
		if n == 0 {
			return 0
		}
		// S = 1 - Q(-2 lnS): spam evidence strong when Q(-2lnS) small.
		return logChi2Q(-2*lnH, 2*n) - logChi2Q(-2*lnS, 2*n)
	}},
}

func chiP(clues []bayes.Clue) float64 {
	if len(clues) == 0 {
		return 0.5
	}
	var lnS, lnH float64
	for _, cl := range clues {
		p := min(max(cl.Prob, 1e-6), 1-1e-6)
		lnH += math.Log(p)
		lnS += math.Log(1 - p)
	}
	n := len(clues)
	s := 1 - math.Exp(logChi2Q(-2*lnS, 2*n))
	h := 1 - math.Exp(logChi2Q(-2*lnH, 2*n))
	return (s - h + 1) / 2
}

func TestSpamTokenStats(t *testing.T) {
	if os.Getenv("LYCHGATE_SPAMEXP") == "" {
		t.Skip("set LYCHGATE_SPAMEXP=1")
	}
	items := expItems(t, expCorpus(t), 5)
	want := strings.Split(os.Getenv("LYCHGATE_TOKS"), ",")
	for _, w := range want {
		var ham, hard, sp int
		for _, it := range items {
			toks := append(append([]string(nil), it.toks...), allHeaderExtra(it.m)...)
			for _, x := range toks {
				if x == w || (strings.HasSuffix(w, "*") && strings.HasPrefix(x, strings.TrimSuffix(w, "*"))) {
					switch {
					case it.spam:
						sp++
					case strings.Contains(it.name, "hard_ham"):
						hard++
						ham++
					default:
						ham++
					}
					break
				}
			}
		}
		t.Logf("%-30s ham %4d (hard %3d) spam %4d", w, ham, hard, sp)
	}
}

// TestSpamExperimentSeeds repeats the round's comparison with other fold
// assignments (train split only).
func TestSpamExperimentSeeds(t *testing.T) {
	if os.Getenv("LYCHGATE_SPAMEXP") == "" {
		t.Skip("set LYCHGATE_SPAMEXP=1")
	}
	const k = 5
	items := expItems(t, expCorpus(t), k)
	shapePrefixes := []string{"h:to:", "h:cc:", "h:to=from", "h:subj", "h:midlen:", "h:midnoat", "h:content-transfer-encoding:", "h:x-priority:", "h:x-msmail-priority:", "h:importance:", "h:precedence:", "h:mime-version:"}
	noShape := func(it expItem) []string {
		var o []string
	next:
		for _, x := range it.toks {
			for _, p := range shapePrefixes {
				if strings.HasPrefix(x, p) {
					continue next
				}
			}
			o = append(o, x)
		}
		return o
	}
	all := func(it expItem) []string { return it.toks }
	for _, seed := range []string{"cv/", "seedA/", "seedB/", "seedC/"} {
		for i := range items {
			h := fnvHash(seed + filepath.Base(items[i].name))
			items[i].fold = int(h % k)
		}
		for _, v := range []struct {
			name string
			toks func(expItem) []string
			o    bayes.Options
		}{
			{"before (no header opinion, no shape tokens)", noShape, bayes.Options{HeaderWeight: -1}},
			{"header opinion", noShape, bayes.Options{}},
			{"shape tokens, no header opinion", all, bayes.Options{HeaderWeight: -1}},
			{"header opinion + shape tokens (chosen)", all, bayes.Options{}},
		} {
			p, _ := cvProbs(t, items, k, v.toks, v.o)
			t.Logf("folds %s %s: %s", seed, v.name, frontier(items, p))
		}
	}
}

func fnvHash(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

// TestSpamExperimentOpinions tries further family opinions next to the
// header one (train split only).
func TestSpamExperimentOpinions(t *testing.T) {
	if os.Getenv("LYCHGATE_SPAMEXP") == "" {
		t.Skip("set LYCHGATE_SPAMEXP=1")
	}
	const k = 5
	items := expItems(t, expCorpus(t), k)
	for _, seed := range []string{"cv/", "seedA/", "seedB/", "seedC/"} {
		for i := range items {
			items[i].fold = int(fnvHash(seed+filepath.Base(items[i].name)) % k)
		}
		_, clues := cvProbs(t, items, k, func(it expItem) []string { return it.toks }, bayes.Options{HeaderWeight: -1})
		top := func(cs []bayes.Clue, pre string, n int) []bayes.Clue {
			var o []bayes.Clue
			for _, c := range cs {
				if strings.HasPrefix(c.Token, pre) {
					o = append(o, c)
					if len(o) == n {
						break
					}
				}
			}
			return o
		}
		for _, fams := range [][]string{{"h:"}, {"h:", "url:"}, {"h:", "h:rcvd:"}, {"h:", "url:", "h:rcvd:"}} {
			for _, n := range []int{3} {
				v := make([]float64, len(items))
				for i := range items {
					x := logit(chiP(clues[i]))
					for _, f := range fams {
						x += logit(chiP(top(clues[i], f, n)))
					}
					v[i] = 1 / (1 + math.Exp(-x))
				}
				t.Logf("folds %s opinions %v (%d clues each): %s", seed, fams, n, frontier(items, v))
			}
		}
	}
}

// TestSpamExperimentStack fits per-rule weights next to the classifier's
// log-odds (logistic regression, cross-validated over the train split).
func TestSpamExperimentStack(t *testing.T) {
	if os.Getenv("LYCHGATE_SPAMEXP") == "" {
		t.Skip("set LYCHGATE_SPAMEXP=1")
	}
	const k = 5
	items := expItems(t, expCorpus(t), k)
	probs, _ := cvProbs(t, items, k, func(it expItem) []string { return it.toks }, bayes.Options{})
	idx := map[string]int{}
	for _, it := range items {
		for _, id := range it.ids {
			if _, ok := idx[id]; !ok {
				idx[id] = len(idx)
			}
		}
	}
	nf := 2 + len(idx)
	feat := func(i int) []float64 {
		x := make([]float64, nf)
		x[0] = 1
		x[1] = max(min(logit(probs[i]), 20), -20) / 10
		for _, id := range items[i].ids {
			x[2+idx[id]] = 1
		}
		return x
	}
	for _, hamW := range []float64{1, 3, 10} {
		for _, l2 := range []float64{0.001, 0.01} {
			score := make([]float64, len(items))
			for f := range k {
				w := make([]float64, nf)
				for range 400 {
					g := make([]float64, nf)
					for i, it := range items {
						if it.fold == f {
							continue
						}
						x := feat(i)
						z := 0.0
						for j := range x {
							z += w[j] * x[j]
						}
						y, cw := 0.0, hamW
						if it.spam {
							y, cw = 1, 1
						}
						d := cw * (1/(1+math.Exp(-z)) - y)
						for j := range x {
							g[j] += d * x[j]
						}
					}
					for j := range w {
						w[j] -= 0.5 * (g[j]/float64(len(items)) + l2*w[j])
					}
				}
				for i, it := range items {
					if it.fold == f {
						x := feat(i)
						z := 0.0
						for j := range x {
							z += w[j] * x[j]
						}
						score[i] = z
					}
				}
			}
			t.Logf("stack hamW %g l2 %g: %s", hamW, l2, frontierScore(items, score))
		}
	}
	t.Logf("baseline: %s", frontier(items, probs))
}
