package safeguarding

// Context rules: what the words around a phrase hit say about it. They are
// pure functions of the original field text and the hit's span, so they
// are tested on their own (context_test.go); the scanner calls them once
// per phrase hit (scanField) and reads only a bounded window around the
// hit, so the work stays linear in the text.
//
//   - a hit that spans a sentence or clause boundary ("...you're asking.
//     Nobody ...") is not a phrase: dropped;
//   - denial (self-harm, bullying, weapons), a negation just before a
//     hit ("I'm not suicidal", "I would never kill myself", "I'm not
//     gonna hit you"; but "no, you're so ugly" is kept): dropped;
//     except a near miss, where the negation is the disclosure ("the
//     only reason I didn't kill myself", "I nearly didn't stop"): kept;
//   - bullying: a "go ..." or "die ..." phrase after "to", a modal or a
//     subject is a statement, not a command ("my problems will go away",
//     "my phone will die soon"): dropped;
//   - a phrase tagged "alone" (TagAlone) counts only as (nearly) the
//     whole field ("asshole", "no slut"); then only laughter caps it;
//   - a phrase tagged "final" (TagFinal) counts only when it ends a
//     sentence that is no question ("you smell." but not "you smell
//     nice");
//   - a phrase tagged "address" (TagAddress: "you fucking", "you
//     stupid") counts only when one word follows it and ends a sentence
//     that is no question, and that word is no praise or adverb ("you
//     fucking gnome!"; not "you bloody legend", "did you fucking see it");
//   - a phrase tagged "vocative" (TagVocative) counts only as an insult
//     addressing the reader ("shut up loser", "no one asked, idiot"),
//     not as talk about someone ("he is an idiot"); then only laughter
//     caps it;
//   - support, a negation or a plea before a second-person hit ("please
//     don't kill yourself"), or help words in the sentence ("talk to
//     someone", "Childline") around a hit that is not in the first person
//     ("if you feel suicidal"; not "I want to kill myself, I need to talk
//     to someone"): capped at low, still shown to the DSL;
//   - bullying: a joking sentence ("lol", "haha"; not "literally", an
//     intensifier in an insult) caps a phrase of at most medium severity
//     (banter), never a high one ("kys"), nor an insult about looks,
//     weight, sexuality, worth, exclusion or being fake ("lol ur so ugly",
//     "u got no mates lol": laughing it off is how such bullying is
//     usually excused);
//   - bullying: a hit opening with a second-person word must be aimed at
//     the reader (notAimed): a gap word that is no verb of being,
//     intensifier, article or insult ("do you want fake nails"), or a
//     possessive adjective before its noun ("ur fake tan"): dropped;
//   - bullying: a hit ending in "want you" or "like you" before "to" is
//     a request ("she doesn't even want you to bring anything"): dropped;
//   - bullying: a bare insult word said of the writer ("I'm such an
//     idiot") or denied ("you're not a loser"), and an "alone" insult
//     after a negation ("you're not ugly"): dropped;
//   - the labels of an anonymous Q&A post ("Q: slut A: ok", "<br>") are
//     no words of it ("alone") and end a sentence ("final");
//   - self-harm, weapons, extremism and drugs only (these words do not
//     soften an insult, grooming or a disclosure of abuse): informational
//     or reported speech (statistics, news, lessons,
//     awareness) and fiction or dreams (a story, a film, "I had a dream")
//     in the same sentence: capped at low;
//   - a lone generic word ("suicide", "suicidal") or a topic noun
//     (TagNoun: "self-harm") in a sentence with no
//     first-person word ("the suicidal character", "suicide rates"), or
//     in a joking sentence ("lol", "literally", crying-laughing emoji;
//     also phrases of at most medium severity there): capped at low.
//
// "Capped" hits count like hyperbole: low, and never raised by the
// envelope weighting.

import (
	"strings"
	"sync"

	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/textnorm"
)

// TagAlone is the lexicon tag of a phrase that counts only as the whole
// of a field, give or take aloneSlack other words ("asshole", "Tom you
// pig", "dumb bot!"): an insult standing alone is aimed at the reader,
// the same word inside a sentence ("a guinea pig", "the asshole at work")
// often is not. (MatchText applies no context rule: it reports them
// wherever they occur; the scanner's findings drop them.)
const TagAlone = "alone"

// aloneSlack is how many words besides the hit an "alone" phrase's field
// may hold; aloneBytes bounds the bytes looked at.
const (
	aloneSlack = 2
	aloneBytes = 64
)

// hitEffect applies the lexicon tag's condition (TagAlone), then the
// context rules (contextEffect), to the hit text[a:b] of a phrase tagged
// tag.
func hitEffect(topic, tag, phrase string, sev scanners.Severity, text string, a, b int) ctxEffect {
	if tag == TagVocative {
		switch {
		case !vocative(text, a, b) && !(sev >= scanners.Medium && calledOut(text, a, b)):
			return ctxDrop
		case hasAny(words(text[max(0, a-ctxWindow):min(len(text), b+ctxWindow)]), banterWords) || hasPhrase(text[max(0, a-ctxWindow):min(len(text), b+ctxWindow)], laughPhrases):
			return ctxCap
		}
		return ctxKeep
	}
	if tag == TagAddress && !addressed1(text, a, b) {
		return ctxDrop // "did you fucking see that", "you bloody legend"
	}
	if tag == TagAlone {
		// the whole message is the insult: no negation, support or news
		// around it can explain it away ("no slut"), only laughter
		// ("idiot lol") marks it as banter
		switch {
		case !alone(text, a, b), reassured(text[max(0, a-ctxWindow):a]):
			return ctxDrop
		case selfDirected(text[a:b]) && negatedBefore(strings.ToLower(text[max(0, a-ctxWindow):a])) != "":
			return ctxCap // support: "please don't go starve yourself"
		case hasAny(words(text), banterWords) || hasPhrase(text, laughPhrases):
			return ctxCap
		}
		return ctxKeep
	}
	if tag == TagFinal {
		if final, question := sentenceFinal(text, b); !final || question {
			return ctxDrop
		}
	}
	if ordinarySense(text, a, b) {
		return ctxDrop // "go away for the weekend", "a virgin media customer", "what are you wearing tomorrow"
	}
	if topic == "bullying" && notAimed(phrase, text, a, b) {
		return ctxDrop // "do you want fake nails", "ur fake tan looks good"
	}
	if topic == "bullying" && wantYouTo(text, a, b) {
		return ctxDrop // "he doesn't even want you to bring anything": a request
	}
	if topic == "bullying" && trashTalk(text, a, b) {
		return ctxDrop // "why are you trash talking", "you're gonna trash talk": the verb
	}
	if topic == "bullying" && generic(phrase) && selfOrDenied(text, a, b) {
		return ctxDrop // "I'm such an idiot", "I'm a loser at FIFA", "you're not a loser"
	}
	if tag == TagGroup || topic == "bullying" && generic(phrase) {
		// talk about a group ("muslims are terrorists") or a bare word
		// ("bullied") in a lesson, the news or a story is information
		if eff := contextEffectOf(topic, false, sev, text, a, b); eff != ctxKeep {
			return eff
		}
		if _, sentence := sentenceAround(text, a, b); informational(sentence) || topic == "bullying" && campaign(text, a) {
			return ctxCap
		}
		return ctxKeep
	}
	return contextEffectOf(topic, generic(phrase) || tag == TagNoun, sev, text, a, b)
}

