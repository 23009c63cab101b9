// Package safeguarding is the safeguarding scanner: phrase lexicons for
// suicide and self-harm, bullying, grooming, sexual content, abuse
// disclosures, radicalisation and extremism, weapons and threats of violence,
// and drugs, matched over the normalised text (package textnorm) of the
// subject, display names and every text part.
//
// Lexicons are embedded files (lexicon/<topic>.txt, format in
// lexicon/README.md). Phrases match with small gaps: "don't tell your mum"
// also matches "dont you tell ur mum". All terms of all topics are found in
// one Aho–Corasick pass; phrases are then assembled from term hits by word
// position.
//
// Each topic is one rule, "safeguarding_<topic>" (stable ids:
// safeguarding_self_harm, safeguarding_bullying, safeguarding_grooming,
// safeguarding_sexual, safeguarding_abuse, safeguarding_extremism,
// safeguarding_weapons, safeguarding_drugs), category safeguarding, except
// child sexual abuse material terms: rule illegal_child_abuse_material,
// category illegal, severity critical.
//
// Each finding has a base severity, the one it has before any weighting by
// who writes to whom (the scanner does not read the envelope's groups or
// directions; package policy weighs findings per recipient). It is the
// highest severity among the phrases that matched (lexicon severities are
// written for mail between adults: ambiguous or third-person phrases such
// as "suicide", "can't go on", "been abused" are low), then:
//   - hyperbole ("this homework is killing me", "I nearly died laughing"):
//     a hit that overlaps a hyperbole phrase does not count towards the
//     severity; a topic whose every hit is hyperbole is low;
//   - negation: a phrase whose gap holds "not", "never" or "no" ("I will
//     not kill you") does not match;
//   - grooming: two or more kinds of signal together (secrecy, image
//     request, meeting, flattery about maturity, gifts) make it at least
//     high.
//
// Tags (Finding.Tags), stable:
//
//	hyperbole        every hit of the topic overlapped a hyperbole phrase
//	                 (the finding is low and should not be raised)
//	secrecy, image,  grooming only: the kinds of grooming signal that
//	meet, flattery,  matched ("don't tell your mum", "send me a pic",
//	gift             "meet me after school", "so mature for your age",
//	                 "I'll buy you ...")
//	several_signals  grooming only: two or more of those kinds
//
// Explanations name the topic and quote the lexicon words that matched
// (for each term of a phrase, the alternative found), never the lexicon's
// phrase syntax and never the message's own text, which is evidence.
//
// Bounded work: phrases are assembled per field from term hits, so each
// phrase counts at most once per field; the context is checked between
// fields and every few thousand term hits; evidence is capped per finding
// (Options.MaxEvidence); the score is severity × min(count, ScoreCap).
package safeguarding

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/textnorm"
)

//go:embed lexicon/*.txt
var lexFS embed.FS

// Name is the scanner's stable id.
const Name = "safeguarding"

// The tags of findings (see the package doc).
const (
	TagHyperbole      = "hyperbole"
	TagSeveralSignals = "several_signals"
)

// GroomingSignals are the kinds of grooming signal, in tag order.
var GroomingSignals = []string{"secrecy", "image", "meet", "flattery", "gift"}

// ScoreCap is the most phrase matches of one topic that count towards a
// finding's score.
const ScoreCap = 10

// ctxEvery is how many term hits are handled between two checks of the
// context.
const ctxEvery = 4096

// Options configures a Scanner. The zero value uses the embedded lexicons.
type Options struct {
	// Extra are additional lexicon lines per topic, in the lexicon format
	// ("<severity> <tag> <phrase>"); a new topic makes a new rule.
	Extra map[string][]string
	// DisableTopics turns off whole topics (e.g. "drugs").
	DisableTopics []string
	// MaxGap is the most words allowed between two terms of a phrase
	// (default 1; "..." in a phrase allows 4).
	MaxGap int
	// MaxEvidence is the most evidence items per finding (default 20).
	MaxEvidence int
	// School, when set, is the school whose lexicon this is: every finding
	// carries it (Finding.School).
	School string
}

