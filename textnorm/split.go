package textnorm

import (
	"bytes"
	"sync"
)

// A pair of automata stepped over a long text waits, at each byte, on the
// look-up of both tables; pairSplit halves that wait by reading the text
// as two halves at once, four look-ups in flight instead of two.
//
// The second half is read from the start state (the state after a
// separator), as if the text began there; it begins just after a
// separator, so that guess is wrong only about matches that began before
// it. The automaton's state after a byte is the longest key prefix that
// ends there, which a key's length bounds; so once the first half's
// reader, carried on past the split, is in the same state as the second
// half's reader was at the same byte, the two agree from there on. Up to
// that byte the first half's reader's hits are the text's, from it on
// the second half's reader's: the result is exactly Match's.

// splitMin is the shortest text whose reading matchPair splits.
const splitMin = 1024

// splitScratch holds the second half's hits of a split pair (and the
// byte each was output at) until the halves agree.
type splitScratch struct {
	a, b   []Hit
	pa, pb []int32
}

// splitAt returns where pairSplit may start the second half of bs: after
// the first separator from the middle on, leaving the second half at
// least a quarter of splitMin; 0 when there is none.
func splitAt(bs []byte) int {
	if len(bs) < splitMin {
		return 0
	}
	mid := len(bs) / 2
	i := bytes.IndexByte(bs[mid:], Sep)
	if i < 0 || len(bs)-(mid+i+1) < splitMin/4 {
		return 0
	}
	return mid + i + 1
}

// pairSplit is pair for tables with rows of a power of two, reading
// bs[:p] and bs[p:] at once (p from splitAt).
func pairSplit[A, B entry](a, b *Matcher, ta []A, tb []B, r *Result, da, db []Hit, p int, sc *splitScratch) ([]Hit, []Hit) {
	bs := r.B
	n := len(bs)
	na, nb := len(da), len(db)
	fa, fb := outFlag[A](), outFlag[B]()
	s1a, s1b := int(a.start), int(b.start) // the first half's states
	s2a, s2b := int(a.start), int(b.start) // the second half's
	ha, hb, pa, pb := sc.a[:0], sc.b[:0], sc.pa[:0], sc.pb[:0]
	w1, k1 := 0, 0                             // separators in bs[:k1]
	w2, k2 := bytes.Count(bs[:p], sepBytes), p // separators in bs[:k2]
	before := w2
	m := n - p // the second half's length, at most the first's
	for j := 0; ; j++ {
		var va1, va2 A
		var vb1, vb2 B
		if a.shift == rowShift && b.shift == rowShift {
			j, va1, vb1, va2, vb2 = stepQuad32(ta, tb, &a.cls, &b.cls, bs, j, p, m, s1a, s1b, s2a, s2b)
		} else {
			j, va1, vb1, va2, vb2 = stepQuad(ta, tb, &a.cls, &b.cls, a.shift, b.shift, bs, j, p, m, s1a, s1b, s2a, s2b)
		}
		s1a, s1b, s2a, s2b = int(va1&^fa), int(vb1&^fb), int(va2&^fa), int(vb2&^fb)
		if j == m {
			break
		}
		if va1&fa != 0 || vb1&fb != 0 {
			w1 += bytes.Count(bs[k1:j], sepBytes)
			k1 = j
			if va1&fa != 0 {
				da = a.output(r, s1a, j, w1, da)
			}
			if vb1&fb != 0 {
				db = b.output(r, s1b, j, w1, db)
			}
		}
		if va2&fa != 0 || vb2&fb != 0 {
			j2 := j + p
			w2 += bytes.Count(bs[k2:j2], sepBytes)
			k2 = j2
			if va2&fa != 0 {
				n0 := len(ha)
				ha = a.output(r, s2a, j2, w2, ha)
				for range len(ha) - n0 {
					pa = append(pa, int32(j2))
				}
			}
			if vb2&fb != 0 {
				n0 := len(hb)
				hb = b.output(r, s2b, j2, w2, hb)
				for range len(hb) - n0 {
					pb = append(pb, int32(j2))
				}
			}
		}
	}
	// The rest of the first half.
	for j := m; ; j++ {
		var va A
		var vb B
		if a.shift == rowShift && b.shift == rowShift {
			j, va, vb = stepPair32(ta, tb, &a.cls, &b.cls, bs[:p], j, s1a, s1b)
		} else {
			j, va, vb = stepPair(ta, tb, &a.cls, &b.cls, a.shift, b.shift, bs[:p], j, s1a, s1b)
		}
		s1a, s1b = int(va&^fa), int(vb&^fb)
		if j == p {
			break
		}
		w1 += bytes.Count(bs[k1:j], sepBytes)
		k1 = j
		if va&fa != 0 {
			da = a.output(r, s1a, j, w1, da)
		}
		if vb&fb != 0 {
			db = b.output(r, s1b, j, w1, db)
		}
	}
	words := before + bytes.Count(bs[p:], sepBytes)
	da = join(a, ta, r, da, ha, pa, s1a, s2a, p, w1, k1, words)
	db = join(b, tb, r, db, hb, pb, s1b, s2b, p, w1, k1, words)
	sc.a, sc.b, sc.pa, sc.pb = ha, hb, pa, pb
	sortHits(da[na:])
	sortHits(db[nb:])
	return da, db
}

