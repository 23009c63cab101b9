package classify

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/internal/realdata"
	"github.com/lychgate/lychgate/internal/testutil/shareddata"
	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/textnorm"
)

// The differential tests: Best and Score of the fused scorer (score.go)
// and of the chunker path (bestSlow) must equal the reference
// implementation (reference_test.go) bit for bit, probabilities and
// spans, on the real corpus texts and on random and adversarial strings.

// sharedDir finds ../shared/<sub> beside a main checkout or a worktree.
func sharedDir(sub string) string {
	d := shareddata.Dir()
	if d == "" {
		return ""
	}
	p := filepath.Join(d, sub)
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	return p
}

// corpusTexts returns the texts of the labelled sets in ../shared/data and
// the subject and bodies of the ham corpus as the Scanner reads them
// (every one, or every eighth under the race detector), and whether each
// part was present.
func corpusTexts(t *testing.T) (texts []string, haveData, haveHam bool) {
	t.Helper()
	step := 1
	if shareddata.Race {
		step = 8
	}
	if d := sharedDir("data"); d != "" {
		exs, err := realdata.Load(d)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		for i := 0; i < len(exs); i += step {
			texts = append(texts, exs[i].Text)
		}
		haveData = len(exs) > 0
	}
	if d := sharedDir("corpus/spamassassin/ham"); d != "" {
		files, _ := filepath.Glob(filepath.Join(d, "*"))
		lim := message.Limits{}.WithDefaults()
		var fields []textnorm.Field
		for i := 0; i < len(files); i += step {
			raw, err := os.ReadFile(files[i])
			if err != nil {
				t.Fatal(err)
			}
			fields = textnorm.MessageFields(message.Parse(context.Background(), raw, lim), fields[:0])
			for _, f := range fields {
				if f.Name == "subject" || f.Name == "body" {
					texts = append(texts, f.Text)
				}
			}
		}
		haveHam = len(files) > 0
	}
	return texts, haveData, haveHam
}

// adversarialTexts are strings built to hit the scorer's edges: chunk
// boundaries at exactly ChunkTarget and ChunkMax, a chunk of one huge word
// (no separator in a megabyte), one word repeated a million times, every
// byte value, apostrophes, CR-only lines, and invalid UTF-8.
func adversarialTexts() []string {
	var all strings.Builder
	for i := range 256 {
		all.WriteByte(byte(i))
	}
	million := 1_000_000
	if shareddata.Race {
		million = 50_000
	}
	out := []string{
		"", "a", "A", "'", "''a''", " ", ".", "a.", ".a", "a b", "a'b c'd", "I'm", "\xff", "\x00a\x00",
		"I want to die. Nobody would miss me.\n\nsee you later",
		"\xff\xfe🖕 you're. so. ugly!!!",
		all.String(), strings.Repeat(all.String(), 20),
		strings.Repeat("a", 1<<20),                // one huge word: one chunk
		strings.Repeat("x", ChunkMax+5) + " tail", // the ChunkMax cut
		strings.Repeat("kill myself ", million),   // a million words, 12 MB (50,000 under -race)
		strings.Repeat("ab. ", 1000),
		strings.Repeat("no\r", 2000),
		strings.Repeat("!?.", 3000),
		strings.Repeat("you're so ugly and nobody likes you. ", 80),
	}
	// a sentence end at every offset around ChunkTarget and ChunkMax
	for _, at := range []int{ChunkTarget, ChunkMax} {
		for d := -3; d <= 3; d++ {
			for _, end := range []string{". ", ".", "\n", "! x", "?\r", ".x", " "} {
				out = append(out, strings.Repeat("w", at+d)+end+"more words here")
				out = append(out, strings.Repeat("ab ", (at+d)/3)+end+"more words here")
			}
		}
	}
	return out
}

// randomTexts are n strings over an alphabet of the byte classes the
// scorer tells apart, with a sentence end now and then.
func randomTexts(r *rand.Rand, n int) []string {
	const alpha = "aZ9'.!? \n\r\t,-\x80\xff"
	out := make([]string, n)
	for i := range out {
		b := make([]byte, r.IntN(3000))
		for j := range b {
			if r.IntN(4) == 0 {
				b[j] = alpha[r.IntN(len(alpha))]
			} else {
				b[j] = byte('a' + r.IntN(26))
			}
		}
		out[i] = string(b)
	}
	return out
}

