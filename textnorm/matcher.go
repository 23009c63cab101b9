package textnorm

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"
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
//
// The table is small, since the automaton loop waits on each look-up and a
// table that misses the CPU caches costs several times one that fits: the
// bytes whose transitions are the same in every state share one column
// (cls: a digit no pattern holds is a column with Other), a row has a
// power-of-two number of columns, and an entry is the next state's number
// in 16 bits (32 when there are 2^15 states or more), its top bit set when
// that state has output.
type Matcher struct {
	cls [256]uint8 // byte → column
	// A row is stride entries: 1<<shift when pow2, else the number of
	// columns, when a power of two would waste more than an eighth.
	stride int
	shift  uint
	pow2   bool
	// t16 (or t32, when the states do not fit 15 bits) is the DFA: the
	// entry for state s and byte c is t[s*stride+cls[c]].
	t16   []uint16
	t32   []uint32
	start int32 // the state after a separator
	pats  []compiled
	// The output of state s: the patterns outs[outsOff[s]:outsOff[s+1]].
	outsOff []int32
	outs    []outEntry
	// letters holds each pattern's normalised bytes, each followed by its
	// run (outEntry.off), for output's check of a match that is not exact.
	letters []byte
}

// entry is the type of a transition table's entries.
type entry interface{ ~uint16 | ~uint32 }

// outFlag is the bit of an entry that marks a state with output.
func outFlag[E entry]() E { return ^(^E(0) >> 1) }

// outEntry is one pattern a state outputs, with what output needs of it.
type outEntry struct {
	pat    int32
	tail   int32 // 1 when the key ends with a separator
	blen   int32 // normalised length of the pattern
	spaces int32
	off    int32 // the pattern's bytes and runs: Matcher.letters[off:off+2*blen]
	exact  bool
}

// numClass is the number of classes of class, before bytes that behave
// alike in an automaton share a column.
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
	return compile(patterns, false, rowsAuto)
}

// The kinds of row compile may be asked for.
const (
	rowsAuto  = iota // a power of two unless that wastes more than an eighth
	rowsPow2         // a power of two
	rowsExact        // as many entries as columns
)

// compile is Compile, with 32-bit entries even for few states when wide,
// and rows of the kind given (for the tests).
func compile(patterns []Pattern, wide bool, rows int) (*Matcher, error) {
	m := &Matcher{pats: make([]compiled, len(patterns))}
	n := NewNormalizer()
	keyIdx := map[string]int32{}
	var keys [][]int32  // key → its patterns
	var keyTail []int32 // 1 when the key ends with a separator
	// trie with dense rows
	trans := make([]int32, numClass)
	for i := range trans {
		trans[i] = -1
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
			k = int32(len(keys))
			keyIdx[string(key)] = k
			keys = append(keys, nil)
			tail := int32(0)
			if !suff {
				tail = 1
			}
			keyTail = append(keyTail, tail)
			// insert into trie
			s := int32(0)
			for _, c := range key {
				nx := trans[int(s)*numClass+int(c)]
				if nx < 0 {
					nx = int32(len(trans) / numClass)
					row := make([]int32, numClass)
					for i := range row {
						row[i] = -1
					}
					trans = append(trans, row...)
					stateKey = append(stateKey, -1)
					trans[int(s)*numClass+int(c)] = nx
				}
				s = nx
			}
			stateKey[s] = k
		}
		keys[k] = append(keys[k], int32(pi))
	}
	// BFS: failure links, full DFA, output lists.
	nstates := len(trans) / numClass
	fail := make([]int32, nstates)
	outs := make([][]int32, nstates)
	queue := make([]int32, 0, nstates)
	for c := 0; c < numClass; c++ {
		nx := trans[c]
		if nx < 0 {
			trans[c] = 0
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
			nx := trans[idx]
			if nx < 0 {
				trans[idx] = trans[int(fail[s])*numClass+c]
				continue
			}
			fail[nx] = trans[int(fail[s])*numClass+c]
			queue = append(queue, nx)
		}
	}
	order := m.renumber(trans, outs, keys, keyTail)
	m.table(trans, order, outs, wide, rows)
	// Every key is at least one byte besides a separator, so the state after
	// a separator at the start has no output.
	m.start = int32(slices.Index(order, trans[class[Sep]]))
	return m, nil
}

