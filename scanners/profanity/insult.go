package profanity

import (
	"fmt"
	"path"
	"strings"
	"sync"
	"unicode"

	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/textnorm"
)

// Insults, threats and hate (lists/insult/*.txt): words that are abuse
// without being swear words. They ride in the same automaton as the tier
// lists (one pass), with tiers below allowTier, and each hit is judged by
// whom it is aimed at, read from the few words around it:
//
//	nouns.txt         "idiot", "scumbag": profanity_insult low anywhere;
//	                  aimed at the reader medium (tag directed); about the
//	                  writer ("I'm such an idiot") nothing
//	aimed.txt         "loser", "trash", "clown": only when aimed: at the
//	                  reader medium (directed), at a third person ("he is a
//	                  liar") low; alone ("take out the trash") nothing
//	adjectives.txt    "stupid", "pathetic": like aimed.txt, but a verb of
//	                  being must stand between ("you are so stupid", not
//	                  "make you fat"), or a person or insult must follow
//	                  ("stupid people", "incompetent clown"); "this stupid
//	                  printer" is nothing
//	dehumanising.txt  "animals", "vermin": at the reader (insult, medium),
//	                  at a protected group (hate), at people named by a
//	                  noun ("democrats are terrorists", low); not at a
//	                  pronoun ("they are animals that live in the sea")
//	hate.txt          threats and wishes of harm: profanity_hate medium
//	against.txt       "hate", "gas", "death to": profanity_hate medium when
//	                  a protected group (groups.txt) follows
//
// Anything aimed at a protected group ("muslims are scum", "filthy jews",
// "black people are animals") is profanity_hate, medium, tagged group.
// people.txt lists the words that make a third person; second-person
// words are those of Directed (you, u, ur, your, ...); "don't be" and
// "stop being" are orders to the reader, low ("don't be a fool" is as often
// kind as not). Between the aim and the insult
// stand only verbs of being, intensifiers and other insults; articles and
// conjunctions only after a verb of being; at most two other words, only
// right after an article ("you are a lying corrupt traitor"). So "you know
// this stupid printer", "your trash" (a possessive), "one man's trash",
// "if you are stupid" (a condition) and "you're not stupid" (a negation)
// are not aimed. The look is bounded (maxBack words, insultWindow bytes),
// so each hit costs constant time.

// The rule ids of the insult lists.
const (
	// InsultRule is an insult: low alone or about a third person, medium
	// aimed at the reader.
	InsultRule = "profanity_insult"
	// HateRule is a threat, a wish of harm or hate against a protected
	// group: medium.
	HateRule = "profanity_hate"
	// TagGroup marks a finding aimed at a protected group.
	TagGroup = "group"
)

// insultClass is which insult list an entry came from. The order is the
// priority when two entries overlap (hate phrases first).
type insultClass int8

const (
	classHate insultClass = iota
	classNoun
	classAimed
	classAdj
	classDehum
	classAgainst
	numClasses
)

var insultFiles = [numClasses]string{"hate.txt", "nouns.txt", "aimed.txt", "adjectives.txt", "dehumanising.txt", "against.txt"}

// insultTier is the tier of the patterns of class c: below allowTier, and
// lower for a later class, so that an overlap keeps the earlier one (and
// any tier-list word over an insult).
func insultTier(c insultClass) Tier { return allowTier - 1 - Tier(c) }

func classOf(t Tier) insultClass { return insultClass(allowTier - 1 - t) }

// insultWindow bounds, in normalised bytes, how far the aim of an insult
// is looked for (a few ordinary words fit; one enormous word costs
// constant time).
const insultWindow = 96

// maxBack is how many words before an insult the aim may stand.
const maxBack = 7

// insultEntries returns the embedded insult entries of each class.
func insultEntries() ([numClasses][]string, error) {
	var out [numClasses][]string
	for c, f := range insultFiles {
		ws, err := embeddedWords(path.Join("lists", "insult", f))
		if err != nil {
			return out, err
		}
		out[c] = ws
	}
	return out, nil
}

func embeddedWords(name string) ([]string, error) {
	b, err := listFS.ReadFile(name)
	if err != nil {
		return nil, err
	}
	es, err := ReadList(strings.NewReader(string(b)), Mild)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Text
	}
	return out, nil
}

// addInsults appends the insult patterns to s (for New), skipping removed
// entries (keys as New computes them).
func (s *Scanner) addInsults(pats []textnorm.Pattern, key func(string) string, removed map[string]bool) ([]textnorm.Pattern, error) {
	ins, err := insultEntries()
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for c, ws := range ins {
		for _, w := range ws {
			k := key(w)
			if k == "" || removed[k] || seen[k] {
				continue
			}
			seen[k] = true
			pats = append(pats, textnorm.Pattern{Text: w})
			s.tier = append(s.tier, insultTier(insultClass(c)))
			s.text = append(s.text, w)
		}
	}
	return pats, nil
}

