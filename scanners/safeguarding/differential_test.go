package safeguarding

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/internal/testutil/shareddata"
	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/textnorm"
)

// refScan is Scan as first written: each field matched whole with every
// term (refMatch, the reference_test.go matcher: no anchor gate, no
// TagAlone shortcut), then the same context rules and findings. The
// scanner's findings must be these, byte for byte.
func (s *Scanner) refScan(m *message.Message) []scanners.Finding {
	t := textnorm.NewText(m)
	st := s.pool.New().(*state)
	var acc accum
	for i, f := range t.Fields {
		res := &t.Norm[i]
		s.refMatch(res, st)
		s.scanField(&acc, st, f, res)
	}
	return s.findings(&acc)
}

// sameFindings fails t when s.Scan(m) and s.refScan(m) differ, and
// returns the number of findings.
func sameFindings(t *testing.T, s *Scanner, name string, m *message.Message) int {
	t.Helper()
	got, err := s.Scan(context.Background(), m, nil)
	if err != nil {
		t.Fatalf("%s: Scan: %v", name, err)
	}
	want := s.refScan(m)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: Scan differs from the reference\n got %+v\nwant %+v", name, got, want)
	}
	return len(want)
}

// TestScanSameAsReferenceCorpus compares the scanner's findings with the
// reference's on every ham and spam message of the SpamAssassin corpus.
func TestScanSameAsReferenceCorpus(t *testing.T) {
	t.Parallel()
	dir := shareddata.Dir()
	if dir == "" {
		t.Skip("../shared/corpus not present: no corpus to compare on")
	}
	if testing.Short() {
		t.Skip("-short")
	}
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "corpus/spamassassin/*/*"))
	if len(files) == 0 {
		t.Skip("../shared/corpus/spamassassin is empty")
	}
	n, found := 0, 0
	for i := 0; i < len(files); i += shareddata.Every() {
		raw, err := os.ReadFile(files[i])
		if err != nil {
			t.Fatal(err)
		}
		found += sameFindings(t, s, files[i], message.Parse(t.Context(), raw, message.Limits{}))
		n++
	}
	t.Logf("%d messages, %d findings, all as the reference", n, found)
	if found == 0 {
		t.Error("no findings at all: the comparison proves nothing")
	}
}

// TestScanSameAsReferenceData compares the findings on the texts of the
// labelled sets ../shared/data/train-*.csv, each sent as a message.
func TestScanSameAsReferenceData(t *testing.T) {
	t.Parallel()
	dir := shareddata.Dir()
	if dir == "" {
		t.Skip("../shared/data not present: no labelled texts to compare on")
	}
	if testing.Short() {
		t.Skip("-short")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "data/train-*.csv"))
	if len(files) == 0 {
		t.Skip("../shared/data/train-*.csv not present")
	}
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	n, found := 0, 0
	for _, f := range files {
		for i, text := range shareddata.CSVTexts(t, f) {
			if i%shareddata.Every() != 0 {
				continue
			}
			m := &message.Message{Subject: "re", Texts: []message.Text{{PartID: "1", ContentType: "text/plain", Content: text}}}
			found += sameFindings(t, s, f, m)
			n++
		}
	}
	t.Logf("%d texts, %d findings, all as the reference", n, found)
	if found == 0 {
		t.Error("no findings at all: the comparison proves nothing")
	}
}

// TestScanSameAsReferenceCases compares the findings on texts made to
// reach the edges of the TagAlone shortcut (aloneSpan) and the anchor
// gate: insults alone and inside long text, long runs and separators that
// stretch a short hit over a long field.
func TestScanSameAsReferenceCases(t *testing.T) {
	t.Parallel()
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("the build server was down all day again. ", 4)
	cases := map[string]string{
		"insult alone":                 "you pig",
		"insult in a long mail":        long + "that bastard of a bug",
		"insult beside a phrase":       long + "bastard. fuck you",
		"insult then padding":          "bastard" + strings.Repeat(" ", 200),
		"insult run over the field":    "bastar" + strings.Repeat("d", 300),
		"insult spelled out":           strings.Repeat("b a s t a r d ", 3),
		"insult with zero widths":      "bas" + strings.Repeat("\u200b", 100) + "tard",
		"insult stretched by marks":    "you " + strings.Repeat("\u0301", 80) + "pig",
		"64 bytes around an insult":    strings.Repeat("x", 32) + " idiot " + strings.Repeat("y", 32),
		"65 bytes around an insult":    strings.Repeat("x", 33) + " idiot " + strings.Repeat("y", 32),
		"words around an insult":       "a b c d e f g h i j k l idiot m n o p q r s t u v w x y z",
		"long words around an insult":  strings.Repeat("aaaaaaaaaa ", 7) + "idiot" + strings.Repeat(" bbbbbbbbbb", 7),
		"phrase at the end":            long + "i want to kill myself",
		"phrase in a list of insults":  strings.Repeat("idiot loser freak ", 50) + "nobody likes you",
		"hyperbole and a phrase":       long + "this homework is killing me. i want to die",
		"repeated anchor words":        strings.Repeat("want point send come without big old ", 300),
		"alone insults and gaps":       strings.Repeat("idiot ... ", 100),
		"negated phrase in long text":  long + "i will not kill you",
		"grooming signals":             long + "dont tell your mum, send me a pic",
		"near miss":                    long + "the only reason i didnt kill myself",
		"insult in a short subject":    "loser",
		"separators stretch the field": "idiot" + strings.Repeat(".", 100) + "x",
	}
	for name, text := range cases {
		m := &message.Message{Subject: text, Texts: []message.Text{{PartID: "1", ContentType: "text/plain", Content: text}}}
		sameFindings(t, s, name, m)
	}
	for _, text := range fuzzSeeds {
		m := &message.Message{Texts: []message.Text{{PartID: "1", ContentType: "text/plain", Content: long + text}}}
		sameFindings(t, s, text, m)
	}
}