type phrase struct {
	topic int
	sev   scanners.Severity
	tag   string
	terms []int // term ids
	gaps  []int // gap before term k (k >= 1)
	text  string
}

type term struct {
	phrasesFirst []int // phrases whose first term this is
	pats         []int // its alternatives, as patterns of Scanner.m
}

// Scanner is the safeguarding scanner. It is safe for concurrent use.
type Scanner struct {
	topics   []string
	phrases  []phrase
	terms    []term
	patTerms [][]int // pattern → terms
	// patTerms laid out flat for termsOf: pattern pi's terms are
	// ptList[ptOff[pi]:ptOff[pi+1]].
	ptOff, ptList []int32
	// The terms' patterns laid out flat for termsNear: term t's are
	// tpList[tpOff[t]:tpOff[t+1]], as terms[t].pats.
	tpOff, tpList []int32
	patText       []string // pattern → its words, for explanations
	m             *textnorm.Matcher
	gate          gate
	maxEv         int
	school        string
	pool          *sync.Pool
	texts         *sync.Pool // *textnorm.Text for Scan
	// group, when set, holds whole(): ScanText takes its hits from it.
	group *textnorm.Group
}

type state struct {
	n    *textnorm.Normalizer
	hits []textnorm.Hit
	// The hits of each term, in text order: those of term t are
	// flat[off[t]:off[t]+cnt[t]] (one array for all terms, filled in two
	// passes, rather than a slice per term: far fewer cache misses).
	flat     []textnorm.Hit
	off, cnt []int32
	touched  []int // terms with cnt > 0, in order of their first hit
	// need flags terms for anyPhrase (termNeeded, anchorSeen); needList
	// are those flagged, to clear them.
	need                []uint8
	needList, needTerms []int32
	firsts              []int32 // assembleAnchored
	// Hits by pattern (termsNear): pattern p's are
	// flat[poff[p]:poff[p]+pcnt[p]]; pats lists those with hits.
	pcnt, poff []int32
	pats       []int32
	cur        []int32 // merge cursors of termsNear
	phits      []phraseHit
	whole      []textnorm.Hit // hits of s.whole(), when st matches them
	// gateIn and restHits are the hits of the gate and of gate.rest in
	// one window (matchNearAnchors) or text (allHits).
	gateIn, restHits []textnorm.Hit
	anchors          []textnorm.Hit // notAloneAnchors
	near, live       []textnorm.Hit // liveAnchors
	wins             []window
}

type phraseHit struct {
	phrase     int
	start, end int // normalised bytes
	sw, ew     int // words
	// alts are the patterns (term alternatives) that matched the phrase's
	// first maxAlts terms, for the explanation.
	alts [maxAlts]int32
}

// Flags of state.need.
const (
	termNeeded uint8 = 1 << iota
	anchorSeen
	firstListed // assembleAnchored: the term is in st.firsts
)

// maxAlts is how many terms of a phrase hit remember their alternative
// (the embedded lexicons have at most 8 terms a phrase).
const maxAlts = 8

// Lexicon returns the embedded lexicon of topic (the file's lines).
func Lexicon(topic string) ([]string, error) {
	b, err := lexFS.ReadFile(path.Join("lexicon", topic+".txt"))
	if err != nil {
		return nil, err
	}
	return strings.Split(string(b), "\n"), nil
}

// Topics returns the embedded topics.
func Topics() []string {
	files, _ := fs.Glob(lexFS, "lexicon/*.txt")
	var out []string
	for _, f := range files {
		out = append(out, strings.TrimSuffix(path.Base(f), ".txt"))
	}
	return out
}

