package spam

import "fmt"

// phraseMatcher is an Aho–Corasick automaton over a fixed list of
// phrases, built once at package init. One pass over a text gives every
// phrase's first occurrence, where a strings.Index per phrase would read
// the text once for each of them.
type phraseMatcher struct {
	// class maps a byte to its column in next; 0 is every byte that is in
	// no phrase (it always leads back to the root).
	class  [256]uint8
	nclass int
	// next is the complete transition table, state*nclass+class.
	next []uint16
	// step is next for the scan: each entry is the target state times
	// nclass (its row's offset), with hasOut set when phrases end there,
	// so that a step is one load and an add. It is an array of stepSize
	// entries (the rest zero) indexed by a uint16, so that the step needs
	// no bounds check.
	step *[stepSize]uint32
	// out lists the phrases that end at each state (its own and those of
	// its suffix states); nil for most states.
	out  [][]uint16
	lens []int
	// maxLen is the longest phrase's length.
	maxLen int
}

// newPhraseMatcher builds the automaton of phrases (ids are their
// indexes). Equal phrases get their own ids and are all reported.
func newPhraseMatcher(phrases []string) *phraseMatcher {
	pm := &phraseMatcher{nclass: 1, lens: make([]int, len(phrases))}
	for _, p := range phrases {
		if p == "" {
			panic("spam: empty phrase")
		}
		for i := 0; i < len(p); i++ {
			if pm.class[p[i]] == 0 {
				pm.class[p[i]] = uint8(pm.nclass)
				pm.nclass++
			}
		}
	}
	if pm.nclass > 255 {
		panic("spam: too many distinct phrase bytes")
	}
	// The trie; 0 in goto means no edge (the root is never a child).
	gotoT := [][]int{make([]int, pm.nclass)}
	var out [][]uint16
	out = append(out, nil)
	for id, p := range phrases {
		pm.lens[id] = len(p)
		pm.maxLen = max(pm.maxLen, len(p))
		st := 0
		for i := 0; i < len(p); i++ {
			c := pm.class[p[i]]
			if gotoT[st][c] == 0 {
				gotoT = append(gotoT, make([]int, pm.nclass))
				out = append(out, nil)
				gotoT[st][c] = len(gotoT) - 1
			}
			st = gotoT[st][c]
		}
		out[st] = append(out[st], uint16(id))
	}
	if len(gotoT) > 1<<16 {
		panic(fmt.Sprintf("spam: %d automaton states", len(gotoT)))
	}
	// Breadth first: each state's failure link and full transitions.
	fail := make([]int, len(gotoT))
	pm.next = make([]uint16, len(gotoT)*pm.nclass)
	queue := []int{}
	for c := 0; c < pm.nclass; c++ {
		if s := gotoT[0][c]; s != 0 {
			pm.next[c] = uint16(s)
			queue = append(queue, s)
		}
	}
	for len(queue) > 0 {
		st := queue[0]
		queue = queue[1:]
		out[st] = append(out[st], out[fail[st]]...)
		for c := 0; c < pm.nclass; c++ {
			if s := gotoT[st][c]; s != 0 {
				fail[s] = int(pm.next[fail[st]*pm.nclass+c])
				pm.next[st*pm.nclass+c] = uint16(s)
				queue = append(queue, s)
			} else {
				pm.next[st*pm.nclass+c] = pm.next[fail[st]*pm.nclass+c]
			}
		}
	}
	pm.out = out
	if len(pm.next) > stepSize {
		panic(fmt.Sprintf("spam: %d automaton steps, more than %d", len(pm.next), stepSize))
	}
	pm.step = new([stepSize]uint32)
	for i, st := range pm.next {
		pm.step[i] = uint32(st) * uint32(pm.nclass)
		if out[st] != nil {
			pm.step[i] |= hasOut
		}
	}
	return pm
}

// hasOut marks the step entries that lead to a state where phrases end.
const hasOut = 1 << 31

// stepSize is the most entries of a step table (states times byte
// classes): a uint16 indexes it.
const stepSize = 1 << 16