// randomModel is a model of nt topics and 2^bits buckets with weights
// spread over the whole int8 range (including -128), decoded so it is
// packed when nt <= 4.
func randomModel(t *testing.T, r *rand.Rand, nt, bits int) *Model {
	t.Helper()
	m := &Model{Bits: bits, W: make([]int8, (1<<bits)*nt)}
	for i := range nt {
		m.Topics = append(m.Topics, "t"+string(rune('a'+i)))
		m.Bias = append(m.Bias, float32(r.NormFloat64()))
		m.Scale = append(m.Scale, float32(r.Float64()/20))
		m.Low = append(m.Low, 0.5)
		m.Medium = append(m.Medium, 0.9)
	}
	for i := range m.W {
		m.W[i] = int8(r.IntN(256) - 128)
	}
	d, err := Decode(m.Encode())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// unpacked returns a copy of m without the packed weights, so Best takes
// the chunker path (as for a model the training program builds).
func unpacked(m *Model) *Model {
	return &Model{Topics: m.Topics, Bits: m.Bits, Bias: m.Bias, Scale: m.Scale, Low: m.Low, Medium: m.Medium, W: m.W}
}

// checkSame fails unless Best (through best and spans, reused) and Score
// of m equal the reference on text, bit for bit.
func checkSame(t *testing.T, name string, m *Model, text string, best []float64, spans [][2]int) ([]float64, [][2]int) {
	t.Helper()
	want, wantSpans := refBest(m, text)
	best, spans = m.Best(text, best, spans)
	for tp := range want {
		if math.Float64bits(best[tp]) != math.Float64bits(want[tp]) || spans[tp] != wantSpans[tp] {
			t.Fatalf("%s: Best(%.40q…, %d bytes)[%s] = %v %v, want %v %v", name, text, len(text), m.Topics[tp], best[tp], spans[tp], want[tp], wantSpans[tp])
		}
	}
	if len(best) != len(want) || len(spans) != len(want) {
		t.Fatalf("%s: Best returned %d probabilities and %d spans, want %d", name, len(best), len(spans), len(want))
	}
	return best, spans
}

func TestBestMatchesReferenceCorpus(t *testing.T) {
	t.Parallel()
	texts, haveData, haveHam := corpusTexts(t)
	if !haveData {
		t.Log("../shared/data is absent: the labelled sets are not compared")
	}
	if !haveHam {
		t.Log("../shared/corpus/spamassassin/ham is absent: the ham corpus is not compared")
	}
	if len(texts) == 0 {
		t.Skip("../shared/data and ../shared/corpus are absent: no corpus text to compare (the random and adversarial tests still run)")
	}
	m, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	slow := unpacked(m)
	var best []float64
	var spans [][2]int
	n := 0
	for i, text := range texts {
		best, spans = checkSame(t, "packed", m, text, best, spans)
		if i%4 == 0 {
			// the chunker path (as for a model training builds)
			best, spans = checkSame(t, "unpacked", slow, text, best, spans)
		}
		n += len(text)
	}
	t.Logf("%d texts, %d bytes: identical", len(texts), n)
	// Score is Best by topic name.
	for _, text := range texts[:min(len(texts), 200)] {
		want, _ := refBest(m, text)
		got := m.Score(text)
		for tp, name := range m.Topics {
			if math.Float64bits(got[name]) != math.Float64bits(want[tp]) {
				t.Fatalf("Score(%.40q)[%s] = %v, want %v", text, name, got[name], want[tp])
			}
		}
	}
}

func TestBestMatchesReferenceAdversarial(t *testing.T) {
	t.Parallel()
	m, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(11, 16))
	nrand := 300
	if shareddata.Race {
		nrand = 60
	}
	texts := append(adversarialTexts(), randomTexts(r, nrand)...)
	models := map[string]*Model{"default": m, "default unpacked": unpacked(m)}
	for nt := 1; nt <= 6; nt++ {
		rm := randomModel(t, r, nt, 8+4*(nt%3))
		if nt == 3 {
			// more than 16 bits: the chunker path
			models["random 3, 18 bits"] = randomModel(t, r, nt, 18)
		}
		models["random "+string(rune('0'+nt))] = rm
		if nt <= 4 {
			models["random unpacked "+string(rune('0'+nt))] = unpacked(rm)
		}
	}
	for name, mm := range models {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var best []float64
			var spans [][2]int
			for _, text := range texts {
				if len(text) > 1<<20 && !strings.HasPrefix(name, "default") {
					continue // the megabyte texts once per path is enough
				}
				best, spans = checkSame(t, name, mm, text, best, spans)
			}
		})
	}
}

