package safeguarding

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/internal/testutil/shareddata"
	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/textnorm"
)

// oldAloneSpan is aloneSpan as it was before it searched res.Start: byte
// by byte, End checked at every byte.
func (s *Scanner) oldAloneSpan(text string, res *textnorm.Result) bool {
	n := s.gate.aloneWords
	if n == 0 || len(text) <= 2*aloneBytes {
		return false
	}
	tail := int32(len(text) - aloneBytes)
	i := 0
	for ; i < len(res.B) && res.Start[i] <= aloneBytes; i++ {
		if res.End[i] >= tail {
			return false
		}
	}
	for seps := 0; i < len(res.B) && res.End[i] < tail; i++ {
		if res.B[i] == textnorm.Sep {
			if seps++; seps >= n {
				return true
			}
		}
	}
	return false
}

// TestAloneSpanSameAsOld compares aloneSpan with the byte-by-byte loop it
// replaced, on texts around its limits and on the ham corpus.
func TestAloneSpanSameAsOld(t *testing.T) {
	t.Parallel()
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{
		strings.Repeat("a", 200), strings.Repeat("word ", 40), strings.Repeat("x", 60) + strings.Repeat(" y", 40),
		strings.Repeat("k i l l ", 30), strings.Repeat(".", 130) + " you are " + strings.Repeat("!", 130),
		"hi " + strings.Repeat("é", 100) + " there you are", strings.Repeat("ab ", 43) + strings.Repeat("z", 80),
	}
	if dir := shareddata.Dir(); dir != "" {
		files, _ := filepath.Glob(filepath.Join(dir, "corpus/spamassassin/ham/*"))
		for i := 0; i < len(files); i += shareddata.Every() {
			raw, err := os.ReadFile(files[i])
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range textnorm.MessageFields(message.Parse(t.Context(), raw, message.Limits{}), nil) {
				texts = append(texts, f.Text)
			}
		}
	}
	n := textnorm.NewNormalizer()
	for _, text := range texts {
		for _, cut := range []int{len(text), len(text) / 2, 2*aloneBytes + 1, 2*aloneBytes + 7} {
			text := text[:min(cut, len(text))]
			res := n.Normalize(text)
			if got, want := s.aloneSpan(text, res), s.oldAloneSpan(text, res); got != want {
				t.Fatalf("aloneSpan(%.80q…) = %v, want %v", text, got, want)
			}
		}
	}
	t.Logf("%d texts", len(texts))
}