// insultCtx holds the word sets the aim is read from, normalised.
type insultCtx struct {
	nouns, demo, groupAdj, imperative, follow, shut, hail, second, youre, cond, self, pronoun, people, groups, copula, fillers, weak, insults, groupFill map[string]bool
}

var loadInsultCtx = sync.OnceValues(func() (*insultCtx, error) {
	set := func(ws ...string) map[string]bool {
		m := map[string]bool{}
		for _, w := range ws {
			if k := textnorm.String(strings.Trim(w, "*")); k != "" {
				m[k] = true
			}
		}
		return m
	}
	c := &insultCtx{}
	var sp []string
	for w := range secondPerson {
		sp = append(sp, w)
	}
	c.second = set(append(sp, "yall", "yourselves", "youse", "thou", "ura")...)
	c.demo = set("these", "those")
	// "black people are animals": a person word after one of these is a
	// protected group (not "white": "Stupid White Men" is a book)
	c.groupAdj = set("black", "brown", "asian", "jewish", "muslim", "gay", "lesbian", "trans", "chinese", "indian",
		"mexican", "african", "arab", "pakistani", "polish", "romanian", "immigrant", "foreign", "disabled", "hindu", "sikh")
	// "ura" is "u r a" (three one-letter words are joined by textnorm)
	c.youre = set("ur", "youre", "your", "yur", "yer", "yr", "ura")
	c.cond = set("if", "when", "whether", "unless", "thank", "thanks")
	c.self = set("i", "me", "myself", "im", "ive", "am", "my", "we", "us", "ourselves", "ima")
	c.pronoun = set("he", "she", "they", "him", "her", "them", "hes", "shes", "theyre")
	ppl, err := embeddedWords("lists/insult/people.txt")
	if err != nil {
		return nil, err
	}
	c.people = set(ppl...)
	grp, err := embeddedWords("lists/insult/groups.txt")
	if err != nil {
		return nil, err
	}
	c.groups = set(grp...)
	// between the aim and the insult: verbs of being, intensifiers and
	// other insults freely; articles and conjunctions only after a verb of
	// being ("you are the worst idiot", "you're fat and ugly", not "you
	// get dirty and the pig")
	c.copula = set("are", "r", "re", "is", "s", "was", "were", "be", "been", "being", "m", "am",
		"look", "looks", "looking", "sound", "sounds", "seem", "seems", "act", "acts", "acting", "become", "becoming",
		"feel", "feels", "felt", "feeling")
	c.follow = set("and", "or", "but", "as", "af", "asf", "to", "for", "at", "in", "if", "when", "because", "cos", "coz",
		"lol", "lmao", "haha", "omg", "tbh", "though", "tho", "sometimes", "honestly", "seriously", "now", "today", "then",
		"anyway", "innit", "mate", "bro", "man", "dude", "it", "that", "this", "i", "x", "xx", "ever", "too", "lmfao",
		"who", "which", "like", "with", "from", "than", "just", "again", "whos", "on", "of", "by", "here", "there", "all", "ok",
		"will", "would", "should", "can", "could", "must", "are", "is", "have", "has", "had", "do", "does", "did", "need",
		"never", "not", "dont", "keep", "get", "go", "want")
	// "don't be an idiot", "stop being so stupid": an order to the reader
	c.imperative = set("dont", "stop", "quit")
	c.shut = set("shut")
	c.hail = set("oi", "oy", "hey", "hay", "ey")
	c.fillers = set("so", "such", "really", "very", "truly", "totally", "proper", "well", "just", "quite", "pretty",
		"absolute", "absolutely", "complete", "completely", "total", "utter", "utterly", "little", "big", "old",
		"fucking", "fuckin", "freaking", "frigging", "bloody", "damn", "effing", "more", "most", "even", "still",
		"always", "biggest", "massive", "huge", "real", "right", "dirty", "lying", "sad", "typical", "ve", "ll", "d",
		"also", "now", "clearly", "obviously", "literally", "simply", "actually", "certainly", "definitely", "such")
	c.weak = set("a", "an", "the", "and", "all", "bunch", "lot", "lots", "like", "as", "of", "nothing", "but", "one", "same", "pack", "load", "kind", "sort", "kinda")
	var ins []string
	all, err := insultEntries()
	if err != nil {
		return nil, err
	}
	for _, cl := range []insultClass{classNoun, classAimed, classAdj, classDehum} {
		for _, w := range all[cl] {
			if !strings.Contains(w, " ") {
				ins = append(ins, w)
			}
		}
	}
	c.insults = set(ins...)
	var nouns []string
	for _, cl := range []insultClass{classNoun, classAimed, classDehum} {
		for _, w := range all[cl] {
			if !strings.Contains(w, " ") {
				nouns = append(nouns, w)
			}
		}
	}
	c.nouns = set(nouns...)
	c.groupFill = set("all", "the", "those", "these", "them", "every", "of", "more", "any", "some", "our", "fucking", "bloody", "filthy", "dirty")
	return c, nil
})

