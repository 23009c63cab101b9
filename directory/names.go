package directory

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// NameMatch is how well an address (and its display name) fits a person's
// name: Score from 0 (no fit) to 1 (certain), and Reason saying which form
// matched ("display name", "local part first.last", ...), for evidence.
type NameMatch struct {
	Score  float64
	Reason string
}

var titles = map[string]bool{"mr": true, "mrs": true, "ms": true, "miss": true, "mx": true, "dr": true, "prof": true, "sir": true, "rev": true}

// nameTokens splits a person's name into lower-case ASCII-folded words,
// turning "Smith, Jane" into [jane smith] and dropping titles.
func nameTokens(name string) []string {
	if before, after, ok := strings.Cut(name, ","); ok {
		name = after + " " + before
	}
	var out []string
	for _, w := range strings.FieldsFunc(fold(name), func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' }) {
		w = strings.ReplaceAll(w, "'", "")
		if w == "" || titles[w] {
			continue
		}
		out = append(out, w)
	}
	return out
}

// fold lower-cases s and strips accents ("Zoë" → "zoe").
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// NameScore scores how well addr (with display name display, possibly "")
// fits the person called name. Forms recognised, strongest first: display
// name with the same first and last names (0.95); local part with both
// names as words, "jane.smith84" (0.9); both run together, "janesmith" or
// "smithjane" (0.85); initial and surname, "jsmith", "j.smith", "smithj",
// or a display name "J Smith" (0.6); first name and surname initial,
// "janes" (0.5); the surname alone, at least four letters (0.3). Digits in
// the local part are ignored. When the display name and the local part both
// fit, the score gets a small bonus.
func NameScore(name, addr, display string) NameMatch {
	nt := nameTokens(name)
	if len(nt) < 2 {
		return NameMatch{}
	}
	first, last := nt[0], nt[len(nt)-1]
	local := Normalize(addr)
	if at := strings.LastIndexByte(local, '@'); at >= 0 {
		local = local[:at]
	}
	if i := strings.IndexByte(local, '+'); i > 0 {
		local = local[:i]
	}
	lm := scoreWords(first, last, strings.FieldsFunc(fold(local), func(r rune) bool { return !unicode.IsLetter(r) }), true)
	lm.Reason = "address " + lm.Reason
	var dm NameMatch
	if display != "" {
		dm = scoreWords(first, last, nameTokens(display), false)
		dm.Reason = "display name " + dm.Reason
	}
	best := lm
	if dm.Score > best.Score {
		best = dm
	}
	if best.Score == 0 {
		return NameMatch{}
	}
	if lm.Score >= 0.5 && dm.Score >= 0.5 {
		best.Score = min(1, best.Score+0.05)
		best.Reason = dm.Reason + " and " + lm.Reason
	}
	return best
}

// scoreWords scores words (from a local part when joined is true, else
// from a display name) against first and last.
func scoreWords(first, last string, words []string, joined bool) NameMatch {
	has := func(w string) bool {
		for _, x := range words {
			if x == w {
				return true
			}
		}
		return false
	}
	all := strings.Join(words, "")
	fi := first[:1]
	switch {
	case has(first) && has(last):
		if joined {
			return NameMatch{0.9, "first.last"}
		}
		return NameMatch{0.95, "first and last name"}
	case joined && (all == first+last || all == last+first):
		return NameMatch{0.85, "firstlast"}
	case joined && (all == fi+last || all == last+fi):
		return NameMatch{0.6, "initial and surname"}
	case !joined && has(fi) && has(last):
		return NameMatch{0.6, "initial and surname"}
	case joined && all == first+last[:1]:
		return NameMatch{0.5, "first name and initial"}
	case len(last) >= 4 && (has(last) || (joined && strings.Contains(all, last))):
		return NameMatch{0.3, "surname"}
	}
	return NameMatch{}
}
