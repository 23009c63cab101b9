package textnorm

import (
	"os"
	"strings"
	"testing"
)

// wordStartPatterns are the word lists' patterns that start at a word
// boundary (no leading "*"), so that the word filter (skip.go) is on, and
// short ones of every length it treats apart.
func wordStartPatterns(t testing.TB) []Pattern {
	t.Helper()
	var pats []Pattern
	for _, p := range listPatterns(t) {
		if !strings.HasPrefix(p.Text, "*") {
			pats = append(pats, p)
		}
	}
	for _, s := range []string{"a*", "ki*", "yo*", "u r", "ab cd", "b", "x y*", "sui*", "w1*", "1488", "kill myself", "abcd", "abcde*"} {
		pats = append(pats, Pattern{Text: s})
	}
	return pats
}

// TestMatchReferenceWordStart checks the matcher with the word filter
// against the original one, on the reference cases, on texts made for the
// filter's edges and on the corpus.
func TestMatchReferenceWordStart(t *testing.T) {
	t.Parallel()
	pats := wordStartPatterns(t)
	m, err := Compile(pats)
	if err != nil {
		t.Fatal(err)
	}
	if m.skip == nil {
		t.Fatal("no word filter for patterns that all start at a word")
	}
	ref, err := refCompile(pats)
	if err != nil {
		t.Fatal(err)
	}
	n := NewNormalizer()
	edges := []string{
		"", "a", "ab", "abc", "abcd", "abcde", "abcdef", "kill", "killing", "kill myself", "killmyself",
		"zzzz kill myself", "zzzz ab cd", "zzzzzz u r zzzz", "zzzz", "zzzzz", "zzzzzzzz b", "b zzzz b",
		"suicide suicidal", "xxxx y yyyy", "x yyyy", "w1ll w1th", "14881488 1488", "zzzz\u200bkill myself",
		strings.Repeat("zzzz ", 100) + "kill myself", strings.Repeat("abcd", 100), strings.Repeat("qqqq ab ", 50) + "cd",
	}
	for _, s := range append(referenceCases, edges...) {
		checkMatch(t, m, ref, n, s)
	}
	files := corpusFiles("spamassassin/*/*")
	for i := range len(files) / 3 {
		files[i] = files[3*i+1] // other files than TestMatchReference's
	}
	files = files[:len(files)/3]
	if testing.Short() && len(files) > 300 {
		files = files[:300]
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		checkMatch(t, m, ref, n, string(raw))
	}
}

// FuzzMatchReferenceWordStart compares the matcher with the word filter
// with the original one.
func FuzzMatchReferenceWordStart(f *testing.F) {
	for _, s := range referenceCases {
		f.Add(s)
	}
	pats := wordStartPatterns(f)
	m, err := Compile(pats)
	if err != nil {
		f.Fatal(err)
	}
	ref, err := refCompile(pats)
	if err != nil {
		f.Fatal(err)
	}
	n := NewNormalizer()
	f.Fuzz(func(t *testing.T, s string) {
		checkMatch(t, m, ref, n, s)
	})
}