// notAimed reports whether a bullying hit text[a:b] that opens with a
// second-person word ("you", "ur", "your") is no insult aimed at the
// reader, as the profanity scanner's insult lists judge aim (insult.go):
//
//   - a word the phrase does not name stands in a gap between its terms
//     and is no verb of being, intensifier, article or other insult ("do
//     you want fake nails", "you get fat tips", "thank you ugly sweater
//     day"; but "you are so ugly", "ur such a fucking loser");
//   - or the hit is a possessive and an adjective followed by a noun it
//     describes ("ur fake tan", "your fat cat", "ur gay friend").
func notAimed(phrase, text string, a, b int) bool {
	hw := words(text[a:b])
	if len(hw) < 2 || !aimWords[hw[0]] {
		return false
	}
	// the normalised words: "you c-u-n-t" is "you cunt", "sooo" is "so"
	hw = strings.Fields(textnorm.String(text[a:b]))
	if len(hw) < 2 {
		return false
	}
	if len(hw) == 2 && (hw[0] == "ur" || hw[0] == "your" || hw[0] == "yur" || hw[0] == "you" || hw[0] == "u") {
		after := words(text[b:min(len(text), b+32)])
		if len(after) > 0 && attributiveNouns[after[0]] && !crossesBoundary(text[b:min(len(text), b+2)]) {
			return true
		}
	}
	if len(hw) < 3 || strings.Contains(phrase, " ... ") {
		return false // "..." lets any words stand between its terms
	}
	var pw map[string]bool
	for _, w := range hw[1 : len(hw)-1] {
		if normGapOK()[w] {
			continue
		}
		if pw == nil {
			pw = phraseWords(phrase)
		}
		if !pw[w] {
			return true
		}
	}
	return false
}

// campaign reports whether the bare bullying word at text[a:] is named as
// a campaign or a policy ("anti-bullying week", "the anti bullying
// ambassadors", "zero tolerance on bullying"): talk about bullying, not a
// disclosure.
func campaign(text string, a int) bool {
	bw := words(text[max(0, a-ctxWindow):a])
	if len(bw) == 0 {
		return false
	}
	last := bw[len(bw)-1]
	return last == "anti" || hasAny(bw[max(0, len(bw)-4):], campaignWords)
}

// campaignWords before a bare bullying word make it talk about a policy
// or a campaign (campaign).
var campaignWords = set("tolerance", "ambassador", "ambassadors", "charter", "pledge")

// ordinarySense reports whether the words right after the hit text[a:b],
// in the same clause, give its last word an everyday sense: "away" said of
// a trip ("go away for the weekend", "go away to spain", but not "go away
// for good"), "virgin" as a brand ("are you a virgin media customer"), or
// "wearing" asked about an occasion ("what are you wearing tomorrow",
// "what are you wearing to the party"; not "to bed", "for me").
func ordinarySense(text string, a, b int) bool {
	hit := text[a:b]
	if !endsWordFold(hit, "away") && !endsWordFold(hit, "virgin") && !endsWordFold(hit, "wearing") {
		return false // the usual case: nothing read, nothing allocated
	}
	hw := words(hit)
	if len(hw) == 0 || crossesBoundary(text[b:min(len(text), b+2)]) {
		return false
	}
	after := words(text[b:min(len(text), b+40)])
	if len(after) == 0 {
		return false
	}
	next, then := after[0], ""
	if len(after) > 1 {
		then = after[1]
	}
	switch hw[len(hw)-1] {
	case "away":
		if !hasAny(hw, goWords) {
			return false // "giving my stuff away to my friends"
		}
		switch next {
		case "for":
			return then != "good" && then != "ever" && then != "life"
		case "to":
			return then != "your" && then != "ur" // not "go away to your room"
		case "on", "with", "this", "next", "over", "during", "abroad", "somewhere", "together", "camping":
			return true
		}
	case "virgin":
		return brandVirgin[next]
	case "wearing":
		switch next {
		case "tomorrow", "today", "at":
			return true
		case "to", "for":
			return occasionWords[then]
		}
	}
	return false
}

// endsWordFold reports whether s ends in the word w (ASCII case folded),
// not inside a longer word. It allocates nothing.
func endsWordFold(s, w string) bool {
	if len(s) < len(w) || !strings.EqualFold(s[len(s)-len(w):], w) {
		return false
	}
	if len(s) == len(w) {
		return true
	}
	c := s[len(s)-len(w)-1]
	return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9')
}

// goWords make "away" a trip (ordinarySense).
var goWords = set("go", "goes", "going", "went", "gone")

// brandVirgin follow "virgin" as the brand (ordinarySense).
var brandVirgin = set("media", "atlantic", "trains", "train", "money", "active", "islands", "mobile", "radio", "galactic",
	"records", "megastore", "orbit", "voyages", "holidays", "broadband", "tv", "box", "router", "wifi", "olive", "coconut")

// occasionWords follow "wearing to" or "wearing for" when the question is
// about an occasion (ordinarySense).
var occasionWords = set("the", "a", "school", "prom", "church", "mufti", "non", "pe", "sports", "halloween", "christmas",
	"world", "book", "work", "college", "dinner", "tea", "brunch", "lunch", "my", "his", "her", "their", "our", "prizegiving", "graduation")

// wantYouTo reports whether the hit text[a:b] ends in "want you", "like
// you", "love you" or "need you" and "to" follows: a request ("she doesn't
// even want you to bring anything", "i'd like you to come"), not a feeling
// about the reader.
func wantYouTo(text string, a, b int) bool {
	hw := words(text[a:b])
	if len(hw) < 2 || !aimWords[hw[len(hw)-1]] || !wantVerbs[hw[len(hw)-2]] {
		return false
	}
	after := words(text[b:min(len(text), b+8)])
	return len(after) > 0 && after[0] == "to" && !crossesBoundary(text[b:min(len(text), b+4)])
}

