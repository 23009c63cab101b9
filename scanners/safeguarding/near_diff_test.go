package safeguarding

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/lychgate/lychgate/internal/testutil/shareddata"
	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/textnorm"
)

// oldLiveAnchors is liveAnchors as it was before nearMaybe: every anchor
// hit looked at by wordsNear itself.
func (s *Scanner) oldLiveAnchors(res *textnorm.Result, st *state, anchors, whole []textnorm.Hit, long bool) []textnorm.Hit {
	g := &s.gate
	var live []textnorm.Hit
	for _, h := range anchors {
		if s.wordsNear(res.B, h, long) {
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
func sameLive(t *testing.T, s *Scanner, st *state, text *textnorm.Text, what string) {
	t.Helper()
	for k := range text.Fields {
		res := &text.Norm[k]
		whole := s.gate.m.Match(res, nil)
		for _, long := range []bool{false, true} {
			anchors := whole
			if long {
				anchors = slices.Clone(s.notAloneAnchors(st, whole))
			}
			want := s.oldLiveAnchors(res, st, anchors, whole, long)
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
	st := s.pool.New().(*state)
	for i := 0; i < len(files); i += shareddata.Every() {
		raw, err := os.ReadFile(files[i])
		if err != nil {
			t.Fatal(err)
		}
		sameLive(t, s, st, textnorm.NewText(message.Parse(t.Context(), raw, message.Limits{})), files[i])
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
	f.Fuzz(func(t *testing.T, text string) {
		st := s.pool.New().(*state)
		sameLive(t, s, st, textnorm.NewText(&message.Message{Subject: text, Texts: []message.Text{{Content: text}}}), "fuzz")
	})
}
