package safeguarding

import (
	"slices"
	"testing"
)

// refWords is words as first written (one allocation a word), the
// reference for TestWordsSameAsOld and FuzzWords.
func refWords(s string) []string {
	var out []string
	w := make([]byte, 0, 16)
	flush := func() {
		if len(w) > 0 {
			out = append(out, string(w))
			w = w[:0]
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			w = append(w, c)
		case c >= 'A' && c <= 'Z':
			w = append(w, c+'a'-'A')
		case c == '\'':
		case c >= 0x80 && i+2 < len(s) && s[i:i+3] == "\u2019":
			i += 2
		case c == '&' && apostropheRef(s[i:]) > 0:
			i += apostropheRef(s[i:]) - 1
		default:
			flush()
		}
	}
	flush()
	return out
}

var wordsCases = []string{
	"", " ", "don't", "DON'T you dare", "I’m fine", "it’", "’", "a’b",
	"you&#039;re", "DON&#39;T &apos;quoted&rsquo; &amp; 1&#x27;2 &#8217;", "&#039;", "a&#03",
	"café au lait", "x1 Y2 z3", "'quoted'", "end.", "  many   spaces ",
	"MiXeD-case_words, and 123 numbers!", "\xff\xfe broken", "tab\tand\nnewline",
}

// TestWordsSameAsOld checks words against refWords.
func TestWordsSameAsOld(t *testing.T) {
	for _, c := range wordsCases {
		if got, want := words(c), refWords(c); !slices.Equal(got, want) || (got == nil) != (want == nil) {
			t.Errorf("words(%q) = %q, want %q", c, got, want)
		}
	}
}

// FuzzWords is TestWordsSameAsOld on any text.
func FuzzWords(f *testing.F) {
	for _, c := range wordsCases {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := words(s), refWords(s); !slices.Equal(got, want) || (got == nil) != (want == nil) {
			t.Errorf("words(%q) = %q, want %q", s, got, want)
		}
	})
}
