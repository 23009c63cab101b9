package classify

import "github.com/lychgate/lychgate/scanners"

// AimedTopic is the topic whose score is reported on a passage of any
// length, but at medium only when the passage is aimed at a person
// (Directed). Bullying and harassment as people type them are short
// ("ur a fat slag", "send me pics of you"): the word minimum of Judged
// would hide nearly all of it, and without the aim the model scores short
// ordinary lines ("see you at the trip", "fuck this homework") too close
// to abuse to report. Its thresholds are chosen by cross-validation on the
// training split (cmd/lychgate-train, docs/model-card.md).
const AimedTopic = "bullying"

// AimedSeverity is the severity the scanner reports for the aimed topic's
// best passage with probability p, given the topic's low and medium
// thresholds: medium when p reaches medium and the passage is Directed
// and does not laugh (Laughs); low when p reaches low and the passage is
// Directed or long enough to be Judged; otherwise none (Info). A threshold
// of 1 or more is never reached. The training program chooses the
// thresholds under this same rule (the embedded model's low equals its
// medium: see docs/model-card.md).
func AimedSeverity(p float64, low, medium float32, passage string) scanners.Severity {
	if !(low < 1 && p >= float64(low)) && !(medium < 1 && p >= float64(medium)) {
		return scanners.Info // the usual case: the passage is not read
	}
	dir := Directed(passage)
	switch {
	case medium < 1 && p >= float64(medium) && dir && !Laughs(passage):
		return scanners.Medium
	case low < 1 && p >= float64(low) && (dir || Judged(passage)):
		return scanners.Low
	}
	return scanners.Info
}

// Laughs reports whether passage laughs or says it is joking ("lol",
// "haha", "jk", "😂"): friends tease like that ("ur an idiot lol i love
// you"), so an aimed passage that laughs is rated low, not medium, as the
// safeguarding lexicon's banter rule does for most insults. Linear in
// len(passage); it allocates nothing.
func Laughs(passage string) bool {
	var cur [8]byte
	n, long := 0, false
	end := func() bool {
		hit := !long && n > 0 && laughWord(string(cur[:n]))
		n, long = 0, false
		return hit
	}
	for i := 0; i < len(passage); i++ {
		c := passage[i]
		switch {
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c >= 'a' && c <= 'z':
		case c == 0xf0 && i+3 < len(passage) && passage[i+1] == 0x9f && (passage[i+2] == 0x98 && passage[i+3] == 0x82 || passage[i+2] == 0xa4 && passage[i+3] == 0xa3):
			return true // 😂 🤣
		default:
			if end() {
				return true
			}
			continue
		}
		if n == len(cur) {
			long = true
			continue
		}
		cur[n] = c
		n++
	}
	return end()
}

func laughWord(w string) bool {
	switch w {
	case "lol", "lool", "loool", "lmao", "lmfao", "rofl", "haha", "hahaha", "hahahaha", "hehe", "jk", "jokes", "joking", "kidding", "xd":
		return true
	}
	return false
}

// Directed reports whether passage carries lexical evidence that it is
// aimed at a person: a second-person word ("you", "u", "ur", "your",
// "you're", "yourself", "ya", "yall", ...) or a dismissal that is said
// to someone ("shut up", "fuck off", "go away", "stfu", "kys", ...).
// Apostrophes (also ’ and the references &#039; &#39; &apos; &rsquo;)
// do not split a word. Linear in len(passage); it allocates nothing.
func Directed(passage string) bool {
	var cur, prev [12]byte
	n, pn := 0, 0
	long := false // the current word is longer than cur
	end := func() bool {
		if n == 0 && !long {
			return false
		}
		hit := false
		if !long {
			w := string(cur[:n]) // no allocation: used for comparison only
			hit = secondPerson(w) || pn > 0 && dismissal(string(prev[:pn]), w)
			prev, pn = cur, n
		} else {
			pn = 0
		}
		n, long = 0, false
		return hit
	}
	for i := 0; i < len(passage); i++ {
		c := passage[i]
		switch {
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '\'':
			continue
		case c == 0xe2 && i+2 < len(passage) && passage[i+1] == 0x80 && passage[i+2] == 0x99: // ’
			i += 2
			continue
		case c == '&':
			if j := apostropheRefEnd(passage, i); j > i {
				i = j - 1
				continue
			}
			if end() {
				return true
			}
			continue
		default:
			if end() {
				return true
			}
			continue
		}
		if n == len(cur) {
			long = true
			continue
		}
		if !long {
			cur[n] = c
			n++
		}
	}
	return end()
}

// apostropheRefEnd returns the end of an apostrophe character reference at
// s[i] (&#039; &#39; &#x27; &apos; &rsquo;), or i.
func apostropheRefEnd(s string, i int) int {
	for _, r := range [...]string{"&#039;", "&#39;", "&#x27;", "&apos;", "&rsquo;"} {
		if len(s)-i >= len(r) && eqFold(s[i:i+len(r)], r) {
			return i + len(r)
		}
	}
	return i
}

func eqFold(a, b string) bool {
	for k := range len(a) {
		x := a[k]
		if x >= 'A' && x <= 'Z' {
			x += 'a' - 'A'
		}
		if x != b[k] {
			return false
		}
	}
	return true
}

// secondPerson reports whether w (lower case, apostrophes dropped) is a
// second-person word.
func secondPerson(w string) bool {
	switch w {
	case "you", "u", "ur", "your", "yours", "yourself", "yourselves", "youre", "youve", "youll", "youd",
		"ya", "yall", "yer", "urself", "stfu", "gtfo", "kys", "foad":
		return true
	}
	return false
}

// dismissal reports whether the word pair a b is an order said to someone.
func dismissal(a, b string) bool {
	switch b {
	case "up":
		return a == "shut"
	case "off":
		switch a {
		case "fuck", "fuk", "piss", "sod", "bugger", "f", "eff", "naff":
			return true
		}
	case "away":
		return a == "go" || a == "fuck" || a == "piss"
	case "lost":
		return a == "get"
	case "die":
		return a == "go"
	}
	return false
}
