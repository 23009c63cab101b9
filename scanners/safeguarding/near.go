package safeguarding

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/lychgate/lychgate/textnorm"
)

// The looks near anchor hits before their windows (liveAnchors), the hits
// of all terms from the gate's and gate.rest's, and the assembly of a
// field with a phrase (assembleAnchored); see gate.go.

// wordHash hashes a normalised word as the automaton reads it: "i", "l"
// and Amb alike (Matcher then tells them apart).
func wordHash(w []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range w {
		if c == 'l' || c == textnorm.Amb {
			c = 'i'
		}
		h = (h ^ uint64(c)) * 1099511628211
	}
	return h
}

// nearSum is what the first look near a hit of one gate pattern needs of
// all its phrases' neighbours together (nearMaybe): a side is free when
// some phrase anchored there needs no word of it (no neighbour, or one
// that may end or start inside a word); otherwise n words are looked at
// there, the most any of the phrases allows, for one of the words in
// gate.nearWords[lo:hi] (sorted fingerprints, nearPrint), whose
// printBits are in mask.
type nearSum struct {
	prev, next nearSide
}

type nearSide struct {
	free   bool
	n      int32
	lo, hi int32
	mask   uint64
}

// nearPrint is the fingerprint of a word hash in gate.nearWords.
func nearPrint(h uint64) uint32 { return uint32(h ^ h>>32) }

// printBit is the bit of fingerprint p in the mask of a list of them: a
// look at the mask turns most words down before the list is searched.
func printBit(p uint32) uint64 { return 1 << (p >> 26) }

// printMask is the mask of the fingerprints ws.
func printMask(ws []uint32) uint64 {
	var m uint64
	for _, p := range ws {
		m |= printBit(p)
	}
	return m
}

// buildNear fills in g.near and g.nearWords from g.patNbs; pats are the
// patterns of s.m.
func (s *Scanner) buildNear(g *gate, pats []textnorm.Pattern) {
	// the first and last words of each term's alternatives
	n := len(s.terms)
	firstW := make([][]uint32, n)
	lastW := make([][]uint32, n)
	g.firstAny, g.lastAny = make([]bool, n), make([]bool, n)
	for t := range s.terms {
		for _, pi := range s.terms[t].pats {
			text := strings.TrimSpace(pats[pi].Text)
			lead, trail := strings.HasPrefix(text, "*"), strings.HasSuffix(text, "*")
			ws := strings.Split(textnorm.String(strings.Trim(text, "*")), string(textnorm.Sep))
			one := len(ws) == 1
			if lead || trail && one {
				g.firstAny[t] = true
			}
			if trail || lead && one {
				g.lastAny[t] = true
			}
			firstW[t] = append(firstW[t], nearPrint(wordHash([]byte(ws[0]))))
			lastW[t] = append(lastW[t], nearPrint(wordHash([]byte(ws[len(ws)-1]))))
		}
	}
	flat := func(words [][]uint32) ([]int32, []uint64) {
		off, mask := make([]int32, n+1), make([]uint64, n)
		for t, ws := range words {
			off[t] = int32(len(g.nearWords))
			slices.Sort(ws)
			words[t] = slices.Compact(ws)
			g.nearWords = append(g.nearWords, words[t]...)
			mask[t] = printMask(words[t])
		}
		off[n] = int32(len(g.nearWords))
		return off, mask
	}
	g.firstOff, g.firstMask = flat(firstW)
	g.lastOff, g.lastMask = flat(lastW)
	g.near = make([]nearSum, len(g.patNbs))
	side := func(nbs []neighbours, prev bool) nearSide {
		var sd nearSide
		var ws []uint32
		for _, nb := range nbs {
			t, gap, anyW, words := nb.next, nb.nextGap, g.firstAny, firstW
			if prev {
				t, gap, anyW, words = nb.prev, nb.prevGap, g.lastAny, lastW
			}
			if t < 0 || anyW[t] {
				sd.free = true
				continue
			}
			sd.n = max(sd.n, gap+1)
			ws = append(ws, words[t]...)
		}
		if sd.free {
			return nearSide{free: true}
		}
		slices.Sort(ws)
		ws = slices.Compact(ws)
		sd.lo = int32(len(g.nearWords))
		g.nearWords = append(g.nearWords, ws...)
		sd.hi = int32(len(g.nearWords))
		sd.mask = printMask(ws)
		return sd
	}
	for gi, nbs := range g.patNbs {
		g.near[gi] = nearSum{prev: side(nbs, true), next: side(nbs, false)}
	}
}