// renumber orders the states of the DFA trans (from Compile) breadth
// first, so the shallow states, where the automaton spends most of its
// time, share cache lines, and lays out the output lists outs (key ids) in
// that order as m.outs. order[i] is the state numbered i.
func (m *Matcher) renumber(trans []int32, outs [][]int32, keys [][]int32, keyTail []int32) (order []int32) {
	nstates := len(outs)
	order = make([]int32, 0, nstates)
	order = append(order, 0)
	seen := make([]bool, nstates)
	seen[0] = true
	for q := 0; q < len(order); q++ {
		for _, nx := range trans[int(order[q])*numClass : int(order[q]+1)*numClass] {
			if !seen[nx] {
				seen[nx] = true
				order = append(order, nx)
			}
		}
	}
	patOff := make([]int32, len(m.pats))
	for pi := range m.pats {
		p := &m.pats[pi]
		patOff[pi] = int32(len(m.letters))
		for x, c := range p.b {
			m.letters = append(m.letters, c, p.run[x])
		}
	}
	m.outsOff = make([]int32, len(order)+1)
	for i, old := range order {
		m.outsOff[i] = int32(len(m.outs))
		for _, k := range outs[old] {
			for _, pi := range keys[k] {
				p := &m.pats[pi]
				m.outs = append(m.outs, outEntry{pat: pi, tail: keyTail[k], blen: int32(len(p.b)), spaces: int32(p.spaces), off: patOff[pi], exact: p.exact})
			}
		}
	}
	m.outsOff[len(order)] = int32(len(m.outs))
	return order
}

// table builds m's transition table from the DFA trans (states numbered
// as Compile made them, numClass columns), in the order of renumber:
// columns that are the same in every state merged, entries in 16 bits
// unless the states need more or wide is set, rows as compile's rows
// says.
func (m *Matcher) table(trans []int32, order []int32, outs [][]int32, wide bool, rows int) {
	nstates := len(order)
	// Columns alike in every state share one.
	col := map[string]uint8{}
	var colOf [numClass]uint8
	first := []int{} // the class of each column
	buf := make([]byte, 4*nstates)
	for c := range numClass {
		for s := range nstates {
			binary.LittleEndian.PutUint32(buf[4*s:], uint32(trans[s*numClass+c]))
		}
		k, ok := col[string(buf)]
		if !ok {
			k = uint8(len(first))
			col[string(buf)] = k
			first = append(first, c)
		}
		colOf[c] = k
	}
	for b := range 256 {
		m.cls[b] = colOf[class[b]]
	}
	m.shift = uint(bits.Len(uint(len(first) - 1)))
	m.stride, m.pow2 = 1<<m.shift, true
	if rows == rowsExact || rows == rowsAuto && 8*(m.stride-len(first)) > m.stride {
		m.stride, m.pow2 = len(first), false
	}
	newID := make([]uint32, nstates)
	for i, old := range order {
		newID[old] = uint32(i)
	}
	wide = wide || nstates >= 1<<15
	size := nstates * m.stride
	if wide {
		m.t32 = make([]uint32, size)
	} else {
		m.t16 = make([]uint16, size)
	}
	for i, old := range order {
		for k, c := range first {
			nx := trans[int(old)*numClass+c]
			v := newID[nx]
			if len(outs[nx]) > 0 {
				v |= 1 << 31
				if !wide {
					v = newID[nx] | 1<<15
				}
			}
			if wide {
				m.t32[i*m.stride+k] = v
			} else {
				m.t16[i*m.stride+k] = uint16(v)
			}
		}
	}
}

// Len is the number of patterns.
func (m *Matcher) Len() int { return len(m.pats) }