// trashTalk reports whether the hit text[a:b] ends in "trash" and the
// next word, in the same clause, is "talk", "talking", "talked" ...: the
// verb of sports banter ("why are you trash talking"), not "you're trash".
func trashTalk(text string, a, b int) bool {
	hw := words(text[a:b])
	if len(hw) == 0 || hw[len(hw)-1] != "trash" {
		return false
	}
	after := words(text[b:min(len(text), b+12)])
	return len(after) > 0 && strings.HasPrefix(after[0], "talk") && !crossesBoundary(text[b:min(len(text), b+2)])
}

// wantVerbs take an object and an infinitive ("want you to") (wantYouTo).
var wantVerbs = set("want", "wants", "wanted", "like", "likes", "liked", "love", "loves", "loved", "need", "needs", "needed")

// phraseWordSets caches phraseWords per lexicon phrase.
var phraseWordSets sync.Map // string → map[string]bool

// phraseWords returns the normalised words of a lexicon phrase: its
// alternatives split at '|', '_' and spaces, and each alternative with
// its '_' removed ("you_re" gives "you", "re" and "youre"), each through
// textnorm.String as the hit's words are ("look" is "lok").
func phraseWords(phrase string) map[string]bool {
	if m, ok := phraseWordSets.Load(phrase); ok {
		return m.(map[string]bool)
	}
	m := map[string]bool{}
	for alt := range strings.FieldsFuncSeq(phrase, func(r rune) bool { return r == ' ' || r == '|' }) {
		alt = strings.TrimSuffix(alt, "*")
		for _, w := range strings.Split(alt, "_") {
			for _, n := range strings.Fields(textnorm.String(w)) {
				m[n] = true
			}
		}
		if strings.Contains(alt, "_") {
			for _, n := range strings.Fields(textnorm.String(strings.ReplaceAll(alt, "_", ""))) {
				m[n] = true
			}
		}
	}
	phraseWordSets.Store(phrase, m)
	return m
}

// normGapOK is gapOK, insultWords and hurtfulWords normalised as hit
// words are (textnorm.String: "gonna" is "gona").
var normGapOK = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, set := range []map[string]bool{gapOK, insultWords, hurtfulWords} {
		for w := range set {
			for _, n := range strings.Fields(textnorm.String(w)) {
				m[n] = true
			}
		}
	}
	return m
})

// aimWords open a second-person insult (notAimed).
var aimWords = set("you", "u", "ya", "ye", "yer", "yu", "ur", "your", "yur", "yoyr", "youre", "yall")

// gapOK may stand in a gap of an insult aimed at the reader: verbs of
// being, intensifiers, articles, fillers of teen writing (notAimed).
var gapOK = set("are", "r", "re", "is", "s", "was", "were", "be", "being", "been", "am", "so", "such", "a", "an", "the", "really",
	"very", "proper", "well", "total", "totally", "complete", "completely", "absolute", "absolutely", "fucking", "fuckin", "fking",
	"fkn", "effing", "bloody", "little", "big", "massive", "actually", "literally", "just", "even", "still", "always", "never", "ever",
	"honestly", "genuinely", "seriously", "clearly", "obviously", "probably", "definitely", "deffo", "lowkey", "highkey", "fr", "ngl",
	"tbh", "deadass", "straight", "too", "all", "guys", "lot", "lads", "girls", "boys", "two", "people", "lot", "mad", "hella", "af",
	"asf", "kinda", "sorta", "only", "gonna", "going", "to", "will", "ll", "d", "would", "do", "does", "did", "must", "can", "could",
	"should", "look", "looks", "sound", "sounds", "smell", "smells", "act", "acts", "acting", "seem", "seems", "become", "becoming",
	"turned", "getting", "got", "like", "such", "one", "ugly", "fat", "stupid", "dumb", "thick", "dirty", "filthy", "lazy",
	"sad", "pathetic", "useless", "worthless", "disgusting", "weird", "creepy", "fake", "lying", "annoying", "smelly", "stinking",
	"evil", "nasty", "horrible", "rude", "ignorant", "desperate", "sick", "twisted", "mental", "crazy", "psycho", "gay", "and", "n",
	"as", "bit", "abit", "quite", "rather", "extremely", "incredibly", "super", "lil", "that", "this", "how")

// attributiveNouns follow an adjective that describes them, not the
// reader ("ur fake tan", "your fat cat", "ur gay friend").
var attributiveNouns = set("tan", "nails", "lashes", "eyelashes", "account", "accounts", "id", "friend", "friends", "mate", "mates",
	"cousin", "cousins", "brother", "sister", "uncle", "aunt", "auntie", "marriage", "cat", "cats", "dog", "dogs", "puppy", "sweater",
	"jumper", "christmas", "dream", "dreams", "question", "questions", "phone", "idea", "ideas", "chips", "kebab", "burger", "tips",
	"tip", "stack", "wallet", "paycheck", "cheque", "pride", "flag", "club", "bar", "rights", "news", "teacher", "teachers", "book",
	"books", "film", "movie", "song", "show", "game", "games", "quiz", "test", "homework", "jokes", "tattoo", "tattoos", "eyelash",
	"fur", "fish", "hamster", "rabbit", "pony", "horse", "car", "bike", "fox", "bear", "santa", "pants", "trousers", "jeans", "coat",
	"hat", "glasses", "lenses", "tooth", "blood", "money", "notes", "note", "diamonds", "gold", "instagram", "insta",
	"snap", "profile", "name", "names", "email", "number", "character", "role", "part", "costume", "outfit", "hair", "beard", "biscuit", "biscuits", "tea", "cake")

// selfOrDenied reports whether a bare insult word text[a:b] ("idiot",
// "loser") is said of the writer or denied: its clause before it holds a
// first-person subject ("I'm such an idiot", "i was a loser at fifa") and
// its sentence no second-person word, or a negation of being stands just
// before it, past an article ("you're not a loser", "he isn't an idiot").
// Bare words of being bullied ("bullied", "bullies") are disclosures and
// stay.
func selfOrDenied(text string, a, b int) bool {
	hw := words(text[a:b])
	if len(hw) != 1 || !bareInsults[hw[0]] {
		return false
	}
	before, sentence := sentenceAround(text, a, b)
	if reassured(before) {
		return true
	}
	// the writer is the subject: only words of being and modifiers stand
	// between "I" and the insult ("I'm such an idiot"; not "I think my
	// stepfather is an idiot", "i own him bitch")
	bw := words(before)
	for k := len(bw) - 1; k >= 0; k-- {
		switch w := bw[k]; {
		case w == "i" || w == "im" || w == "ive" || w == "id":
			return !addressed(sentence)
		case !selfCopula[w]:
			return false
		}
	}
	return false
}

// selfCopula may stand between "I" and an insult about the writer.
var selfCopula = set("am", "m", "was", "feel", "felt", "like", "such", "a", "an", "so", "total", "complete", "real", "proper",
	"absolute", "being", "been", "be", "the", "biggest", "really", "just", "literally", "ll", "will", "d", "would", "look", "looked",
	"sound", "what", "an", "massive", "huge", "bit", "of", "kind", "kinda", "sorta", "always", "actually")

