package safeguarding

import (
	"cmp"
	"slices"
	"strings"

	"github.com/lychgate/lychgate/textnorm"
)

// The gate keeps common words ("you", "me", "your") from costing a term hit
// each time they occur. Every phrase has an anchor: the term of the phrase
// least likely to occur in ordinary mail (anchorIndex). A small automaton
// holds only the anchor terms; around each anchor hit, a window of words
// wide enough for every phrase anchored there is matched against all terms,
// and only whether a phrase anchored on an anchor found there occurs is
// asked of those hits (anyPhrase: only the terms of those phrases are
// sorted out, and the search stops at the first phrase). Only when one
// does (rare) is the whole text matched and assembled as before, so the
// phrase hits and their order are always those of the whole text.
//
// In the scanner (not MatchText), a field too long for any hit of a
// TagAlone phrase to count (aloneSpan) leaves those phrases out of the
// search near anchors, since the findings would drop them: a field whose
// only phrases are such insults is not matched whole.
//
// That gives exactly the phrase hits of matching the whole text: a phrase
// hit (from its first term hit h1 on) lies within the window of its anchor
// term hit, and so do all the term hits that the assembly looks at on the
// way (those that start within a gap of the previous term), so the assembly
// over the window hits finds it too; and the window hits are hits of the
// whole text.
//
// Most anchor hits have no phrase by them, so before the windows two
// cheaper looks drop most of them (liveAnchors): the words beside the hit
// must be able to be those of the terms next to the anchor in one of its
// phrases (wordsNear, no automaton), and then those terms must have hits
// there (neighboured, all terms matched in a few words). A phrase hit's
// anchor hit passes both, so the windows of the rest are enough. The hits
// of all terms, in a window or in a whole field, are the gate's own hits
// there merged with those of a small automaton of the other terms
// (gate.rest): the automaton of all terms never runs. A field with a
// phrase is assembled from the phrases anchored on its live anchor hits
// only (assembleAnchored), in assemble's order. The differential tests
// (differential_test.go, reference_test.go, gate_diff_test.go) check all
// of this against matching the whole text.

// gate is the anchor automaton and, per pattern of it, the window around
// its hits: words to the left of the hit's first word and to the right of
// its last.
type gate struct {
	ok          bool // false: match the whole text always
	m           *textnorm.Matcher
	left, right []int
	// anchored[t] are the phrases anchored on term t, and need[t] the
	// terms of those phrases (each once).
	anchored [][]int
	need     [][]int32
	// anchorOf[pi] is the term phrase pi is anchored on.
	anchorOf []int
	// anchors[gi] are the anchor terms among the terms of the gate's
	// pattern gi.
	anchors [][]int32
	// notAlone[t] are the phrases of anchored[t] not tagged TagAlone, the
	// only ones that can count in a field too long for those (aloneSpan);
	// notAloneNeed[t] are their terms (each once), and notAloneGate[gi]
	// whether the gate's pattern gi is a term that anchors some of them.
	notAlone     [][]int
	notAloneNeed [][]int32
	notAloneGate []bool
	// aloneWords bounds the words of a hit of a TagAlone phrase
	// (aloneSpan); 0 when the lexicon has none.
	aloneWords int
	// pat[gi] is the gate's pattern gi as a pattern of Scanner.m.
	pat []int32
	// rest is the automaton of the patterns of Scanner.m not in the gate
	// (nil when there are none), restPat[ri] its pattern ri as one of
	// Scanner.m. The hits of Scanner.m in a text are the gate's and
	// rest's together (allHits): the big automaton of all terms is never
	// run, only the gate's, which the scanner runs anyway, and the
	// small one of the rest.
	rest    *textnorm.Matcher
	restPat []int32
	// The first look near each anchor hit (liveAnchors): patNbs[gi] are
	// the phrases anchored on the terms of the gate's pattern gi, with
	// the terms next to the anchor; left1[gi] and right1[gi] the words
	// around a hit of pattern gi that hold those neighbours; alts[t] the
	// patterns of term t, sorted.
	patNbs        [][]neighbours
	left1, right1 []int
	alts          [][]int32
	// Before that, a look at the words themselves (wordsNear): the
	// fingerprints (nearPrint of wordHash) of the first and of the last
	// word of each of term t's alternatives are termWords(firstOff, t)
	// and termWords(lastOff, t), of masks firstMask[t] and lastMask[t]
	// (printMask; a fingerprint found means "maybe");
	// firstAny[t] (lastAny[t]) is set when an alternative's first (last)
	// word may be part of a text word ("*"), which the look then takes as
	// found.
	firstOff, lastOff   []int32
	firstMask, lastMask []uint64
	firstAny, lastAny   []bool
	// And before that, the same look for all the phrases of a gate
	// pattern at once (nearMaybe): near[gi] for the gate's pattern gi.
	// All the fingerprints are in nearWords.
	near      []nearSum
	nearWords []uint32
}