// join carries m's reader of the first half on from p, in state s1, until
// it is in the state the second half's reader was in at the same byte,
// appending its hits on the way to dst; then appends the second half's
// hits h (output at the bytes pos) from that byte on and the hits of the
// separator after the text, from the state at its end (s2, the second
// half's, or s1 when the readers never agree). words is the number of
// separators in the text; w1 is that in bs[:k1].
func join[E entry](m *Matcher, t []E, r *Result, dst, h []Hit, pos []int32, s1, s2, p, w1, k1, words int) []Hit {
	bs := r.B
	flag := outFlag[E]()
	q, end := len(bs), s1 // where the readers agree, and the final state
	if s1 == int(m.start) {
		q, end = p, s2
	} else {
		s := int(m.start) // the second half's reader again
		for j := p; j < len(bs); j++ {
			col := int(m.cls[bs[j]])
			v1, v2 := t[s1*m.stride+col], t[s*m.stride+col]
			if v1 == v2 {
				q, end = j, s2
				break
			}
			s1, s = int(v1&^flag), int(v2&^flag)
			if v1&flag != 0 {
				w1 += bytes.Count(bs[k1:j], sepBytes)
				k1 = j
				dst = m.output(r, s1, j, w1, dst)
			}
		}
		if q == len(bs) {
			end = s1
		}
	}
	for i, hit := range h {
		if int(pos[i]) >= q {
			dst = append(dst, hit)
		}
	}
	if v := t[end*m.stride+int(m.cls[Sep])]; v&flag != 0 {
		dst = m.output(r, int(v&^flag), len(bs), words, dst)
	}
	return dst
}

// stepQuad steps the automata with tables ta and tb over bs[j:m] and,
// at once, over bs[p+j:p+m]: states s1a and s1b on the first, s2a and s2b
// on the second. It stops at the first byte where one of the four takes
// a transition to a state with output, returning its index in the first
// range and the four entries taken there, or m and the four states.
func stepQuad[A, B entry](ta []A, tb []B, ca, cb *[256]uint8, sha, shb uint, bs []byte, j, p, m int, s1a, s1b, s2a, s2b int) (int, A, B, A, B) {
	fa, fb := outFlag[A](), outFlag[B]()
	b1, b2 := bs[:m], bs[p:p+m]
	for ; j < len(b1) && j < len(b2); j++ {
		c1, c2 := b1[j], b2[j]
		va1, vb1 := ta[s1a<<(sha&63)|int(ca[c1])], tb[s1b<<(shb&63)|int(cb[c1])]
		va2, vb2 := ta[s2a<<(sha&63)|int(ca[c2])], tb[s2b<<(shb&63)|int(cb[c2])]
		if (va1|va2)&fa != 0 || (vb1|vb2)&fb != 0 {
			return j, va1, vb1, va2, vb2
		}
		s1a, s1b, s2a, s2b = int(va1), int(vb1), int(va2), int(vb2)
	}
	return j, A(s1a), B(s1b), A(s2a), B(s2b)
}

// rowShift is the row shift of the tables that stepQuad32 and stepPair32
// are for: rows of 32 entries, the size of both the profanity and the
// safeguarding automata's (17 to 32 columns). A constant shift needs no
// register of its own (a variable one must sit in CX on amd64), which
// leaves the loop enough registers for its states.
const rowShift = 5