// nearMaybe is a cheaper look than wordsNear and looser (never stricter):
// whether the words beside the gate hit h in the normalised bytes b may
// be those of the neighbours of some phrase anchored there, each side on
// its own and for all the phrases at once (nearSum). Most anchor hits
// fail it; wordsNear then only looks at those that pass.
func (s *Scanner) nearMaybe(b []byte, h textnorm.Hit) bool {
	g := &s.gate
	ns := &g.near[h.Pattern]
	if !ns.prev.free && !wordsBefore(b, int(h.Start), int(ns.prev.n), g.nearWords[ns.prev.lo:ns.prev.hi], ns.prev.mask) {
		return false
	}
	return ns.next.free || wordsAfter(b, int(h.End), int(ns.next.n), g.nearWords[ns.next.lo:ns.next.hi], ns.next.mask)
}

// hasPrint reports whether the fingerprint of word w is in ws (sorted),
// whose mask (printMask) is mask.
func hasPrint(ws []uint32, mask uint64, w []byte) bool {
	p := nearPrint(wordHash(w))
	if mask&printBit(p) == 0 {
		return false
	}
	if len(ws) <= 8 {
		for _, x := range ws {
			if x == p {
				return true
			}
		}
		return false
	}
	_, ok := slices.BinarySearch(ws, p)
	return ok
}

// wordsBefore reports whether one of the n words before the word holding
// b[start] has its fingerprint in ws (sorted, of mask mask).
func wordsBefore(b []byte, start, n int, ws []uint32, mask uint64) bool {
	i := start
	for i > 0 && b[i-1] != textnorm.Sep {
		i--
	}
	for ; n > 0 && i > 0; n-- {
		e := i - 1 // the separator before the word at i
		i = e
		for i > 0 && b[i-1] != textnorm.Sep {
			i--
		}
		if hasPrint(ws, mask, b[i:e]) {
			return true
		}
	}
	return false
}

// wordsAfter reports whether one of the n words after the word holding
// b[end-1] has its fingerprint in ws (sorted, of mask mask).
func wordsAfter(b []byte, end, n int, ws []uint32, mask uint64) bool {
	i := end
	for i < len(b) && b[i] != textnorm.Sep {
		i++
	}
	for ; n > 0 && i < len(b); n-- {
		i++ // the separator
		w := i
		for i < len(b) && b[i] != textnorm.Sep {
			i++
		}
		if hasPrint(ws, mask, b[w:i]) {
			return true
		}
	}
	return false
}

// wordsNear reports whether some phrase anchored on a term of the gate
// hit h in the normalised bytes b may have, next to h, the terms beside
// its anchor, judged by the words alone: a hit of the term before ends
// with one of the prevGap+1 words before h's first, whole, so that word
// is the last word of one of its alternatives (unless an alternative may
// end inside a word, lastAny), and likewise after h. It is looser than
// neighboured (runs, "i" against "l", negations and fingerprints shared
// aside), never stricter: an anchor it turns down is not live.
func (s *Scanner) wordsNear(b []byte, h textnorm.Hit, long bool) bool {
	g := &s.gate
	for i := range g.patNbs[h.Pattern] {
		nb := &g.patNbs[h.Pattern][i]
		if long && nb.alone {
			continue
		}
		if nb.prev >= 0 && !g.lastAny[nb.prev] && !wordsBefore(b, int(h.Start), int(nb.prevGap)+1, g.termWords(g.lastOff, nb.prev), g.lastMask[nb.prev]) {
			continue
		}
		if nb.next >= 0 && !g.firstAny[nb.next] && !wordsAfter(b, int(h.End), int(nb.nextGap)+1, g.termWords(g.firstOff, nb.next), g.firstMask[nb.next]) {
			continue
		}
		return true
	}
	return false
}

// termWords returns the fingerprints of term t's first (off is
// g.firstOff) or last (g.lastOff) words, sorted.
func (g *gate) termWords(off []int32, t int) []uint32 {
	return g.nearWords[off[t]:off[t+1]]
}

// hitsIn appends to dst the hits of all terms (of Scanner.m) in the
// windows ws (in order, apart), in text order; whole are all the gate's
// hits in res.
func (s *Scanner) hitsIn(res *textnorm.Result, st *state, ws []window, whole, dst []textnorm.Hit) []textnorm.Hit {
	g := &s.gate
	k := 0 // whole[:k] end before the window
	for _, w := range ws {
		// The gate's hits inside the window: those Scanner.m.MatchRange
		// gives of the gate's patterns (whole is in text order, by end).
		for k < len(whole) && int(whole[k].End) <= w.lo {
			k++
		}
		in := st.gateIn[:0]
		for _, h := range whole[k:] {
			if int(h.End) > w.hi {
				break
			}
			if int(h.Start) >= w.lo {
				h.Pattern = g.pat[h.Pattern]
				in = append(in, h)
			}
		}
		st.gateIn = in
		if g.rest == nil {
			dst = append(dst, in...)
			continue
		}
		st.restHits = g.rest.MatchRange(res, w.lo, w.hi, w.words, st.restHits[:0])
		dst = mergeHits(dst, in, st.restHits, g.restPat)
	}
	return dst
}