// firstAt sets at[id] to the byte offset where phrase id first occurs in
// s, or -1: what strings.Index(s, phrase) returns.
//
// A step of the automaton is a load whose address depends on the step
// before, so one walk through a text waits on every load in turn. A long
// text is therefore cut into streams pieces walked in lock step, each
// starting maxLen-1 bytes before its piece so that a phrase crossing the
// cut is found whole by the later walk; the earliest start over the walks
// is the first occurrence (the earlier walk sees every occurrence that
// ends inside its piece, the later one every occurrence that ends inside
// its own).
func (pm *phraseMatcher) firstAt(s string, at []int) {
	for i := range at {
		at[i] = -1
	}
	if len(s) < streams*minStream {
		pm.walk(s, 0, len(s), 0, at)
		return
	}
	seg := (len(s) + streams - 1) / streams
	var from, end [streams]int
	n := len(s)
	for j := range streams {
		from[j] = max(0, j*seg-(pm.maxLen-1))
		end[j] = min(len(s), (j+1)*seg)
		n = min(n, end[j]-from[j])
	}
	t0 := s[from[0] : from[0]+n]
	t1 := s[from[1]:][:len(t0)]
	t2 := s[from[2]:][:len(t0)]
	t3 := s[from[3]:][:len(t0)]
	var o0, o1, o2, o3 uint32
	for i := 0; ; i++ {
		var v0, v1, v2, v3 uint32
		i, v0, v1, v2, v3 = pm.lockstep(t0, t1, t2, t3, i, o0, o1, o2, o3)
		if i == len(t0) {
			o0, o1, o2, o3 = v0, v1, v2, v3
			break
		}
		for j, v := range [streams]uint32{v0, v1, v2, v3} {
			if v&hasOut != 0 {
				pm.record(v&^hasOut, from[j]+i, at)
			}
		}
		o0, o1, o2, o3 = v0&^hasOut, v1&^hasOut, v2&^hasOut, v3&^hasOut
	}
	for j, o := range [streams]uint32{o0, o1, o2, o3} {
		pm.walk(s, from[j]+n, end[j], o, at)
	}
}

// lockstep walks four texts of one length together from byte i and state
// offsets o0..o3 until a step reaches a state where phrases end: it
// returns that byte's index and the four steps taken there (with their
// hasOut flags), or the texts' length and the states reached. It calls
// nothing, so that the states stay in registers.
func (pm *phraseMatcher) lockstep(t0, t1, t2, t3 string, i int, o0, o1, o2, o3 uint32) (int, uint32, uint32, uint32, uint32) {
	step, class := pm.step, &pm.class
	t1, t2, t3 = t1[:len(t0)], t2[:len(t0)], t3[:len(t0)]
	i = max(i, 0)
	for ; i < len(t0); i++ {
		v0 := step[uint16(o0+uint32(class[t0[i]]))]
		v1 := step[uint16(o1+uint32(class[t1[i]]))]
		v2 := step[uint16(o2+uint32(class[t2[i]]))]
		v3 := step[uint16(o3+uint32(class[t3[i]]))]
		if (v0|v1|v2|v3)&hasOut != 0 {
			return i, v0, v1, v2, v3
		}
		o0, o1, o2, o3 = v0, v1, v2, v3
	}
	return i, o0, o1, o2, o3
}

// streams is how many walks firstAt interleaves on a long text, and
// minStream the shortest piece worth a walk of its own.
const (
	streams   = 4
	minStream = 256
)

// walk steps the automaton from state offset off through s[from:to],
// recording the phrases that end there.
func (pm *phraseMatcher) walk(s string, from, to int, off uint32, at []int) {
	s = s[:to]
	for i := from; ; i++ {
		var v uint32
		if i, v = pm.run(s, i, off); i == len(s) {
			return
		}
		pm.record(v&^hasOut, i, at)
		off = v &^ hasOut
	}
}

// run steps the automaton through s from byte i and state offset off
// until a step reaches a state where phrases end, and returns that byte's
// index and the step (with its hasOut flag), or len(s). Like lockstep it
// calls nothing, so that the state stays in a register.
func (pm *phraseMatcher) run(s string, i int, off uint32) (int, uint32) {
	step, class := pm.step, &pm.class
	i = max(i, 0)
	for ; i < len(s); i++ {
		v := step[uint16(off+uint32(class[s[i]]))]
		if v&hasOut != 0 {
			return i, v
		}
		off = v
	}
	return i, off
}

// record notes the phrases of the state at offset off that end at byte i,
// keeping the earliest start of each.
func (pm *phraseMatcher) record(off uint32, i int, at []int) {
	for _, id := range pm.out[off/uint32(pm.nclass)] {
		if p := i + 1 - pm.lens[id]; at[id] < 0 || p < at[id] {
			at[id] = p
		}
	}
}

