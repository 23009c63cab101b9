package textnorm

import (
	"bytes"
	"fmt"
	"strings"
)

// Pattern is one entry to match.
//
// Text is written as a person would ("fuck", "kill yourself", "5h1t"); it is
// normalised like the text it is matched against. A leading "*" lets the
// match start inside a word, a trailing "*" lets it end inside a word
// ("fuck*" matches "fucking", "*fuck*" matches "clusterfucks"); without them
// a match must start and end at word boundaries.
type Pattern struct {
	Text string
}

// Hit is one match, in normalised bytes [Start, End) of the Result.
//
// The fields are int32 (texts are far below 2 GiB) so that a Hit is 20
// bytes: a text of one word repeated may have a few hits per word, and
// those hits are most of the memory a scan needs.
type Hit struct {
	// Pattern is the index of the pattern in the slice given to Compile.
	Pattern int32
	// Start and End are normalised byte offsets.
	Start, End int32
	// StartWord and EndWord are the indexes of the first and last word of
	// the match (words are counted from 0 by separators).
	StartWord, EndWord int32
}

type compiled struct {
	b   []byte
	run []uint8
	// spaces is the number of separators inside the pattern.
	spaces int
	// exact is true when a key match is a match: no "i", "l" or Amb (whose
	// class is shared) and no run longer than 1.
	exact bool
}

// Matcher is an Aho–Corasick automaton over the normalised alphabet. It
// finds every occurrence of every pattern in one pass, linear in the text
// length (plus the number of candidate matches). A Matcher is immutable and
// safe for concurrent use.
//
// Word boundaries are part of the automaton: a pattern without a leading "*"
// is entered as a key that starts with a separator, one without a trailing
// "*" as a key that ends with one, and Match reads the text as if it had a
// separator before its first and after its last byte. So "me" in "some" is
// never even a candidate, and candidates are almost always matches.
type Matcher struct {
	// trans is the DFA: trans[s+class] is the next state, as the index of
	// its row (state number × numClass), negated (^) when the state has
	// output.
	trans   []int32
	start   int32   // row of the state after a separator
	outOff  []int32 // per state number, range into outList: outOff[s]..outOff[s+1]
	outList []int32 // key ids
	keys    [][]int32
	keyTail []int32 // 1 when the key ends with a separator
	pats    []compiled
	// The output of each state laid out flat for output: the patterns of
	// outList[outOff[s]:outOff[s+1]]'s keys, in that order, are
	// outs[outsOff[s]:outsOff[s+1]].
	outsOff []int32
	outs    []outEntry
}

// outEntry is one pattern a state outputs, with what output needs of it.
type outEntry struct {
	pat    int32
	tail   int32 // 1 when the key ends with a separator
	blen   int32 // normalised length of the pattern
	spaces int32
	exact  bool
}

const numClass = 39

// class maps a normalised byte to its automaton class. "i", "l" and Amb share
// a class; the exact letter is checked after a candidate is found.
var class = func() (t [256]uint8) {
	t[Sep] = 1
	for c := 'a'; c <= 'z'; c++ {
		t[c] = uint8(2 + c - 'a')
	}
	t['l'] = t['i']
	t[Amb] = t['i']
	for c := '0'; c <= '9'; c++ {
		t[c] = uint8(28 + c - '0')
	}
	t[Other] = 38
	return t
}()