// bareInsults are the bullying lexicon's bare insult words (selfOrDenied).
var bareInsults = set("idiot", "moron", "dumbass", "imbecile", "loser", "bitch", "twat", "cunt", "wanker", "dickhead", "bellend",
	"scumbag", "dumbo", "cretin", "numpty")

// TagGroup is the lexicon tag of hostility about a group of people
// ("muslims are terrorists", "i hate gays"): bullying, but in a sentence
// of a lesson, the news or a story ("in RE we discussed why some people
// think muslims are terrorists") it is information and capped at low.
// Bare words of the bullying topic ("bullied") are treated the same.
const TagGroup = "group"

// informational reports whether a sentence (lower-cased) is reported
// speech, a lesson, the news or a story: report or fiction words.
func informational(sentence string) bool {
	ws := words(sentence)
	return hasAny(ws, reportWords) || hasPhrase(sentence, reportPhrases) || hasAny(ws, fictionWords) || hasPhrase(sentence, fictionPhrases)
}

// TagNoun is the lexicon tag of a topic noun ("self-harm", "self-injury"):
// like a bare word, it says nothing about who, so in a sentence with no
// first-person word ("survivors use it as a form of self-harm") or a
// joking one it is capped at low.
const TagNoun = "noun"

// alone reports whether text holds at most aloneSlack words outside
// text[a:b], none of them first person ("I'm an idiot" is about the
// writer). Insult and swear words among them do not count: a string of
// insults ("SLUT SLUT WHORE", "fucking bitch ass hoe") is all insult.
func alone(text string, a, b int) bool {
	if len(text)-(b-a) > aloneBytes {
		return false
	}
	n := 0
	for _, w := range append(words(stripQA(text[:a])), words(stripQA(text[b:]))...) {
		if firstPersonWords[w] {
			return false
		}
		if !insultWords[w] {
			n++
		}
	}
	return n <= aloneSlack
}

// stripQA blanks the labels of an anonymous question-and-answer post
// ("Q: slut<br>A: ok", as ask.fm and Formspring pages are copied): "Q:"
// or "A:" at the start or after a space or a tag, and HTML line breaks,
// so they are not counted as words of the post (alone). Short strings
// only (alone reads at most aloneBytes besides the hit).
func stripQA(s string) string {
	if !strings.Contains(s, ":") && !strings.Contains(s, "<") {
		return s
	}
	b := []byte(s)
	for i := 0; i < len(b); i++ {
		if n := qaMark(s, i); n > 0 {
			for j := i; j < i+n; j++ {
				b[j] = ' '
			}
			i += n - 1
		}
	}
	return string(b)
}

// qaMark returns the length of a Q&A label ("Q:", "A:") or an HTML line
// break ("<br>", "<br/>", "<br />") at s[i], else 0. A label must start
// the text or follow a space, a line break or '>'.
func qaMark(s string, i int) int {
	switch c := s[i]; {
	case c == '<':
		for _, t := range [...]string{"<br>", "<br/>", "<br />", "<BR>", "<BR/>", "<BR />"} {
			if strings.HasPrefix(s[i:], t) {
				return len(t)
			}
		}
	case (c == 'Q' || c == 'A' || c == 'q' || c == 'a') && i+1 < len(s) && s[i+1] == ':':
		if i == 0 || s[i-1] == ' ' || s[i-1] == '\n' || s[i-1] == '>' || s[i-1] == '\t' {
			return 2
		}
	}
	return 0
}

// reassured reports whether the text before an "alone" hit ends in a
// negation of being ("you're not ugly", "ur not a loser", "she isn't
// fat"): reassurance, not an insult. "no" is not one ("no slut" is a
// reply of abuse).
func reassured(before string) bool {
	ws := words(before)
	for k := 0; k < 3 && k < len(ws); k++ {
		switch w := ws[len(ws)-1-k]; w {
		case "not", "isnt", "arent", "aint", "never", "nt", "wasnt", "werent":
			return true
		case "a", "an", "so", "that", "really", "even", "at", "all":
		default:
			return false
		}
	}
	return false
}

// insultWords do not count as other words beside an "alone" phrase
// (alone): insults and swear words that pile up in a message of abuse.
var insultWords = set("slut", "sluts", "whore", "whores", "bitch", "bitches", "hoe", "hoes", "slag", "slags", "cunt", "cunts", "twat",
	"prick", "dick", "dickhead", "asshole", "arsehole", "bastard", "fuck", "fucking", "fuckin", "fucker", "shit", "shitty", "ass", "arse",
	"nigger", "niggers", "faggot", "faggots", "fag", "retard", "idiot", "moron", "loser", "freak", "ugly", "fat", "stupid", "dumb",
	"skank", "thot", "wanker", "tosser", "pig", "cow", "scum", "trash", "die", "kys", "stfu", "gtfo", "hell", "damn", "bloody")

// sentenceFinal reports whether text[b:] holds nothing but spaces,
// punctuation, emoji and laughter ("shut up loser lol") up to the end of
// its sentence, a line break or the end of the text, and whether that
// sentence ends in a question mark. It reads at most ctxWindow bytes.
func sentenceFinal(text string, b int) (final, question bool) {
	after := text[b:min(len(text), b+ctxWindow)]
	stop := len(after)
	for i := 0; i < len(after); i++ {
		if c := after[i]; c == '\n' || c == '.' || c == '!' || c == '?' {
			stop = i
			question = c == '?'
			break
		}
		if qaMark(after, i) > 0 {
			stop = i // "Q: your fat<br>A: thanks", "Q: your fat A: thanks"
			break
		}
	}
	for _, w := range words(after[:stop]) {
		if !laughWords[w] {
			return false, question
		}
	}
	return true, question
}

// TagFinal is the lexicon tag of a phrase that counts only when it ends a
// sentence that is no question ("you smell.", "you're poor"; not "you
// smell nice", "you're poor at spelling", "can you smell it?"). Then the
// ordinary context rules apply.
const TagFinal = "final"

// TagAddress is the lexicon tag of an address by an expletive or a
// pejorative ("you fucking", "you stupid") that counts only when one word,
// the noun of the address, follows it and ends a sentence that is no
// question: "you fucking gnome!", "you stupid cow", whatever the noun; not
// "did you fucking see that goal", "are you fucking serious?", "you
// bloody legend" (praise), "I told you fucking twice" (an adverb).
const TagAddress = "address"

