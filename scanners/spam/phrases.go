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
	// so that a step is one load and an add.
	step []uint32
	// out lists the phrases that end at each state (its own and those of
	// its suffix states); nil for most states.
	out  [][]uint16
	lens []int
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
	pm.step = make([]uint32, len(pm.next))
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

// firstAt sets at[id] to the byte offset where phrase id first occurs in
// s, or -1: what strings.Index(s, phrase) returns.
func (pm *phraseMatcher) firstAt(s string, at []int) {
	for i := range at {
		at[i] = -1
	}
	left := len(at)
	off := uint32(0) // the current state times nclass
	for i := 0; i < len(s); i++ {
		v := pm.step[off+uint32(pm.class[s[i]])]
		off = v &^ hasOut
		if v&hasOut != 0 {
			for _, id := range pm.out[off/uint32(pm.nclass)] {
				if at[id] < 0 {
					at[id] = i + 1 - pm.lens[id]
					left--
				}
			}
			if left == 0 {
				return
			}
		}
	}
}

// The phrase lists the body rules look for, as ranges of one automaton.
var (
	phraseList []string
	// moneyIDs, urgencyIDs, removeIDs and clickHereID are the ranges of
	// moneyPhrases, urgencyPhrases and removeLiterals, and the id of
	// "click here", in phraseList.
	moneyIDs, urgencyIDs, removeIDs idRange
	clickHereID                     int
	bodyPhrases                     *phraseMatcher
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
	bodyPhrases = newPhraseMatcher(phraseList)
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
