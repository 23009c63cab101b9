// Package textnorm turns mail text into a normalised stream for word-list and
// phrase matching, with a map from every normalised byte back to the original
// bytes, so evidence can quote exactly what the sender wrote.
//
// One Normalize call makes three linear passes over one text:
//
//  1. Runes to atoms. ASCII letters are lower-cased. Zero-width and other
//     format characters (Cf), combining marks (Mn, Me), variation selectors
//     and invisible fillers are removed. Other non-ASCII runes go through a
//     fold table built once from Unicode NFKD (diacritics dropped, full-width
//     and mathematical letters, ligatures) and case folding, then from the
//     Unicode confusables data (TR39 skeleton: Cyrillic "а" to "a"; see
//     the root NOTICE). Letters and numbers with no ASCII skeleton become Other (0x02),
//     a word byte no pattern contains. Everything else is a separator; a run
//     of separators becomes one space.
//  2. Leetspeak, per word. Inside a word that has at least one letter (and
//     at most twice as many digits as letters),
//     4→a 3→e 0→o 5→s 7→t, and 1 becomes Amb (0x01), "i or l"; $ and @
//     become s and a when a letter or digit follows; ! and | become Amb only
//     between two word characters (so "shit!" keeps its boundary). A word of
//     digits only ("2019") is left alone. The apostrophe of "n't" is dropped
//     ("don't" → "dont"); any other apostrophe separates ("who're" → "who
//     re", "I'm" → "i m"), so contractions never glue into other words.
//  3. Single letters joined and runs collapsed. Three or more one-character
//     words separated by short separators (at most 3 bytes, no newline) are
//     joined: "f.u.c.k", "f u c k", "c-u-n-t", "b_a_s_t_a_r_d" (a chain
//     stops where the separator changes: "k.i.l.l m.e" is "kill me"). Then every run
//     of one repeated byte is stored once, with its length in Run
//     ("fuuuuck" → "fuck", Run[1] = 5).
//
// Design of run collapsing: the stream keeps each letter once with its run
// length, and patterns are collapsed the same way. A pattern matches only when
// every text run is at least as long as the pattern's run, so "fuuuck" and
// "fuck" match "fuck", "asssss" matches "ass", but the word "as" (runs 1,1)
// does not match "ass" (runs 1,2). Real doubles in lists need no variants.
// Matcher in this package implements that check, together with Amb
// matching either "i" or "l".
//
// Word boundaries survive: the output has a space wherever the input had a
// separator, so matching is boundary-aware.
//
// A Normalizer reuses its buffers; after warm-up it allocates nothing per
// call. It is not safe for concurrent use: use one per goroutine (a
// sync.Pool works well).
package textnorm

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Special bytes of the normalised stream.
const (
	// Amb is a character that stands for "i" or "l" ("1", "!", "|").
	Amb byte = 0x01
	// Other is a letter or number with no ASCII skeleton.
	Other byte = 0x02
	// Sep separates words.
	Sep byte = ' '
)

// Result is one normalised text. Its slices are owned by the Normalizer and
// are valid until its next call.
type Result struct {
	// B is the normalised stream: a-z, 0-9, Amb, Other and Sep only.
	B []byte
	// Start and End give, for each byte of B, the span of original bytes it
	// came from. Start is non-decreasing; 0 <= Start[i] <= End[i] <= len(src).
	Start, End []int32
	// Run is how many times B[i] was repeated in a row (capped at 255).
	Run []uint8
}

// Span returns the original byte span of the normalised bytes [i, j).
func (r *Result) Span(i, j int) (start, end int) {
	if i >= j || i < 0 || j > len(r.B) {
		return 0, 0
	}
	start, end = int(r.Start[i]), int(r.End[j-1])
	if end < start {
		end = start
	}
	return start, end
}

// Normalizer normalises texts, reusing its buffers.
type Normalizer struct {
	fold map[rune]string
	// atoms of pass 1 and 2
	ab     []byte
	as, ae []int32
	// pass 2 output
	bb     []byte
	bs, be []int32
	res    Result
	src    string
}

// NewNormalizer returns a Normalizer.
func NewNormalizer() *Normalizer {
	return &Normalizer{fold: folds()}
}

// String normalises s and returns the stream as a string (handy for tests and
// for compiling patterns).
func String(s string) string {
	n := NewNormalizer()
	return string(n.Normalize(s).B)
}

