// Package profanity is the profanity scanner: word lists in three tiers
// (mild, strong, slur) matched over the normalised text of the subject,
// display names, every text part and attachment file names.
//
// Matching uses textnorm, so leetspeak, separators between letters, repeated
// letters, confusable and zero-width characters do not hide a word; it is
// boundary-aware, so only entries written with "*" match inside words. An
// allow-list of place names, surnames and ordinary words (Scunthorpe,
// Arsenal, shiitake, Wankel, "blue tit" ...) removes any match that lies
// inside an allowed word or phrase.
//
// Lists are plain files, one entry a line ("#" comments), embedded from
// lists/<tier>/*.txt and lists/allow.txt; see lists/README.md for their
// sources. A school adds and removes entries with Options.
//
// Rules (stable ids) and their base severities:
//
//	profanity_mild    low     e.g. arse, bloody hell, crap
//	profanity_strong  medium  e.g. fuck, shit, wanker, twat
//	profanity_slur    high    racial, homophobic and disability slurs
//	profanity_insult  low     insults without swear words ("idiot"; "you are
//	                  medium  so stupid" aimed at the reader); insult.go
//	profanity_hate    medium  threats, wishes of harm, hate against a
//	                          protected group; insult.go
//
// Tags (Finding.Tags):
//
//	directed  a strong word is aimed at someone: a second-person word (you,
//	          u, ur, your, yourself, ya, ...) within two words of it ("fuck
//	          you", "you twat", "ur a wanker"). Only profanity_strong
//	          carries it.
//
// The scanner does not read the envelope: who sends and who receives the
// message does not change its findings. Package policy weighs them per
// recipient (for example, strong profanity that is not directed and has no
// pupil on either side is low).
//
// Bounded work: matching is one automaton pass per field, the hit filter is
// linear (plus a sort of the allow-list hits), the context is checked every
// few thousand hits, evidence is capped per rule (Options.MaxEvidence) and
// the score saturates: Score = weight × min(count, ScoreCap), with weight 1
// (mild), 3 (strong) or 6 (slur), so a message of one word repeated a
// million times scores as if it had it ScoreCap times. The explanation still
// gives the real count, and quotes up to five distinct list words that
// matched, in plain spelling ("f_u_c_k" and "fuck*" both read "fuck"):
// never the list syntax, and never the message's own text, which is
// evidence (alerts show it only as the excerpt policy allows, warnings
// never).
//
// The scanner reports words; it does not judge intent or decide actions.
package profanity

import (
	"bufio"
	"cmp"
	"context"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/textnorm"
)

//go:embed lists
var listFS embed.FS

// Name is the scanner's stable id.
const Name = "profanity"

// Tier is a severity tier of a list entry.
type Tier int

// The tiers, mildest first.
const (
	Mild Tier = iota
	Strong
	Slur
)

var tierNames = [...]string{"mild", "strong", "slur"}

// String returns the tier's name.
func (t Tier) String() string {
	if t < Mild || t > Slur {
		return fmt.Sprintf("tier(%d)", int(t))
	}
	return tierNames[t]
}

// ParseTier returns the tier named s.
func ParseTier(s string) (Tier, error) {
	for i, n := range tierNames {
		if n == s {
			return Tier(i), nil
		}
	}
	return 0, fmt.Errorf("unknown profanity tier %q (want mild, strong or slur)", s)
}

var tierRules = [...]string{"profanity_mild", "profanity_strong", "profanity_slur"}

// Rule returns the stable rule id of findings of this tier.
func (t Tier) Rule() string {
	if t < Mild || t > Slur {
		return "profanity_" + t.String()
	}
	return tierRules[t]
}

// Severity returns the base severity of findings of this tier: mild → low,
// strong → medium, slur → high.
func (t Tier) Severity() scanners.Severity {
	switch t {
	case Strong:
		return scanners.Medium
	case Slur:
		return scanners.High
	}
	return scanners.Low
}

// Entry is one list entry.
type Entry struct {
	// Text is the word or phrase; "*" at either end lets it match inside a
	// word.
	Text string
	Tier Tier
}