// TestScanSameAsReferenceAdversarial compares the findings on hostile
// texts (one word repeated a million times, a huge line, a huge word; the
// reference reads an eighth of each), scans them whole, and checks that a
// cancelled scan of them stops with the context's error.
func TestScanSameAsReferenceAdversarial(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("-short")
	}
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := 1_000_000
	if shareddata.Race {
		n /= 8
	}
	cases := map[string]string{
		"anchor word repeated":    strings.Repeat("kill ", n),
		"alone insult repeated":   strings.Repeat("idiot ", n),
		"common word repeated":    strings.Repeat("you ", n),
		"phrase repeated":         strings.Repeat("kill yourself ", n/8),
		"huge line of anchors":    strings.Repeat("want point send come ", n/8),
		"one huge word":           strings.Repeat("a", 4*n),
		"one huge spelled word":   strings.Repeat("k.", n/2),
		"anchors without a space": strings.Repeat("kill.myself,", n/8),
	}
	for name, text := range cases {
		// the reference is slow on these: it compares an eighth of each
		short := text[:len(text)/8]
		sameFindings(t, s, name, &message.Message{Texts: []message.Text{{PartID: "1", ContentType: "text/plain", Content: short}}})
		m := &message.Message{Texts: []message.Text{{PartID: "1", ContentType: "text/plain", Content: text}}}
		if _, err := s.Scan(t.Context(), m, nil); err != nil {
			t.Errorf("%s: Scan = %v", name, err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := s.Scan(ctx, m, nil); !errors.Is(err, context.Canceled) {
			t.Errorf("%s: Scan with a cancelled context = %v, want context.Canceled", name, err)
		}
	}
}

// TestScanSameAsReferenceAloneEdge builds, for every TagAlone phrase of
// the lexicon, its widest hits (for each term an alternative of most
// words, each gap filled) with 64 and with 65 bytes of text around them,
// and with long letter runs at their ends instead: the edges of alone's
// byte rule and of the word bound, where the TagAlone shortcut
// (aloneSpan) must not drop a hit that counts.
func TestScanSameAsReferenceAloneEdge(t *testing.T) {
	t.Parallel()
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for pi := range s.phrases {
		p := &s.phrases[pi]
		if p.tag != TagAlone {
			continue
		}
		for _, ws := range widest(s, p, 64) {
			hit := strings.Join(ws, " ")
			// Long runs at both ends: no text around the hit, and its
			// separators all within the bytes aloneSpan counts them in.
			first, last := ws[0], ws[len(ws)-1]
			ws[0] = strings.Repeat(first[:1], 70) + first[1:]
			ws[len(ws)-1] = last + strings.Repeat(last[len(last)-1:], 70)
			texts := []string{strings.Join(ws, " ")}
			for _, pad := range []int{64, 65} {
				a := strings.Repeat("q", (pad-2)/2)
				texts = append(texts, a+" "+hit+" "+strings.Repeat("r", pad-2-len(a)))
			}
			for _, text := range texts {
				n += sameFindings(t, s, text, &message.Message{Texts: []message.Text{{PartID: "1", ContentType: "text/plain", Content: text}}})
			}
		}
	}
	if n == 0 {
		t.Error("no TagAlone phrase counted even with 64 bytes around it: the comparison proves nothing")
	}
}

// widest returns up to limit word lists of the widest hits of p: each term
// an alternative of most words (every such combination), each gap filled
// with a filler word.
func widest(s *Scanner, p *phrase, limit int) [][]string {
	out := [][]string{nil}
	for k, tm := range p.terms {
		most := 0
		for _, alt := range s.terms[tm].pats {
			most = max(most, s.m.Words(alt))
		}
		var next [][]string
		for _, ws := range out {
			for _, alt := range s.terms[tm].pats {
				if s.m.Words(alt) != most || len(next) == limit {
					continue
				}
				w := append([]string(nil), ws...)
				for range p.gaps[k] {
					w = append(w, "zz")
				}
				next = append(next, append(w, s.patText[alt]))
			}
		}
		out = next
	}
	return out
}