// Normalize normalises s. The result is valid until the next call.
func (n *Normalizer) Normalize(s string) *Result {
	if n.fold == nil {
		n.fold = folds()
	}
	n.src = s
	n.atoms(s)
	n.leet()
	n.joinCollapse()
	return &n.res
}

// asciiKind maps an ASCII byte to its atom (0 = separator).
var asciiKind = func() (t [128]byte) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = byte(c)
		t[c-32] = byte(c)
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c)
	}
	for _, c := range "$@!|'`" {
		t[c] = byte(c)
	}
	t['`'] = '\''
	return t
}()

// atoms is pass 1. It works on local slices (kept in registers) and
// stores them back at the end; this is the hot loop.
func (n *Normalizer) atoms(s string) {
	ab, as, ae := n.ab[:0], n.as[:0], n.ae[:0]
	if cap(ab) < len(s) {
		ab, as, ae = make([]byte, 0, len(s)+len(s)/4), make([]int32, 0, len(s)+len(s)/4), make([]int32, 0, len(s)+len(s)/4)
	}
	sep := func(i, e int) {
		if k := len(ab) - 1; k >= 0 {
			if ab[k] == Sep {
				ae[k] = int32(e)
			} else {
				ab, as, ae = append(ab, Sep), append(as, int32(i)), append(ae, int32(e))
			}
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if k := asciiKind[c]; k != 0 {
				ab, as, ae = append(ab, k), append(as, int32(i)), append(ae, int32(i+1))
			} else {
				sep(i, i+1)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			sep(i, i+size)
		case ignorable(r):
			// removed; it neither joins nor separates
		case apostrophe(r):
			ab, as, ae = append(ab, '\''), append(as, int32(i)), append(ae, int32(i+size))
		default:
			if f, ok := n.fold[r]; ok {
				for j := 0; j < len(f); j++ {
					ab, as, ae = append(ab, f[j]), append(as, int32(i)), append(ae, int32(i+size))
				}
			} else if unicode.IsLetter(r) || unicode.IsNumber(r) {
				ab, as, ae = append(ab, Other), append(as, int32(i)), append(ae, int32(i+size))
			} else {
				sep(i, i+size)
			}
		}
		i += size
	}
	n.ab, n.as, n.ae = ab, as, ae
}

func isLetterAtom(c byte) bool { return (c >= 'a' && c <= 'z') || c == Other }
func isAlnumAtom(c byte) bool  { return isLetterAtom(c) || (c >= '0' && c <= '9') }

func isWordAtom(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == Other || c == '$' || c == '@' || c == '!' || c == '|'
}

var leetDigit = [10]byte{'o', Amb, '2', 'e', 'a', 's', '6', 't', '8', '9'}

func (n *Normalizer) out(c byte, s, e int32) {
	if c == Sep {
		k := len(n.bb) - 1
		if k < 0 {
			return
		}
		if n.bb[k] == Sep {
			n.be[k] = e
			return
		}
	}
	n.bb = append(n.bb, c)
	n.bs = append(n.bs, s)
	n.be = append(n.be, e)
}

// leet is pass 2: per word, leetspeak and apostrophes.
func (n *Normalizer) leet() {
	n.bb, n.bs, n.be = n.bb[:0], n.bs[:0], n.be[:0]
	a := n.ab
	for i := 0; i < len(a); {
		if a[i] == Sep {
			n.out(Sep, n.as[i], n.ae[i])
			i++
			continue
		}
		j := i
		letters, digits, special := 0, 0, false
		for j < len(a) && a[j] != Sep {
			if c := a[j]; isLetterAtom(c) {
				letters++
			} else if c >= '0' && c <= '9' {
				digits++
			} else {
				special = true
			}
			j++
		}
		if !special && (digits == 0 || letters == 0) {
			// fast path: plain word or plain number, copied as is
			n.bb = append(n.bb, a[i:j]...)
			n.bs = append(n.bs, n.as[i:j]...)
			n.be = append(n.be, n.ae[i:j]...)
			i = j
			continue
		}
		// Leet only inside words that are mostly letters: "sh1t", "a55",
		// "h4te", but not "151s" or "mp3s".
		hasLetter := letters > 0 && 2*letters >= digits
		for k := i; k < j; k++ {
			c := a[k]
			s, e := n.as[k], n.ae[k]
			switch {
			case isLetterAtom(c):
				n.out(c, s, e)
			case c >= '0' && c <= '9':
				if hasLetter {
					c = leetDigit[c-'0']
				}
				n.out(c, s, e)
			case c == '$' || c == '@':
				if hasLetter && k+1 < j && isWordAtom(a[k+1]) && a[k+1] != '!' && a[k+1] != '|' {
					if c == '$' {
						c = 's'
					} else {
						c = 'a'
					}
					n.out(c, s, e)
				} else {
					n.out(Sep, s, e)
				}
			case c == '!' || c == '|':
				if hasLetter && k > i && k+1 < j && isAlnumAtom(a[k-1]) && isAlnumAtom(a[k+1]) {
					n.out(Amb, s, e)
				} else {
					n.out(Sep, s, e)
				}
			case c == '\'':
				if k > i && k+2 == j && a[k-1] == 'n' && a[k+1] == 't' {
					continue // dropped in "n't": "don't" → "dont"
				}
				n.out(Sep, s, e)
			default:
				n.out(Sep, s, e)
			}
		}
		i = j
	}
	// no trailing separator
	if k := len(n.bb) - 1; k >= 0 && n.bb[k] == Sep {
		n.bb, n.bs, n.be = n.bb[:k], n.bs[:k], n.be[:k]
	}
}

// joinable reports whether c may be part of a spelled-out word.
func joinable(c byte) bool {
	return (c >= 'a' && c <= 'z') || c == Amb || c == '0' || c == '1' || c == '3' || c == '4' || c == '5' || c == '7'
}

// shortSep reports whether the separator at bb[k] is short and on one line.
func (n *Normalizer) shortSep(k int) bool {
	s, e := n.bs[k], n.be[k]
	if e-s > 3 {
		return false
	}
	return !strings.ContainsAny(n.src[s:e], "\r\n")
}

// sameSep reports whether the separators at bb[a] and bb[b] are the same
// original text ("f.u.c.k" joins, "k.i.l.l m.y" stops at the space).
func (n *Normalizer) sameSep(a, b int) bool {
	return n.src[n.bs[a]:n.be[a]] == n.src[n.bs[b]:n.be[b]]
}

// joinCollapse is pass 3. Its output is never longer than its input, so
// the result slices are sized once and written by index.
func (n *Normalizer) joinCollapse() {
	r := &n.res
	b, bs, be := n.bb, n.bs, n.be
	B, St, En, Ru := grow(r.B, len(b)), grow32(r.Start, len(b)), grow32(r.End, len(b)), grow(r.Run, len(b))
	w := 0
	for i := 0; i < len(b); {
		c := b[i]
		if c != Sep && (i == 0 || b[i-1] == Sep) && (i+1 == len(b) || b[i+1] == Sep) && joinable(c) {
			if j, ok := n.chain(i); ok {
				for k := i; k <= j; k += 2 {
					c := b[k]
					if c >= '0' && c <= '9' {
						c = leetDigit[c-'0']
					}
					if w > 0 && B[w-1] == c {
						En[w-1] = be[k]
						if Ru[w-1] < 255 {
							Ru[w-1]++
						}
						continue
					}
					B[w], St[w], En[w], Ru[w] = c, bs[k], be[k], 1
					w++
				}
				i = j + 1
				continue
			}
		}
		if w > 0 && c != Sep && B[w-1] == c {
			En[w-1] = be[i]
			if Ru[w-1] < 255 {
				Ru[w-1]++
			}
		} else {
			B[w], St[w], En[w], Ru[w] = c, bs[i], be[i], 1
			w++
		}
		i++
	}
	r.B, r.Start, r.End, r.Run = B[:w], St[:w], En[:w], Ru[:w]
}

func grow(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, n, n+n/4)
	}
	return b[:n]
}

func grow32(b []int32, n int) []int32 {
	if cap(b) < n {
		return make([]int32, n, n+n/4)
	}
	return b[:n]
}

// chain reports whether a spelled-out word ("f.u.c.k") starts with the
// one-character word at i, and where its last character is.
func (n *Normalizer) chain(i int) (last int, ok bool) {
	b := n.bb
	single := func(k int) bool {
		return k < len(b) && b[k] != Sep && joinable(b[k]) && (k+1 == len(b) || b[k+1] == Sep)
	}
	j, count, letters := i, 0, 0
	for {
		count++
		if b[j] >= 'a' && b[j] <= 'z' {
			letters++
		}
		if j+2 < len(b) && n.shortSep(j+1) && single(j+2) && (j == i || n.sameSep(i+1, j+1)) {
			j += 2
			continue
		}
		break
	}
	return j, count >= 3 && letters >= 2
}