// Options configures a Scanner. The zero value gives the embedded defaults.
type Options struct {
	// Add are entries added to the defaults (a school's own list).
	Add []Entry
	// Remove are entries removed from the defaults and Add, compared after
	// normalisation ("F*ck" removes "fuck" but not "fuck*").
	Remove []string
	// Allow are words and phrases added to the allow-list.
	Allow []string
	// NoDefaults drops the embedded lists (keeping the embedded allow-list);
	// only Add is used.
	NoDefaults bool
	// MaxEvidence is the most evidence items per finding (default 20).
	MaxEvidence int
	// School, when set, is the school whose lists these are: every finding
	// carries it (Finding.School).
	School string
}

// ScoreCap is the most matches of one tier that count towards a finding's
// score.
const ScoreCap = 10

// TagDirected is the tag of strong profanity aimed at someone.
const TagDirected = "directed"

// ctxEvery is how many hits are handled between two checks of the context.
const ctxEvery = 4096

// ReadList reads a list: one entry a line, "#" starts a comment line, blank
// lines are ignored. A line may start with "mild:", "strong:" or "slur:" to
// set its tier; otherwise def is used.
func ReadList(r io.Reader, def Tier) ([]Entry, error) {
	var out []Entry
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		t := def
		if pre, rest, ok := strings.Cut(line, ":"); ok {
			if tt, err := ParseTier(strings.TrimSpace(pre)); err == nil {
				t, line = tt, strings.TrimSpace(rest)
			}
		}
		if line == "" {
			return nil, fmt.Errorf("line %d: empty entry", n)
		}
		out = append(out, Entry{Text: line, Tier: t})
	}
	return out, sc.Err()
}

// LoadList reads the list file at path with ReadList.
func LoadList(path string, def Tier) ([]Entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	es, err := ReadList(f, def)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return es, nil
}

// LoadWords reads a plain word file (as for Options.Remove and
// Options.Allow) at path.
func LoadWords(path string) ([]string, error) {
	es, err := LoadList(path, Mild)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Text
	}
	return out, nil
}

// DefaultEntries returns the embedded list entries.
func DefaultEntries() ([]Entry, error) {
	var out []Entry
	for t := Mild; t <= Slur; t++ {
		dir := path.Join("lists", t.String())
		files, err := fs.Glob(listFS, dir+"/*.txt")
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			b, err := listFS.ReadFile(f)
			if err != nil {
				return nil, err
			}
			es, err := ReadList(strings.NewReader(string(b)), t)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			out = append(out, es...)
		}
	}
	return out, nil
}

// DefaultAllow returns the embedded allow-list.
func DefaultAllow() []string {
	b, _ := listFS.ReadFile("lists/allow.txt")
	es, _ := ReadList(strings.NewReader(string(b)), Mild)
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Text
	}
	return out
}

// Scanner is the profanity scanner. It is safe for concurrent use.
type Scanner struct {
	m       *textnorm.Matcher
	tier    []Tier // per pattern; -1 = allow
	text    []string
	words   []string // per pattern: its plain spelling, for explanations
	maxEv   int
	school  string
	pool    *sync.Pool
	texts   *sync.Pool // *textnorm.Text for Scan
	entries int
	// group, when set, holds m: ScanText takes m's hits from it.
	group *textnorm.Group
}

const allowTier Tier = -1

type state struct {
	n     *textnorm.Normalizer
	hits  []textnorm.Hit
	keep  []textnorm.Hit
	allow []span
}

// span is a range of normalised bytes.
type span struct{ start, end int32 }