// States is the number of automaton states (for sizing).
func (m *Matcher) States() int { return len(m.outsOff) - 1 }

// TableBytes is the size of the transition table (for sizing).
func (m *Matcher) TableBytes() int { return 2*len(m.t16) + 4*len(m.t32) }

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
	if m.t16 != nil {
		return match(m, m.t16, r, dst)
	}
	return match(m, m.t32, r, dst)
}

// match is Match with m's table t.
func match[E entry](m *Matcher, t []E, r *Result, dst []Hit) []Hit {
	if p := splitAt(r.B); p > 0 {
		return matchSplit(m, t, r, dst, p) // a long text: two halves at once
	}
	return matchWhole(m, t, r, dst)
}

// matchWhole is match reading the text in one piece.
func matchWhole[E entry](m *Matcher, t []E, r *Result, dst []Hit) []Hit {
	b := r.B
	n0 := len(dst)
	flag := outFlag[E]()
	s := int(m.start)
	words, counted := 0, 0 // words = separators in b[:counted]
	for j := 0; ; j++ {
		var v E
		if m.pow2 {
			j, v = step(t, &m.cls, m.shift, b, j, s)
		} else {
			j, v = stepMul(t, &m.cls, m.stride, b, j, s)
		}
		if j == len(b) {
			s = int(v)
			break
		}
		s = int(v &^ flag)
		words += bytes.Count(b[counted:j], sepBytes)
		counted = j
		dst = m.output(r, s, j, words, dst)
	}
	// the separator after the text
	if v := t[s*m.stride+int(m.cls[Sep])]; v&flag != 0 {
		words += bytes.Count(b[counted:], sepBytes)
		dst = m.output(r, int(v&^flag), len(b), words, dst)
	}
	sortHits(dst[n0:])
	return dst
}

var sepBytes = []byte{Sep}

// step steps the automaton with table t (columns cls, rows of 1<<shift)
// from state s over b[j:] until it takes a transition to a state with
// output; it returns the index of that byte and the entry (flagged), or
// len(b) and the state reached. It is the hot loop of Match, kept apart so
// that its few variables stay in registers.
func step[E entry](t []E, cls *[256]uint8, shift uint, b []byte, j, s int) (int, E) {
	flag := outFlag[E]()
	for ; j < len(b); j++ {
		v := t[s<<(shift&63)|int(cls[b[j]])]
		if v&flag != 0 {
			return j, v
		}
		s = int(v)
	}
	return j, E(s)
}

// stepMul is step for a table whose rows are stride entries.
func stepMul[E entry](t []E, cls *[256]uint8, stride int, b []byte, j, s int) (int, E) {
	flag := outFlag[E]()
	for ; j < len(b); j++ {
		v := t[s*stride+int(cls[b[j]])]
		if v&flag != 0 {
			return j, v
		}
		s = int(v)
	}
	return j, E(s)
}

// output appends the matches of the keys that end at b[j], where the
// automaton reached state st; words is the number of separators before j.
func (m *Matcher) output(r *Result, st, j, words int, dst []Hit) []Hit {
	outs := m.outs[m.outsOff[st]:m.outsOff[st+1]]
	for x := range outs {
		o := &outs[x] // not a copy of the entry on the stack
		end := int32(j+1) - o.tail
		start := end - o.blen
		if o.exact || letters(m.letters[o.off:o.off+2*o.blen], r.B[start:end], r.Run[start:end]) {
			dst = append(dst, Hit{Pattern: o.pat, Start: start, End: end, StartWord: int32(words) - o.spaces, EndWord: int32(words)})
		}
	}
	return dst
}

// letters reports whether the text t with runs tr, which matched the key
// of a pattern whose bytes and runs are pr (a byte, its run, and so on),
// matches the pattern: i, l and Amb told apart, and each run long enough.
func letters(pr []byte, t []byte, tr []uint8) bool {
	for x := range t {
		c := pr[2*x]
		if (c != t[x] && !sameLetter(c, t[x])) || tr[x] < pr[2*x+1] {
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