// New builds a Scanner from opts.
func New(opts Options) (*Scanner, error) {
	s := &Scanner{maxEv: opts.MaxEvidence, school: opts.School, pool: new(sync.Pool), texts: &sync.Pool{New: func() any { return new(textnorm.Text) }}}
	if s.maxEv <= 0 {
		s.maxEv = 20
	}
	gap := opts.MaxGap
	if gap <= 0 {
		gap = 1
	}
	lex := map[string][]string{}
	for _, t := range Topics() {
		if slices.Contains(opts.DisableTopics, t) {
			continue
		}
		lines, err := Lexicon(t)
		if err != nil {
			return nil, err
		}
		lex[t] = lines
	}
	for t, lines := range opts.Extra {
		lex[t] = append(lex[t], lines...)
	}
	names := make([]string, 0, len(lex))
	for t := range lex {
		names = append(names, t)
	}
	slices.Sort(names)
	var pats []textnorm.Pattern
	patIdx := map[string]int{}
	termIdx := map[string]int{}
	for ti, t := range names {
		s.topics = append(s.topics, t)
		for ln, line := range lex[t] {
			line = strings.TrimSpace(line)
			if line == "" || line[0] == '#' {
				continue
			}
			f := strings.Fields(line)
			if len(f) < 3 {
				return nil, fmt.Errorf("lexicon %s line %d: want <severity> <tag> <phrase>", t, ln+1)
			}
			sev, err := scanners.ParseSeverity(f[0])
			if err != nil {
				return nil, fmt.Errorf("lexicon %s line %d: %w", t, ln+1, err)
			}
			p := phrase{topic: ti, sev: sev, tag: f[1], text: strings.Join(f[2:], " ")}
			if p.tag == "-" {
				p.tag = ""
			}
			g := gap
			for _, w := range f[2:] {
				if w == "..." {
					g = max(gap, 4)
					continue
				}
				id, ok := termIdx[w]
				if !ok {
					id = len(s.terms)
					termIdx[w] = id
					s.terms = append(s.terms, term{})
					for _, alt := range strings.Split(w, "|") {
						alt = strings.ReplaceAll(alt, "_", " ")
						if textnorm.String(strings.TrimSuffix(alt, "*")) == "" {
							return nil, fmt.Errorf("lexicon %s line %d: empty term in %q", t, ln+1, w)
						}
						pi, ok := patIdx[alt]
						if !ok {
							pi = len(pats)
							patIdx[alt] = pi
							pats = append(pats, textnorm.Pattern{Text: alt})
							s.patTerms = append(s.patTerms, nil)
							s.patText = append(s.patText, strings.TrimSuffix(alt, "*"))
						}
						if !slices.Contains(s.patTerms[pi], id) {
							s.patTerms[pi] = append(s.patTerms[pi], id)
							s.terms[id].pats = append(s.terms[id].pats, pi)
						}
					}
				}
				if len(p.terms) > 0 {
					p.gaps = append(p.gaps, g)
				} else {
					p.gaps = append(p.gaps, 0)
				}
				p.terms = append(p.terms, id)
				g = gap
			}
			pi := len(s.phrases)
			s.phrases = append(s.phrases, p)
			first := &s.terms[p.terms[0]]
			first.phrasesFirst = append(first.phrasesFirst, pi)
		}
	}
	m, err := textnorm.Compile(pats)
	if err != nil {
		return nil, err
	}
	s.m = m
	for _, ts := range s.patTerms {
		s.ptOff = append(s.ptOff, int32(len(s.ptList)))
		for _, t := range ts {
			s.ptList = append(s.ptList, int32(t))
		}
	}
	s.ptOff = append(s.ptOff, int32(len(s.ptList)))
	for t := range s.terms {
		s.tpOff = append(s.tpOff, int32(len(s.tpList)))
		for _, pi := range s.terms[t].pats {
			s.tpList = append(s.tpList, int32(pi))
		}
	}
	s.tpOff = append(s.tpOff, int32(len(s.tpList)))
	if err := s.buildGate(pats); err != nil {
		return nil, err
	}
	nterms, npats := len(s.terms), len(pats)
	s.pool.New = func() any {
		return &state{n: textnorm.NewNormalizer(), off: make([]int32, nterms), cnt: make([]int32, nterms), need: make([]uint8, nterms), pcnt: make([]int32, npats), poff: make([]int32, npats)}
	}
	return s, nil
}

// Name returns "safeguarding".
func (s *Scanner) Name() string { return Name }

// maxTermWords bounds the words in one term alternative ("do_not_ever").
const maxTermWords = 8

