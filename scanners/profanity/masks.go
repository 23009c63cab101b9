package profanity

import (
	"strings"

	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/textnorm"
)

// MaskedRule is the stable rule id of swear words masked with several
// asterisks ("f***", "b****", "a**hole", "n*****"), a low finding.
// Normalisation reads "*" as a separator, so one-star masks are list
// entries ("f*ck" is "f ck"), but a word of one letter and stars is gone
// by then: such words are looked for in the original text.
const MaskedRule = "profanity_masked"

// maskWords are the masked swear words: the letters before the stars,
// and the letters that may follow them ("" none), lower case. The suffixes
// are listed so that "a**b" and "c**d" (exponents in code) are not masks.
var maskWords = map[string][]string{
	"f": {"", "k", "ck", "ks", "in", "ing", "ed", "er", "ers", "king", "cking", "kin", "kn"}, "fu": {"", "k", "ck", "king", "cking", "ker", "kers", "ing", "in"},
	"s": {"", "t", "te", "ts", "ty", "it"}, "sh": {"", "t", "te", "ty", "it"},
	"b": {"", "h", "ch", "tch", "ches", "hes", "es", "ing"}, "bi": {"", "ch", "tch", "h"},
	"c": {"", "t", "nt", "ts", "k"}, "cu": {"nt", "nts"},
	"a": {"", "hole", "holes", "hat", "wipe"}, "as": {"", "hole", "holes"},
	"n": {"", "r", "a", "er", "rs", "as"}, "ni": {"gger", "gga", "r", "a", "as", "rs", "er", "ers", "uh"},
	"p": {"", "y", "sy", "ssy"}, "pu": {"ssy", "y"},
	"wh": {"re", "ore", "res"}, "tw": {"t", "at"}, "d": {"", "k", "ck", "khead", "head"}, "di": {"ck", "ckhead"},
	"mf": {"er", "ers"},
}

// maskFinding reports the masked swear words in fields as one low finding.
// It jumps from one "**" to the next (strings.Index), so a field costs
// about one vectorised search.
func maskFinding(fields []textnorm.Field, maxEv int) (scanners.Finding, bool) {
	f := scanners.Finding{Scanner: Name, Rule: MaskedRule, Category: scanners.Profanity, Severity: scanners.Low}
	n := 0
	for _, fl := range fields {
		s := fl.Text
		for off := 0; off < len(s); {
			p := strings.Index(s[off:], "**")
			if p < 0 {
				break
			}
			p += off
			k := p
			for k < len(s) && s[k] == '*' {
				k++
			}
			off = k
			if p > 0 && s[p-1] == '*' {
				continue // inside a longer run seen before
			}
			a := p
			for a > 0 && p-a < 2 && asciiLetter(s[a-1]) {
				a--
			}
			m := k
			for m < len(s) && asciiLetter(s[m]) && m-k < 5 {
				m++
			}
			if a == p || (a > 0 && wordByte(s[a-1])) || (m < len(s) && wordByte(s[m])) || !isMask(s[a:p], s[k:m]) {
				continue
			}
			n++
			if len(f.Evidence) < maxEv {
				f.Evidence = append(f.Evidence, scanners.Evidence{Part: fl.Part, Field: fl.Name, Offset: a, Length: m - a, Text: s[a:m]})
			}
		}
	}
	if n == 0 {
		return f, false
	}
	f.Score = float64(min(n, ScoreCap))
	f.Explanation = "swear word masked with asterisks"
	return f, true
}

func asciiLetter(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }

// wordByte reports whether c continues a word (letters, digits, "*", and
// the bytes of non-ASCII runes), so "2**8", "x**2" and "**bold**" are no
// masks.
func wordByte(c byte) bool {
	return asciiLetter(c) || (c >= '0' && c <= '9') || c == '*' || c == '_' || c >= 0x80
}

// isMask reports whether stem, stars, suffix is a masked swear word.
func isMask(stem, suffix string) bool {
	var b [8]byte
	st := b[:copy(b[:3], stem)]
	for i := range st {
		st[i] |= 0x20
	}
	sufs, ok := maskWords[string(st)]
	if !ok {
		return false
	}
	var c [5]byte
	su := c[:copy(c[:], suffix)]
	for i := range su {
		su[i] |= 0x20
	}
	for _, x := range sufs {
		if x == string(su) {
			return true
		}
	}
	return false
}
