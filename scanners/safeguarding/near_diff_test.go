package safeguarding

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/internal/testutil/shareddata"
	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/textnorm"
)

// wordBits is a set of (term, word hash) pairs that may hold others
// (bits shared), one bit a pair: 128 KB.
type wordBits [1 << 14]uint64

// wordBit returns the bit of term t and word hash h in a wordBits.
func wordBit(t int, h uint64) uint32 {
	return uint32((h ^ uint64(t+1)*0x9e3779b97f4a7c15) * 0xbf58476d1ce4e5b9 >> (64 - 20))
}

func (w *wordBits) add(t int, h uint64) {
	b := wordBit(t, h)
	w[b>>6] |= 1 << (b & 63)
}

func (w *wordBits) has(t int, h uint64) bool {
	b := wordBit(t, h)
	return w[b>>6]&(1<<(b&63)) != 0
}

// oldWords are the sets of the first and last words of the terms'
// alternatives as wordsNear had them before fingerprints.
type oldWords struct{ first, last *wordBits }

// buildOldWords is buildWords as it was, from s.patText.
func (s *Scanner) buildOldWords() *oldWords {
	w := &oldWords{first: new(wordBits), last: new(wordBits)}
	for t := range s.terms {
		for _, pi := range s.terms[t].pats {
			ws := strings.Split(textnorm.String(strings.Trim(strings.TrimSpace(s.patText[pi]), "*")), string(textnorm.Sep))
			w.first.add(t, wordHash([]byte(ws[0])))
			w.last.add(t, wordHash([]byte(ws[len(ws)-1])))
		}
	}
	return w
}

// oldWordsNear is wordsNear as it was, over w's bit sets: it reports whether some phrase anchored on a term of the gate
// hit h in the normalised bytes b may have, next to h, the terms beside
// its anchor, judged by the words alone: a hit of the term before ends
// with one of the prevGap+1 words before h's first, whole, so that word
// is the last word of one of its alternatives (unless an alternative may
// end inside a word, lastAny), and likewise after h. It is looser than
// neighboured (runs, "i" against "l", negations and shared bits aside),
// never stricter: an anchor it turns down is not live.
func (s *Scanner) oldWordsNear(w *oldWords, b []byte, h textnorm.Hit, long bool) bool {
	g := &s.gate
	for i := range g.patNbs[h.Pattern] {
		nb := &g.patNbs[h.Pattern][i]
		if long && nb.alone {
			continue
		}
		if nb.prev >= 0 && !g.lastAny[nb.prev] && !wordBefore(b, int(h.Start), int(nb.prevGap)+1, w.last, nb.prev) {
			continue
		}
		if nb.next >= 0 && !g.firstAny[nb.next] && !wordAfter(b, int(h.End), int(nb.nextGap)+1, w.first, nb.next) {
			continue
		}
		return true
	}
	return false
}

// wordBefore reports whether one of the n words before the word holding
// b[start] may be in set as a word of term t.
func wordBefore(b []byte, start, n int, set *wordBits, t int) bool {
	i := start
	for i > 0 && b[i-1] != textnorm.Sep {
		i--
	}
	for ; n > 0 && i > 0; n-- {
		e := i - 1 // the separator before the word at i
		i = e
		for i > 0 && b[i-1] != textnorm.Sep {
			i--
		}
		if set.has(t, wordHash(b[i:e])) {
			return true
		}
	}
	return false
}

// wordAfter reports whether one of the n words after the word holding
// b[end-1] may be in set as a word of term t.
func wordAfter(b []byte, end, n int, set *wordBits, t int) bool {
	i := end
	for i < len(b) && b[i] != textnorm.Sep {
		i++
	}
	for ; n > 0 && i < len(b); n-- {
		i++ // the separator
		w := i
		for i < len(b) && b[i] != textnorm.Sep {
			i++
		}
		if set.has(t, wordHash(b[w:i])) {
			return true
		}
	}
	return false
}

// oldLiveAnchors is liveAnchors as it was before nearMaybe and the
// fingerprints: every anchor hit looked at by oldWordsNear.
func (s *Scanner) oldLiveAnchors(w *oldWords, res *textnorm.Result, st *state, anchors, whole []textnorm.Hit, long bool) []textnorm.Hit {
	g := &s.gate
	var live []textnorm.Hit
	for _, h := range anchors {
		if s.oldWordsNear(w, res.B, h, long) {
			live = append(live, h)
		}
	}
	if len(live) == 0 {
		return nil
	}
	st.wins = st.wins[:0]
	for _, h := range live {
		st.wins = append(st.wins, around(res.B, h, g.left1[h.Pattern], g.right1[h.Pattern]))
	}
	near := s.hitsIn(res, st, mergeWindows(st.wins), whole, nil)
	n := 0
	for _, h := range live {
		if s.neighboured(near, h, long) {
			live[n] = h
			n++
		}
	}
	return live[:n]
}

// sameLive fails t unless liveAnchors and oldLiveAnchors give the same
// hits on every field of text, with and without long.
func sameLive(t *testing.T, s *Scanner, w *oldWords, st *state, text *textnorm.Text, what string) {
	t.Helper()
	for k := range text.Fields {
		res := &text.Norm[k]
		whole := s.gate.m.Match(res, nil)
		for _, long := range []bool{false, true} {
			anchors := whole
			if long {
				anchors = slices.Clone(s.notAloneAnchors(st, whole))
			}
			want := s.oldLiveAnchors(w, res, st, anchors, whole, long)
			got := slices.Clone(s.liveAnchors(res, st, anchors, whole, long))
			if !slices.Equal(got, want) {
				t.Fatalf("%s field %d long %v: liveAnchors = %v, want %v", what, k, long, got, want)
			}
		}
	}
}

// TestLiveAnchorsSameAsOldHam checks on the ham corpus and the
// safeguarding corpus that the first look of nearMaybe changes no live
// anchor hit.
func TestLiveAnchorsSameAsOldHam(t *testing.T) {
	t.Parallel()
	dir := shareddata.Dir()
	if dir == "" {
		t.Skip("../shared/corpus not present: no ham to compare on")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "corpus/spamassassin/ham/*"))
	if len(files) == 0 {
		t.Skip("../shared/corpus/spamassassin/ham is empty")
	}
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	st, w := s.pool.New().(*state), s.buildOldWords()
	for i := 0; i < len(files); i += shareddata.Every() {
		raw, err := os.ReadFile(files[i])
		if err != nil {
			t.Fatal(err)
		}
		sameLive(t, s, w, st, textnorm.NewText(message.Parse(t.Context(), raw, message.Limits{})), files[i])
	}
}

// FuzzLiveAnchorsSameAsOld is TestLiveAnchorsSameAsOldHam on any text.
func FuzzLiveAnchorsSameAsOld(f *testing.F) {
	for _, c := range []string{
		"i pick up a fitness mag", "pick on me", "nobody would miss me if i was gone",
		"you are so ugly and fat", "i want to kill myself", "ill pick you up at 5",
	} {
		f.Add(c)
	}
	s, err := New(Options{})
	if err != nil {
		f.Fatal(err)
	}
	w := s.buildOldWords()
	f.Fuzz(func(t *testing.T, text string) {
		st := s.pool.New().(*state)
		sameLive(t, s, w, st, textnorm.NewText(&message.Message{Subject: text, Texts: []message.Text{{Content: text}}}), "fuzz")
	})
}
