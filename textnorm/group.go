package textnorm

import (
	"bytes"
	"fmt"
	"sync"
)

// A Group is several Matchers (its parts) that read a text together: one
// pass over the text steps two automata at a time, so the two table
// look-ups of each byte overlap instead of following one another (the
// automaton loop is bound by the latency of its look-up, not by
// bandwidth). Each part's hits are exactly what its Match gives.
//
// A Group is immutable and safe for concurrent use.
type Group struct {
	parts []*Matcher
}

// NewGroup returns the group of ms.
func NewGroup(ms ...*Matcher) (*Group, error) {
	for i, m := range ms {
		if m == nil {
			return nil, fmt.Errorf("textnorm: NewGroup: part %d is nil", i)
		}
	}
	return &Group{parts: ms}, nil
}

// Part returns the index of m among g's parts, or -1.
func (g *Group) Part(m *Matcher) int {
	for i, p := range g.parts {
		if p == m {
			return i
		}
	}
	return -1
}

// Match appends the hits of each part p in r to dst[p] (len(dst) must be
// the number of parts), as p's Match would.
func (g *Group) Match(r *Result, dst [][]Hit) {
	var sc splitScratch
	g.match(r, dst, &sc)
}

// match is Match with scratch space for split pairs (pairSplit).
func (g *Group) match(r *Result, dst [][]Hit, sc *splitScratch) {
	ps := g.parts
	i := 0
	for ; i+1 < len(ps); i += 2 {
		dst[i], dst[i+1] = matchPair(ps[i], ps[i+1], r, dst[i], dst[i+1], sc)
	}
	if i < len(ps) {
		dst[i] = ps[i].Match(r, dst[i])
	}
}

// matchPair is a.Match(r, da) and b.Match(r, db) in one pass.
func matchPair(a, b *Matcher, r *Result, da, db []Hit, sc *splitScratch) ([]Hit, []Hit) {
	switch {
	case a.t16 != nil && b.t16 != nil:
		return pair(a, b, a.t16, b.t16, r, da, db, sc)
	case a.t16 != nil:
		return pair(a, b, a.t16, b.t32, r, da, db, sc)
	case b.t16 != nil:
		return pair(a, b, a.t32, b.t16, r, da, db, sc)
	}
	return pair(a, b, a.t32, b.t32, r, da, db, sc)
}

// pair is matchPair with the tables ta of a and tb of b. A long text is
// read as two halves at once (pairSplit, split.go).
func pair[A, B entry](a, b *Matcher, ta []A, tb []B, r *Result, da, db []Hit, sc *splitScratch) ([]Hit, []Hit) {
	bs := r.B
	if a.pow2 && b.pow2 {
		if p := splitAt(bs); p > 0 {
			return pairSplit(a, b, ta, tb, r, da, db, p, sc)
		}
	}
	na, nb := len(da), len(db)
	fa, fb := outFlag[A](), outFlag[B]()
	sa, sb := int(a.start), int(b.start)
	words, counted := 0, 0 // words = separators in bs[:counted]
	for j := 0; ; j++ {
		var va A
		var vb B
		if a.shift == rowShift && b.shift == rowShift && a.pow2 && b.pow2 {
			j, va, vb = stepPair32(ta, tb, &a.cls, &b.cls, bs, j, sa, sb)
		} else if a.pow2 && b.pow2 {
			j, va, vb = stepPair(ta, tb, &a.cls, &b.cls, a.shift, b.shift, bs, j, sa, sb)
		} else {
			j, va, vb = stepPairMul(ta, tb, &a.cls, &b.cls, a.stride, b.stride, bs, j, sa, sb)
		}
		sa, sb = int(va&^fa), int(vb&^fb)
		if j == len(bs) {
			break
		}
		words += bytes.Count(bs[counted:j], sepBytes)
		counted = j
		if va&fa != 0 {
			da = a.output(r, sa, j, words, da)
		}
		if vb&fb != 0 {
			db = b.output(r, sb, j, words, db)
		}
	}
	words += bytes.Count(bs[counted:], sepBytes)
	// the separator after the text
	if v := ta[sa*a.stride+int(a.cls[Sep])]; v&fa != 0 {
		da = a.output(r, int(v&^fa), len(bs), words, da)
	}
	if v := tb[sb*b.stride+int(b.cls[Sep])]; v&fb != 0 {
		db = b.output(r, int(v&^fb), len(bs), words, db)
	}
	sortHits(da[na:])
	sortHits(db[nb:])
	return da, db
}

