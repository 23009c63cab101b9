package spam

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestNeedlesCoverRegexps: whenever removeRe or bigMoneyRe matches, its
// needles are present, so the pre-check never hides a match. Checked on
// written cases and on the corpus when present.
func TestNeedlesCoverRegexps(t *testing.T) {
	t.Parallel()
	texts := []string{
		"to unsubscribe reply with \"remove\"", "you will be removed", "opt-out here", "optout", "remove me please",
		"no longer wish to receive", "removal instructions below", "win $1,000,000 now", "£12,500 paid", "€1,000,000",
		"usd 1,000,000", "usd1,000,000", "25 million dollars", "3 billion euros", "nothing to see", "a plain letter",
	}
	files, _ := filepath.Glob("../../../shared/corpus/spamassassin/*/*")
	for i, f := range files {
		if i%7 != 0 { // a sample is enough
			continue
		}
		if b, err := os.ReadFile(f); err == nil {
			texts = append(texts, lowerASCII(string(b)))
		}
	}
	for _, c := range []struct {
		name    string
		re      *regexp.Regexp
		needles []string
	}{{"removeRe", removeRe, removeNeedles}, {"bigMoneyRe", bigMoneyRe, bigMoneyNeedles}} {
		matched := 0
		for _, s := range texts {
			if c.re.MatchString(s) {
				matched++
				if !mayMatch(s, c.needles) {
					t.Errorf("%s matches %.60q but its needles are absent", c.name, s)
				}
			}
		}
		if matched == 0 {
			t.Errorf("%s matched none of the cases", c.name)
		}
	}
}