// addressed1 reports whether the hit text[a:b] is followed by one word
// that ends a sentence that is no question (by its mark or its first
// word), other than laughter, and that word is a noun of address that is
// no praise (TagAddress). It reads at most ctxWindow bytes on each side.
func addressed1(text string, a, b int) bool {
	// a question without its mark ("what did you fucking say")
	if before, _ := sentenceAround(text, a, b); len(words(before)) > 0 && questionOpeners[words(before)[0]] {
		return false
	}
	after := text[b:min(len(text), b+ctxWindow)]
	if len(after) == 0 || (after[0] != ' ' && after[0] != '\t') {
		return false // "you fucking" is the whole hit: no noun
	}
	ws := words(after)
	if len(ws) == 0 || notAddressNoun[ws[0]] || len(ws[0]) < 2 {
		return false
	}
	// the noun ends the sentence: sentenceFinal from just after it
	i := strings.Index(strings.ToLower(after), ws[0])
	if i < 0 {
		return false
	}
	final, question := sentenceFinal(text, b+i+len(ws[0]))
	return final && !question
}

// questionOpeners open a question (addressed1).
var questionOpeners = set("what", "why", "how", "who", "where", "when", "did", "do", "does", "are", "is", "can", "could",
	"would", "will", "have", "has", "were", "was", "should", "shall", "wat", "wot", "wtf")

// notAddressNoun may follow "you fucking" or "you stupid" at the end of a
// sentence without being the noun of an insult: praise, adverbs, verbs
// and adjectives (addressed1).
var notAddressNoun = set("legend", "legends", "genius", "beauty", "star", "hero", "champion", "champ", "king", "queen",
	"icon", "angel", "babe", "baby", "diamond", "gem", "beast", "machine", "animal", "savage", "madman", "madlad", "lad",
	"boss", "goat", "sweetheart", "darling", "love", "cutie", "sweetie", "superstar", "wizard", "rockstar", "hun", "mate",
	"bro", "bruv", "man", "dude", "girl", "boy", "rock", "rule", "won", "win", "did", "do", "can", "made", "nailed",
	"smashed", "killed", "slayed", "ate", "are", "were", "re", "is", "know", "see", "saw", "said", "told", "again", "twice",
	"already", "now", "too", "though", "tho", "loads", "lots", "much", "more", "forever", "always", "serious", "kidding",
	"joking", "insane", "mad", "crazy", "mental", "nuts", "right", "wrong", "sure", "there", "here", "up", "out", "off",
	"it", "that", "this", "them", "him", "her", "me", "us", "well", "good", "great", "amazing", "brilliant", "ok", "okay",
	"not", "so", "all", "one", "two", "what", "go", "went", "got", "get", "have", "had", "dare", "need", "want", "better",
	"best", "should", "could", "would", "will", "must", "might", "and", "or", "but", "lol", "haha", "lmao", "xx", "x",
	"say", "mean", "think", "expect", "call", "care", "believe", "like", "hate", "deserve", "earned", "try", "tried")

// TagVocative is the lexicon tag of an insult noun that counts only when
// it addresses the reader (vocative): after a comma or another word at the
// end of a sentence ("no one asked, idiot", "shut up loser", "there is no
// climate change asshole"), or opening a sentence before a comma ("idiot,
// you forgot it"); not after an article, a possessive, a copula or a
// preposition within the two words before ("he is an idiot.", "the class
// loser", "like a freak"), which is talk about someone.
const TagVocative = "vocative"

// vocative reports whether the hit text[a:b] is an insult addressing the
// reader (TagVocative). It reads at most ctxWindow bytes on each side.
func vocative(text string, a, b int) bool {
	if crossesBoundary(text[a:b]) {
		return false
	}
	// what follows must end the sentence: only spaces, punctuation and
	// emoji up to a sentence end, a line break or the end of the text; a
	// comma first marks an opening address ("idiot, you forgot it")
	after := text[b:min(len(text), b+ctxWindow)]
	comma := strings.HasPrefix(strings.TrimLeft(after, " \t"), ",")
	end, _ := sentenceFinal(text, b)
	before, _ := sentenceAround(text, a, b)
	// sentenceAround's clause starts after a comma: a comma right
	// before the hit ("you won't believe it, idiot") makes it vocative
	trimmed := strings.TrimRight(text[max(0, a-ctxWindow):a], " \t")
	afterComma := strings.HasSuffix(trimmed, ",")
	bw := words(before)
	switch {
	case end && afterComma:
		return true
	case end && len(bw) > 0:
		if prepositions[bw[len(bw)-1]] || talkAbout[bw[len(bw)-1]] {
			return false
		}
		if orderWords[bw[0]] && len(bw) > 1 {
			return true // "shut your mouth slag", "get out of my way bitch"
		}
		for k := 1; k <= 2 && k <= len(bw); k++ {
			if talkAbout[bw[len(bw)-k]] {
				return false
			}
		}
		return true
	case comma && len(bw) == 0 && !afterComma:
		// "idiot, you forgot it"; not "Losers, in other words"
		next := words(after[:min(len(after), 32)])
		return len(next) > 0 && addressWords[next[0]]
	}
	return false
}

// calledOut reports whether the insult noun text[a:b] follows a call for
// attention that opens its sentence ("oi slag come here", "hey bitch what
// are you doing"): name-calling, aimed at the reader wherever the sentence
// goes on. Only the strong nouns (medium) are read this way: "hey idiots
// we won" is how friends greet a group chat.
func calledOut(text string, a, b int) bool {
	if crossesBoundary(text[a:b]) {
		return false
	}
	before, _ := sentenceAround(text, a, b)
	bw := words(before)
	return len(bw) == 1 && callWords[bw[0]]
}

// callWords open a sentence to call someone (calledOut).
var callWords = set("oi", "oy", "oii", "oiii", "hey", "hay", "heyy", "yo", "ey", "ay", "ayo", "eh")

// talkAbout are words that, within the two words before an insult noun,
// make it talk about someone rather than address the reader.
var talkAbout = set("a", "an", "the", "this", "that", "these", "those", "my", "his", "her", "their", "our", "your", "ur", "its",
	"is", "s", "was", "are", "were", "be", "been", "being", "am", "m", "im", "re", "such", "what", "like", "as",
	"some", "any", "no", "every", "another", "other", "called", "call",
	"calling", "calls", "named", "biggest", "total", "complete", "absolute", "real", "proper", "little", "one", "he", "she", "they", "him", "them", "me", "myself", "i")

// orderWords open an order to the reader; an insult noun ending it
// addresses the reader even after a possessive ("shut your mouth slag",
// "move out of my way loser").
var orderWords = set("shut", "get", "go", "move", "leave", "stop", "piss", "fuck", "sod", "jog", "shift", "gtfo", "stfu")