// stepPair steps the automata with tables ta and tb (columns ca and cb,
// rows of 1<<sha and 1<<shb entries) from states sa and sb over bs[j:],
// until one of them takes a transition to a state with output. It returns
// the index of that byte and the two entries taken there, or len(bs) and
// the two states reached. It is the hot loop of matchPair, kept apart so
// its few variables stay in registers.
func stepPair[A, B entry](ta []A, tb []B, ca, cb *[256]uint8, sha, shb uint, bs []byte, j, sa, sb int) (int, A, B) {
	fa, fb := outFlag[A](), outFlag[B]()
	for ; j < len(bs); j++ {
		c := bs[j]
		va, vb := ta[sa<<(sha&63)|int(ca[c])], tb[sb<<(shb&63)|int(cb[c])]
		if va&fa != 0 || vb&fb != 0 {
			return j, va, vb
		}
		sa, sb = int(va), int(vb)
	}
	return j, A(sa), B(sb)
}

// stepPair32 is stepPair for two tables with rows of 1<<rowShift entries
// (see stepQuad32).
func stepPair32[A, B entry](ta []A, tb []B, ca, cb *[256]uint8, bs []byte, j, sa, sb int) (int, A, B) {
	fa, fb := outFlag[A](), outFlag[B]()
	_, _ = ca[255], cb[255] // their nil checks, out of the loop
	for ; j < len(bs); j++ {
		c := bs[j]
		va, vb := ta[sa<<rowShift|int(ca[c])], tb[sb<<rowShift|int(cb[c])]
		if va&fa != 0 || vb&fb != 0 {
			return j, va, vb
		}
		sa, sb = int(va), int(vb)
	}
	return j, A(sa), B(sb)
}

// stepPairMul is stepPair for tables whose rows are na and nb entries.
func stepPairMul[A, B entry](ta []A, tb []B, ca, cb *[256]uint8, na, nb int, bs []byte, j, sa, sb int) (int, A, B) {
	fa, fb := outFlag[A](), outFlag[B]()
	for ; j < len(bs); j++ {
		c := bs[j]
		va, vb := ta[sa*na+int(ca[c])], tb[sb*nb+int(cb[c])]
		if va&fa != 0 || vb&fb != 0 {
			return j, va, vb
		}
		sa, sb = int(va), int(vb)
	}
	return j, A(sa), B(sb)
}

// groupHits is the hits of one Group over every field of a Text, computed
// on first use.
type groupHits struct {
	g    *Group
	once sync.Once
	// hits[p*fields+i] is part p's hits in field i, in buf[p].
	hits [][]Hit
	buf  [][]Hit
	end  [][]int
	sc   splitScratch
}

// reset empties gh for use with g, keeping its buffers. The caller has
// the Text exclusively (Text.Reset).
func (gh *groupHits) reset(g *Group) {
	*gh = groupHits{g: g, hits: gh.hits[:0], buf: gh.buf, end: gh.end, sc: gh.sc}
}

// compute matches every field of t with g.
func (gh *groupHits) compute(t *Text) {
	np := len(gh.g.parts)
	for len(gh.buf) < np {
		gh.buf = append(gh.buf, nil)
		gh.end = append(gh.end, nil)
	}
	buf, end := gh.buf[:np], gh.end[:np]
	for p := range buf {
		buf[p], end[p] = buf[p][:0], end[p][:0]
	}
	for i := range t.Norm {
		gh.g.match(&t.Norm[i], buf, &gh.sc)
		for p := range buf {
			end[p] = append(end[p], len(buf[p]))
		}
	}
	for p := range buf {
		a := 0
		for _, e := range end[p] {
			gh.hits = append(gh.hits, buf[p][a:e:e])
			a = e
		}
	}
}

// Hits returns the hits of m, a part of g, in field i of t (t.Norm[i]):
// what m.Match(&t.Norm[i], nil) returns. The first call for g matches all
// of t with g's parts together; later calls, from any goroutine, share that
// work. The result is read-only. Hits panics if m is not a part of g.
func (t *Text) Hits(g *Group, m *Matcher, i int) []Hit {
	p := g.Part(m)
	if p < 0 {
		panic("textnorm: Text.Hits: matcher is not part of the group")
	}
	gh := t.group(g)
	gh.once.Do(func() { gh.compute(t) })
	return gh.hits[p*len(t.Norm)+i]
}

// group returns t's slot for g, adding one if needed.
func (t *Text) group(g *Group) *groupHits {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, gh := range t.groups[:t.ngroups] {
		if gh.g == g {
			return gh
		}
	}
	if t.ngroups == len(t.groups) {
		t.groups = append(t.groups, new(groupHits))
	}
	gh := t.groups[t.ngroups]
	gh.reset(g)
	t.ngroups++
	return gh
}