// The phrase lists the body rules look for, as ranges of one automaton.
var (
	phraseList []string
	// moneyIDs, urgencyIDs, removeIDs, moneySignIDs and moneyWordIDs are
	// the ranges of moneyPhrases, urgencyPhrases, removeLiterals,
	// bigMoneySigns and bigMoneyWords in phraseList, and clickHereID,
	// dearID and exclaimID the ids of "click here", "dear " (where
	// generic_greeting looks) and "!!" (body_exclaim).
	moneyIDs, urgencyIDs, removeIDs, moneySignIDs, moneyWordIDs idRange
	clickHereID, dearID, exclaimID                              int
	bodyPhrases                                                 *phraseMatcher
	// bodyPhrasesFold is bodyPhrases reading ASCII capitals as small
	// letters, walked over the text as it is (checkCtx.phrases).
	bodyPhrasesFold *phraseMatcher
)

// idRange is the ids [lo, hi) of one list in phraseList.
type idRange struct{ lo, hi int }

func init() {
	add := func(list ...string) idRange {
		r := idRange{lo: len(phraseList)}
		phraseList = append(phraseList, list...)
		r.hi = len(phraseList)
		return r
	}
	moneyIDs = add(moneyPhrases...)
	urgencyIDs = add(urgencyPhrases...)
	removeIDs = add(removeLiterals...)
	clickHereID = add("click here").lo
	moneySignIDs = add(bigMoneySigns...)
	moneyWordIDs = add(bigMoneyWords...)
	dearID = add("dear ").lo
	exclaimID = add("!!").lo
	bodyPhrases = newPhraseMatcher(phraseList)
	bodyPhrasesFold = bodyPhrases.foldASCII()
}

// foldASCII returns the automaton of the same phrases that reads each
// ASCII capital as its small letter: its walk over a text is the walk of
// pm over the text with its ASCII capitals lower-cased. The phrases must
// have no capitals (pm could never match them in lower-cased text) and
// no newline (checkCtx.phrases walks the body's spans apart).
func (pm *phraseMatcher) foldASCII() *phraseMatcher {
	f := *pm
	for c := 'A'; c <= 'Z'; c++ {
		if pm.class[c] != 0 {
			panic(fmt.Sprintf("spam: phrase with capital %q", c))
		}
		f.class[c] = pm.class[c+'a'-'A']
	}
	if pm.class['\n'] != 0 {
		panic("spam: phrase with a newline")
	}
	return &f
}

// count is what countPhrases gave for the list r: how many of its phrases
// occur, and where the first of them in list order first occurs and its
// length (at -1 when none does).
func (r idRange) count(at []int) (n, first, length int) {
	first = -1
	for id := r.lo; id < r.hi; id++ {
		if at[id] >= 0 {
			if first < 0 {
				first, length = at[id], bodyPhrases.lens[id]
			}
			n++
		}
	}
	return n, first, length
}

// leftmost is the leftmost occurrence of any phrase of r (the earlier
// phrase in list order on a tie), or nil.
func (r idRange) leftmost(at []int) []int {
	best, n := -1, 0
	for id := r.lo; id < r.hi; id++ {
		if i := at[id]; i >= 0 && (best < 0 || i < best) {
			best, n = i, bodyPhrases.lens[id]
		}
	}
	if best < 0 {
		return nil
	}
	return []int{best, best + n}
}

// htmlList are the literals the HTML rules look for; htmlPhrases finds
// where each first occurs in the lower-cased markup in one pass, and
// each rule looks on from there (or not at all).
var htmlList = []string{
	htmlDisplay: "display", htmlVisibility: "visibility", htmlFontSize: "font-size", htmlFont: "<font",
	htmlBgWhiteQ: `bgcolor="#ffffff"`, htmlBgWhite: "bgcolor=#ffffff", htmlBgcolor: "bgcolor",
	htmlImg: "<img", htmlForm: "<form",
	// whiteColors, in their order
	htmlWhite: `color="#ffffff"`, htmlWhite + 1: "color=#ffffff", htmlWhite + 2: `color="white"`,
	htmlWhite + 3: "color:#ffffff", htmlWhite + 4: "color: #ffffff", htmlWhite + 5: "color:white",
}

// The ids of htmlList.
const (
	htmlDisplay = iota
	htmlVisibility
	htmlFontSize
	htmlFont
	htmlBgWhiteQ
	htmlBgWhite
	htmlBgcolor
	htmlImg
	htmlForm
	htmlWhite // the first of len(whiteColors)
)

var htmlPhrases = newPhraseMatcher(htmlList)

// htmlPhrasesOf is where each of htmlList first occurs in s, or -1.
func htmlPhrasesOf(s string) []int {
	at := make([]int, len(htmlList))
	htmlPhrases.firstAt(s, at)
	return at
}