// neighbours is one phrase anchored on a term, and the terms before and
// after the anchor in it (-1 at either end) with the gaps allowed.
type neighbours struct {
	phrase           int
	prev, next       int
	prevGap, nextGap int32
	alone            bool // the phrase is tagged TagAlone
}

// window is a range [lo, hi) of normalised bytes at word boundaries;
// words is the number of separators before lo.
type window struct {
	lo, hi, words int
}

// buildGate chooses the anchors and compiles the gate automaton; pats are
// the patterns of s.m.
func (s *Scanner) buildGate(pats []textnorm.Pattern) error {
	maxW := make([]int, len(s.terms)) // most words in one alternative
	for t := range s.terms {
		for _, pi := range s.terms[t].pats {
			w := s.m.Words(pi)
			if w > maxTermWords+1 {
				// nextTerm's early stop might skip a hit: keep it exact
				return nil
			}
			maxW[t] = max(maxW[t], w)
		}
	}
	left := make([]int, len(s.terms))
	right := make([]int, len(s.terms))
	left1 := make([]int, len(s.terms))
	right1 := make([]int, len(s.terms))
	nbs := make([][]neighbours, len(s.terms))
	anchor := make([]bool, len(s.terms))
	anchored := make([][]int, len(s.terms))
	for i := range s.phrases {
		p := &s.phrases[i]
		k := s.anchorIndex(p, pats)
		t := p.terms[k]
		anchor[t] = true
		anchored[t] = append(anchored[t], i)
		l, r := extents(p, k, maxW)
		left[t], right[t] = max(left[t], l), max(right[t], r)
		nb := neighbours{phrase: i, prev: -1, next: -1, alone: p.tag == TagAlone}
		if k > 0 {
			nb.prev, nb.prevGap = p.terms[k-1], int32(p.gaps[k])
			left1[t] = max(left1[t], maxW[nb.prev]+p.gaps[k])
		}
		if k+1 < len(p.terms) {
			nb.next, nb.nextGap = p.terms[k+1], int32(p.gaps[k+1])
			right1[t] = max(right1[t], p.gaps[k+1]+maxW[nb.next])
		}
		nbs[t] = append(nbs[t], nb)
	}
	var gp, rest []textnorm.Pattern
	g := gate{ok: true, anchored: anchored, anchorOf: make([]int, len(s.phrases))}
	for t, ps := range anchored {
		for _, pi := range ps {
			g.anchorOf[pi] = t
		}
	}
	for pi, ts := range s.patTerms {
		l, r, l1, r1, in := 0, 0, 0, 0, false
		for _, t := range ts {
			if anchor[t] {
				l, r, in = max(l, left[t]), max(r, right[t]), true
				l1, r1 = max(l1, left1[t]), max(r1, right1[t])
			}
		}
		if !in {
			rest = append(rest, pats[pi])
			g.restPat = append(g.restPat, int32(pi))
			continue
		}
		{
			g.pat = append(g.pat, int32(pi))
			gp = append(gp, pats[pi])
			g.left = append(g.left, l)
			g.right = append(g.right, r)
			g.left1 = append(g.left1, l1)
			g.right1 = append(g.right1, r1)
			var as []int32
			for _, t := range ts {
				if anchor[t] {
					as = append(as, int32(t))
				}
			}
			g.anchors = append(g.anchors, as)
		}
	}
	g.patNbs = make([][]neighbours, len(g.anchors))
	for gi, as := range g.anchors {
		for _, a := range as {
			g.patNbs[gi] = append(g.patNbs[gi], nbs[a]...)
		}
	}
	s.buildNear(&g, pats)
	g.alts = make([][]int32, len(s.terms))
	for t := range s.terms {
		for _, pi := range s.terms[t].pats {
			g.alts[t] = append(g.alts[t], int32(pi))
		}
		slices.Sort(g.alts[t])
	}
	g.need = make([][]int32, len(s.terms))
	for t, ps := range anchored {
		for _, pi := range ps {
			for _, u := range s.phrases[pi].terms {
				if !slices.Contains(g.need[t], int32(u)) {
					g.need[t] = append(g.need[t], int32(u))
				}
			}
		}
	}
	m, err := textnorm.Compile(gp)
	if err != nil {
		return err
	}
	g.m = m
	if len(rest) > 0 {
		if g.rest, err = textnorm.Compile(rest); err != nil {
			return err
		}
	}
	s.buildAlone(&g, maxW)
	s.gate = g
	return nil
}

