package textnorm

// This file keeps the original matcher as a reference for the tests.

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

type refCompiled struct {
	b            []byte
	run          []uint8
	prefix, suff bool
	spaces       int
}

// refMatcher is an Aho–Corasick automaton over the normalised alphabet. It
// finds every occurrence of every pattern in one pass, linear in the text
// length (plus the number of candidate matches). A refMatcher is immutable and
// safe for concurrent use.
type refMatcher struct {
	trans   []int32 // state*refNumClass + refClass
	outOff  []int32 // per state, range into outList: outOff[s]..outOff[s+1]
	outList []int32 // key ids
	keys    [][]int32
	keyLen  []int
	pats    []refCompiled
}

const refNumClass = 39

// refClass maps a normalised byte to its automaton refClass. "i", "l" and Amb share
// a refClass; the exact letter is checked after a candidate is found.
var refClass = func() (t [256]uint8) {
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

// refCompile builds a refMatcher. Patterns that normalise to nothing are an error.
func refCompile(patterns []Pattern) (*refMatcher, error) {
	m := &refMatcher{pats: make([]refCompiled, len(patterns))}
	n := refNewNormalizer()
	keyIdx := map[string]int32{}
	// trie with dense rows
	m.trans = make([]int32, refNumClass)
	for i := range m.trans {
		m.trans[i] = -1
	}
	var stateKey []int32 = []int32{-1}
	for pi, p := range patterns {
		t := strings.TrimSpace(p.Text)
		var cp refCompiled
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
		// key: the refClass string
		key := make([]byte, len(cp.b))
		for i, c := range cp.b {
			key[i] = refClass[c]
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
				nx := m.trans[int(s)*refNumClass+int(c)]
				if nx < 0 {
					nx = int32(len(m.trans) / refNumClass)
					row := make([]int32, refNumClass)
					for i := range row {
						row[i] = -1
					}
					m.trans = append(m.trans, row...)
					stateKey = append(stateKey, -1)
					m.trans[int(s)*refNumClass+int(c)] = nx
				}
				s = nx
			}
			stateKey[s] = k
		}
		m.keys[k] = append(m.keys[k], int32(pi))
	}
	// BFS: failure links, full DFA, output lists.
	nstates := len(m.trans) / refNumClass
	fail := make([]int32, nstates)
	outs := make([][]int32, nstates)
	queue := make([]int32, 0, nstates)
	for c := 0; c < refNumClass; c++ {
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
		for c := 0; c < refNumClass; c++ {
			idx := int(s)*refNumClass + c
			nx := m.trans[idx]
			if nx < 0 {
				m.trans[idx] = m.trans[int(fail[s])*refNumClass+c]
				continue
			}
			fail[nx] = m.trans[int(fail[s])*refNumClass+c]
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
func (m *refMatcher) Len() int { return len(m.pats) }

// States is the number of automaton states (for sizing).
func (m *refMatcher) States() int { return len(m.trans) / refNumClass }

func refSameLetter(p, t byte) bool {
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
func (m *refMatcher) Match(r *Result, dst []Hit) []Hit {
	b := r.B
	trans, outOff := m.trans, m.outOff
	s := int32(0)
	words := 0
	for j := 0; j < len(b); j++ {
		c := b[j]
		if c == Sep {
			words++
		}
		s = trans[int(s)*refNumClass+int(refClass[c])]
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
					if !refSameLetter(p.b[x], b[start+x]) || r.Run[start+x] < p.run[x] {
						ok = false
						break
					}
				}
				if !ok {
					continue
				}
				dst = append(dst, Hit{Pattern: int32(pi), Start: int32(start), End: int32(j + 1), StartWord: int32(words - p.spaces), EndWord: int32(words)})
			}
		}
	}
	return dst
}

// listPatterns reads the profanity lists and the safeguarding lexicons of
// this repository as patterns (roughly as those packages do).
func listPatterns(t testing.TB) []Pattern {
	t.Helper()
	var pats []Pattern
	seen := map[string]bool{}
	add := func(s string) {
		if s == "" || seen[s] || String(strings.Trim(s, "*")) == "" {
			return
		}
		seen[s] = true
		pats = append(pats, Pattern{Text: s})
	}
	files, _ := filepath.Glob("../scanners/profanity/lists/*/*.txt")
	files = append(files, "../scanners/profanity/lists/allow.txt")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for line := range strings.SplitSeq(string(b), "\n") {
			line = strings.TrimSpace(line)
			if line == "" || line[0] == '#' {
				continue
			}
			if _, rest, ok := strings.Cut(line, ":"); ok {
				line = strings.TrimSpace(rest)
			}
			add(line)
		}
	}
	lex, _ := filepath.Glob("../scanners/safeguarding/lexicon/*.txt")
	for _, f := range lex {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for line := range strings.SplitSeq(string(b), "\n") {
			fs := strings.Fields(line)
			if len(fs) < 3 || fs[0][0] == '#' {
				continue
			}
			for _, w := range fs[2:] {
				for alt := range strings.SplitSeq(w, "|") {
					if alt != "..." {
						add(strings.ReplaceAll(alt, "_", " "))
					}
				}
			}
		}
	}
	if len(pats) < 100 {
		t.Skip("word lists not found")
	}
	return pats
}

