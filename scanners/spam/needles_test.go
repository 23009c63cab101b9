package spam

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
)

// TestNeedlesCoverRegexps: whenever bigMoneyRe matches, its
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
	if len(files) == 0 { // a worktree one level deeper (/work/wt/<name>)
		files, _ = filepath.Glob("../../../../shared/corpus/spamassassin/*/*")
	}
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
	}{{"bigMoneyRe", bigMoneyRe, bigMoneyNeedles}} {
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

// TestFastFindersEqualRegexps: the finders that replace unanchored
// alternations (findHidden, findBigFont, findGreeting, findBigMoney, findRemove) find
// exactly what the reference regexps find, position and length, on written
// cases and on every corpus message when present.
func TestFastFindersEqualRegexps(t *testing.T) {
	t.Parallel()
	texts := []string{
		`<p style="display : none">x</p>`, `<span style="visibility:hidden">`, `font-size: 0px`, `font-size:1pt;`, `font-size:10px`,
		`<font color=red size="1">tiny</font>`, `<font size=+5>BIG</font>`, `font-size: 48px`, `font-size:200px`, `<font face=x>`,
		"idear friend", "dear friend, dear sir", "_dear customer", "my dear valued member", "dear sirs",
		"$1,000,000 and 5 million dollars", "only $5 or $12,000", "usd 3,000,000", "pay 12 billion euros", "1 million  dollars",
		`<font size=1 color=x size=5>`, `<font size="5" size='0'>`, `<font size=0x size = 1>`, `<font size=+4 size=9>`, `<fontsize=7>`,
		`<font size= '1'>`, `<font size="+1"> <font size=4`, `<font\nsize\n=\n"0"`, `<font sizesize=6>`, `<font size=1>size=5`,
		`font-size:1px;`, `font-size:1pxx font-size:0`, `font-size : 1pt.`, `font-size:10`, `font-size:0em`, `font-size:\f0`,
		`font-size: 300px`, `font-size:3px font-size:35px`, `font-size:999px`, `font-size:30pt`, `font-size:3999px`, `font-size:40x`,
		`display:nonex`, `display :\tnone`, `display: block; visibility :hidden`, `display`, `<font`, `font-size`,
		"£1,200 then €3,400,000", "abc 100 million pounds", "nothing here", "",
		"wish to be removed", "i would like to be removed", "to be removed", "opt out, optout or opt-out", "remove you and remove me",
		"send \"remove\" in the remove in the subject", "no longer wish to receive", "removal instructions", "unsubscribe", "be removedx",
	}
	for _, f := range corpusFiles(t) { // all of it, an eighth with -short
		if b, err := os.ReadFile(f); err == nil {
			texts = append(texts, lowerASCII(string(b)))
		}
	}
	for _, c := range []struct {
		name string
		ref  *regexp.Regexp
		fast func(string) []int
	}{
		{"hidden", hiddenRe, findHidden},
		{"big font", bigFontRe, findBigFont},
		{"greeting", greetingRe, findGreeting},
		{"big money", bigMoneyRe, findBigMoney},
		{"remove", removeRe, findRemove},
	} {
		hits := 0
		for _, s := range texts {
			want, got := c.ref.FindStringIndex(s), c.fast(s)
			if !slices.Equal(want, got) {
				t.Errorf("%s: fast finder gives %v, the regexp %v, in %.80q", c.name, got, want, s)
			}
			if want != nil {
				hits++
			}
		}
		if hits == 0 {
			t.Errorf("%s matched none of the cases", c.name)
		}
	}
}