// buildAlone sorts out what leaving TagAlone phrases out needs
// (aloneSpan, Scanner.match).
func (s *Scanner) buildAlone(g *gate, maxW []int) {
	g.notAlone = make([][]int, len(s.terms))
	g.notAloneNeed = make([][]int32, len(s.terms))
	for t, ps := range g.anchored {
		for _, pi := range ps {
			if s.phrases[pi].tag == TagAlone {
				continue
			}
			g.notAlone[t] = append(g.notAlone[t], pi)
			for _, u := range s.phrases[pi].terms {
				if !slices.Contains(g.notAloneNeed[t], int32(u)) {
					g.notAloneNeed[t] = append(g.notAloneNeed[t], int32(u))
				}
			}
		}
	}
	g.notAloneGate = make([]bool, len(g.anchors))
	for gi, as := range g.anchors {
		for _, a := range as {
			if len(g.notAlone[a]) > 0 {
				g.notAloneGate[gi] = true
			}
		}
	}
	for i := range s.phrases {
		p := &s.phrases[i]
		if p.tag != TagAlone {
			continue
		}
		// the words of a hit: each term's most, and the gap before it
		w := 0
		for k, t := range p.terms {
			w += maxW[t] + p.gaps[k]
		}
		g.aloneWords = max(g.aloneWords, w)
	}
}

// notAloneAnchors returns the hits among anchors (the gate's hits) of
// terms that anchor some phrase not tagged TagAlone, in st.anchors.
func (s *Scanner) notAloneAnchors(st *state, anchors []textnorm.Hit) []textnorm.Hit {
	out := st.anchors[:0]
	for _, h := range anchors {
		if s.gate.notAloneGate[h.Pattern] {
			out = append(out, h)
		}
	}
	st.anchors = out
	return out
}

// aloneSpan reports whether no hit of a TagAlone phrase in the field text,
// normalised as res, can count: alone (context.go) drops a hit when more
// than aloneBytes of text lie outside it, so one that counts starts at or
// before byte aloneBytes and ends at or after len(text)-aloneBytes. Such a
// hit holds every normalised byte from the first that starts after
// aloneBytes up to the first that ends at or after len(text)-aloneBytes
// (Start and End are non-decreasing); when those bytes hold
// gate.aloneWords separators or more, more than a hit of any TagAlone
// phrase can, there is none. It searches res.Start and reads a few words.
func (s *Scanner) aloneSpan(text string, res *textnorm.Result) bool {
	n := s.gate.aloneWords
	if n == 0 || len(text) <= 2*aloneBytes {
		return false
	}
	tail := int32(len(text) - aloneBytes)
	// Start and End are non-decreasing (the textnorm reference tests
	// check it): the bytes that start at or before aloneBytes are
	// res.B[:i], and one of them ends at or after tail when the last does.
	i, _ := slices.BinarySearch(res.Start, aloneBytes+1)
	if i > 0 && res.End[i-1] >= tail {
		return false // one byte from the start to the end (a long run)
	}
	for seps := 0; i < len(res.B); i++ {
		if res.B[i] == textnorm.Sep {
			if seps++; seps >= n {
				// every byte up to this one ends before tail when it does
				return res.End[i] < tail
			}
		}
	}
	return false
}

// extents returns how many words a match of p can reach to the left of the
// first word of its k-th term's hit and to the right of its last word.
func extents(p *phrase, k int, maxW []int) (left, right int) {
	for j := 0; j < k; j++ {
		left += maxW[p.terms[j]] + p.gaps[j+1]
	}
	for j := k + 1; j < len(p.terms); j++ {
		right += p.gaps[j] + maxW[p.terms[j]]
	}
	return left, right
}