// stepQuad32 is stepQuad for two tables with rows of 1<<rowShift entries.
func stepQuad32[A, B entry](ta []A, tb []B, ca, cb *[256]uint8, bs []byte, j, p, m int, s1a, s1b, s2a, s2b int) (int, A, B, A, B) {
	fa, fb := outFlag[A](), outFlag[B]()
	_, _ = ca[255], cb[255] // their nil checks, out of the loop
	b1 := bs[:m]
	b2 := bs[p : p+m]
	b2 = b2[:len(b1)]
	for ; j < len(b1); j++ {
		c1, c2 := b1[j], b2[j]
		va1, vb1 := ta[s1a<<rowShift|int(ca[c1])], tb[s1b<<rowShift|int(cb[c1])]
		va2, vb2 := ta[s2a<<rowShift|int(ca[c2])], tb[s2b<<rowShift|int(cb[c2])]
		if (va1|va2)&fa != 0 || (vb1|vb2)&fb != 0 {
			return j, va1, vb1, va2, vb2
		}
		s1a, s1b, s2a, s2b = int(va1), int(vb1), int(va2), int(vb2)
	}
	return j, A(s1a), B(s1b), A(s2a), B(s2b)
}

// scratch holds the splitScratch of single Matches (matchSplit).
var scratch = sync.Pool{New: func() any { return new(splitScratch) }}

// matchSplit is match reading bs[:p] and bs[p:] at once (p from splitAt),
// as pairSplit does for two automata.
func matchSplit[E entry](m *Matcher, t []E, r *Result, dst []Hit, p int) []Hit {
	sc := scratch.Get().(*splitScratch)
	defer scratch.Put(sc)
	bs := r.B
	n := len(bs)
	n0 := len(dst)
	flag := outFlag[E]()
	s1, s2 := int(m.start), int(m.start)
	h, pos := sc.a[:0], sc.pa[:0]
	w1, k1 := 0, 0
	w2, k2 := bytes.Count(bs[:p], sepBytes), p
	before := w2
	mlen := n - p
	for j := 0; ; j++ {
		var v1, v2 E
		j, v1, v2 = stepDouble(t, &m.cls, m.stride, bs, j, p, mlen, s1, s2)
		s1, s2 = int(v1&^flag), int(v2&^flag)
		if j == mlen {
			break
		}
		if v1&flag != 0 {
			w1 += bytes.Count(bs[k1:j], sepBytes)
			k1 = j
			dst = m.output(r, s1, j, w1, dst)
		}
		if v2&flag != 0 {
			j2 := j + p
			w2 += bytes.Count(bs[k2:j2], sepBytes)
			k2 = j2
			n1 := len(h)
			h = m.output(r, s2, j2, w2, h)
			for range len(h) - n1 {
				pos = append(pos, int32(j2))
			}
		}
	}
	// The rest of the first half.
	for j := mlen; ; j++ {
		var v E
		if m.pow2 {
			j, v = step(t, &m.cls, m.shift, bs[:p], j, s1)
		} else {
			j, v = stepMul(t, &m.cls, m.stride, bs[:p], j, s1)
		}
		if j == p {
			s1 = int(v)
			break
		}
		s1 = int(v &^ flag)
		w1 += bytes.Count(bs[k1:j], sepBytes)
		k1 = j
		dst = m.output(r, s1, j, w1, dst)
	}
	dst = join(m, t, r, dst, h, pos, s1, s2, p, w1, k1, before+bytes.Count(bs[p:], sepBytes))
	sc.a, sc.pa = h, pos
	sortHits(dst[n0:])
	return dst
}

// stepDouble steps the automaton with table t (rows of stride entries)
// over bs[j:m] from state s1 and, at once, over bs[p+j:p+m] from s2, until
// one of the two takes a transition to a state with output; it returns
// the index in the first range and the two entries, or m and the states.
func stepDouble[E entry](t []E, cls *[256]uint8, stride int, bs []byte, j, p, m int, s1, s2 int) (int, E, E) {
	flag := outFlag[E]()
	b1, b2 := bs[:m], bs[p:p+m]
	for ; j < len(b1) && j < len(b2); j++ {
		v1, v2 := t[s1*stride+int(cls[b1[j]])], t[s2*stride+int(cls[b2[j]])]
		if (v1|v2)&flag != 0 {
			return j, v1, v2
		}
		s1, s2 = int(v1), int(v2)
	}
	return j, E(s1), E(s2)
}