// New builds a Scanner from opts.
func New(opts Options) (*Scanner, error) {
	var entries []Entry
	if !opts.NoDefaults {
		d, err := DefaultEntries()
		if err != nil {
			return nil, err
		}
		entries = d
	}
	entries = append(entries, opts.Add...)
	key := func(s string) string {
		p, q := strings.HasPrefix(s, "*"), strings.HasSuffix(s, "*")
		k := textnorm.String(strings.Trim(s, "*"))
		if p {
			k = "*" + k
		}
		if q {
			k += "*"
		}
		return k
	}
	removed := map[string]bool{}
	for _, r := range opts.Remove {
		removed[key(r)] = true
	}
	s := &Scanner{maxEv: opts.MaxEvidence, school: opts.School, pool: new(sync.Pool), texts: &sync.Pool{New: func() any { return new(textnorm.Text) }}}
	if s.maxEv <= 0 {
		s.maxEv = 20
	}
	var pats []textnorm.Pattern
	seen := map[string]int{}
	for _, e := range entries {
		if e.Tier < Mild || e.Tier > Slur {
			return nil, fmt.Errorf("entry %q: invalid tier %d", e.Text, e.Tier)
		}
		k := key(e.Text)
		if k == "" || k == "*" || k == "**" || removed[k] {
			continue
		}
		if i, ok := seen[k]; ok { // same entry twice: keep the higher tier
			s.tier[i] = max(s.tier[i], e.Tier)
			continue
		}
		seen[k] = len(pats)
		pats = append(pats, textnorm.Pattern{Text: e.Text})
		s.tier = append(s.tier, e.Tier)
		s.text = append(s.text, e.Text)
	}
	s.entries = len(pats)
	for _, a := range append(DefaultAllow(), opts.Allow...) {
		if textnorm.String(strings.Trim(a, "*")) == "" {
			continue
		}
		pats = append(pats, textnorm.Pattern{Text: a})
		s.tier = append(s.tier, allowTier)
		s.text = append(s.text, a)
	}
	if !opts.NoDefaults {
		var err error
		if pats, err = s.addInsults(pats, key, removed); err != nil { // insult.go
			return nil, err
		}
		if _, err := loadInsultCtx(); err != nil {
			return nil, err
		}
	}
	m, err := textnorm.Compile(pats)
	if err != nil {
		return nil, err
	}
	s.m = m
	n := textnorm.NewNormalizer()
	for _, t := range s.text {
		s.words = append(s.words, plainSpelling(n, t))
	}
	s.pool.New = func() any { return &state{n: textnorm.NewNormalizer()} }
	return s, nil
}

// Name returns "profanity".
func (s *Scanner) Name() string { return Name }

// Matchers returns the automaton of the lists (entries and allow-list),
// the one whole-text pass of ScanText, for textnorm.NewGroup.
func (s *Scanner) Matchers() []*textnorm.Matcher { return []*textnorm.Matcher{s.m} }

// WithGroup returns a Scanner like s whose ScanText takes the hits of its
// lists from g, which must have been built with s's Matchers among its
// parts: scanners sharing g then read each Text once between them. The
// findings are the same.
func (s *Scanner) WithGroup(g *textnorm.Group) (*Scanner, error) {
	if g.Part(s.m) < 0 {
		return nil, fmt.Errorf("profanity: group does not hold the scanner's matcher")
	}
	c := *s
	c.group = g
	return &c, nil
}

// Entries is the number of list entries in use (without the allow-list).
func (s *Scanner) Entries() int { return s.entries }

// Hit is one profanity match in one text.
type Hit struct {
	Tier Tier
	// Entry is the list entry that matched.
	Entry string
	// Start and End are byte offsets in the original text.
	Start, End int
}

// MatchText returns the profanity matches in text, after the allow-list.
func (s *Scanner) MatchText(text string, dst []Hit) []Hit {
	st := s.pool.Get().(*state)
	defer s.pool.Put(st)
	res := st.n.Normalize(text)
	st.hits = s.m.Match(res, st.hits[:0])
	st.keep = s.filter(res, st, st.hits)
	for _, h := range st.keep {
		if s.tier[h.Pattern] < allowTier { // an insult (insult.go): not a list word
			continue
		}
		a, b := res.Span(int(h.Start), int(h.End))
		dst = append(dst, Hit{Tier: s.tier[h.Pattern], Entry: s.text[h.Pattern], Start: a, End: b})
	}
	return dst
}