// TestBestExtremeWeights gives every bucket the largest and the smallest
// weight, so the sums reach their extremes. One chunk of a 17 MB word
// holds enough features (2^31/128) to wrap the int32 sums, which must wrap
// as the reference's do; for that one text the expected score is worked
// out directly (a single word of n bytes has n features: its n-1 4-grams
// and itself), as the reference would need a 68 MB feature list.
func TestBestExtremeWeights(t *testing.T) {
	t.Parallel()
	for _, w := range []int8{127, -128} {
		m := &Model{Topics: []string{"a", "b", "c"}, Bits: 8, Bias: []float32{0, 1, -1}, Scale: []float32{1e-3, 1, 30},
			Low: []float32{0.5, 0.5, 0.5}, Medium: []float32{0.9, 0.9, 0.9}, W: make([]int8, 256*3)}
		for i := range m.W {
			m.W[i] = w
		}
		d, err := Decode(m.Encode())
		if err != nil {
			t.Fatal(err)
		}
		for _, text := range []string{strings.Repeat("a ", 1<<18), strings.Repeat("ab ", 1<<18), "x"} {
			checkSame(t, "packed", d, text, nil, nil)
			checkSame(t, "unpacked", m, text, nil, nil)
		}
		// the worked-out score, checked against the reference on 1 MB
		// and then used on 17 MB
		for _, n := range []int{1 << 20, 17 << 20} {
			if n > 1<<20 && shareddata.Race {
				continue
			}
			text := strings.Repeat("a", n)
			got, spans := d.Best(text, nil, nil)
			var ref []float64
			if n <= 1<<20 {
				ref, _ = refBest(d, text)
			}
			for tp := range got {
				acc := int32(int64(w) * int64(n)) // wraps past 2^31/128 features
				want := max(sigmoid(float64(d.Bias[tp])+float64(d.Scale[tp])*float64(acc)*Norm(n)), 0)
				if ref != nil && math.Float64bits(ref[tp]) != math.Float64bits(want) {
					t.Fatalf("weights %d: the worked-out score of a %d-byte word %v differs from the reference's %v", w, n, want, ref[tp])
				}
				if math.Float64bits(got[tp]) != math.Float64bits(want) || spans[tp] != [2]int{0, n} {
					t.Errorf("weights %d: Best(%d-byte word)[%d] = %v %v, want %v [0 %d]", w, n, tp, got[tp], spans[tp], want, n)
				}
			}
		}
	}
}

// FuzzBestMatchesReference compares Best with the reference on any text.
func FuzzBestMatchesReference(f *testing.F) {
	for _, s := range adversarialTexts() {
		if len(s) < 4096 {
			f.Add(s)
		}
	}
	m, err := Default()
	if err != nil {
		f.Fatal(err)
	}
	slow := unpacked(m)
	f.Fuzz(func(t *testing.T, text string) {
		checkSame(t, "packed", m, text, nil, nil)
		checkSame(t, "unpacked", slow, text, nil, nil)
	})
}

// TestScanCancelled checks Scan still stops on a cancelled context.
func TestScanCancelled(t *testing.T) {
	t.Parallel()
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	msg := message.Parse(context.Background(), []byte("Subject: hi\r\n\r\n"+strings.Repeat("some words here. ", 1000)+"\r\n"), message.Limits{}.WithDefaults())
	if _, err := s.Scan(ctx, msg, &scanners.Envelope{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Scan(cancelled) error = %v, want context.Canceled", err)
	}
}