// liveAnchors returns, in st.live, the hits among anchors (the gate's
// hits in res, whole all of them) next to which some phrase anchored on
// the hit's term may lie: one whose terms next to the anchor have hits
// within their gaps of the hit (negations aside). A phrase hit's anchor
// hit is such a hit, its neighbours in the phrase hit being those hits,
// so looking near the live anchors alone finds every phrase that looking
// near all of them finds. The neighbours are found by matching all terms
// in the few words next to each anchor hit (left1, right1), not in the
// whole window a phrase may need (left, right), and only next to the
// hits whose neighbouring words may be those terms' (wordsNear, which
// needs no automaton). With long set, phrases
// tagged TagAlone are left out (match).
func (s *Scanner) liveAnchors(res *textnorm.Result, st *state, anchors, whole []textnorm.Hit, long bool) []textnorm.Hit {
	g := &s.gate
	live := st.live[:0]
	for _, h := range anchors {
		if s.nearMaybe(res.B, h) && s.wordsNear(res.B, h, long) {
			live = append(live, h)
		}
	}
	if len(live) == 0 {
		st.live = live
		return live
	}
	st.wins = st.wins[:0]
	for _, h := range live {
		st.wins = append(st.wins, around(res.B, h, g.left1[h.Pattern], g.right1[h.Pattern]))
	}
	near := s.hitsIn(res, st, mergeWindows(st.wins), whole, st.near[:0])
	st.near = near
	n := 0
	for _, h := range live {
		if s.neighboured(near, h, long) {
			live[n] = h
			n++
		}
	}
	live = live[:n]
	st.live = live
	return live
}

// neighboured reports whether some phrase anchored on a term of the gate
// hit h has, among the term hits near (in text order, holding all those
// in the words left1 and right1 of h), hits of the terms next to its
// anchor within their gaps of h: one whose last word is at most prevGap
// words before h's first, one whose first word is at most nextGap words
// after h's last (as nextTerm allows them).
func (s *Scanner) neighboured(near []textnorm.Hit, h textnorm.Hit, long bool) bool {
	g := &s.gate
	from := h.StartWord - int32(g.left1[h.Pattern])
	lo, _ := slices.BinarySearchFunc(near, from, func(x textnorm.Hit, w int32) int { return cmp.Compare(x.EndWord, w) })
	to := h.EndWord + int32(g.right1[h.Pattern])
	hi := lo
	for hi < len(near) && near[hi].EndWord <= to {
		hi++
	}
	near = near[lo:hi]
	for i := range g.patNbs[h.Pattern] {
		nb := &g.patNbs[h.Pattern][i]
		if long && nb.alone {
			continue
		}
		if nb.prev >= 0 && !s.hasPrev(near, h, nb) {
			continue
		}
		if nb.next >= 0 && !s.hasNext(near, h, nb) {
			continue
		}
		return true
	}
	return false
}

// hasPrev reports whether near holds a hit of nb.prev that ends at most
// nb.prevGap words before h starts.
func (s *Scanner) hasPrev(near []textnorm.Hit, h textnorm.Hit, nb *neighbours) bool {
	for _, x := range near {
		if x.EndWord < h.StartWord && h.StartWord <= x.EndWord+1+nb.prevGap && s.isAlt(nb.prev, x.Pattern) {
			return true
		}
	}
	return false
}

// hasNext reports whether near holds a hit of nb.next that starts at most
// nb.nextGap words after h ends.
func (s *Scanner) hasNext(near []textnorm.Hit, h textnorm.Hit, nb *neighbours) bool {
	for _, x := range near {
		if x.StartWord > h.EndWord && x.StartWord <= h.EndWord+1+nb.nextGap && s.isAlt(nb.next, x.Pattern) {
			return true
		}
	}
	return false
}

// isAlt reports whether pattern pi is an alternative of term t.
func (s *Scanner) isAlt(t int, pi int32) bool {
	_, ok := slices.BinarySearch(s.gate.alts[t], pi)
	return ok
}

// allHits returns in dst the hits of Scanner.m in res, given whole, the
// gate's hits there: the gate's and those of g.rest merged in text order.
func (s *Scanner) allHits(res *textnorm.Result, st *state, whole, dst []textnorm.Hit) []textnorm.Hit {
	g := &s.gate
	in := st.gateIn[:0]
	for _, h := range whole {
		h.Pattern = g.pat[h.Pattern]
		in = append(in, h)
	}
	st.gateIn = in
	if g.rest == nil {
		return append(dst, in...)
	}
	st.restHits = g.rest.Match(res, st.restHits[:0])
	return mergeHits(dst, in, st.restHits, g.restPat)
}