// filter returns the kept hits of hits, the matches of s.m in res (read
// only, ordered by end as Match gives them): hits inside an allowed span
// dropped, overlapping hits reduced to the highest tier (then the longest).
//
// It is linear in the number of hits (plus sorting the allow-list hits):
// the kept hits never overlap and are ordered by end, so the ones a new hit
// overlaps are a suffix of them, and a hit is allowed when, among the
// allowed spans that start at or before it, the furthest end reaches past
// it.
func (s *Scanner) filter(res *textnorm.Result, st *state, hits []textnorm.Hit) []textnorm.Hit {
	allow := st.allow[:0]
	for _, h := range hits {
		if s.tier[h.Pattern] == allowTier {
			allow = append(allow, span{h.Start, h.End})
		}
	}
	if len(allow) > 1 {
		slices.SortFunc(allow, func(a, b span) int { return cmp.Compare(a.start, b.start) })
		for i := 1; i < len(allow); i++ {
			allow[i].end = max(allow[i].end, allow[i-1].end) // furthest end so far
		}
	}
	st.allow = allow
	keep := st.keep[:0]
	for _, h := range hits {
		if s.tier[h.Pattern] == allowTier || allowed(allow, h) {
			continue
		}
		i := len(keep)
		for i > 0 && keep[i-1].End > h.Start { // keep[i-1] overlaps h
			i--
		}
		if i == len(keep) {
			keep = append(keep, h)
			continue
		}
		k := &keep[i] // the first kept hit that h overlaps
		ht, kt := s.tier[h.Pattern], s.tier[k.Pattern]
		if ht > kt || (ht == kt && h.End-h.Start > k.End-k.Start) {
			*k = h
			keep = keep[:i+1] // h overlaps the later ones too
		}
	}
	for i := range keep {
		a, b := wordBounds(res.B, int(keep[i].Start), int(keep[i].End))
		keep[i].Start, keep[i].End = int32(a), int32(b)
	}
	return keep
}

// allowed reports whether h lies inside one of the allowed spans, sorted
// by start with end holding the furthest end so far.
func allowed(allow []span, h textnorm.Hit) bool {
	j, _ := slices.BinarySearchFunc(allow, h.Start+1, func(a span, x int32) int { return cmp.Compare(a.start, x) })
	return j > 0 && allow[j-1].end >= h.End
}

// maxWiden bounds how far wordBounds looks for the ends of a word.
const maxWiden = 64

// wordBounds widens [i, j) to whole words, so evidence for "fuck*" quotes
// "fucking"; by at most maxWiden bytes each way, so that the hits inside
// one enormous word cost constant time each.
func wordBounds(b []byte, i, j int) (int, int) {
	for lo := max(0, i-maxWiden); i > lo && b[i-1] != textnorm.Sep; {
		i--
	}
	for hi := min(len(b), j+maxWiden); j < hi && b[j] != textnorm.Sep; {
		j++
	}
	return i, j
}

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
		var hits []textnorm.Hit
		if s.group != nil {
			hits = t.Hits(s.group, s.m, i)
		} else {
			st.hits = s.m.Match(res, st.hits[:0])
			hits = st.hits
		}
		if err := s.scanField(ctx, &acc, st, f, res, hits); err != nil {
			return nil, err
		}
	}
	out := s.findings(&acc)
	if g, ok := gestureFinding(t.Fields, s.maxEv); ok { // gesture.go
		out = append(out, g)
	}
	if g, ok := maskFinding(t.Fields, s.maxEv); ok { // masks.go
		out = append(out, g)
	}
	return out, nil
}

// accum gathers the hits of one message, per tier.
type accum struct {
	ev       [3][]scanners.Evidence
	count    [3]int
	words    [3][]string
	directed bool
	ins      insultAcc // insult.go
}