// addressWords after "insult," make it an opening address ("idiot, you
// forgot it", "loser, why are you here").
var addressWords = set("you", "u", "ur", "your", "youre", "ya", "yall", "why", "stop", "shut", "get", "go", "what", "who", "how", "just", "dont", "do", "are", "r", "nobody", "no", "fuck", "piss", "leave")

// prepositions right before an insult noun make it talk about someone
// ("I flew with Virgin", "scared of the freak").
var prepositions = set("of", "to", "for", "with", "than", "by", "from", "at", "in", "on", "about", "into", "onto", "over", "under")

// ctxEffect is what a context rule does to one phrase hit.
type ctxEffect uint8

const (
	ctxKeep ctxEffect = iota
	ctxCap            // counts as low and is never raised
	ctxDrop           // not a match
)

// ctxWindow bounds the bytes read on each side of a hit.
const ctxWindow = 200

// contextEffect applies the context rules to the hit text[a:b] of a phrase
// of topic whose text (lexicon phrase) is phrase and whose lexicon
// severity is sev.
func contextEffect(topic, phrase string, sev scanners.Severity, text string, a, b int) ctxEffect {
	return contextEffectOf(topic, generic(phrase), sev, text, a, b)
}

// contextEffectOf is contextEffect for a phrase that is generic (a bare
// word or a topic noun, TagNoun) or not.
func contextEffectOf(topic string, gen bool, sev scanners.Severity, text string, a, b int) ctxEffect {
	if sev >= scanners.Critical {
		return ctxKeep // child abuse material terms are never explained away
	}
	if crossesBoundary(text[a:b]) {
		return ctxDrop
	}
	before, sentence := sentenceAround(text, a, b)
	hit := strings.ToLower(text[a:b])
	if neg := negatedBefore(before); neg != "" && !nearMiss(before) && !(neg == "no" && opensClause(hit)) {
		if selfDirected(hit) {
			return ctxCap // support: "please don't kill yourself"
		}
		if (topic == "self_harm" || topic == "bullying" || topic == "weapons") && (neg != "no" || !addressed(hit)) {
			return ctxDrop // denial: "I'm not suicidal", "I'm not gonna hit you"
		}
	}
	if topic == "bullying" && notImperative(before, hit) {
		return ctxDrop // "waiting for my problems to go away", "if they go away for a weekend"
	}
	ws := words(sentence)
	if topic == "bullying" && sev <= scanners.Medium && !hasAny(words(hit), hurtfulWords) && (hasAny(ws, banterWords) || hasPhrase(sentence, laughPhrases)) {
		return ctxCap // banter: "lol you're so dumb"
	}
	if !softened[topic] {
		return ctxKeep // insults, grooming and disclosures are not softened by a news word
	}
	if (hasAny(ws, supportWords) || hasPhrase(sentence, supportPhrases)) && !hasAny(words(hit), firstPersonWords) {
		return ctxCap // "if you feel suicidal, ring Childline"; not "I want to kill myself and I need help"
	}
	if informational(sentence) {
		return ctxCap
	}
	if quotedSpeech(text, a, b) {
		return ctxCap // `"I don't see the point anymore," she says quietly.`
	}
	if gen && !hasAny(ws, firstPersonWords) {
		return ctxCap
	}
	if (gen || sev <= scanners.Medium) && (hasAny(ws, laughWords) || hasPhrase(sentence, laughPhrases)) {
		return ctxCap // "I'm literally suicidal the wifi is down lol"
	}
	return ctxKeep
}

// quotedSpeech reports whether the hit text[a:b] is inside a quotation
// that someone else is reported to say: a reporting verb ("says",
// "asked") and no first-person word outside the quotation marks within
// ctxWindow bytes ("The girl looks up and says, "I've been thinking about
// suicide.""; not "my friend texted me "I want to die"", where the
// writer is worried about someone). Quotes are counted from ctxWindow
// bytes before the hit, so a very long quotation is not recognised.
func quotedSpeech(text string, a, b int) bool {
	lo, hi := max(0, a-ctxWindow), min(len(text), b+ctxWindow)
	in := false
	var outside strings.Builder
	inside := false // the hit's own position
	for i := lo; i < hi; i++ {
		if i == a {
			inside = in
			i = b - 1
			continue
		}
		switch {
		case text[i] == '"':
			in = !in
			outside.WriteByte(' ')
			continue
		case strings.HasPrefix(text[i:], "\u201c"):
			in = true
			i += 2
			outside.WriteByte(' ')
			continue
		case strings.HasPrefix(text[i:], "\u201d"):
			in = false
			i += 2
			outside.WriteByte(' ')
			continue
		}
		if !in {
			outside.WriteByte(text[i])
		}
	}
	if !inside {
		return false
	}
	ow := words(outside.String())
	return hasAny(ow, reportingVerbs) && !hasAny(ow, firstPersonWords)
}

// reportingVerbs introduce someone's words in a story or a report.
var reportingVerbs = set("says", "said", "asks", "asked", "replies", "replied", "whispers", "whispered", "tells", "shouts", "shouted",
	"cries", "sobs", "sobbed", "mutters", "muttered", "screams", "screamed", "adds", "added", "answers", "answered", "continues",
	"continued", "explains", "explained", "admits", "admitted", "confesses", "confessed", "sighs", "sighed", "murmurs", "murmured")

// softened are the topics that informational, fictional and joking
// context lowers.
var softened = map[string]bool{"self_harm": true, "weapons": true, "extremism": true, "drugs": true}

// laughWords and laughPhrases mark a casual, joking register; they soften
// a lone word or a phrase of at most medium severity ("I'm literally
// suicidal lol"), never a high one such as "kms" or "I want to kill
// myself".
var laughWords = set("lol", "lmao", "lmfao", "haha", "hahaha", "hehe", "rofl", "jk", "jokes", "joking", "kidding", "literally", "xd", "bruh")

// banterWords are laughWords that mark teasing between friends ("lol
// you're so dumb"); not "literally", which in an insult is an intensifier
// ("literally no one wants you here", "ur literally so cringe").
var banterWords = set("lol", "lmao", "lmfao", "haha", "hahaha", "hehe", "rofl", "jk", "jokes", "joking", "kidding", "xd", "bruh")

var laughPhrases = []string{"\U0001F602", "\U0001F923", "\U0001F480", "\U0001F62D"}

