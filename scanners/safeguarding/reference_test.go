package safeguarding

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/internal/testutil/shareddata"
	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/textnorm"
)

// refMatch is the phrase matcher before the anchor gate (gate.go), kept as
// the reference: all terms matched over the whole text, phrases assembled
// from the hits.
func (s *Scanner) refMatch(res *textnorm.Result, st *state) {
	termHits := map[int][]textnorm.Hit{} // its own, simplest storage
	var touched []int
	st.phits = st.phits[:0]
	st.hits = s.m.Match(res, st.hits[:0])
	if len(st.hits) == 0 {
		return
	}
	for _, h := range st.hits {
		for _, t := range s.patTerms[h.Pattern] {
			if len(termHits[t]) == 0 {
				touched = append(touched, t)
			}
			termHits[t] = append(termHits[t], h)
		}
	}
	for _, t := range touched {
		for _, pi := range s.terms[t].phrasesFirst {
			p := &s.phrases[pi]
			if slices.ContainsFunc(p.terms, func(t int) bool { return len(termHits[t]) == 0 }) {
				continue
			}
			for _, h1 := range termHits[t] {
				end, ew, ok := h1.End, h1.EndWord, true
				var alts [maxAlts]int32 // for the explanation (refScan)
				alts[0] = h1.Pattern
				for k := 1; k < len(p.terms); k++ {
					found := false
					th := termHits[p.terms[k]]
					lo, _ := slices.BinarySearchFunc(th, ew+1, func(h textnorm.Hit, w int32) int { return int(h.EndWord - w) })
					gap := int32(p.gaps[k])
					for _, h := range th[lo:] {
						if h.EndWord > ew+1+gap+maxTermWords {
							break
						}
						if h.StartWord > ew && h.StartWord <= ew+1+gap {
							if h.StartWord > ew+1 && negated(res.B[end:h.Start]) {
								continue
							}
							end, ew, found = h.End, h.EndWord, true
							if k < maxAlts {
								alts[k] = h.Pattern
							}
							break
						}
					}
					if !found {
						ok = false
						break
					}
				}
				if ok {
					st.phits = append(st.phits, phraseHit{phrase: pi, start: int(h1.Start), end: int(end), sw: int(h1.StartWord), ew: int(ew), alts: alts})
					break
				}
			}
		}
	}
}

// textHits is MatchText with the matcher given.
func (s *Scanner) textHits(text string, match func(*textnorm.Result, *state)) []TextHit {
	st := s.pool.New().(*state)
	res := st.n.Normalize(text)
	match(res, st)
	var out []TextHit
	for _, h := range st.phits {
		p := &s.phrases[h.phrase]
		a, b := res.Span(h.start, h.end)
		out = append(out, TextHit{Topic: s.topics[p.topic], Tag: p.tag, Phrase: p.text, Severity: p.sev, Hyperbole: s.hyperbole(st, h), Start: a, End: b})
	}
	return out
}

// sameAsReference fails t when MatchText(text) differs from the
// reference's hits, and returns the number of hits.
func sameAsReference(t testing.TB, s *Scanner, name, text string) int {
	t.Helper()
	want := s.textHits(text, s.refMatch)
	got := s.MatchText(text)
	if !slices.Equal(got, want) {
		t.Errorf("%s: MatchText differs from the reference\n got %+v\nwant %+v", name, got, want)
	}
	// The phrases found near anchors alone are the reference's, in another
	// order: what makes the gate exact.
	near := sortedHits(s.textHits(text, func(res *textnorm.Result, st *state) {
		whole := s.gate.m.Match(res, nil)
		st.hits = s.matchNearAnchors(res, st, whole, whole, st.hits[:0])
		_ = s.assemble(context.Background(), res, st) // never cancelled
	}))
	if want = sortedHits(want); !slices.Equal(near, want) {
		t.Errorf("%s: phrases near anchors differ from the reference\n got %+v\nwant %+v", name, near, want)
	}
	return len(want)
}

func sortedHits(h []TextHit) []TextHit {
	slices.SortFunc(h, func(a, b TextHit) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		if a.End != b.End {
			return a.End - b.End
		}
		return strings.Compare(a.Phrase, b.Phrase)
	})
	return h
}

// corpusTexts returns the fields of the messages in the ham corpus and the
// labelled set, by file.
func corpusTexts(t *testing.T) map[string][]string {
	var files []string
	if d := shareddata.Dir(); d != "" {
		files, _ = filepath.Glob(filepath.Join(d, "corpus/spamassassin/ham/*"))
	}
	if len(files) == 0 {
		t.Log("ham corpus ../../../shared/corpus/spamassassin/ham not present: labelled set only")
	}
	more, _ := filepath.Glob("../../testdata/content/*/*/*")
	files = append(files, more...)
	out := map[string][]string{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, fl := range textnorm.MessageFields(message.Parse(t.Context(), raw, message.Limits{}), nil) {
			out[f] = append(out[f], fl.Text)
		}
	}
	return out
}

func TestSameAsReference(t *testing.T) {
	texts := corpusTexts(t)
	if testing.Short() {
		t.Skip("-short")
	}
	for _, opts := range []Options{{}, {MaxGap: 3}} {
		s, err := New(opts)
		if err != nil {
			t.Fatal(err)
		}
		if !s.gate.ok {
			t.Fatal("gate off")
		}
		n := 0
		for f, fields := range texts {
			for _, text := range fields {
				n += sameAsReference(t, s, f, text)
			}
		}
		t.Logf("MaxGap %d: %d files, %d phrase hits, all as the reference", opts.MaxGap, len(texts), n)
		if n == 0 {
			t.Error("no phrase hits at all: the comparison proves nothing")
		}
	}
}

func TestSameAsReferenceCases(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range fuzzSeeds {
		sameAsReference(t, s, text, text)
	}
}

var fuzzSeeds = []string{
	"i want to kill myself",
	"dont you tell ur mum, send me a pic of you and don't tell your mum",
	"this homework is killing me. i could kill myself laughing",
	"i will not kill you. i will never ever kill you",
	"you're so mature for your age, meet me after school",
	"everyone would be better off without me",
	"my mum will kill me if I end my life",
	"1488 sieg heil, kill all jews",
	"how old are you? how old r u? asl",
	"i'll buy you a phone and some robux if you keep it between us",
	"no one likes you, everyone hates you, go die",
	"my step dad hits me and touches me",
	"w4nt t0 k1ll mys3lf",
}

func FuzzSameAsReference(f *testing.F) {
	s, err := New(Options{})
	if err != nil {
		f.Fatal(err)
	}
	for _, text := range fuzzSeeds {
		f.Add(text)
	}
	f.Fuzz(func(t *testing.T, text string) {
		sameAsReference(t, s, "fuzz", text)
	})
}