// scanField adds to acc the kept hits of hits, the matches of s.m in field
// f normalised as res. It stops with ctx's error once ctx is done.
func (s *Scanner) scanField(ctx context.Context, acc *accum, st *state, f textnorm.Field, res *textnorm.Result, hits []textnorm.Hit) error {
	if len(hits) > ctxEvery {
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	st.keep = s.filter(res, st, hits)
	for n, h := range st.keep {
		if n%ctxEvery == ctxEvery-1 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		t := s.tier[h.Pattern]
		if t < allowTier { // insult.go
			s.insultHit(acc, f, res, h)
			continue
		}
		acc.count[t]++
		if t == Strong && !acc.directed {
			acc.directed = Directed(res, h)
		}
		s.record(&acc.ev[t], &acc.words[t], f, res, int(h.Start), int(h.End), h.Pattern)
	}
	return nil
}

// record adds the hit of pattern at normalised bytes start..end of field f
// to a finding's evidence ev (at most maxEv quotes) and words (at most
// five distinct plain spellings).
func (s *Scanner) record(ev *[]scanners.Evidence, words *[]string, f textnorm.Field, res *textnorm.Result, start, end int, pattern int32) {
	a, b := res.Span(start, end)
	if len(*ev) < s.maxEv {
		*ev = append(*ev, scanners.Evidence{
			Part: f.Part, Field: f.Name, Offset: a, Length: b - a,
			Text: textnorm.Quote(f.Text, a, b, 120),
		})
	}
	if w := s.words[pattern]; len(*words) < 5 && !slices.Contains(*words, w) {
		*words = append(*words, w)
	}
}

// findings turns the hits of one message into findings.
func (s *Scanner) findings(acc *accum) []scanners.Finding {
	n := 0 // the findings: one a tier and an insult rule with hits
	for _, c := range acc.count {
		if c > 0 {
			n++
		}
	}
	for _, c := range acc.ins.count {
		if c > 0 {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]scanners.Finding, 0, n)
	for t := Slur; t >= Mild; t-- {
		if acc.count[t] == 0 {
			continue
		}
		var tags []string
		if t == Strong && acc.directed {
			tags = []string{TagDirected}
		}
		out = append(out, scanners.Finding{
			Scanner:     Name,
			Rule:        t.Rule(),
			Category:    scanners.Profanity,
			Severity:    t.Severity(),
			Score:       float64(min(acc.count[t], ScoreCap)) * [...]float64{1, 3, 6}[t],
			Explanation: fmt.Sprintf("%s profanity: %d match(es): %s", t, acc.count[t], scanners.QuoteWords(acc.words[t])),
			Evidence:    acc.ev[t],
			Tags:        tags,
			School:      s.school,
		})
	}
	return s.insultFindings(&acc.ins, out)
}

var _ scanners.Scanner = (*Scanner)(nil)

// plainSpelling is a list entry as plain words: without its "*" markers,
// normalised (separated letters joined, leetspeak read, confusables
// folded), with letter runs written out again and the "i or l" of a leet 1
// written "i" ("f_u_c_k" → "fuck", "5h1t" → "shit").
func plainSpelling(n *textnorm.Normalizer, entry string) string {
	r := n.Normalize(strings.Trim(entry, "*"))
	var b strings.Builder
	for i, c := range r.B {
		switch c {
		case textnorm.Amb:
			c = 'i'
		case textnorm.Other:
			c = '?'
		}
		for range r.Run[i] {
			b.WriteByte(c)
		}
	}
	return b.String()
}

var secondPerson = map[string]bool{"you": true, "u": true, "ur": true, "your": true, "youre": true, "yourself": true, "ya": true, "yer": true, "yu": true, "yo": true}

// dirWindow bounds how far Directed looks around a hit, in normalised
// bytes: two ordinary words fit easily, and a hit inside an enormous word
// costs constant time.
const dirWindow = 64

// Directed reports whether a second-person word is within two words of the
// hit h in res (words cut by the dirWindow limit do not count).
func Directed(res *textnorm.Result, h textnorm.Hit) bool {
	b := res.B
	start, end := int(h.Start), int(h.End)
	// inside the hit ("fuck you" is one entry)
	for i := start; i < end; {
		j := i
		for j < end && b[j] != textnorm.Sep {
			j++
		}
		if secondPerson[string(b[i:j])] {
			return true
		}
		i = j + 1
	}
	// two words before: b[i] is the separator before the next word back
	lo := max(0, start-dirWindow)
	i := start - 1
	for n := 0; n < 2 && i > lo && b[i] == textnorm.Sep; n++ {
		e := i
		i--
		for i >= lo && b[i] != textnorm.Sep {
			i--
		}
		if i < lo && lo > 0 {
			break // the word starts before the window
		}
		if secondPerson[string(b[i+1:e])] {
			return true
		}
	}
	// two words after: b[j] is the separator before the next word on
	hi := min(len(b), end+dirWindow)
	j := end
	for n := 0; n < 2 && j < hi && b[j] == textnorm.Sep; n++ {
		st := j + 1
		j = st
		for j < hi && b[j] != textnorm.Sep {
			j++
		}
		if j == hi && hi < len(b) && b[j] != textnorm.Sep {
			break // the word ends after the window
		}
		if secondPerson[string(b[st:j])] {
			return true
		}
	}
	return false
}