// hurtfulWords in a bullying hit keep it from being softened as banter:
// insults about looks, weight, sexuality and worth, and wishing someone
// gone, hurt however they are laughed off. Not "hate" or "dead": "i hate
// you lol" and "ur dead lol" are how friends tease.
var hurtfulWords = set("ugly", "fat", "fatty", "fatso", "whale", "pig", "cow", "hideous", "minger", "minging", "gross", "disgusting",
	"slut", "slag", "whore", "hoe", "skank", "sket", "thot", "gay", "lesbian", "lesbo", "dyke", "homo", "faggot", "fag", "tranny",
	"worthless", "loser", "nobody", "nothing", "pathetic", "waste", "mistake", "retard", "retarded", "spastic", "spaz", "freak",
	"die", "hates", "friends", "alone", "ashamed", "ugliest", "fattest", "smelliest", "grossest",
	// exclusion, sexual reputation and being called fake (round 5: "u got no
	// mates lol", "are you still a virgin lol", "ur so fake lol")
	"mates", "wants", "likes", "cares", "virgin", "fake", "liar", "easy", "slept",
	// poverty, race and the body ("you're so poor lol", "ur skin is so dark
	// lol", "ur boobs are tiny lol", "everyone is laughing lol")
	"poor", "skin", "council", "boobs", "tits", "laughing",
	// sexual harassment ("whats ur bra size lol")
	"bra", "nudes", "nude", "naked", "dick", "cock", "pussy", "horny", "sex", "wet", "threesome",
	// round 7: requests for sexual images and remarks on the body ("send me
	// something sexy lol", "can i see you in your bikini lol")
	"sexy", "underwear", "undies", "bikini", "knickers", "lingerie", "thong", "body",
	// being bullied, told with a laugh, is still a disclosure
	"bullied", "bully", "bullies", "bullying", "rape", "raped",
	// self-harm taunts ("everyone knows you self harm lol")
	"harm", "scars", "cut", "cuts")

// crossesBoundary reports whether s (a hit) holds the end of a sentence or
// clause: . ! ? followed by a space, any of , ; : ( ) " > | (quoting and
// table marks; not the ';' of a character reference, endsCharRef) or a
// blank line.
func crossesBoundary(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ';':
			if !endsCharRef(s, i) { // "you&#039;re" is one word, not a clause break
				return true
			}
		case ',', ':', '(', ')', '"', '>', '|':
			return true
		case '.', '!', '?':
			if i+1 < len(s) && (s[i+1] == ' ' || s[i+1] == '\n' || s[i+1] == '\r' || s[i+1] == '\t') {
				return true
			}
		case '\n':
			j := i + 1
			for j < len(s) && (s[j] == ' ' || s[j] == '\t' || s[j] == '\r') {
				j++
			}
			if j < len(s) && (s[j] == '\n' || s[j] == '>') {
				return true
			}
		}
	}
	return false
}

// endsCharRef reports whether the ';' at s[i] closes an HTML character
// reference left in plain text ("&#039;", "&#x27;", "&rsquo;"), which
// textnorm reads as the character it names: at most 8 letters or digits
// (and a leading '#' or "#x") back to an '&'.
func endsCharRef(s string, i int) bool {
	j := i - 1
	for j >= 0 && i-j <= 9 && (s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= '0' && s[j] <= '9' || s[j] == '#') {
		j--
	}
	return j >= 0 && j < i-1 && s[j] == '&'
}

// sentenceAround returns the text of the clause before text[a:b] (from the
// last boundary, at most ctxWindow bytes) and the whole sentence around it
// (at most ctxWindow bytes each side), lower-cased.
func sentenceAround(text string, a, b int) (before, sentence string) {
	lo := max(0, a-ctxWindow)
	s0 := lo
	c0 := lo
	for i := a - 1; i >= lo; i-- {
		if sentenceEnd(text, i) {
			s0 = i + 1
			break
		}
	}
	for i := a - 1; i >= s0; i-- {
		if clauseMark(text[i]) && (text[i] != ';' || !endsCharRef(text[max(s0, i-9):i+1], i-max(s0, i-9))) {
			c0 = i + 1
			break
		}
	}
	c0 = max(c0, s0)
	hi := min(len(text), b+ctxWindow)
	s1 := hi
	for i := b; i < hi; i++ {
		if sentenceEnd(text, i) {
			s1 = i
			break
		}
	}
	return strings.ToLower(text[c0:a]), strings.ToLower(text[s0:s1])
}

func sentenceEnd(text string, i int) bool {
	switch text[i] {
	case '.', '!', '?':
		return i+1 >= len(text) || text[i+1] == ' ' || text[i+1] == '\n' || text[i+1] == '\r'
	case '\n':
		return i+1 < len(text) && (text[i+1] == '\n' || text[i+1] == '\r')
	}
	return false
}

func clauseMark(c byte) bool {
	switch c {
	case ',', ';', ':', '(', ')', '"', '\n':
		return true
	}
	return false
}

// words splits s into lower-case ASCII words, apostrophes removed
// ("don't" → "dont", and so "don&#039;t", an apostrophe's character
// reference left in plain text). The words are substrings of s when it
// needs no change, else of one lower-cased copy: a few allocations a call,
// not one a word.
func words(s string) []string {
	n, plain := 0, true // words, and whether s is already as the words read
	in := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			if !in {
				n++
			}
			in = true
		case c >= 'A' && c <= 'Z', c == '\'':
			plain = false
			if c != '\'' && !in {
				n++
				in = true
			}
		case c >= 0x80 && i+2 < len(s) && s[i:i+3] == "\u2019":
			plain = false
			i += 2
		case c == '&' && apostropheRef(s[i:]) > 0:
			plain = false
			i += apostropheRef(s[i:]) - 1
		default:
			in = false
		}
	}
	if n == 0 {
		return nil
	}
	src := s
	if !plain {
		src = string(lowerWords(s))
	}
	out := make([]string, 0, n)
	start := -1
	for i := 0; i < len(src); i++ {
		if c := src[i]; c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, src[start:i])
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, src[start:])
	}
	return out
}

// lowerWords is s with its ASCII letters lower-cased and its apostrophes
// (' and ’) removed, every other byte kept as a separator (a space).
func lowerWords(s string) []byte {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b = append(b, c)
		case c >= 'A' && c <= 'Z':
			b = append(b, c+'a'-'A')
		case c == '\'':
		case c >= 0x80 && i+2 < len(s) && s[i:i+3] == "\u2019":
			i += 2
		case c == '&' && apostropheRef(s[i:]) > 0:
			i += apostropheRef(s[i:]) - 1 // "you&#039;re" is "youre", as "you're"
		default:
			b = append(b, ' ')
		}
	}
	return b
}

// apostropheRef returns the length of the HTML character reference for an
// apostrophe at the start of s ("&#039;", "&#39;", "&#x27;", "&apos;",
// "&rsquo;", "&#8217;"), 0 if s starts with none.
func apostropheRef(s string) int {
	for _, r := range []string{"&#039;", "&#39;", "&#x27;", "&#X27;", "&apos;", "&rsquo;", "&#8217;"} {
		if strings.HasPrefix(s, r) {
			return len(r)
		}
	}
	return 0
}