// Compile builds a Matcher. Patterns that normalise to nothing are an error.
func Compile(patterns []Pattern) (*Matcher, error) {
	m := &Matcher{pats: make([]compiled, len(patterns))}
	n := NewNormalizer()
	keyIdx := map[string]int32{}
	// trie with dense rows
	m.trans = make([]int32, numClass)
	for i := range m.trans {
		m.trans[i] = -1
	}
	var stateKey []int32 = []int32{-1}
	for pi, p := range patterns {
		t := strings.TrimSpace(p.Text)
		var cp compiled
		prefix, suff := false, false
		if strings.HasPrefix(t, "*") {
			prefix = true
			t = t[1:]
		}
		if strings.HasSuffix(t, "*") {
			suff = true
			t = t[:len(t)-1]
		}
		res := n.Normalize(t)
		if len(res.B) == 0 {
			return nil, fmt.Errorf("pattern %q: nothing left to match after normalisation", p.Text)
		}
		cp.b = append([]byte(nil), res.B...)
		cp.run = append([]uint8(nil), res.Run...)
		cp.exact = true
		for x, c := range cp.b {
			if c == Sep {
				cp.spaces++
			}
			if c == 'i' || c == 'l' || c == Amb || cp.run[x] > 1 {
				cp.exact = false
			}
		}
		m.pats[pi] = cp
		// key: the class string, with the word boundaries it needs
		key := make([]byte, 0, len(cp.b)+2)
		if !prefix {
			key = append(key, class[Sep])
		}
		for _, c := range cp.b {
			key = append(key, class[c])
		}
		if !suff {
			key = append(key, class[Sep])
		}
		k, ok := keyIdx[string(key)]
		if !ok {
			k = int32(len(m.keys))
			keyIdx[string(key)] = k
			m.keys = append(m.keys, nil)
			tail := int32(0)
			if !suff {
				tail = 1
			}
			m.keyTail = append(m.keyTail, tail)
			// insert into trie
			s := int32(0)
			for _, c := range key {
				nx := m.trans[int(s)*numClass+int(c)]
				if nx < 0 {
					nx = int32(len(m.trans) / numClass)
					row := make([]int32, numClass)
					for i := range row {
						row[i] = -1
					}
					m.trans = append(m.trans, row...)
					stateKey = append(stateKey, -1)
					m.trans[int(s)*numClass+int(c)] = nx
				}
				s = nx
			}
			stateKey[s] = k
		}
		m.keys[k] = append(m.keys[k], int32(pi))
	}
	// BFS: failure links, full DFA, output lists.
	nstates := len(m.trans) / numClass
	fail := make([]int32, nstates)
	outs := make([][]int32, nstates)
	queue := make([]int32, 0, nstates)
	for c := 0; c < numClass; c++ {
		nx := m.trans[c]
		if nx < 0 {
			m.trans[c] = 0
			continue
		}
		fail[nx] = 0
		queue = append(queue, nx)
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		if stateKey[s] >= 0 {
			outs[s] = append(outs[s], stateKey[s])
		}
		outs[s] = append(outs[s], outs[fail[s]]...)
		for c := 0; c < numClass; c++ {
			idx := int(s)*numClass + c
			nx := m.trans[idx]
			if nx < 0 {
				m.trans[idx] = m.trans[int(fail[s])*numClass+c]
				continue
			}
			fail[nx] = m.trans[int(fail[s])*numClass+c]
			queue = append(queue, nx)
		}
	}
	m.renumber(outs)
	// Every key is at least one byte besides a separator, so the state after
	// a separator at the start has no output.
	m.start = m.trans[class[Sep]]
	if m.start < 0 {
		m.start = ^m.start
	}
	return m, nil
}

// renumber lays out the DFA in m.trans (state numbers, from Compile) and the
// output lists outs: states in breadth-first order, so the shallow states,
// where the automaton spends most of its time, share cache lines; each
// transition stored as the row of its target, negated (^) when the target
// has output.
func (m *Matcher) renumber(outs [][]int32) {
	nstates := len(outs)
	order := make([]int32, 0, nstates)
	order = append(order, 0)
	seen := make([]bool, nstates)
	seen[0] = true
	for q := 0; q < len(order); q++ {
		row := m.trans[int(order[q])*numClass : int(order[q]+1)*numClass]
		for _, nx := range row {
			if !seen[nx] {
				seen[nx] = true
				order = append(order, nx)
			}
		}
	}
	newID := make([]int32, nstates)
	for i, old := range order {
		newID[old] = int32(i)
	}
	trans := make([]int32, len(order)*numClass)
	m.outOff = make([]int32, len(order)+1)
	for i, old := range order {
		m.outOff[i] = int32(len(m.outList))
		m.outList = append(m.outList, outs[old]...)
		// Encode the transitions as rows, marking states with output.
		for c, nx := range m.trans[int(old)*numClass : int(old+1)*numClass] {
			v := newID[nx] * numClass
			if len(outs[nx]) > 0 {
				v = ^v
			}
			trans[i*numClass+c] = v
		}
	}
	m.outOff[len(order)] = int32(len(m.outList))
	m.trans = trans
	m.outsOff = make([]int32, len(order)+1)
	for st := range len(order) {
		m.outsOff[st] = int32(len(m.outs))
		for _, k := range m.outList[m.outOff[st]:m.outOff[st+1]] {
			for _, pi := range m.keys[k] {
				p := &m.pats[pi]
				m.outs = append(m.outs, outEntry{pat: pi, tail: m.keyTail[k], blen: int32(len(p.b)), spaces: int32(p.spaces), exact: p.exact})
			}
		}
	}
	m.outsOff[len(order)] = int32(len(m.outs))
}

// Len is the number of patterns.
func (m *Matcher) Len() int { return len(m.pats) }

// States is the number of automaton states (for sizing).
func (m *Matcher) States() int { return len(m.trans) / numClass }

