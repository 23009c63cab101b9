package safeguarding

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/lychgate/lychgate/internal/testutil/shareddata"
	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/textnorm"
)

// oldMatch is match as it was before the first look next to anchors
// (liveAnchors) and the gate's own hits merged with gate.rest's
// (allHits): the windows of every anchor hit matched with all terms
// (Scanner.m), and, when they make a phrase, all of res matched with all
// terms and assembled.
func (s *Scanner) oldMatch(res *textnorm.Result, st *state, whole []textnorm.Hit, long bool) {
	g := &s.gate
	anchors := whole
	if long {
		anchors = slices.Clone(s.notAloneAnchors(st, whole))
	}
	st.phits = st.phits[:0]
	st.wins = st.wins[:0]
	for _, h := range anchors {
		st.wins = append(st.wins, around(res.B, h, g.left[h.Pattern], g.right[h.Pattern]))
	}
	st.hits = st.hits[:0]
	for _, w := range mergeWindows(st.wins) {
		st.hits = s.m.MatchRange(res, w.lo, w.hi, w.words, st.hits)
	}
	found, _ := s.anyPhrase(context.Background(), res, st, anchors, long)
	if !found {
		return
	}
	st.hits = s.m.Match(res, st.hits[:0])
	_ = s.assemble(context.Background(), res, st) // never cancelled
}

// TestMatchSameAsOldMatchHam checks, on every field of every ham message
// of the SpamAssassin corpus, that match finds exactly the phrase hits,
// in the same order, that oldMatch does, with and without long (TagAlone
// phrases left out near anchors), and that the hits of all terms allHits
// gives are those of Scanner.m.
func TestMatchSameAsOldMatchHam(t *testing.T) {
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
	st, old := s.pool.New().(*state), s.pool.New().(*state)
	fields, phrases := 0, 0
	for i := 0; i < len(files); i += shareddata.Every() {
		raw, err := os.ReadFile(files[i])
		if err != nil {
			t.Fatal(err)
		}
		text := textnorm.NewText(message.Parse(t.Context(), raw, message.Limits{}))
		for k := range text.Fields {
			res := &text.Norm[k]
			whole := s.gate.m.Match(res, nil)
			if got, want := s.allHits(res, st, whole, nil), s.m.Match(res, nil); !slices.Equal(got, want) {
				t.Fatalf("%s field %d: allHits differs from Scanner.m.Match", files[i], k)
			}
			for _, long := range []bool{false, true} {
				if err := s.match(t.Context(), res, st, whole, long); err != nil {
					t.Fatal(err)
				}
				s.oldMatch(res, old, whole, long)
				if long {
					// match leaves out TagAlone phrases, which cannot count
					old.phits = slices.DeleteFunc(old.phits, func(h phraseHit) bool { return s.phrases[h.phrase].tag == TagAlone })
				}
				if !slices.Equal(st.phits, old.phits) {
					t.Fatalf("%s field %d (long %v): match differs from the old match\n got %+v\nwant %+v", files[i], k, long, st.phits, old.phits)
				}
				phrases += len(st.phits)
			}
			fields++
		}
	}
	t.Logf("%d fields, %d phrase hits, all as the old match", fields, phrases)
	if phrases == 0 {
		t.Error("no phrase hits at all: the comparison proves nothing")
	}
}