// aim is whom an insult is aimed at.
type aim uint8

const (
	aimNone aim = iota
	aimSelf
	aimThird
	aimGroup
	aimSecond
)

func has(m map[string]bool, w []byte) bool { return m[string(w)] }

// before reads the aim from the words before b[start:]: the first word
// that is not a filler (nor an insult) decides it. An adjective (adj) needs
// a verb of being on the way ("you are stupid", not "make you fat"); so do
// articles and conjunctions; "your" right before the word is a possessive
// ("your trash").
func (c *insultCtx) before(b []byte, start int, adj bool) aim {
	lo := max(0, start-insultWindow)
	j := start - 1 // the separator before the next word back
	copula, weak, onlyS := false, false, false
	// up to two other words may stand between an article and the insult
	// ("you are a lying corrupt traitor"), not elsewhere ("you know this
	// stupid printer")
	unknown, article := 0, false
	var last []byte // the word before, nearer the insult
	for n := 0; n < maxBack && j > lo && b[j] == textnorm.Sep; n++ {
		i := j - 1
		for i >= lo && b[i] != textnorm.Sep {
			i--
		}
		if i < lo && lo > 0 {
			return aimNone // the word starts before the window
		}
		w := b[i+1 : j]
		person := has(c.second, w) || has(c.self, w) || has(c.groups, w) || has(c.people, w)
		copula = copula || has(c.youre, w) // "ur a loser", "your a stupid idiot"
		if person && (((adj || weak) && !copula) || (unknown > 0 && !article)) {
			return aimNone
		}
		switch {
		case has(c.second, w):
			if n == 0 && string(w) == "your" {
				return aimNone
			}
			if c.prevIs(b, i, lo, c.cond) { // "if you are stupid, ..."
				return aimNone
			}
			return aimSecond
		case has(c.self, w):
			return aimSelf
		case has(c.groups, w):
			if !copula { // "muslims are scum", not "a gay Jew Nazi"
				return aimNone
			}
			return aimGroup
		case has(c.people, w):
			// "your mum is fat": the word before a person may be "your"
			if c.prevIs(b, i, lo, c.second) {
				return aimSecond
			}
			if !copula || (onlyS && !has(c.pronoun, w)) || c.prevIs(b, i, lo, c.cond) {
				return aimNone // "libs trash the bill", "one man's trash"
			}
			if c.prevIs(b, i, lo, c.groupAdj) {
				return aimGroup // "black people are animals"
			}
			return aimThird
		case (string(w) == "up" && c.prevIs(b, i, lo, c.shut)) || has(c.hail, w):
			if !weak && !copula && unknown == 0 {
				return aimSecond // "shut up fatty", "oi idiot", "hey loser"
			}
			return aimNone
		case has(c.imperative, w) && (string(last) == "be" || string(last) == "being"):
			return aimThird // low: "don't be a fool" is as often kind as not
		case string(w) == "what" && article && !copula && !adj:
			return aimThird // "what a loser", "what an absolute clown"
		case has(c.demo, w) && !adj && !copula && !weak && unknown <= 2:
			return aimThird // "these idiots", "those fucking losers", "these far left lunatics"
		case has(c.copula, w):
			onlyS = !copula && string(w) == "s"
			copula = true
		case has(c.weak, w):
			weak = true
			article = article || string(w) == "a" || string(w) == "an" || string(w) == "the"
		case has(c.fillers, w) || has(c.insults, w):
		case !weak && !copula && unknown < 2:
			unknown++
		case !copula && (string(last) == "and" || string(last) == "or"):
			// one other word before a conjunction: "you are annoying and
			// ugly"
		default:
			return aimNone
		}
		last = w
		j = i
	}
	return aimNone
}

