package textnorm

import (
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
type Hit struct {
	// Pattern is the index of the pattern in the slice given to Compile.
	Pattern int
	// Start and End are normalised byte offsets.
	Start, End int
	// StartWord and EndWord are the indexes of the first and last word of
	// the match (words are counted from 0 by separators).
	StartWord, EndWord int
}

type compiled struct {
	b            []byte
	run          []uint8
	prefix, suff bool
	spaces       int
}

// Matcher is an Aho–Corasick automaton over the normalised alphabet. It
// finds every occurrence of every pattern in one pass, linear in the text
// length (plus the number of candidate matches). A Matcher is immutable and
// safe for concurrent use.
type Matcher struct {
	trans   []int32 // state*numClass + class
	outOff  []int32 // per state, range into outList: outOff[s]..outOff[s+1]
	outList []int32 // key ids
	keys    [][]int32
	keyLen  []int
	pats    []compiled
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
		if strings.HasPrefix(t, "*") {
			cp.prefix = true
			t = t[1:]
		}
		if strings.HasSuffix(t, "*") {
			cp.suff = true
			t = t[:len(t)-1]
		}
		res := n.Normalize(t)
		if len(res.B) == 0 {
			return nil, fmt.Errorf("pattern %q: nothing left to match after normalisation", p.Text)
		}
		cp.b = append([]byte(nil), res.B...)
		cp.run = append([]uint8(nil), res.Run...)
		for _, c := range cp.b {
			if c == Sep {
				cp.spaces++
			}
		}
		m.pats[pi] = cp
		// key: the class string
		key := make([]byte, len(cp.b))
		for i, c := range cp.b {
			key[i] = class[c]
		}
		k, ok := keyIdx[string(key)]
		if !ok {
			k = int32(len(m.keys))
			keyIdx[string(key)] = k
			m.keys = append(m.keys, nil)
			m.keyLen = append(m.keyLen, len(key))
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
	m.outOff = make([]int32, nstates+1)
	for s := 0; s < nstates; s++ {
		m.outOff[s] = int32(len(m.outList))
		m.outList = append(m.outList, outs[s]...)
	}
	m.outOff[nstates] = int32(len(m.outList))
	return m, nil
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

// Match appends to dst every match of every pattern in r and returns it.
// Matches respect word boundaries (unless the pattern has "*"), letter runs
// (a text run must be at least as long as the pattern's) and i/l ambiguity.
func (m *Matcher) Match(r *Result, dst []Hit) []Hit {
	b := r.B
	trans, outOff := m.trans, m.outOff
	s := int32(0)
	words := 0
	for j := 0; j < len(b); j++ {
		c := b[j]
		if c == Sep {
			words++
		}
		s = trans[int(s)*numClass+int(class[c])]
		if outOff[s] == outOff[s+1] {
			continue
		}
		for _, k := range m.outList[outOff[s]:outOff[s+1]] {
			start := j + 1 - m.keyLen[k]
			for _, pi := range m.keys[k] {
				p := &m.pats[pi]
				if !p.prefix && start > 0 && b[start-1] != Sep {
					continue
				}
				if !p.suff && j+1 < len(b) && b[j+1] != Sep {
					continue
				}
				ok := true
				for x := range p.b {
					if !sameLetter(p.b[x], b[start+x]) || r.Run[start+x] < p.run[x] {
						ok = false
						break
					}
				}
				if !ok {
					continue
				}
				dst = append(dst, Hit{Pattern: int(pi), Start: start, End: j + 1, StartWord: words - p.spaces, EndWord: words})
			}
		}
	}
	return dst
}
