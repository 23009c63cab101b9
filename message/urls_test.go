package message

import (
	"os"
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

// checkWebURLPrefix fails when webURL claims an answer for w that
// differs from the relaxed regexp's (the reference it stands in for).
func checkWebURLPrefix(t *testing.T, w string) {
	t.Helper()
	i, j, ok := webURL(w)
	if !ok {
		return
	}
	got := []string{w[i:j]}
	want := textURLRe.FindAllString(w, 100)
	if strings.Join(got, "\n") != strings.Join(want, "\n") || len(want) != 1 {
		t.Errorf("webURLPrefix(%q) gives %q, the regexp %q", w, got, want)
	}
}

// TestWebURLPrefix compares the hand-written http(s) matcher with the
// relaxed regexp on edge cases and on every word of the corpus.
func TestWebURLPrefix(t *testing.T) {
	for _, w := range []string{
		"http://example.com", "https://example.com/", "HTTPS://Example.COM/a?b=c&d=e#f",
		"http://example.com/login.", "http://example.com/a,", "http://example.com/a!'*,;:@?\\",
		"http://a", "http://.", "http://...", "https://x.example/%41%zz", "http://ex.com:8080/p",
		"http://user:pw@ex.com/", "http://[::1]/", "http://ex.com/(a)", "http://ex.com/é",
		"http://ex.com/a|b", "http://ex.com/a^b", "http://ex.com/a`b", "http://ex.com/\x00",
		"http://", "https://", "http:///", "http://-", "http://~", "http://a.b.c.d.e",
		"http://1.2.3.4", "http://ex.com/?q=a.b@c.d", "https://ex.com/..@ex.com", "http://x/::1",
		"(http://ex.com/a)", "(http://ex.com/a).", "[http://ex.com/]", "{ftp://ftp.ex.com/pub}", "'http://ex.com/'",
		"=http://ex.com", "((((http://ex.com))))", "(((((http://ex.com", "http://ex.com/a)b", "http://ex.com/a)1",
		"http://ex.com/a):", "http://ex.com/a)::", "http://ex.com/a)[::1]", "http://ex.com/a]:ff", "[fTP://x.y",
		"*,;!http://ex.com/", "(ftp://x)", "FTP://X/", "http://ex.com/a)?!", "http://ex.com/a))]}",
	} {
		checkWebURLPrefix(t, w)
	}
	for _, w := range []string{"http://ex.com/(a)", "http://ex.com/é", "www.ex.com", "http://...", "http://", "http://ex.com/a)b", "x(http://ex.com", ".http://ex.com"} {
		if _, _, ok := webURL(w); ok {
			t.Errorf("webURL(%q) answers, want it left to the regexp", w)
		}
	}
	for w, want := range map[string]string{"(http://ex.com/a).": "http://ex.com/a", "[ftp://x.y/z]": "ftp://x.y/z", "https://ex.com/a?": "https://ex.com/a"} {
		if i, j, ok := webURL(w); !ok || w[i:j] != want {
			t.Errorf("webURL(%q) = %q, %v; want %q", w, w[i:j], ok, want)
		}
	}
	files := corpusFiles(t, corpusDir)
	hits := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatalf("read %s: %v", f, err)
		}
		m := Parse(t.Context(), raw, Limits{})
		for _, tx := range m.Texts {
			for _, w := range strings.FieldsFunc(tx.Content, isBreakRune) {
				if _, _, ok := webURL(w); ok {
					hits++
				}
				checkWebURLPrefix(t, w)
			}
		}
	}
	t.Logf("%d corpus words took the hand-written path", hits)
}

func FuzzWebURLPrefix(f *testing.F) {
	for _, s := range []string{"example.com/a", "https://ex.com/a.b,c", "x/y?z=1#f", "::1", "a@b.c", ")", "(http://a.b/c).", "[::1]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkWebURLPrefix(t, s)
		checkWebURLPrefix(t, "http://"+s)
		checkWebURLPrefix(t, "HTTPS://"+s)
		checkWebURLPrefix(t, "(ftp://"+s)
		checkWebURLPrefix(t, "http://ex.com/a)"+s)
	})
}