// pronounBefore reports whether the person an insult at b[start:] is
// aimed at is a pronoun ("they are animals"): the first word back that is
// a person word.
func (c *insultCtx) pronounBefore(b []byte, start int) bool {
	lo := max(0, start-insultWindow)
	for j, n := start-1, 0; n < maxBack && j > lo && b[j] == textnorm.Sep; n++ {
		i := j - 1
		for i >= lo && b[i] != textnorm.Sep {
			i--
		}
		if w := b[i+1 : j]; has(c.people, w) || has(c.demo, w) {
			return has(c.pronoun, w) || has(c.demo, w)
		}
		j = i
	}
	return false
}

// attributive reports whether the adjective ending at b[end] qualifies the
// word after it, in the same sentence: a word that is no person, insult,
// filler or common follow-on ("they are stupid rules", not "he is stupid
// and lazy", "they're stupid lol", "she is ugly. Anyway").
func (c *insultCtx) attributive(orig string, res *textnorm.Result, end int) bool {
	b := res.B
	if end >= len(b) || b[end] != textnorm.Sep {
		return false
	}
	j := end + 1
	for j < len(b) && j-end < insultWindow && b[j] != textnorm.Sep {
		j++
	}
	w := b[end+1 : j]
	if len(w) == 0 || has(c.people, w) || has(c.nouns, w) || has(c.insults, w) || has(c.fillers, w) ||
		has(c.weak, w) || has(c.copula, w) || has(c.second, w) || has(c.follow, w) {
		return false
	}
	_, x := res.Span(end-1, end)
	y, _ := res.Span(end+1, end+2)
	if x < 0 || y > len(orig) || x > y {
		return false
	}
	return !strings.ContainsAny(orig[x:y], ".,;:!?()\n\"")
}

// alone reports whether the insult at b[start:end] is all the text says:
// before it only @mentions, spaces and punctuation; after it no other word
// but a follow-on ("lol", "mate").
func (c *insultCtx) alone(orig string, res *textnorm.Result, start, end int) bool {
	a, e := res.Span(start, end)
	if a > aloneMax || len(orig)-e > aloneMax {
		return false // not a short message: and the look stays bounded
	}
	for _, w := range strings.Fields(orig[:a]) {
		if w[0] != '@' && strings.IndexFunc(w, isLetterOrDigit) >= 0 {
			return false
		}
	}
	if strings.IndexFunc(orig[e:], isLetterOrDigit) < 0 {
		return true
	}
	// one follow-on word and nothing after it
	b := res.B
	if end >= len(b) || b[end] != textnorm.Sep {
		return false
	}
	j := end + 1
	for j < len(b) && b[j] != textnorm.Sep {
		j++
	}
	return j == len(b) && has(c.follow, b[end+1:j])
}

// aloneMax bounds the text before and after an insult that alone reads.
const aloneMax = 200