func checkMatch(t *testing.T, m *Matcher, ref *refMatcher, n *Normalizer, s string) {
	t.Helper()
	r := n.Normalize(s)
	got, want := m.Match(r, nil), ref.Match(r, nil)
	if !slices.Equal(got, want) {
		t.Fatalf("Match(%q):\n got %v\nwant %v", s, got, want)
	}
}

// pairGroup returns a Group of m and m2, a Matcher of the second half of
// pats with the other width of table entries than m's and the other kind
// of row (a power of two or not): its pairs are (m, m2) and (m, m) (the
// two orders of widths come from two such groups, of a narrow and of a
// wide m), and it ends with a single m.
func pairGroup(t testing.TB, m *Matcher, pats []Pattern) *Group {
	rows := rowsPow2
	if m.pow2 {
		rows = rowsExact
	}
	m2, err := compile(pats[len(pats)/2:], m.t16 != nil, rows)
	if err != nil {
		t.Fatal(err)
	}
	g, err := NewGroup(m, m2, m, m, m)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// checkGroup checks that g's parts find in s what their Match finds.
func checkGroup(t *testing.T, g *Group, n *Normalizer, s string) {
	t.Helper()
	r := n.Normalize(s)
	got := make([][]Hit, len(g.parts))
	g.Match(r, got)
	for p, m := range g.parts {
		if want := m.Match(r, nil); !slices.Equal(got[p], want) {
			t.Fatalf("Group.Match(%q) part %d:\n got %v\nwant %v", s, p, got[p], want)
		}
	}
}

// TestMatchReference checks the matcher against the original one with the
// real word lists, on the reference cases and the corpus.
func TestMatchReference(t *testing.T) {
	t.Parallel()
	pats := listPatterns(t)
	pats = append(pats, Pattern{Text: "*ss*"}, Pattern{Text: "a b"}, Pattern{Text: "*a"}, Pattern{Text: "f*"}, Pattern{Text: "*fuck*"}, Pattern{Text: "fuck"}, Pattern{Text: "fuck*"}, Pattern{Text: "*fuck"})
	ref, err := refCompile(pats)
	if err != nil {
		t.Fatal(err)
	}
	// The matcher with table entries of 16 bits, as Compile makes it for
	// these lists, and with 32 (for many states); with rows of a power of
	// two and of the number of columns.
	// When the lists outgrow 16-bit entries, the 16-bit tables are built
	// from the largest prefix of the patterns that fits, with its own
	// reference.
	narrow, refNarrow := pats, ref
	m, err := compile(narrow, false, rowsPow2)
	for err == nil && m.t16 == nil {
		narrow = narrow[:len(narrow)*7/8]
		m, err = compile(narrow, false, rowsPow2)
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(narrow) < len(pats) {
		if refNarrow, err = refCompile(narrow); err != nil {
			t.Fatal(err)
		}
	}
	wide, err := compile(pats, true, rowsExact)
	if err != nil {
		t.Fatal(err)
	}
	mul, err := compile(narrow, false, rowsExact)
	if err != nil {
		t.Fatal(err)
	}
	if m.t16 == nil || wide.t32 == nil || !m.pow2 || wide.pow2 || mul.t16 == nil || mul.pow2 {
		t.Fatal("compile did not give tables of both widths and both kinds of row")
	}
	g := pairGroup(t, m, narrow)
	gw := pairGroup(t, wide, pats)
	n := NewNormalizer()
	for _, s := range referenceCases {
		checkMatch(t, m, refNarrow, n, s)
		checkMatch(t, wide, ref, n, s)
		checkMatch(t, mul, refNarrow, n, s)
		checkGroup(t, g, n, s)
		checkGroup(t, gw, n, s)
	}
	files := corpusFiles("spamassassin/*/*")
	// every third file of ham and spam: enough variety, and quick under -race
	for i := range len(files) / 3 {
		files[i] = files[3*i]
	}
	files = files[:len(files)/3]
	if testing.Short() && len(files) > 300 {
		files = files[:300]
	}
	for i, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		checkMatch(t, m, refNarrow, n, string(raw))
		checkGroup(t, g, n, string(raw))
		if i%4 == 0 { // the other tables on a quarter of them
			checkMatch(t, wide, ref, n, string(raw))
			checkMatch(t, mul, refNarrow, n, string(raw))
			checkGroup(t, gw, n, string(raw))
		}
	}
}

// FuzzMatchReference compares the matcher with the original one.
func FuzzMatchReference(f *testing.F) {
	for _, s := range referenceCases {
		f.Add(s)
	}
	pats := listPatterns(f)
	pats = append(pats, Pattern{Text: "*ss*"}, Pattern{Text: "a b"}, Pattern{Text: "*a"}, Pattern{Text: "f*"})
	m, err := Compile(pats)
	if err != nil {
		f.Fatal(err)
	}
	ref, err := refCompile(pats)
	if err != nil {
		f.Fatal(err)
	}
	g := pairGroup(f, m, pats)
	n := NewNormalizer()
	f.Fuzz(func(t *testing.T, s string) {
		checkMatch(t, m, ref, n, s)
		checkGroup(t, g, n, s)
	})
}
