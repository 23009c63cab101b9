package textnorm

// The word filter. When no pattern starts with "*", every key starts with
// a separator, so a match can only begin at the start of a word, and the
// automaton is in its start state there (the state after a separator)
// unless a longer key is under way. From the start state, a word of at
// least skipLen bytes whose first skipLen classes begin no key, and which
// no key shorter than skipLen (a "kil*") begins either, holds no match:
// every key that starts at it fails inside it, no key starts inside it,
// and the automaton reaches the root state (no key under way) before the
// separator that ends it. Matching then jumps to that separator in the
// root state without reading the word's bytes. The hits are exactly the
// automaton's; only the bytes looked up are fewer.

// skipLen is how many classes of a word the filter reads.
const skipLen = 4

// wordSkip holds the first skipLen classes of every key (after its leading
// separator) as a hashed bit set (false positives only cost a skip), and
// the keys shorter than that, without a separator inside or at their end,
// exactly.
type wordSkip struct {
	prefix [1 << 16 / 64]uint64
	short  [skipLen][]uint64 // short[n]: keys of n classes, by code
}

// classCode is the number of the class string c (each class < numClass).
func classCode(c []byte) uint32 {
	x := uint32(0)
	for _, k := range c {
		x = x*numClass + uint32(k)
	}
	return x
}

func prefixBit(code uint32) uint32 { return (code * 0x9E3779B1) >> 16 }

// keyStrings returns the key of each key index of keyIdx (Compile's).
func keyStrings(keyIdx map[string]int32) []string {
	out := make([]string, len(keyIdx))
	for k, i := range keyIdx {
		out[i] = k
	}
	return out
}

// newWordSkip returns the word filter of the keys (class strings), or nil
// when a key does not start with a separator.
func newWordSkip(keys []string) *wordSkip {
	sep := class[Sep]
	w := &wordSkip{}
	n := 1
	for i := range w.short {
		w.short[i] = make([]uint64, (n+63)/64)
		n *= numClass
	}
	for _, k := range keys {
		if len(k) == 0 || k[0] != sep {
			return nil
		}
		k = k[1:]
		if len(k) >= skipLen {
			b := prefixBit(classCode([]byte(k[:skipLen])))
			w.prefix[b/64] |= 1 << (b % 64)
			continue
		}
		if hasByte(k, sep) {
			continue // it cannot start inside a word of skipLen bytes or more
		}
		c := classCode([]byte(k))
		w.short[len(k)][c/64] |= 1 << (c % 64)
	}
	return w
}

func hasByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

// rejects reports whether no key begins with the word that starts at b[0]
// (len(b) >= skipLen, no separator in b[:skipLen]).
func (w *wordSkip) rejects(b []byte) bool {
	c0, c1, c2, c3 := uint32(class[b[0]]), uint32(class[b[1]]), uint32(class[b[2]]), uint32(class[b[3]])
	x := ((c0*numClass+c1)*numClass+c2)*numClass + c3
	if bit := prefixBit(x); w.prefix[bit/64]&(1<<(bit%64)) != 0 {
		return false
	}
	if w.short[1][c0/64]&(1<<(c0%64)) != 0 {
		return false
	}
	if x2 := c0*numClass + c1; w.short[2][x2/64]&(1<<(x2%64)) != 0 {
		return false
	}
	if x3 := (c0*numClass+c1)*numClass + c2; w.short[3][x3/64]&(1<<(x3%64)) != 0 {
		return false
	}
	return true
}

// step is the package's step with the filter: from the start state, at
// the start of a word the filter rejects, it jumps to the separator after
// the word in the root state (row 0).
func (w *wordSkip) step(trans []int32, start int, b []byte, j, s int) (int, int32) {
	for ; j < len(b); j++ {
		if s == start && j+skipLen <= len(b) && b[j] != Sep && b[j+1] != Sep && b[j+2] != Sep && b[j+3] != Sep && w.rejects(b[j:j+skipLen]) {
			j += skipLen
			for j < len(b) && b[j] != Sep {
				j++
			}
			s = 0
			if j == len(b) {
				break
			}
		}
		v := trans[s+int(class[b[j]])]
		if v < 0 {
			return j, v
		}
		s = int(v)
	}
	return j, int32(s)
}
