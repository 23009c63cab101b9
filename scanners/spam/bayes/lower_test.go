package bayes

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/lychgate/lychgate/message"
)

// TestLowerEqualsToLower: the tokenizer's lower and hasPrefixWWW give what
// strings.ToLower and strings.HasPrefix(strings.ToLower(w), "www.") give,
// and lower's owned strings are the map's when the word is a token
// already, for written words (capitals, non-ASCII, U+0130, the Kelvin
// sign) and every word of the shared corpus when it is present.
func TestLowerEqualsToLower(t *testing.T) {
	words := []string{"", "a", "A", "Dear", "FREE", "free", "WwW.example", "www", "WWW.", "wWw.x", "w\u0130w.", "\u212aelvin", "Ünïcödé",
		"İstanbul", "MiXeD123", "ẞig", "\xffBroken", "X"}
	files, _ := filepath.Glob("../../../../shared/corpus/spamassassin/*/*")
	if len(files) == 0 { // a worktree one level deeper (/work/wt/<name>)
		files, _ = filepath.Glob("../../../../../shared/corpus/spamassassin/*/*")
	}
	if len(files) == 0 {
		t.Log("corpus ../shared/corpus/spamassassin is absent: written cases only")
	}
	for i, f := range files {
		if testing.Short() && i%8 != 0 {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m := message.Parse(context.Background(), b, message.Limits{})
		words = append(words, strings.FieldsFunc(m.Subject, unicode.IsSpace)...)
		for _, tx := range m.Texts {
			words = append(words, strings.FieldsFunc(tx.Content, unicode.IsSpace)...)
		}
	}
	tk := tokenizer{seen: map[string]string{}, limit: MaxTokens}
	for _, w := range words {
		want := strings.ToLower(w)
		got, owned := tk.lower(w)
		if got != want {
			t.Fatalf("lower(%q) = %q, strings.ToLower %q", w, got, want)
		}
		if owned {
			if s, ok := tk.seen[got]; ok && s != got {
				t.Fatalf("lower(%q) owned %q but the map holds %q", w, got, s)
			}
		}
		if hasPrefixWWW(w) != strings.HasPrefix(want, "www.") {
			t.Fatalf("hasPrefixWWW(%q) = %v, strings.HasPrefix(strings.ToLower) %v", w, hasPrefixWWW(w), !hasPrefixWWW(w))
		}
		tk.add(got) // later words find it in the map
	}
}
