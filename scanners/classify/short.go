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
// "you're", "yourself", "ya", "yall", ...); an order that is said to
// someone ("shut up", "fuck off", "go away", "go to hell", "suck my ...",
// "stfu", "kys", ...); or an abusive address term used as a vocative:
// after "oi", "hey" or "yo" ("oi slag"), or ending a sentence where the
// two words before it are no article, possessive, pronoun, copula or
// preposition ("shut up, bitch", "whatever loser", "idiot!"; not "she is
// a slag", "what an idiot", "his dickhead mate"), as anti-bullying
// guidance describes name-calling. Apostrophes (also ’ and the references
// &#039; &#39; &apos; &rsquo;) do not split a word. Linear in
// len(passage); it allocates nothing.
func Directed(passage string) bool {
	var d aimState
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
			if d.endWord() {
				return true
			}
			continue
		default:
			if d.endWord() {
				return true
			}
			if c == '.' || c == '!' || c == '?' || c == '\n' {
				if d.endSentence() {
					return true
				}
			}
			continue
		}
		d.add(c)
	}
	return d.endWord() || d.endSentence()
}

// aimState is Directed's fixed-size state: the current word and the three
// words before it in the sentence, and whether the sentence's last word is
// an address term said to someone.
type aimState struct {
	cur, w1, w2, w3 [12]byte
	n, n1, n2, n3   int  // lengths; 0 for none (also after a long word)
	long            bool // the current word is longer than cur
	vocEnd          bool // the sentence's last word so far is a vocative address term
}

func (d *aimState) add(c byte) {
	if d.n == len(d.cur) {
		d.long = true
		return
	}
	if !d.long {
		d.cur[d.n] = c
		d.n++
	}
}

// endWord ends the current word and reports whether it makes the passage
// aimed.
func (d *aimState) endWord() bool {
	if d.n == 0 && !d.long {
		return false
	}
	hit := false
	if d.long {
		d.w3, d.n3, d.w2, d.n2, d.w1, d.n1 = d.w2, d.n2, d.w1, d.n1, d.cur, 0
		d.vocEnd = false
	} else {
		w := string(d.cur[:d.n]) // no allocation: used for comparison only
		p1, p2 := string(d.w1[:d.n1]), string(d.w2[:d.n2])
		hit = secondPerson(w) || d.n1 > 0 && (dismissal(p1, w) || d.n2 > 0 && order3(p2, p1, w))
		term := addressTerm(w)
		hit = hit || term && d.n1 > 0 && vocativeOpener(p1)
		d.vocEnd = term && !aboutWord(p1) && !aboutWord(p2) && !(d.n1 > 0 && vocativeOpener(p1))
		d.w3, d.n3, d.w2, d.n2, d.w1, d.n1 = d.w2, d.n2, d.w1, d.n1, d.cur, d.n
	}
	d.n, d.long = 0, false
	return hit
}

// endSentence ends the sentence and reports whether its last word was an
// address term said to someone.
func (d *aimState) endSentence() bool {
	hit := d.vocEnd
	d.vocEnd = false
	d.n1, d.n2, d.n3 = 0, 0, 0
	return hit
}

// order3 reports whether the words a b c are an order said to someone
// ("go to hell", "rot in hell").
func order3(a, b, c string) bool {
	if c != "hell" {
		return false
	}
	return a == "go" && b == "to" || (a == "rot" || a == "burn") && b == "in"
}

// addressTerm reports whether w is an abusive term people address someone
// by ("bitch", "slag", "loser"): the name-calling of anti-bullying
// guidance and of sexual bullying.
func addressTerm(w string) bool {
	switch w {
	case "bitch", "bitches", "slag", "slags", "slut", "sluts", "whore", "whores", "hoe", "hoes", "skank", "sket",
		"cunt", "cunts", "twat", "twats", "dickhead", "dickheads", "prick", "pricks", "wanker", "wankers",
		"bastard", "bastards", "asshole", "assholes", "arsehole", "arseholes", "fucker", "motherfucker", "tosser",
		"knobhead", "bellend", "scumbag", "dumbass", "retard", "faggot", "fag", "idiot", "idiots",
		"moron", "morons", "loser", "losers", "freak", "weirdo", "fatso", "fatty", "pervert", "perv":
		return true
	}
	return false
}

// vocativeOpener reports whether w, right before an address term, calls
// out to someone ("oi slag", "hey loser").
func vocativeOpener(w string) bool {
	switch w {
	case "oi", "oy", "oii", "hey", "hay", "yo", "ey", "ay", "ayo", "listen":
		return true
	}
	return false
}

// aboutWord reports whether w, within the two words before an address
// term, makes it talk about someone rather than to them ("she is a slag",
// "what an idiot", "his mate is a loser", "the class weirdo").
func aboutWord(w string) bool {
	switch w {
	case "a", "an", "the", "this", "that", "these", "those", "my", "his", "her", "their", "our", "its",
		"is", "s", "was", "are", "were", "be", "been", "being", "am", "m", "im", "re", "such", "what", "like", "as",
		"some", "any", "no", "every", "another", "other", "called", "call", "calling", "calls", "named",
		"he", "she", "they", "him", "them", "me", "myself", "i", "it", "we", "us", "who", "whos",
		"of", "to", "for", "with", "than", "by", "from", "at", "in", "on", "about", "into", "over", "under",
		"hes", "shes", "theyre", "thats", "total", "complete", "absolute", "real", "proper", "biggest", "little", "one":
		return true
	}
	return false
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
	case "my":
		return a == "suck" || a == "sukk" || a == "succ" || a == "suk" || a == "lick"
	case "me":
		return a == "bite" || a == "blow" || a == "suck"
	case "dead":
		return a == "drop"
	case "fucked":
		return a == "get"
	}
	return false
}
