package message

import (
	"strings"
	"testing"
)

// TestNextBreak compares nextBreak with the strings.IndexFunc it stands
// for, invalid UTF-8 and the non-ASCII break runes included.
func TestNextBreak(t *testing.T) {
	isWord := func(r rune) bool { return !isBreakRune(r) }
	for _, s := range []string{
		"", " ", "a", "  abc def", "abc", "x\u00a0y", "\u3000\u3000z", "é\xff<a>\"b\"",
		"\xff\xfe", "http://example.com/a\tb\nc\rd\fe\vf", "\u00a0\u00a0", "ok\u2028ok",
	} {
		if got, want := nextBreak(s, true), strings.IndexFunc(s, isBreakRune); got != want {
			t.Errorf("nextBreak(%q, true) = %d, want %d", s, got, want)
		}
		if got, want := nextBreak(s, false), strings.IndexFunc(s, isWord); got != want {
			t.Errorf("nextBreak(%q, false) = %d, want %d", s, got, want)
		}
	}
}

// TestMemoURLs checks that remembered words give what the regexp gives,
// also after the memo was emptied.
func TestMemoURLs(t *testing.T) {
	words := []string{"www.example.com/login", "http://a.example/x?y=1", "evil.example/login.", "nothing.here", "x"}
	for range 2 {
		for _, w := range words {
			got, want := memoURLs(w), textURLRe.FindAllString(w, 100)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("memoURLs(%q) = %q, want %q", w, got, want)
			}
		}
	}
	for i := range memoMax + 1 {
		memoURLs("w" + strings.Repeat("x", i%50) + ".example.com/" + string(rune('a'+i%26)) + strings.Repeat("y", i/26))
	}
	if n := len(urlMemo.m); n > memoMax {
		t.Errorf("memo holds %d words, want at most %d", n, memoMax)
	}
}