// anchorIndex returns the index in p.terms of the term to anchor p on: the
// one whose alternatives are rarest by termCost (the first of equals).
func (s *Scanner) anchorIndex(p *phrase, pats []textnorm.Pattern) int {
	best, bestCost := 0, -1
	for k, t := range p.terms {
		c := 0
		for _, pi := range s.terms[t].pats {
			c += altCost(pats[pi].Text)
		}
		if bestCost < 0 || c < bestCost {
			best, bestCost = k, c
		}
	}
	return best
}

// altCost estimates how common a term alternative is in ordinary mail: as
// common as its rarest word, and, for several words, rarer than that
// (a sixteenth per further word: "to end it" is far rarer than "end").
// The estimate only picks anchors, which changes the work, never the hits.
func altCost(alt string) int {
	star := strings.HasSuffix(alt, "*")
	c, n := -1, 0
	for _, w := range strings.Fields(textnorm.String(strings.TrimSuffix(alt, "*"))) {
		wc := 16 * wordCost(w)
		if c < 0 || wc < c {
			c = wc
		}
		n++
	}
	// Words together are rarer than the rarest of them alone.
	for ; n > 1 && c > 16; n-- {
		c /= 16
	}
	if star {
		c += 16 * 5 // "cut*" also matches cute, cuts, cutting...
	}
	return c
}

func wordCost(w string) int {
	switch {
	case commonWords[w] > 0:
		return commonWords[w]
	case len(w) <= 2:
		return 30
	case len(w) == 3:
		return 10
	}
	return 3
}

// commonWords are frequent words of English mail, normalised (textnorm),
// with a cost: never good anchors.
var commonWords = func() map[string]int {
	m := map[string]int{}
	add := func(cost int, words string) {
		for _, w := range strings.Fields(words) {
			w = textnorm.String(w) // "too" is "to"
			m[w] = max(m[w], cost)
		}
	}
	add(1000, `a about all an and are as at be but by can do for from get go
		have he i if in is it its me my no not of on or our so that the them
		they this to up us was we what will with you your`)
	add(100, `after again also am any been before being cant come could day
		did does dont down each even every first give going good got had has
		her here him his how im into just know last let life like little ll
		look made make many may more most much must need new now off one
		only other out over people please put re said say see she should
		some still such take tell than their then there these thing think
		those through time too two use very want way well were when where
		which while who why would year yours back better call find help home
		keep long mail message next number place right send sent show same
		under end love money free list best world live great thanks email
		support point around between nothing anyone words links`)
	return m
}()

// matchNearAnchors appends to dst the hits of all terms (of Scanner.m)
// in the windows around anchors, the anchor hits (of s.gate.m) in res, in
// text order; whole are all the gate's hits in res, anchors among them.
func (s *Scanner) matchNearAnchors(res *textnorm.Result, st *state, anchors, whole, dst []textnorm.Hit) []textnorm.Hit {
	g := &s.gate
	if len(anchors) == 0 {
		return dst
	}
	st.wins = st.wins[:0]
	for _, h := range anchors {
		st.wins = append(st.wins, around(res.B, h, g.left[h.Pattern], g.right[h.Pattern]))
	}
	return s.hitsIn(res, st, mergeWindows(st.wins), whole, dst)
}

// around returns the window from left words before hit h to right words
// after it, in the normalised bytes b.
func around(b []byte, h textnorm.Hit, left, right int) window {
	w := window{lo: int(h.Start), hi: int(h.End), words: int(h.StartWord)}
	for n := 0; w.lo > 0; w.lo-- {
		if b[w.lo-1] == textnorm.Sep {
			if n == left {
				break
			}
			n++
			w.words--
		}
	}
	for n := 0; w.hi < len(b); w.hi++ {
		if b[w.hi] == textnorm.Sep {
			if n == right {
				break
			}
			n++
		}
	}
	return w
}

// mergeWindows sorts ws by start and merges those that overlap. (They are
// nearly sorted, but an insertion sort is quadratic on a hostile text.)
func mergeWindows(ws []window) []window {
	slices.SortFunc(ws, func(a, b window) int { return cmp.Compare(a.lo, b.lo) })
	out := ws[:0]
	for _, w := range ws {
		if n := len(out); n > 0 && w.lo < out[n-1].hi {
			out[n-1].hi = max(out[n-1].hi, w.hi)
			continue
		}
		out = append(out, w)
	}
	return out
}
