package profanity

import (
	"slices"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/textnorm"
)

// refFilter is the filter as first written, quadratic and obviously right:
// every hit is compared with every allow-list hit and every kept hit.
func refFilter(s *Scanner, res *textnorm.Result, hits []textnorm.Hit) []textnorm.Hit {
	var keep []textnorm.Hit
	for _, h := range hits {
		if s.tier[h.Pattern] == allowTier {
			continue
		}
		allowed := false
		for _, a := range hits {
			if s.tier[a.Pattern] == allowTier && a.Start <= h.Start && a.End >= h.End {
				allowed = true
				break
			}
		}
		if allowed {
			continue
		}
		replaced := false
		for i := range keep {
			k := &keep[i]
			if h.Start < k.End && k.Start < h.End {
				ht, kt := s.tier[h.Pattern], s.tier[k.Pattern]
				if ht > kt || (ht == kt && h.End-h.Start > k.End-k.Start) {
					*k = h
				}
				replaced = true
				break
			}
		}
		if !replaced {
			keep = append(keep, h)
		}
	}
	for i := range keep {
		a, b := wordBounds(res.B, int(keep[i].Start), int(keep[i].End))
		keep[i].Start, keep[i].End = int32(a), int32(b)
	}
	return keep
}

func sameAsRefFilter(t *testing.T, s *Scanner, text string) {
	t.Helper()
	res := textnorm.NewNormalizer().Normalize(text)
	hits := s.m.Match(res, nil)
	want := refFilter(s, res, hits)
	got := s.filter(res, &state{}, hits)
	if !slices.Equal(got, want) {
		t.Errorf("filter(%q) = %+v, want %+v (reference)", text, got, want)
	}
}

func TestFilterSameAsReference(t *testing.T) {
	t.Parallel()
	s, err := New(Options{Add: []Entry{{Text: "*uck*", Tier: Mild}, {Text: "fuck you", Tier: Slur}}, Allow: []string{"fuck you very much"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{
		"", "fuck", "fuck you", "fuck you very much", "fuck you very much fuck you",
		"motherfucker clusterfuck fucking fuckwit", "Scunthorpe fuck Scunthorpe",
		"Arsenal arse Arsenal arsenic", "shit shitty bullshit", "f.u.c.k you s h i t",
		"you twat twatting twat", "cock cocktail peacock cockpit", "ass assess class",
		strings.Repeat("fuck you ", 50), strings.Repeat("uckfuck", 40),
	} {
		sameAsRefFilter(t, s, text)
	}
}

func FuzzFilterSameAsReference(f *testing.F) {
	for _, seed := range []string{"fuck you very much", "Scunthorpe fucking arse", "motherfucker you twat"} {
		f.Add(seed)
	}
	s, err := New(Options{Add: []Entry{{Text: "*uck*", Tier: Mild}, {Text: "fuck you", Tier: Slur}}, Allow: []string{"fuck you very much"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) > 4096 {
			return
		}
		sameAsRefFilter(t, s, text)
	})
}
