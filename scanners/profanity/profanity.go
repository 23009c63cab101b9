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
// Rules (stable ids) and severities:
//
//	profanity_mild    low     e.g. arse, bloody hell, crap
//	profanity_strong  low or medium (see below), e.g. fuck, shit, wanker, twat
//	profanity_slur    high    racial, homophobic and disability slurs
//
// Strong profanity is medium when it is aimed at someone (a second-person
// word — you, u, ur, your, yourself, ya — within two words: "fuck you",
// "you twat", "ur a wanker") or when a pupil sends or receives the message
// (env.SenderGroups or a recipient's Groups contain "pupils"); otherwise,
// as an intensifier in adult mail ("the fucking build broke"), it is low.
// The rule id is the same either way, so a policy can act on
// profanity_strong at any severity.
//
// The scanner reports words; it does not judge intent or decide actions
// (that is package policy, which can treat pupils and staff differently).
package profanity

import (
	"bufio"
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

// Rule returns the stable rule id of findings of this tier.
func (t Tier) Rule() string { return "profanity_" + t.String() }

// Severity returns the severity of findings of this tier: mild → low,
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
}

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
	maxEv   int
	pool    *sync.Pool
	texts   *sync.Pool // *textnorm.Text for Scan
	entries int
	// group, when set, holds m: ScanText takes m's hits from it.
	group *textnorm.Group
}

const allowTier Tier = -1

type state struct {
	n    *textnorm.Normalizer
	hits []textnorm.Hit
	keep []textnorm.Hit
}

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
	s := &Scanner{maxEv: opts.MaxEvidence, pool: new(sync.Pool), texts: &sync.Pool{New: func() any { return new(textnorm.Text) }}}
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
	m, err := textnorm.Compile(pats)
	if err != nil {
		return nil, err
	}
	s.m = m
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
		a, b := res.Span(h.Start, h.End)
		dst = append(dst, Hit{Tier: s.tier[h.Pattern], Entry: s.text[h.Pattern], Start: a, End: b})
	}
	return dst
}

// filter returns the kept hits of hits, the matches of s.m in res (read
// only): allowed spans dropped, overlapping hits reduced to the highest
// tier (then the longest).
func (s *Scanner) filter(res *textnorm.Result, st *state, hits []textnorm.Hit) []textnorm.Hit {
	keep := st.keep[:0]
	for _, h := range hits {
		if s.tier[h.Pattern] == allowTier {
			continue
		}
		allowed := false
		for _, a := range hits {
			if s.tier[a.Pattern] == allowTier && a.Start <= h.Start && a.End >= h.End {
				allowed = true
				break
			}
		}
		if allowed {
			continue
		}
		replaced := false
		for i := range keep {
			k := &keep[i]
			if h.Start < k.End && k.Start < h.End { // overlap
				ht, kt := s.tier[h.Pattern], s.tier[k.Pattern]
				if ht > kt || (ht == kt && h.End-h.Start > k.End-k.Start) {
					*k = h
				}
				replaced = true
				break
			}
		}
		if !replaced {
			keep = append(keep, h)
		}
	}
	for i := range keep {
		keep[i].Start, keep[i].End = wordBounds(res.B, keep[i].Start, keep[i].End)
	}
	return keep
}

// wordBounds widens [i, j) to whole words, so evidence for "fuck*" quotes
// "fucking".
func wordBounds(b []byte, i, j int) (int, int) {
	for i > 0 && b[i-1] != textnorm.Sep {
		i--
	}
	for j < len(b) && b[j] != textnorm.Sep {
		j++
	}
	return i, j
}

// Scan implements scanners.Scanner: it normalises m here and runs
// ScanText, so the two can never disagree.
func (s *Scanner) Scan(ctx context.Context, m *message.Message, env *scanners.Envelope) ([]scanners.Finding, error) {
	t := s.texts.Get().(*textnorm.Text)
	defer s.texts.Put(t)
	t.Reset(m)
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
		s.scanField(&acc, st, f, res, hits)
	}
	out := s.findings(&acc, env)
	if g, ok := gestureFinding(t.Fields, s.maxEv); ok { // gesture.go
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
}