// whole is the automaton matched over all of every field: the gate's
// (anchor terms only), or all terms' when there is no gate.
func (s *Scanner) whole() *textnorm.Matcher {
	if s.gate.ok {
		return s.gate.m
	}
	return s.m
}

// Matchers returns the automaton that ScanText runs over all of each
// field, for textnorm.NewGroup.
func (s *Scanner) Matchers() []*textnorm.Matcher { return []*textnorm.Matcher{s.whole()} }

// WithGroup returns a Scanner like s whose ScanText takes the hits of its
// whole-text automaton from g, which must have been built with s's
// Matchers among its parts: scanners sharing g then read each Text once
// between them. The findings are the same.
func (s *Scanner) WithGroup(g *textnorm.Group) (*Scanner, error) {
	if g.Part(s.whole()) < 0 {
		return nil, fmt.Errorf("safeguarding: group does not hold the scanner's matcher")
	}
	c := *s
	c.group = g
	return &c, nil
}

// matchRes finds the phrase hits in res, matching s.whole() itself.
func (s *Scanner) matchRes(ctx context.Context, res *textnorm.Result, st *state) error {
	st.whole = s.whole().Match(res, st.whole[:0])
	return s.match(ctx, res, st, st.whole, false)
}

// match finds the phrase hits in res, given whole, the hits of s.whole()
// in res (read only); st.phits holds them. It looks for the terms of all
// phrases only near the hits of anchor terms (gate.go), and when that
// finds a phrase, assembles the phrases from the hits of all terms in all
// of res (allHits: those of s.m, from the gate's hits and gate.rest's), so
// that the phrase hits and their order are those of matching s.m.
//
// long is set (by the scanner, never by MatchText) when res is a field too
// long for any hit of a TagAlone phrase to count (aloneSpan): those
// phrases are then not looked for near anchors nor assembled (st.phits
// may lack their hits), since the findings would drop every hit of them
// anyway.
func (s *Scanner) match(ctx context.Context, res *textnorm.Result, st *state, whole []textnorm.Hit, long bool) error {
	if !s.gate.ok {
		st.hits = append(st.hits[:0], whole...)
		return s.assemble(ctx, res, st)
	}
	anchors := whole
	if long {
		anchors = s.notAloneAnchors(st, whole)
	}
	st.phits = st.phits[:0]
	if anchors = s.liveAnchors(res, st, anchors, whole, long); len(anchors) == 0 {
		return nil
	}
	st.hits = s.matchNearAnchors(res, st, anchors, whole, st.hits[:0])
	st.phits = st.phits[:0]
	found, err := s.anyPhrase(ctx, res, st, anchors, long)
	if err != nil || !found {
		return err
	}
	st.hits = s.allHits(res, st, whole, st.hits[:0])
	return s.assembleAnchored(ctx, res, st, anchors, long)
}

// anyPhrase reports whether the term hits st.hits (in text order) make
// some phrase. It is assemble, stopped at the first phrase found, and
// looking only at the phrases anchored on a term that has hits (gate.go):
// a phrase with hits has hits of its anchor too. The hits near anchors
// make a phrase exactly when the whole text does, so this is what decides
// whether all of res is assembled (match).
//
// anchors are the gate's hits: only the terms of the phrases anchored on
// their terms are sorted out of st.hits (a common word such as "you" is a
// term of hundreds of phrases, most of them anchored elsewhere). With long
// set, phrases tagged TagAlone are left out (match).
func (s *Scanner) anyPhrase(ctx context.Context, res *textnorm.Result, st *state, anchors []textnorm.Hit, long bool) (bool, error) {
	need := st.need
	anchored := s.markNeeded(st, anchors, long)
	err := s.termsNear(ctx, st, st.needTerms)
	for _, t := range st.needList {
		need[t] = 0
	}
	st.needList, st.needTerms = st.needList[:0], st.needTerms[:0]
	if err != nil || len(st.hits) == 0 {
		return false, err
	}
	for _, t := range st.touched {
		for _, pi := range anchored[t] {
			_, ok, err := s.phraseAt(ctx, res, st, pi)
			if err != nil || ok {
				return ok, err
			}
		}
	}
	return false, nil
}

