package profanity

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/internal/testutil/shareddata"
	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/textnorm"
)

// refScan is Scan with the filter as first written (refFilter, quadratic
// and obviously right) and each field normalised on its own: the
// scanner's findings must be these, byte for byte.
func (s *Scanner) refScan(m *message.Message) []scanners.Finding {
	fields := textnorm.MessageFields(m, nil)
	n := textnorm.NewNormalizer()
	var acc accum
	for _, f := range fields {
		res := n.Normalize(f.Text)
		for _, h := range refFilter(s, res, s.m.Match(res, nil)) {
			t := s.tier[h.Pattern]
			if t < allowTier { // an insult: judged by insult.go
				s.insultHit(&acc, f, res, h)
				continue
			}
			acc.count[t]++
			if t == Strong && !acc.directed {
				acc.directed = Directed(res, h)
			}
			a, b := res.Span(int(h.Start), int(h.End))
			if len(acc.ev[t]) < s.maxEv {
				acc.ev[t] = append(acc.ev[t], scanners.Evidence{
					Part: f.Part, Field: f.Name, Offset: a, Length: b - a,
					Text: textnorm.Quote(f.Text, a, b, 120),
				})
			}
			if w := s.words[h.Pattern]; len(acc.words[t]) < 5 && !slices.Contains(acc.words[t], w) {
				acc.words[t] = append(acc.words[t], w)
			}
		}
	}
	out := s.findings(&acc)
	if g, ok := gestureFinding(fields, s.maxEv); ok {
		out = append(out, g)
	}
	if g, ok := maskFinding(fields, s.maxEv); ok {
		out = append(out, g)
	}
	return out
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

func textMessage(text string) *message.Message {
	return &message.Message{Subject: "re", Texts: []message.Text{{PartID: "1", ContentType: "text/plain", Content: text}}}
}

// TestScanSameAsReferenceCorpus compares the findings with the
// reference's on every ham and spam message of the SpamAssassin corpus
// and on the texts of the labelled sets ../shared/data/train-*.csv, each
// sent as a message.
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
	n, found := 0, 0
	for i := 0; i < len(files); i += shareddata.Every() {
		raw, err := os.ReadFile(files[i])
		if err != nil {
			t.Fatal(err)
		}
		found += sameFindings(t, s, files[i], message.Parse(t.Context(), raw, message.Limits{}))
		n++
	}
	csvs, _ := filepath.Glob(filepath.Join(dir, "data/train-*.csv"))
	for _, f := range csvs {
		for i, text := range shareddata.CSVTexts(t, f) {
			if i%shareddata.Every() == 0 {
				found += sameFindings(t, s, f, textMessage(text))
				n++
			}
		}
	}
	t.Logf("%d messages and texts, %d findings, all as the reference", n, found)
	if found == 0 {
		t.Error("no findings at all: the comparison proves nothing")
	}
}

// TestScanSameAsReferenceAdversarial compares the findings on hostile
// texts (one word repeated a million times, a huge word, words inside
// allowed words; the reference, quadratic, reads a short piece of each),
// scans them whole, and checks that a cancelled scan of them stops with
// the context's error.
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
		"strong word repeated":    strings.Repeat("fuck ", n),
		"directed word repeated":  strings.Repeat("fuck you ", n/2),
		"allowed word repeated":   strings.Repeat("scunthorpe ", n/2),
		"words without a space":   strings.Repeat("fuckshit", n/2),
		"one huge word":           strings.Repeat("a", 4*n),
		"spelled out, repeated":   strings.Repeat("f.u.c.k ", n/2),
		"mixed tiers and allowed": strings.Repeat("arse arsenal twat blue tit ", n/8),
	}
	for name, text := range cases {
		sameFindings(t, s, name, textMessage(text[:min(len(text), 4096)]))
		m := textMessage(text)
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
