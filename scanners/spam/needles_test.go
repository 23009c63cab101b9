package spam

import (
	"context"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
)

// TestPhraseStartRulesEqualReference: big_money_amount, generic_greeting
// and body_exclaim, which start their searches where the body automaton
// first saw their literals (and skip them when it saw none), fire and
// quote exactly as the whole-body searches they replaced (the regexps,
// strings.Count), on written messages and on every corpus message when
// present.
func TestPhraseStartRulesEqualReference(t *testing.T) {
	t.Parallel()
	var raws [][]byte
	for _, body := range []string{
		"win $1,000,000 now", "£12,500 paid", "€1,000,000", "USD 1,000,000", "usd1,000,000", "25 million dollars",
		"3 Billion euros", "a plain letter", "Dear Friend!! wow!! really!!", "!!!!!!", "! ! !!", "idear friend, Dear Sir",
		"$5 then $12,000 and 7 million pounds", "dear  friend", "",
	} {
		raws = append(raws, []byte("Subject: x\r\n\r\n"+body+"\r\n"))
	}
	for _, f := range corpusFiles(t) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		raws = append(raws, b)
	}
	rule := func(id string) func(*checkCtx) (bool, scanners.Evidence) {
		for _, r := range Rules {
			if r.ID == id {
				return r.check
			}
		}
		t.Fatalf("no rule %s", id)
		return nil
	}
	money, greeting, exclaim := rule("big_money_amount"), rule("generic_greeting"), rule("body_exclaim")
	hits := map[string]int{}
	for i, raw := range raws {
		c := newCheckCtx(message.Parse(context.Background(), raw, message.Limits{}), inbound, time.Unix(1700000000, 0), nil)
		for _, r := range []struct {
			name string
			got  func(*checkCtx) (bool, scanners.Evidence)
			ref  []int
		}{
			{"big_money_amount", money, bigMoneyRe.FindStringIndex(c.lowerBody())},
			{"generic_greeting", greeting, greetingRe.FindStringIndex(c.lowerBody())},
		} {
			hit, ev := r.got(c)
			if hit != (r.ref != nil) || hit && ev != c.bodyEv(r.ref[0], r.ref[1]-r.ref[0]) {
				t.Errorf("message %d: %s %v %+v, the regexp finds %v", i, r.name, hit, ev, r.ref)
			}
			if hit {
				hits[r.name]++
			}
		}
		if hit, _ := exclaim(c); hit != (strings.Count(c.lowerBody(), "!!") >= 3) {
			t.Errorf("message %d: body_exclaim %v, strings.Count %d", i, hit, strings.Count(c.lowerBody(), "!!"))
		} else if hit {
			hits["body_exclaim"]++
		}
	}
	for _, id := range []string{"big_money_amount", "generic_greeting", "body_exclaim"} {
		if hits[id] == 0 {
			t.Errorf("%s fired on none of the messages", id)
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