// assemble finds the phrases made of the term hits st.hits (in text
// order); st.phits holds them. It stops with ctx's error once ctx is done.
func (s *Scanner) assemble(ctx context.Context, res *textnorm.Result, st *state) error {
	st.phits = st.phits[:0]
	if err := s.termsOf(ctx, st); err != nil || len(st.hits) == 0 {
		return err
	}
	for _, t := range st.touched {
		for _, pi := range s.terms[t].phrasesFirst {
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

// termsNear is termsOf for the terms listed in terms (each once) only;
// the others look as if they had no hits. It sorts st.hits by pattern
// first, so that a hit costs the same whatever the number of terms its
// pattern belongs to ("you" is an alternative of hundreds), and then
// gives each term the hits of its alternatives, in text order: st.hits
// are in that order, by end, start and pattern (Match, and MatchRange over
// windows in order), and so is each merge.
func (s *Scanner) termsNear(ctx context.Context, st *state, terms []int32) error {
	for _, t := range st.touched {
		st.cnt[t] = 0
	}
	st.touched = st.touched[:0]
	pc, po := st.pcnt, st.poff
	for _, p := range st.pats {
		pc[p] = 0
	}
	st.pats = st.pats[:0]
	if len(st.hits) == 0 {
		return nil
	}
	if len(st.hits) > ctxEvery {
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	for _, h := range st.hits {
		if pc[h.Pattern] == 0 {
			st.pats = append(st.pats, h.Pattern)
		}
		pc[h.Pattern]++
	}
	n := int32(0)
	for _, p := range st.pats {
		po[p] = n
		n += pc[p]
	}
	if cap(st.flat) < int(n) {
		st.flat = make([]textnorm.Hit, n, 2*n)
	}
	flat := st.flat[:n]
	for _, h := range st.hits {
		flat[po[h.Pattern]] = h
		po[h.Pattern]++
	}
	for _, p := range st.pats {
		po[p] -= pc[p]
	}
	for _, t := range terms {
		total, one := int32(0), int32(-1)
		alts := s.tpList[s.tpOff[t]:s.tpOff[t+1]]
		for _, p := range alts {
			if c := pc[p]; c > 0 {
				total += c
				if one == -1 {
					one = p
				} else {
					one = -2
				}
			}
		}
		if total == 0 {
			continue
		}
		st.touched = append(st.touched, int(t))
		st.cnt[t] = total
		if one >= 0 {
			st.off[t] = po[one] // one alternative with hits: its own
			continue
		}
		// Several alternatives with hits: merged the first time termHits
		// is asked for them (mergeTerm; most never are).
		st.off[t] = -1
	}
	st.flat = flat
	return nil
}

// mergeTerm merges the hits of term t's alternatives (sorted by pattern
// by the last termsNear, at least two of them with hits) onto the end of
// st.flat, in text order: the earliest head each time (a term has few
// alternatives with hits in one text).
func (s *Scanner) mergeTerm(st *state, t int) {
	pc, po, flat := st.pcnt, st.poff, st.flat
	st.off[t] = int32(len(flat))
	cur := st.cur[:0] // pairs: next, end
	for _, p := range s.tpList[s.tpOff[t]:s.tpOff[t+1]] {
		if pc[p] > 0 {
			cur = append(cur, po[p], po[p]+pc[p])
		}
	}
	for range st.cnt[t] {
		best := -1
		for c := 0; c < len(cur); c += 2 {
			if cur[c] < cur[c+1] && (best < 0 || hitBefore(flat[cur[c]], flat[cur[best]])) {
				best = c
			}
		}
		flat = append(flat, flat[cur[best]])
		cur[best]++
	}
	st.cur, st.flat = cur, flat
}

// hitBefore reports whether a comes before b in text order as Match
// gives it: by end, start and pattern.
func hitBefore(a, b textnorm.Hit) bool {
	if a.End != b.End {
		return a.End < b.End
	}
	if a.Start != b.Start {
		return a.Start < b.Start
	}
	return a.Pattern < b.Pattern
}

// termsOf sorts the term hits st.hits (in text order) by term, for
// termHits; st.touched lists the terms with hits.
func (s *Scanner) termsOf(ctx context.Context, st *state) error {
	for _, t := range st.touched {
		st.cnt[t] = 0
	}
	st.touched = st.touched[:0]
	if len(st.hits) == 0 {
		return nil
	}
	if len(st.hits) > ctxEvery {
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	cnt, off, ptOff, ptList := st.cnt, st.off, s.ptOff, s.ptList
	for _, h := range st.hits {
		for _, t := range ptList[ptOff[h.Pattern]:ptOff[h.Pattern+1]] {
			if cnt[t] == 0 {
				st.touched = append(st.touched, int(t))
			}
			cnt[t]++
		}
	}
	n := int32(0)
	for _, t := range st.touched {
		off[t] = n
		n += cnt[t]
	}
	if cap(st.flat) < int(n) {
		st.flat = make([]textnorm.Hit, n, n+n/4)
	}
	flat := st.flat[:n]
	for _, h := range st.hits {
		for _, t := range ptList[ptOff[h.Pattern]:ptOff[h.Pattern+1]] {
			flat[off[t]] = h
			off[t]++
		}
	}
	for _, t := range st.touched {
		off[t] -= cnt[t]
	}
	st.flat = flat
	return nil
}

// phraseAt finds the first hit of phrase pi among the term hits: for each
// hit of its first term in text order, each following term is the first
// hit that starts within the allowed gap with no negation in between.
func (s *Scanner) phraseAt(ctx context.Context, res *textnorm.Result, st *state, pi int) (phraseHit, bool, error) {
	p := &s.phrases[pi]
	if !s.allTermsHit(p, st) {
		return phraseHit{}, false, nil
	}
	for n, h1 := range s.termHits(st, p.terms[0]) {
		if n%ctxEvery == ctxEvery-1 {
			if err := ctx.Err(); err != nil {
				return phraseHit{}, false, err
			}
		}
		end, ew, ok := int(h1.End), int(h1.EndWord), true
		var alts [maxAlts]int32
		alts[0] = h1.Pattern
		for k := 1; k < len(p.terms) && ok; k++ {
			var alt int32
			end, ew, alt, ok = nextTerm(res, s.termHits(st, p.terms[k]), end, ew, p.gaps[k])
			if k < maxAlts {
				alts[k] = alt
			}
		}
		if ok {
			// one hit per phrase per first-term is plenty
			return phraseHit{phrase: pi, start: int(h1.Start), end: end, sw: int(h1.StartWord), ew: ew, alts: alts}, true, nil
		}
	}
	return phraseHit{}, false, nil
}

// nextTerm finds, among the hits th of a term (in text order), the first
// that starts within gap words after word ew (ending at byte end) with no
// negation in between; it returns that hit's end, last word and pattern.
func nextTerm(res *textnorm.Result, th []textnorm.Hit, end, ew, gap int) (int, int, int32, bool) {
	// hits are in text order: skip those ending before ew
	lo, _ := slices.BinarySearchFunc(th, ew+1, func(h textnorm.Hit, w int) int { return int(h.EndWord) - w })
	for _, h := range th[lo:] {
		sw, hew := int(h.StartWord), int(h.EndWord)
		if hew > ew+1+gap+maxTermWords {
			break
		}
		if sw > ew && sw <= ew+1+gap {
			if sw > ew+1 && negated(res.B[end:h.Start]) {
				continue
			}
			return int(h.End), hew, h.Pattern, true
		}
	}
	return end, ew, 0, false
}

// termHits returns the hits of term t, in text order (read only), after
// termsNear or termsOf; those of a term of several alternatives with hits
// are merged (mergeTerm) the first time they are asked for. The slices it
// returned before stay as they were.
func (s *Scanner) termHits(st *state, t int) []textnorm.Hit {
	n := st.cnt[t]
	if n == 0 {
		return nil
	}
	if st.off[t] < 0 {
		s.mergeTerm(st, t)
	}
	o := st.off[t]
	return st.flat[o : o+n : o+n]
}

func (s *Scanner) allTermsHit(p *phrase, st *state) bool {
	for _, t := range p.terms[1:] {
		if st.cnt[t] == 0 {
			return false
		}
	}
	return true
}

// TextHit is one phrase match in a text (for tests and tools).
type TextHit struct {
	Topic    string
	Tag      string
	Phrase   string
	Severity scanners.Severity
	// Hyperbole is true when the hit overlaps a hyperbole phrase.
	Hyperbole  bool
	Start, End int // original bytes
}

// MatchText returns the phrase matches in text, without weighting.
func (s *Scanner) MatchText(text string) []TextHit {
	st := s.pool.Get().(*state)
	defer s.pool.Put(st)
	res := st.n.Normalize(text)
	_ = s.matchRes(context.Background(), res, st) // cannot fail: never cancelled
	var out []TextHit
	for _, h := range st.phits {
		p := &s.phrases[h.phrase]
		a, b := res.Span(h.start, h.end)
		out = append(out, TextHit{Topic: s.topics[p.topic], Tag: p.tag, Phrase: p.text, Severity: p.sev, Hyperbole: s.hyperbole(st, h), Start: a, End: b})
	}
	return out
}

// hyperbole reports whether h overlaps a hyperbole phrase hit of st.phits
// (at most one per hyperbole phrase, so this is a short loop).
func (s *Scanner) hyperbole(st *state, h phraseHit) bool {
	for _, o := range st.phits {
		if s.phrases[o.phrase].tag == TagHyperbole && o.sw <= h.ew && h.sw <= o.ew {
			return true
		}
	}
	return false
}

type topicAcc struct {
	sev   scanners.Severity
	tags  map[string]bool
	ev    []scanners.Evidence
	words []string // distinct matched texts, for the explanation
	count int
	hyper bool // some hit overlapped hyperbole
}

// maxQuoted is the most distinct matched texts an explanation quotes.
const maxQuoted = 5

// Scan implements scanners.Scanner: it normalises m here and runs
// ScanText, so the two can never disagree.
func (s *Scanner) Scan(ctx context.Context, m *message.Message, env *scanners.Envelope) ([]scanners.Finding, error) {
	t := s.texts.Get().(*textnorm.Text)
	defer s.texts.Put(t)
	if err := t.ResetContext(ctx, m); err != nil {
		return nil, err
	}
	return s.ScanText(ctx, t, env)
}

// ScanText is Scan over a message's text normalised beforehand, so that
// scanners can share one normalisation per message. The findings are those
// of Scan on the message t was made from.
func (s *Scanner) ScanText(ctx context.Context, t *textnorm.Text, env *scanners.Envelope) ([]scanners.Finding, error) {
	st := s.pool.Get().(*state)
	defer s.pool.Put(st)
	var acc accum
	for i, f := range t.Fields {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		res := &t.Norm[i]
		var whole []textnorm.Hit
		if s.group != nil {
			whole = t.Hits(s.group, s.whole(), i)
		} else {
			st.whole = s.whole().Match(res, st.whole[:0])
			whole = st.whole
		}
		err := s.match(ctx, res, st, whole, s.aloneSpan(f.Text, res))
		if err != nil {
			return nil, err
		}
		s.scanField(&acc, st, f, res)
	}
	return s.findings(&acc), nil
}

// accum gathers the phrase hits of one message, per topic.
type accum struct {
	topics   map[int]*topicAcc
	illegal  []scanners.Evidence
	illegalN int
}

// scanField adds the phrase hits st.phits in field f, normalised as res,
// to acc.
func (s *Scanner) scanField(acc *accum, st *state, f textnorm.Field, res *textnorm.Result) {
	for _, h := range st.phits {
		p := &s.phrases[h.phrase]
		if p.tag == TagHyperbole {
			continue
		}
		a, b := res.Span(h.start, h.end)
		eff := hitEffect(s.topics[p.topic], p.tag, p.text, p.sev, f.Text, a, b) // context.go
		if eff == ctxDrop {
			continue
		}
		ev := scanners.Evidence{Part: f.Part, Field: f.Name, Offset: a, Length: b - a, Text: textnorm.Quote(f.Text, a, b, 160)}
		if p.tag == "illegal" {
			acc.illegalN++
			if len(acc.illegal) < s.maxEv {
				acc.illegal = append(acc.illegal, ev)
			}
			continue
		}
		if acc.topics == nil {
			acc.topics = map[int]*topicAcc{}
		}
		t := acc.topics[p.topic]
		if t == nil {
			t = &topicAcc{tags: map[string]bool{}}
			acc.topics[p.topic] = t
		}
		t.count++
		if eff == ctxCap || s.hyperbole(st, h) {
			t.hyper = true // counts as low and is never raised
		} else {
			t.sev = max(t.sev, p.sev)
		}
		if p.tag != "" {
			t.tags[p.tag] = true
		}
		if len(t.ev) < s.maxEv {
			t.ev = append(t.ev, ev)
		}
		if w := s.phraseWords(h); len(t.words) < maxQuoted && !slices.Contains(t.words, w) {
			t.words = append(t.words, w)
		}
	}
}

// phraseWords is the lexicon's words for phrase hit h: for each term, the
// alternative that matched ("kill myself" for the phrase
// "kill*|hang* myself|meself"). Explanations use them, never the message's
// own text: that is evidence, which alerts show only as the excerpt policy
// allows, and warnings never.
func (s *Scanner) phraseWords(h phraseHit) string {
	p := &s.phrases[h.phrase]
	w := make([]string, len(p.terms))
	for k, t := range p.terms {
		alt := int32(s.terms[t].pats[0])
		if k < maxAlts {
			alt = h.alts[k]
		}
		w[k] = s.patText[alt]
	}
	return strings.Join(w, " ")
}

// findings turns the hits of one message into findings with their base
// severity and tags.
func (s *Scanner) findings(acc *accum) []scanners.Finding {
	var out []scanners.Finding
	if acc.illegalN > 0 {
		out = append(out, scanners.Finding{
			Scanner: Name, Rule: "illegal_child_abuse_material", Category: scanners.Illegal,
			Severity: scanners.Critical, Score: 100,
			Explanation: fmt.Sprintf("%d reference(s) to child sexual abuse material", acc.illegalN),
			Evidence:    acc.illegal,
			School:      s.school,
		})
	}
	for ti := range s.topics {
		t := acc.topics[ti]
		if t == nil {
			continue
		}
		topic := s.topics[ti]
		sev, tags := base(topic, t)
		expl := fmt.Sprintf("%s: %d phrase match(es): %s", strings.ReplaceAll(topic, "_", "-"), t.count, scanners.QuoteWords(t.words))
		if slices.Contains(tags, TagSeveralSignals) {
			expl += "; several grooming signals together"
		}
		if slices.Contains(tags, TagHyperbole) {
			expl += "; hyperbole"
		}
		out = append(out, scanners.Finding{
			Scanner: Name, Rule: "safeguarding_" + topic, Category: scanners.Safeguarding,
			Severity: sev, Score: float64(sev) * float64(min(t.count, ScoreCap)),
			Explanation: expl, Evidence: t.ev, Tags: tags, School: s.school,
		})
	}
	return out
}

// base returns one topic's base severity and tags: what the text alone
// says, before policy weighs who writes to whom.
func base(topic string, t *topicAcc) (scanners.Severity, []string) {
	sev := t.sev
	if sev == scanners.Info && t.hyper {
		return scanners.Low, []string{TagHyperbole}
	}
	if topic != "grooming" {
		return sev, nil
	}
	var tags []string
	for _, k := range GroomingSignals {
		if t.tags[k] {
			tags = append(tags, k)
		}
	}
	if len(tags) >= 2 {
		sev = max(sev, scanners.High)
		tags = append(tags, TagSeveralSignals)
	}
	return sev, tags
}

var _ scanners.Scanner = (*Scanner)(nil)

// negated reports whether the gap b (normalised bytes between two terms)
// holds a negation word.
func negated(b []byte) bool {
	for len(b) > 0 {
		i := 0
		for i < len(b) && b[i] == textnorm.Sep {
			i++
		}
		j := i
		for j < len(b) && b[j] != textnorm.Sep {
			j++
		}
		switch string(b[i:j]) {
		case "not", "never", "no", "nt":
			return true
		}
		b = b[j:]
	}
	return false
}