func isLetterOrDigit(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// inside reports whether a second-person word is among the words of
// b[start:end] (a phrase entry such as "screw you").
func (c *insultCtx) inside(b []byte, start, end int) bool {
	for i := start; i < end; {
		j := i
		for j < end && b[j] != textnorm.Sep {
			j++
		}
		if has(c.second, b[i:j]) {
			return true
		}
		i = j + 1
	}
	return false
}

// prevIs reports whether the word before the separator b[i] (within
// b[lo:]) is in m.
func (c *insultCtx) prevIs(b []byte, i, lo int, m map[string]bool) bool {
	if i <= lo || b[i] != textnorm.Sep {
		return false
	}
	k := i - 1
	for k >= lo && b[k] != textnorm.Sep {
		k--
	}
	if k < lo && lo > 0 {
		return false
	}
	return has(m, b[k+1:i])
}

// after reads the words just after b[:end]: "stupid people", "dumb fat
// liberals", "filthy jews".
func (c *insultCtx) after(b []byte, end int) aim {
	var ws [2][]byte
	hi := min(len(b), end+insultWindow)
	j := end
	for n := 0; n < 2 && j < hi && b[j] == textnorm.Sep; n++ {
		st := j + 1
		j = st
		for j < hi && b[j] != textnorm.Sep {
			j++
		}
		if j == hi && hi < len(b) {
			break // the word ends after the window
		}
		ws[n] = b[st:j]
	}
	w1, w2 := ws[0], ws[1]
	switch {
	case has(c.groups, w1):
		return aimGroup
	case len(w2) > 0 && has(c.groupAdj, w1) && has(c.people, w2):
		return aimGroup // "filthy black people"
	case has(c.people, w1) && !has(c.pronoun, w1):
		return aimThird
	case len(w2) > 0 && (has(c.insults, w1) || has(c.groupFill, w1)) && has(c.groups, w2):
		return aimGroup
	case len(w2) > 0 && has(c.insults, w1) && has(c.people, w2) && !has(c.pronoun, w2):
		return aimThird
	case has(c.nouns, w1): // "incompetent clown", "pathetic loser"
		return aimThird
	case string(w1) == "af" || string(w1) == "asf": // "dumb af"
		return aimThird
	}
	return aimNone
}

// groupAfter reports whether a protected group follows b[:end], past
// group fillers ("hate all the muslims").
func (c *insultCtx) groupAfter(b []byte, end int) bool {
	hi := min(len(b), end+insultWindow)
	j := end
	for n := 0; n < 3 && j < hi && b[j] == textnorm.Sep; n++ {
		st := j + 1
		j = st
		for j < hi && b[j] != textnorm.Sep {
			j++
		}
		if j == hi && hi < len(b) {
			return false
		}
		w := b[st:j]
		if has(c.groups, w) {
			return true
		}
		if !has(c.groupFill, w) {
			return false
		}
	}
	return false
}

// insultAcc gathers the insult hits of one message: [0] insult, [1] hate.
type insultAcc struct {
	count    [2]int
	sev      [2]scanners.Severity
	directed [2]bool
	group    bool
	ev       [2][]scanners.Evidence
	words    [2][]string
}

// insultHit judges the insult hit h in field f (normalised as res) and
// adds it to acc when it counts.
func (s *Scanner) insultHit(acc *accum, f textnorm.Field, res *textnorm.Result, h textnorm.Hit) {
	c, err := loadInsultCtx()
	if err != nil {
		return // the embedded lists are checked by New
	}
	b := res.B
	start, end := int(h.Start), int(h.End)
	rule, sev, directed, group := 0, scanners.Low, false, false
	switch classOf(s.tier[h.Pattern]) {
	case classHate:
		rule, sev, directed = 1, scanners.Medium, Directed(res, h)
	case classAgainst:
		if !c.groupAfter(b, end) {
			return
		}
		rule, sev, group = 1, scanners.Medium, true
	case classNoun, classAimed, classAdj, classDehum:
		cl := classOf(s.tier[h.Pattern])
		a := c.before(b, start, cl == classAdj)
		if a == aimThird && (cl == classAdj || cl == classAimed) && c.attributive(f.Text, res, end) {
			a = aimNone // "they are stupid rules", "he is a pig farmer"
		}
		if a == aimNone && cl == classAdj {
			a = c.after(b, end)
		}
		if a == aimNone && c.inside(b, start, end) {
			a = aimSecond // "screw you", "you suck"
		}
		if a == aimNone && cl != classDehum && c.alone(f.Text, res, start, end) {
			a = aimThird // "loser!", "@sam pathetic lol": a message of one insult
		}
		switch {
		case a == aimSecond:
			sev, directed = scanners.Medium, true
		case a == aimGroup:
			rule, sev, group = 1, scanners.Medium, true
		case a == aimThird && cl == classDehum && !c.pronounBefore(b, start):
			sev = scanners.Low // "democrats are terrorists", not "they are animals"
		case a == aimSelf || cl == classDehum:
			return
		case a == aimThird || cl == classNoun:
			sev = scanners.Low
		default:
			return
		}
	}
	ia := &acc.ins
	ia.count[rule]++
	ia.sev[rule] = max(ia.sev[rule], sev)
	ia.directed[rule] = ia.directed[rule] || directed
	ia.group = ia.group || group
	s.record(&ia.ev[rule], &ia.words[rule], f, res, start, end, h.Pattern)
}

// insultFindings turns the insult hits of one message into findings.
func (s *Scanner) insultFindings(ia *insultAcc, out []scanners.Finding) []scanners.Finding {
	for r, id := range [2]string{HateRule, InsultRule} {
		r = 1 - r // hate first
		if ia.count[r] == 0 {
			continue
		}
		var tags []string
		if ia.directed[r] {
			tags = append(tags, TagDirected)
		}
		if r == 1 && ia.group {
			tags = append(tags, TagGroup)
		}
		what := [2]string{"insult", "threat or hate"}[r]
		out = append(out, scanners.Finding{
			Scanner:     Name,
			Rule:        id,
			Category:    scanners.Profanity,
			Severity:    ia.sev[r],
			Score:       float64(min(ia.count[r], ScoreCap)) * [2]float64{2, 4}[r],
			Explanation: fmt.Sprintf("%s: %d match(es): %s", what, ia.count[r], scanners.QuoteWords(ia.words[r])),
			Evidence:    ia.ev[r],
			Tags:        tags,
			School:      s.school,
		})
	}
	return out
}