// scanField adds to acc the kept hits of hits, the matches of s.m in field
// f normalised as res.
func (s *Scanner) scanField(acc *accum, st *state, f textnorm.Field, res *textnorm.Result, hits []textnorm.Hit) {
	st.keep = s.filter(res, st, hits)
	for _, h := range st.keep {
		t := s.tier[h.Pattern]
		acc.count[t]++
		if t == Strong && !acc.directed {
			acc.directed = Directed(res, h)
		}
		a, b := res.Span(h.Start, h.End)
		if len(acc.ev[t]) < s.maxEv {
			acc.ev[t] = append(acc.ev[t], scanners.Evidence{
				Part: f.Part, Field: f.Name, Offset: a, Length: b - a,
				Text: textnorm.Quote(f.Text, a, b, 120),
			})
		}
		w := strings.Trim(s.text[h.Pattern], "*")
		if len(acc.words[t]) < 5 && !slices.Contains(acc.words[t], w) {
			acc.words[t] = append(acc.words[t], w)
		}
	}
}

// findings turns the hits of one message into findings.
func (s *Scanner) findings(acc *accum, env *scanners.Envelope) []scanners.Finding {
	var out []scanners.Finding
	for t := Slur; t >= Mild; t-- {
		if acc.count[t] == 0 {
			continue
		}
		sev := t.Severity()
		if t == Strong && !acc.directed && !pupilInvolved(env) {
			sev = scanners.Low
		}
		out = append(out, scanners.Finding{
			Scanner:     Name,
			Rule:        t.Rule(),
			Category:    scanners.Profanity,
			Severity:    sev,
			Score:       float64(acc.count[t]) * [...]float64{1, 3, 6}[t],
			Explanation: fmt.Sprintf("%s profanity: %d match(es) of %s", t, acc.count[t], strings.Join(acc.words[t], ", ")),
			Evidence:    acc.ev[t],
		})
	}
	return out
}

var _ scanners.Scanner = (*Scanner)(nil)

// PupilGroup is the group name that marks pupils in envelopes.
const PupilGroup = "pupils"

func pupilInvolved(env *scanners.Envelope) bool {
	if env == nil {
		return false
	}
	if scanners.HasGroup(env.SenderGroups, PupilGroup) {
		return true
	}
	for _, r := range env.Recipients {
		if scanners.HasGroup(r.Groups, PupilGroup) {
			return true
		}
	}
	return false
}

var secondPerson = map[string]bool{"you": true, "u": true, "ur": true, "your": true, "youre": true, "yourself": true, "ya": true, "yer": true, "yu": true, "yo": true}

// Directed reports whether a second-person word is within two words of the
// hit h in res.
func Directed(res *textnorm.Result, h textnorm.Hit) bool {
	b := res.B
	// inside the hit ("fuck you" is one entry)
	for i := h.Start; i < h.End; {
		j := i
		for j < h.End && b[j] != textnorm.Sep {
			j++
		}
		if secondPerson[string(b[i:j])] {
			return true
		}
		i = j + 1
	}
	// two words before
	i, n := h.Start-1, 0
	for i > 0 && n < 2 {
		e := i // b[i] is Sep
		i--
		for i >= 0 && b[i] != textnorm.Sep {
			i--
		}
		if secondPerson[string(b[i+1:e])] {
			return true
		}
		n++
	}
	j, n := h.End, 0
	for j < len(b) && n < 2 {
		st := j + 1
		j = st
		for j < len(b) && b[j] != textnorm.Sep {
			j++
		}
		if st <= len(b) && secondPerson[string(b[st:j])] {
			return true
		}
		n++
	}
	return false
}