var negators = map[string]bool{"not": true, "never": true, "no": true, "dont": true, "didnt": true, "wont": true, "wouldnt": true, "isnt": true, "arent": true, "wasnt": true, "aint": true, "cant": true, "shouldnt": true, "nt": true, "nor": true}

// fillers may stand between a negation and the hit ("I'm not really
// suicidal", "please don't ever").
var fillers = map[string]bool{"i": true, "m": true, "im": true, "am": true, "was": true, "really": true, "actually": true, "ever": true, "even": true, "just": true, "be": true, "going": true, "gonna": true, "to": true, "that": true, "so": true, "feeling": true, "feel": true, "go": true, "and": true, "please": true, "plz": true, "pls": true, "you": true, "u": true, "would": true, "will": true, "ll": true, "d": true, "do": true, "being": true, "been": true, "getting": true, "get": true}

// negatedBefore returns the negation word when the clause before a hit
// ends in one followed only by filler words (at most three), else "";
// "why don't" is a rhetorical imperative, not a negation.
func negatedBefore(before string) string {
	ws := words(before)
	for k := 0; k < 4 && k < len(ws); k++ {
		w := ws[len(ws)-1-k]
		if negators[w] {
			// "why don't you just go away" is an imperative, not a denial
			if len(ws)-2-k >= 0 && ws[len(ws)-2-k] == "why" {
				return ""
			}
			// "no i really want to die", "no you're so ugly": the answer
			// "no" before a new clause, not a negation of it
			if w == "no" && k > 0 && subjectWords[ws[len(ws)-k]] {
				return ""
			}
			return w
		}
		if !fillers[w] {
			return ""
		}
	}
	return ""
}

// subjectWords open a clause; after the answer "no" they show that "no"
// negates nothing in it ("no i want to die", "no i would like it if you
// died").
var subjectWords = set("i", "im", "id", "ive", "ill", "we", "he", "she", "they", "you", "u", "youre", "ur")

// opensClause reports whether the hit begins with a subject word
// (subjectWords).
func opensClause(hit string) bool {
	ws := words(hit)
	return len(ws) > 0 && subjectWords[ws[0]]
}

// notImperative reports whether a hit that starts with "go" ("go away",
// "go die", "go to hell") or "die" ("die bitch") follows a word that makes it a statement rather
// than a command: "to", a modal or a subject ("my problems will go away",
// "if they go away for a weekend"). "Just go away" and "go away" at the
// start of a clause are commands.
func notImperative(before, hit string) bool {
	hw := words(hit)
	if len(hw) == 0 || (hw[0] != "go" && hw[0] != "die") {
		return false
	}
	bw := words(before)
	if len(bw) == 0 {
		return false
	}
	return statementWords[bw[len(bw)-1]]
}

var statementWords = set("to", "will", "ll", "would", "wont", "could", "can", "cant", "might", "may", "must", "should", "shall", "did", "didnt", "does", "doesnt", "dont",
	"they", "we", "i", "it", "them", "he", "she", "problems", "ever", "never", "not", "and", "or", "let", "lets", "make", "made", "watch", "see", "saw")

// nearMissWords before a negated hit make it a disclosure of how close
// the writer came ("the only reason I didn't kill myself was ...", "what
// stopped me from ...", "I almost didn't ..."), not a denial.
var nearMissWords = set("reason", "reasons", "only", "almost", "nearly", "stopped", "stops", "stopping", "kept", "keeps", "close", "barely")

// nearMiss reports whether the clause before a negated hit says how near
// the writer came (nearMissWords).
func nearMiss(before string) bool {
	return hasAny(words(before), nearMissWords)
}

// addressed reports whether a hit speaks to someone ("you're so ugly"):
// after the interjection "no" ("no, you're so ugly") that is no denial;
// after any other negation ("I'm not gonna hit you") it is.
func addressed(hit string) bool {
	for _, w := range words(hit) {
		switch w {
		case "you", "u", "ur", "your", "youre", "ya", "yourself", "urself":
			return true
		}
	}
	return false
}

// selfDirected reports whether a hit urges someone to harm themselves
// ("kill yourself", "go die"): after a negation that is support.
func selfDirected(hit string) bool {
	for _, w := range words(hit) {
		switch w {
		case "yourself", "urself", "yourselves", "yaself", "die", "kys":
			return true
		}
	}
	return false
}

func hasAny(ws []string, set map[string]bool) bool {
	for _, w := range ws {
		if set[w] {
			return true
		}
	}
	return false
}

func hasPhrase(s string, ps []string) bool {
	for _, p := range ps {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

func set(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}

var supportWords = set("samaritans", "childline", "helpline", "hotline", "papyrus", "counsellor", "counselor", "kooth")

var supportPhrases = []string{"talk to someone", "reach out", "you are not alone", "you're not alone", "youre not alone", "get help", "here for you", "if you ever feel", "if you are feeling", "if you're feeling"}

var reportWords = set("discussed", "discussing", "discuss", "debate", "debated", "re", "stereotype", "stereotypes", "prejudice", "persecution", "holocaust", "statistics", "statistic", "stats", "percent", "rate", "rates", "research", "study", "studies", "survey", "article", "news", "reported", "reports", "according", "awareness", "prevention", "lesson", "lessons", "assembly", "pshe", "rshe", "curriculum", "essay", "leaflet", "charity", "campaign", "documentary", "podcast", "figures", "suicides", "deaths", "leading", "worldwide", "annually", "historian", "wikipedia", "ons", "nhs", "policy", "training", "safeguarding", "webinar", "workshop", "headline", "journalist", "bbc", "guardian")

var reportPhrases = []string{"%", "per cent", "died by suicide", "committed suicide", "took his own life", "took her own life", "took their own life", "mental health week", "world suicide prevention"}

var fictionWords = set("dream", "dreamt", "dreamed", "dreaming", "nightmare", "stories", "character", "characters", "novel", "fiction", "fanfic", "fanfiction", "film", "movie", "episode", "series", "poem", "poetry", "lyrics", "song", "chapter", "scene", "narrator", "protagonist", "villain", "hamlet", "macbeth", "romeo", "juliet", "shakespeare", "roleplay", "rp")

var fictionPhrases = []string{"the story", "a story", "short story", "in the book", "in my book", "the play", "in the game", "once upon a time",
	"a book about", "the book about", "books about", "a film about", "a show about", "a series about", "a video about", "a song about"}

var firstPersonWords = set("i", "im", "me", "my", "myself", "ive", "id", "ill", "mine", "meself")

// generic reports whether a lexicon phrase is one bare word ("suicide",
// "suicidal", "bullied"): on its own it says nothing about who. A single
// term of joined words ("end_it_all", "havent_eaten_in_days") is a
// phrase, not a bare word.
func generic(phrase string) bool {
	return !strings.ContainsAny(phrase, " _") && phrase != "kms" && phrase != "kys"
}