func sameLetter(p, t byte) bool {
	if p == t {
		return true
	}
	if p == Amb {
		return t == 'i' || t == 'l'
	}
	if t == Amb {
		return p == 'i' || p == 'l'
	}
	return false
}

// Match appends to dst every match of every pattern in r and returns it,
// ordered by end, then start, then pattern index.
// Matches respect word boundaries (unless the pattern has "*"), letter runs
// (a text run must be at least as long as the pattern's) and i/l ambiguity.
func (m *Matcher) Match(r *Result, dst []Hit) []Hit {
	b := r.B
	n0 := len(dst)
	trans := m.trans
	s := int(m.start)
	words, counted := 0, 0 // words = separators in b[:counted]
	for j := 0; ; j++ {
		var v int32
		if j, v = step(trans, b, j, s); j == len(b) {
			s = int(v)
			break
		}
		s = int(^v)
		words += bytes.Count(b[counted:j], sepBytes)
		counted = j
		dst = m.output(r, s/numClass, j, words, dst)
	}
	// the separator after the text
	if v := trans[s+int(class[Sep])]; v < 0 {
		words += bytes.Count(b[counted:], sepBytes)
		dst = m.output(r, int(^v)/numClass, len(b), words, dst)
	}
	sortHits(dst[n0:])
	return dst
}

var sepBytes = []byte{Sep}

// step steps the automaton with table trans from state s over b[j:] until
// it takes a transition to a state with output; it returns the index of
// that byte and the transition (negative), or len(b) and the state
// reached. It is the hot loop of Match, kept apart so that its few
// variables stay in registers.
func step(trans []int32, b []byte, j, s int) (int, int32) {
	for ; j < len(b); j++ {
		v := trans[s+int(class[b[j]])]
		if v < 0 {
			return j, v
		}
		s = int(v)
	}
	return j, int32(s)
}

// output appends the matches of the keys that end at b[j], where the
// automaton reached state st; words is the number of separators before j.
func (m *Matcher) output(r *Result, st, j, words int, dst []Hit) []Hit {
	for _, o := range m.outs[m.outsOff[st]:m.outsOff[st+1]] {
		end := int32(j+1) - o.tail
		start := end - o.blen
		if o.exact || m.pats[o.pat].letters(r.B[start:end], r.Run[start:end]) {
			dst = append(dst, Hit{Pattern: o.pat, Start: start, End: end, StartWord: int32(words) - o.spaces, EndWord: int32(words)})
		}
	}
	return dst
}

// letters reports whether the text t with runs tr, which matched p's key,
// matches p: i, l and Amb told apart, and each run long enough.
func (p *compiled) letters(t []byte, tr []uint8) bool {
	for x, c := range p.b {
		if (c != t[x] && !sameLetter(c, t[x])) || tr[x] < p.run[x] {
			return false
		}
	}
	return true
}

// sortHits sorts hits by end, start and pattern. They arrive sorted by end
// except that, at one end, the matches of patterns with a trailing "*"
// come before those without; insertion sort fixes that in linear time.
func sortHits(h []Hit) {
	for i := 1; i < len(h); i++ {
		x := h[i]
		if !hitLess(x, h[i-1]) {
			continue
		}
		j := i
		for j > 0 && hitLess(x, h[j-1]) {
			h[j] = h[j-1]
			j--
		}
		h[j] = x
	}
}

func hitLess(a, b Hit) bool {
	if a.End != b.End {
		return a.End < b.End
	}
	if a.Start != b.Start {
		return a.Start < b.Start
	}
	return a.Pattern < b.Pattern
}

// Words is the number of words of pattern pi (one more than the separators
// inside it, after normalisation).
func (m *Matcher) Words(pi int) int { return m.pats[pi].spaces + 1 }

// MatchRange is Match over the normalised bytes [lo, hi) of r, which must
// start and end at word boundaries (lo is 0 or follows a separator, hi is
// len(r.B) or a separator); words is the number of separators in r.B[:lo].
// It appends the matches that lie wholly inside the range, with offsets and
// word indexes as Match over all of r gives them.
func (m *Matcher) MatchRange(r *Result, lo, hi, words int, dst []Hit) []Hit {
	sub := Result{B: r.B[lo:hi], Run: r.Run[lo:hi]}
	n0 := len(dst)
	dst = m.Match(&sub, dst)
	for i := n0; i < len(dst); i++ {
		h := &dst[i]
		h.Start += int32(lo)
		h.End += int32(lo)
		h.StartWord += int32(words)
		h.EndWord += int32(words)
	}
	return dst
}
