package links

import (
	"os"
	"path/filepath"
	"testing"
)

// htmlMayMatterReference is htmlMayMatter as it was, before the second
// byte of a needle was checked at once (TestHTMLMayMatterEqualsReference,
// FuzzHTMLMayMatter).
func htmlMayMatterReference(src string) bool {
	for i := 0; i < len(src); i++ {
		for i < len(src) && !needleStart[src[i]] {
			i++
		}
		if i == len(src) {
			break
		}
		switch c := src[i] | 0x20; {
		case src[i] == '&':
			if !safeReference(src[i+1:]) {
				return true
			}
		case c == 's':
			if hasFoldAt(src, i, "script") && colonFollows(src[i+6:]) {
				return true
			}
		case c == 'd':
			if hasFoldAt(src, i, "data") && colonFollows(src[i+4:]) {
				return true
			}
		case c == 'u':
			if hasFoldAt(src, i, "url(") {
				return true
			}
		case c == 'p':
			if hasFoldAt(src, i, "password") {
				return true
			}
		}
	}
	return false
}

// TestHTMLMayMatterEqualsReference: the same answer as the reference on
// needles cut short at the end, in both cases, and on every HTML text
// and raw message of the corpus.
func TestHTMLMayMatterEqualsReference(t *testing.T) {
	t.Parallel()
	srcs := []string{"", "s", "S", "sc", "Sc", "scrip", "script", "SCRIPT :", "d", "da", "DATA:", "u", "ur", "URL(", "p", "pa", "PASSWORD", "&", "&#", "x&amp;y", "sd up", "Ssss", "ppassword"}
	if dir := corpusDir(); dir != "" {
		files, _ := filepath.Glob(filepath.Join(dir, "*", "*"))
		for _, f := range files {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			srcs = append(srcs, string(raw))
			for _, tx := range parse(raw).Texts {
				srcs = append(srcs, tx.HTML)
			}
		}
	}
	for _, s := range srcs {
		if got, want := htmlMayMatter(s), htmlMayMatterReference(s); got != want {
			t.Errorf("htmlMayMatter(%.80q) = %v, reference %v", s, got, want)
		}
	}
}