// mergeHits appends to dst the hits a (patterns of Scanner.m) and b
// (patterns of g.rest, renamed by bPat) merged in text order: by end,
// start and pattern, as Match gives them. Both are in that order, and
// bPat is increasing, so renaming keeps b's order.
func mergeHits(dst, a, b []textnorm.Hit, bPat []int32) []textnorm.Hit {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		h := b[j]
		h.Pattern = bPat[h.Pattern]
		if hitBefore(a[i], h) {
			dst = append(dst, a[i])
			i++
			continue
		}
		dst = append(dst, h)
		j++
	}
	dst = append(dst, a[i:]...)
	for _, h := range b[j:] {
		h.Pattern = bPat[h.Pattern]
		dst = append(dst, h)
	}
	return dst
}

// markNeeded marks the anchors of the gate hits that have phrases to look
// at (anchorSeen) and the terms those phrases need (termNeeded), lists
// both in st.needList and the terms in st.needTerms, and returns the
// phrases by anchor it looked at: with long set, those not tagged
// TagAlone. The caller clears the marks of st.needList.
func (s *Scanner) markNeeded(st *state, hits []textnorm.Hit, long bool) [][]int {
	g := &s.gate
	anchored, needs := g.anchored, g.need
	if long {
		anchored, needs = g.notAlone, g.notAloneNeed
	}
	need := st.need
	for _, h := range hits {
		for _, a := range g.anchors[h.Pattern] {
			if need[a]&anchorSeen != 0 || len(anchored[a]) == 0 {
				continue
			}
			need[a] |= anchorSeen
			st.needList = append(st.needList, a)
			for _, t := range needs[a] {
				if need[t]&termNeeded == 0 {
					need[t] |= termNeeded
					st.needList = append(st.needList, t)
					st.needTerms = append(st.needTerms, t)
				}
			}
		}
	}
	return anchored
}

// assembleAnchored is assemble over st.hits, the hits of all terms in
// res, that looks only at the phrases anchored on a term of a live gate
// hit (live, as liveAnchors gives them with the same long): the others
// have no hits. With long set it leaves out the phrases tagged TagAlone
// (match). It sorts out the hits of only those
// phrases' terms (termsNear), not of every term a hit belongs to ("you"
// is a term of hundreds of phrases), and tries the phrases in
// assemble's order: by the first hit of their first term (by end, start
// and pattern, then as the pattern's terms are listed), then as the
// term's phrases are listed. So st.phits is what assemble gives.
func (s *Scanner) assembleAnchored(ctx context.Context, res *textnorm.Result, st *state, live []textnorm.Hit, long bool) error {
	g := &s.gate
	need := st.need
	st.phits = st.phits[:0]
	defer func() {
		for _, t := range st.needList {
			need[t] = 0
		}
		st.needList, st.needTerms, st.firsts = st.needList[:0], st.needTerms[:0], st.firsts[:0]
	}()
	anchored := s.markNeeded(st, live, long)
	if err := s.termsNear(ctx, st, st.needTerms); err != nil {
		return err
	}
	for _, a := range st.needList {
		if need[a]&anchorSeen == 0 {
			continue
		}
		for _, pi := range anchored[a] {
			f := int32(s.phrases[pi].terms[0])
			if need[f]&firstListed == 0 && st.cnt[f] > 0 {
				need[f] |= firstListed
				st.firsts = append(st.firsts, f)
			}
		}
	}
	// assemble's order of the first terms: termsOf's, by first hit.
	for _, f := range st.firsts {
		s.termHits(st, int(f)) // merged, so that st.off[f] holds its first hit
	}
	slices.SortFunc(st.firsts, func(a, b int32) int {
		ha, hb := st.flat[st.off[a]], st.flat[st.off[b]]
		if c := cmp.Compare(ha.End, hb.End); c != 0 {
			return c
		}
		if c := cmp.Compare(ha.Start, hb.Start); c != 0 {
			return c
		}
		if c := cmp.Compare(ha.Pattern, hb.Pattern); c != 0 {
			return c
		}
		ts := s.ptList[s.ptOff[ha.Pattern]:s.ptOff[ha.Pattern+1]]
		return cmp.Compare(slices.Index(ts, a), slices.Index(ts, b))
	})
	for _, f := range st.firsts {
		for _, pi := range s.terms[f].phrasesFirst {
			if need[g.anchorOf[pi]]&anchorSeen == 0 || long && s.phrases[pi].tag == TagAlone {
				continue // not anchored on a live gate hit's term: no hits
			}
			h, ok, err := s.phraseAt(ctx, res, st, pi)
			if err != nil {
				return err
			}
			if ok {
				st.phits = append(st.phits, h)
			}
		}
	}
	return nil
}
