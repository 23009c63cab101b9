// Package textnorm turns mail text into a normalised stream for word-list and
// phrase matching, with a map from every normalised byte back to the original
// bytes, so evidence can quote exactly what the sender wrote.
//
// Normalize works as if it made three passes over one text (what each pass
// does is described below); the implementation fuses them into one pass that
// writes the final stream directly, with a fast path for plain ASCII words,
// plus a short fix-up pass that runs only when a text has three one-character
// words in a row (see joinChains):
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
// A Text is a message normalised once for several scanners. A Group of
// Matchers reads a text in one pass for all of them (two automata stepped
// together, so their look-ups overlap, and a long text read as two halves
// at once: split.go); Text.Hits keeps a Group's hits on the Text, computed
// by the first reader and shared with the others.
//
// A Normalizer reuses its buffers; after warm-up it allocates nothing per
// call. It is not safe for concurrent use: use one per goroutine (a
// sync.Pool works well).
package textnorm

import (
	"context"
	"slices"
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
//
// Each byte of B came from a span of original bytes, read with Start, End
// and Span. Most of the stream copies the original piecewise: a byte of
// a plain word is one original byte, right after the one before it. So
// only the bytes for which that is not true are stored (irr, sorted by
// position): a byte that does not start where the byte before it ended
// (at 0 for the first), or whose span is not one byte long (a run of
// separators, a collapsed run, a folded rune, a reference), or whose run
// is not 1. Every other byte i starts where byte i-1 ends and is one byte
// long, so its span follows from the last stored byte before it.
type Result struct {
	// B is the normalised stream: a-z, 0-9, Amb, Other and Sep only.
	B []byte
	// irr are the irregular bytes of B, by position; B[i] is at position
	// base+i (base is not 0 only in the part of a Result that
	// Matcher.MatchRange reads).
	irr  []irregular
	base int
}

// irregular is a byte of a Result whose span does not follow from the
// byte before it (see Result).
type irregular struct {
	pos        int32 // the byte's index in B
	start, end int32 // its original span
	run        int32 // its run (1 to 255)
}

// find returns the index in r.irr of the last irregular byte at or before
// i, or -1 when there is none.
func (r *Result) find(i int) int {
	x := int32(r.base + i)
	lo, hi := 0, len(r.irr) // r.irr[:lo] are at or before i, r.irr[hi:] after it
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if r.irr[m].pos <= x {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo - 1
}

// Start returns where the original span of B[i] starts. Start and End are
// non-decreasing in i; 0 <= Start(i) <= End(i) <= len(src).
func (r *Result) Start(i int) int32 {
	k := r.find(i)
	if k < 0 {
		return int32(r.base + i)
	}
	x := &r.irr[k]
	if p := int32(r.base + i); x.pos != p {
		return x.end + p - x.pos - 1
	}
	return x.start
}

// End returns where the original span of B[i] ends.
func (r *Result) End(i int) int32 {
	k := r.find(i)
	if k < 0 {
		return int32(r.base+i) + 1
	}
	x := &r.irr[k]
	if p := int32(r.base + i); x.pos != p {
		return x.end + p - x.pos
	}
	return x.end
}

// Run returns how many times B[i] was repeated in a row (capped at 255).
func (r *Result) Run(i int) uint8 {
	if k := r.find(i); k >= 0 && int(r.irr[k].pos) == r.base+i {
		return uint8(r.irr[k].run)
	}
	return 1
}

// StartAfter returns the index of the first byte of B whose span starts
// after x, or len(B) when there is none.
func (r *Result) StartAfter(x int32) int {
	// the last irregular byte that starts at or before x
	lo, hi := 0, len(r.irr)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if r.irr[m].start <= x {
			lo = m + 1
		} else {
			hi = m
		}
	}
	// The regular bytes after it (or from the start) start one after
	// another: the first of them that starts after x, unless the next
	// irregular byte comes first (it starts after x).
	var p int // a position: base + an index of B
	if lo == 0 {
		p = max(r.base, int(x)+1) // Start(p) = p
	} else {
		k := &r.irr[lo-1]
		p = int(k.pos) + 1 + max(0, int(x-k.end)+1) // Start(p) = k.end + p - k.pos - 1
	}
	if lo < len(r.irr) {
		p = min(p, int(r.irr[lo].pos))
	}
	return min(max(p-r.base, 0), len(r.B))
}

// Span returns the original byte span of the normalised bytes [i, j).
func (r *Result) Span(i, j int) (start, end int) {
	if i >= j || i < 0 || j > len(r.B) {
		return 0, 0
	}
	start, end = int(r.Start(i)), int(r.End(j-1))
	if end < start {
		end = start
	}
	return start, end
}

// Offsets reads the spans of a Result's bytes in increasing order of
// position, in constant time a byte: a loop over B that needs each
// byte's span uses it instead of Start and End, which search.
type Offsets struct {
	irr  []irregular // the Result's
	base int32
	k    int // irr[:k] are at or before the last position read
}

// Offsets returns an Offsets over r from its first byte.
func (r *Result) Offsets() Offsets { return Offsets{irr: r.irr, base: int32(r.base)} }

// At returns the original span of B[i]; i must not be less than the
// position of the previous call.
func (o *Offsets) At(i int) (start, end int32) {
	p := o.base + int32(i)
	for o.k < len(o.irr) && o.irr[o.k].pos <= p {
		o.k++
	}
	if o.k == 0 {
		return p, p + 1
	}
	x := &o.irr[o.k-1]
	if x.pos != p {
		s := x.end + p - x.pos - 1
		return s, s + 1
	}
	return x.start, x.end
}

// Normalizer normalises texts, reusing its buffers.
type Normalizer struct {
	fold map[rune]string
	// atoms of the word being normalised on the general path
	ab      []byte
	as, ae  []int32
	res     Result
	src     string
	streaks []int
	// spare is a list of irregular bytes for joinChains to write
	spare []irregular
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

// nonASCII is the kind of the bytes of multi-byte runes.
const nonASCII = 0xFF

// markupKind is the kind of '&' and '<', which may start a character
// reference or a line-break tag (markup.go).
const markupKind = 0xFE

// kind is asciiKind extended to all bytes.
var kind = func() (t [256]byte) {
	copy(t[:], asciiKind[:])
	for c := utf8.RuneSelf; c < 256; c++ {
		t[c] = nonASCII
	}
	t['&'], t['<'] = markupKind, markupKind
	return t
}()

// out is the stream being written: the bytes at full length, the
// irregular ones (see Result), the number of bytes written, and the state of the search for runs of
// one-character words (see joinChains).
type out struct {
	B   []byte
	irr []irregular
	w   int
	// pe is the end of B[w-1]'s span (0 when w is 0), kept by add, sep
	// and put; normalize sets it before it calls them.
	pe int32
	// streak counts one-character joinable words in a row and streakStart
	// is where the streak began; streaks lists the starts of the streaks of
	// three or more (joinChains looks only at those).
	streak, streakStart int
	streaks             []int
	// grew is set when reserve had to move the stream to a new array.
	grew bool
}

// lastEnd returns the end of the span of B[w-1] (0 when w is 0), with
// irr the irregular bytes of B[:w].
func lastEnd(irr []irregular, w int) int32 {
	if w == 0 {
		return 0
	}
	n := len(irr)
	if n == 0 {
		return int32(w)
	}
	x := &irr[n-1]
	return x.end + int32(w-1) - x.pos
}

// lastRun returns the run of B[w-1] in irr (1 unless it is irregular).
func lastRun(irr []irregular, w int) int32 {
	if n := len(irr); n > 0 && int(irr[n-1].pos) == w-1 {
		return irr[n-1].run
	}
	return 1
}

// extend makes the last byte written, B[w-1], whose span ends at pe, end
// at e instead; more adds one to its run (up to 255).
func extend(irr *[]irregular, w int, pe, e int32, more bool) {
	x := *irr
	if n := len(x); n > 0 && int(x[n-1].pos) == w-1 {
		x[n-1].end = e
		if more && x[n-1].run < 255 {
			x[n-1].run++
		}
		return
	}
	// B[w-1] was regular: one byte, ending at pe
	run := int32(1)
	if more {
		run = 2
	}
	*irr = append(x, irregular{pos: int32(w - 1), start: pe - 1, end: e, run: run})
}

// endWord updates the streak for the word that ends at o.w-1.
func (o *out) endWord() {
	w := o.w
	if (w == 1 || o.B[w-2] == Sep) && joinable(o.B[w-1]) && lastRun(o.irr, w) == 1 {
		o.streak++
		if o.streak == 1 {
			o.streakStart = w - 1
		}
		if o.streak == 3 {
			o.streaks = append(o.streaks, o.streakStart)
		}
		return
	}
	o.streak = 0
}

// add writes the byte c with run 1 for the original bytes [s, e).
func (o *out) add(c byte, s, e int32) {
	w := o.w
	o.B[w] = c
	if s != o.pe || e != s+1 {
		o.irr = append(o.irr, irregular{pos: int32(w), start: s, end: e, run: 1})
	}
	o.pe = e
	o.w++
}

// sep writes a separator for the original bytes [s, e): none at the start,
// and one for a run of them.
func (o *out) sep(s, e int32) {
	w := o.w
	if w == 0 {
		return
	}
	if o.B[w-1] == Sep {
		extend(&o.irr, w, o.pe, e, false)
		o.pe = e
		return
	}
	o.endWord()
	o.add(Sep, s, e)
}

// put writes the word byte c for the original bytes [s, e), folding it into
// the previous byte when it repeats it.
func (o *out) put(c byte, s, e int32) {
	w := o.w
	if w > 0 && o.B[w-1] == c {
		extend(&o.irr, w, o.pe, e, true)
		o.pe = e
		return
	}
	o.add(c, s, e)
}

// reserve makes room for n more bytes.
func (o *out) reserve(n int) {
	if o.w+n <= len(o.B) {
		return
	}
	B := make([]byte, 2*(o.w+n))
	copy(B, o.B[:o.w])
	o.B = B
	o.grew = true
}

// Normalize normalises s. The result is valid until the next call.
//
// It is one pass over s. A word of plain ASCII letters followed by an ASCII
// separator (most of any text) is lower-cased and run-collapsed straight
// into the result by plainRun, which also writes the ASCII separators and
// returns only when it meets something else; any other word goes through
// word, which applies passes 1
// and 2 to it. Separators are merged as they are written. Pass 3's run
// collapsing happens as bytes are written; its joining of one-character
// words is done afterwards by joinChains, only from the first place where
// three one-character words follow each other.
func (n *Normalizer) Normalize(s string) *Result {
	n.normalize(context.Background(), s, &n.res)
	return &n.res
}

// NormalizeContext is Normalize that checks ctx every ctxBytes of s and
// stops with its error once it is done (the result is then unusable).
func (n *Normalizer) NormalizeContext(ctx context.Context, s string) (*Result, error) {
	if _, err := n.normalize(ctx, s, &n.res); err != nil {
		n.res = Result{B: n.res.B[:0], irr: n.res.irr[:0]}
		return nil, err
	}
	return &n.res, nil
}

// ctxBytes is how many bytes of input normalize reads between two checks
// of its context.
const ctxBytes = 64 << 10

// normalize is Normalize writing into r's arrays: B from its start up to
// its capacity, in place when that is at least len(s)+16 bytes (as
// Text.Reset arranges), else in a new array, and the irregular bytes
// appended to r.irr[:0]. It reports whether B is in r's array as it was
// given. When ctx can be done it checks it every ctxBytes of s, and
// returns its error once it is done.
func (n *Normalizer) normalize(ctx context.Context, s string, r *Result) (inPlace bool, err error) {
	if n.fold == nil {
		n.fold = folds()
	}
	n.src = s
	inPlace = true
	// Every input byte makes at most one output byte, except folded runes
	// (word reserves room for those).
	if size := len(s) + 16; cap(r.B) < size {
		size += size / 4
		r.B = make([]byte, size)
		inPlace = false
	}
	o := out{B: r.B[:cap(r.B)], irr: r.irr[:0], streaks: n.streaks[:0]}
	B := o.B
	w := 0
	check := len(s)        // where the context is next checked
	if ctx.Done() != nil { // a context that can never be done is not checked
		check = 0
	}
	for i := 0; i < len(s); {
		if i >= check {
			if err := ctx.Err(); err != nil {
				n.streaks = o.streaks
				r.irr = o.irr[:0]
				return false, err
			}
			check = i + ctxBytes
		}
		if w == 0 {
			// no separator at the start
			for i < len(s) && kind[s[i]] == 0 {
				i++
			}
			if i == len(s) {
				break
			}
		}
		pe := lastEnd(o.irr, w)
		if pe == int32(i) {
			// s[i] follows on from the last byte, as plainRun needs
			room := cap(o.irr) - len(o.irr)
			if rest := len(s) - i + 3; room < min(irrRoom/4, rest) {
				// (room for the rest of a short text, which the rest can
				// never need more than; at least 3 for plainRun to move)
				o.irr = slices.Grow(o.irr, max(len(o.irr), min(irrRoom, rest)))
				room = cap(o.irr) - len(o.irr)
			}
			var stop, nirr int
			// (plainRun's limit keeps the irregular bytes it can write at the
			// start of a word or separator within the room)
			i, w, nirr, o.streak, stop = plainRun(s, i, min(check, i+room-2), B, w, o.irr[:cap(o.irr)], len(o.irr), o.streak, &o.streakStart)
			o.irr = o.irr[:nirr]
			switch stop {
			case stopStreak:
				o.streaks = append(o.streaks, o.streakStart)
				continue
			case stopLimit:
				continue
			case stopFull:
				// twice the room (plainRun starts again at a word that did
				// not fit, so the room must grow until it fits)
				o.irr = slices.Grow(o.irr, len(o.irr)+64)
				continue
			}
			if i == len(s) {
				break
			}
		} else if kind[s[i]] == 0 {
			// a separator that does not follow on from the last byte
			// (after a dropped rune, or the first one after the start)
			o.w, o.pe = w, pe
			o.sep(int32(i), int32(i+1))
			w = o.w
			i++
			continue
		}
		// s[i] starts a word that is not plain ASCII letters, or a rune
		// or markup that may or may not start one.
		o.w, o.pe = w, lastEnd(o.irr, w)
		switch kind[s[i]] {
		case nonASCII:
			if size := n.nonWord(s, i, &o); size > 0 {
				w = o.w
				i += size
				continue
			}
		case markupKind:
			if size := n.nonWordMarkup(s, i, &o); size > 0 {
				w = o.w
				i += size
				continue
			}
		}
		i = n.word(s, i, &o)
		B, w = o.B, o.w
	}
	o.w = w
	if w > 0 {
		if B[w-1] == Sep {
			o.w-- // no trailing separator
			if k := len(o.irr) - 1; k >= 0 && int(o.irr[k].pos) == o.w {
				o.irr = o.irr[:k]
			}
		} else {
			o.endWord()
		}
	}
	if len(o.streaks) > 0 {
		n.joinChains(&o)
	}
	n.streaks = o.streaks
	r.B, r.irr = o.B[:o.w], o.irr
	return inPlace && !o.grew, nil
}

// irrRoom is the room normalize keeps for plainRun's irregular bytes
// (plainRun stops when less than irrRoom/4 is left, so that normalize
// grows the room), or less for a short text.
const irrRoom = 1024

// How plainRun stopped.
const (
	stopOther  = iota // at the end of s, or at a byte it leaves to normalize
	stopLimit         // at lim, between two words or separators
	stopStreak        // after a one-character word that made a streak of three
	stopFull          // at the start of a word that did not fit in irr
)

// plainRun is normalize's fast path: from s[i], at the start of a word or
// separator, it writes the words of plain ASCII letters that an ASCII
// separator follows, and the ASCII separators, straight into B and the
// irregular bytes irr[:n] (as word and sep would write them: letters
// lower-cased and run-collapsed, a run of separators one Sep, none at the
// start), with w bytes written so far and the streak of one-character
// words in streak and *streakStart (see out.endWord). It returns where
// it stopped, the bytes and the irregular bytes written, the streak, and
// why: at
// i == len(s) or at a byte it leaves to normalize (a word with other
// bytes, which it starts again there, or a byte that is no ASCII letter
// or separator) with stopOther; at lim with stopLimit; after a
// one-character word that made a streak of three, whose start normalize
// must append to the streaks, with stopStreak; at the start of a word
// whose irregular bytes did not fit in irr with stopFull. len(irr) is its
// room: normalize keeps lim close enough for the irregular bytes written
// up to the start of a word or separator to leave room for two more
// (each byte read makes at most one, and one more may be the byte before
// i), so only a word's collapsed runs and apostrophes check for room.
//
// It calls nothing, so that its values stay in registers from one word to
// the next; normalize, which calls word and the context's Err, cannot keep
// them there. A letter of a word is one store: every letter but the first
// starts where the one before it ends, so only a repeated letter (a
// collapsed run) is irregular, and so is a run of separators longer than
// one byte.
func plainRun(s string, i, lim int, B []byte, w int, irr []irregular, n, streak int, streakStart *int) (int, int, int, int, int) {
	entry, midWord := i, w > 0 && B[w-1] != Sep
	for i < len(s) {
		if i >= lim {
			return i, w, n, streak, stopLimit
		}
		k := kind[s[i]]
		if k == 0 {
			// a separator
			if w == 0 {
				return i, w, n, streak, stopOther // none at the start
			}
			{
				if B[w-1] == Sep {
					// a run of them: B[w-1] is irregular
					if n > 0 && int(irr[n-1].pos) == w-1 {
						irr[n-1].end = int32(i + 1)
					} else {
						irr[n] = irregular{pos: int32(w - 1), start: int32(i - 1), end: int32(i + 1), run: 1}
						n++
					}
				} else {
					if (w == 1 || B[w-2] == Sep) && joinable(B[w-1]) && lastRun(irr[:n], w) == 1 {
						// a one-character word: the streak goes on
						if streak++; streak == 1 {
							*streakStart = w - 1
						}
						if streak == 3 {
							B[w] = Sep
							return i + 1, w + 1, n, streak, stopStreak
						}
					} else {
						streak = 0
					}
					B[w] = Sep
					w++
				}
			}
			i++
			continue
		}
		if k-'a' >= 26 {
			if k-'0' >= 10 || (w > 0 && B[w-1] != Sep) {
				return i, w, n, streak, stopOther
			}
			ws, ns := w, n
			// A number: leet leaves a word of digits alone, and writes
			// it as put does.
			B[w] = k
			w++
			j := i + 1
			for ; j < len(s); j++ {
				c := kind[s[j]]
				if c-'0' >= 10 {
					k = c
					break
				}
				if c == B[w-1] {
					if n > 0 && int(irr[n-1].pos) == w-1 {
						if x := &irr[n-1]; x.run < 255 {
							x.end, x.run = int32(j+1), x.run+1
						} else {
							x.end = int32(j + 1)
						}
					} else if n < len(irr) {
						irr[n] = irregular{pos: int32(w - 1), start: int32(j - 1), end: int32(j + 1), run: 2}
						n++
					} else {
						return i, ws, ns, streak, stopFull
					}
					continue
				}
				B[w] = c
				w++
			}
			if j == len(s) {
				return j, w, n, streak, stopOther
			}
			if k != 0 {
				// not a plain number: normalize starts it again
				return i, ws, ns, streak, stopOther
			}
			i = j // its separator, written above
			continue
		}
		// A word of ASCII letters, written as it is read.
		B[w] = k
		w++
		last := k
		j := i + 1
		for ; ; j++ {
			if j == len(s) {
				// (returned here, so that after the loop k is always
				// the byte that ended the letters and last need not be
				// kept for it)
				return j, w, n, streak, stopOther
			}
			k = kind[s[j]]
			if k-'a' >= 26 {
				break
			}
			if k == last {
				// a collapsed run: B[w-1] is irregular
				if n > 0 && int(irr[n-1].pos) == w-1 {
					if x := &irr[n-1]; x.run < 255 {
						x.end, x.run = int32(j+1), x.run+1
					} else {
						x.end = int32(j + 1)
					}
				} else if n < len(irr) {
					irr[n] = irregular{pos: int32(w - 1), start: int32(j - 1), end: int32(j + 1), run: 2}
					n++
				} else {
					ws, ns := unwrite(s, i, j, w, irr[:n])
					return i, ws, ns, streak, stopFull
				}
				continue
			}
			B[w] = k
			w++
			last = k
		}
		if k == 0 {
			i = j // its separator, written above
			continue
		}
		if k != '\'' && curly(s, j) == 0 {
			// not a plain word: normalize starts it again
			ws, ns := unwrite(s, i, j, w, irr[:n])
			return i, ws, ns, streak, stopOther
		}
		if i == entry && midWord {
			// (only the first word can follow a byte other than Sep)
			ws, ns := unwrite(s, i, j, w, irr[:n])
			return i, ws, ns, streak, stopOther
		}
		// An apostrophe: a word of ASCII letters and apostrophes (ASCII
		// or ’: "don't", "I’m") that a separator or the end follows is
		// written as leet writes it (put for a letter; the apostrophe of
		// a final "n't" dropped, any other one a separator, as sep writes
		// it).
		e := j
		for e < len(s) {
			if c := kind[s[e]]; c-'a' < 26 || c == '\'' {
				e++
			} else if n := curly(s, e); n > 0 {
				e += n
			} else {
				break
			}
		}
		if e < len(s) && kind[s[e]] != 0 {
			// not a plain word: normalize starts it again
			ws, ns := unwrite(s, i, j, w, irr[:n])
			return i, ws, ns, streak, stopOther
		}
		if len(irr)-n < e-j {
			// (a byte of the rest makes at most one irregular byte)
			ws, ns := unwrite(s, i, j, w, irr[:n])
			return i, ws, ns, streak, stopFull
		}
		pe := int32(j) // the end of B[w-1]'s span
		for j < e {
			c := kind[s[j]]
			if c-'a' < 26 {
				if c == B[w-1] {
					if n > 0 && int(irr[n-1].pos) == w-1 {
						if x := &irr[n-1]; x.run < 255 {
							x.end, x.run = int32(j+1), x.run+1
						} else {
							x.end = int32(j + 1)
						}
					} else {
						irr[n] = irregular{pos: int32(w - 1), start: pe - 1, end: int32(j + 1), run: 2}
						n++
					}
				} else {
					B[w] = c
					if int32(j) != pe {
						irr[n] = irregular{pos: int32(w), start: int32(j), end: int32(j + 1), run: 1}
						n++
					}
					w++
				}
				j++
				pe = int32(j)
				continue
			}
			size := 1 // the apostrophe's
			if c != '\'' {
				size = 3 // ’
			}
			a := j
			j += size
			if j+1 == e && kind[s[a-1]] == 'n' && kind[s[j]] == 't' {
				continue // dropped in "n't": "don't" → "dont"
			}
			if B[w-1] == Sep {
				if n > 0 && int(irr[n-1].pos) == w-1 {
					irr[n-1].end = int32(j)
				} else {
					irr[n] = irregular{pos: int32(w - 1), start: pe - 1, end: int32(j), run: 1}
					n++
				}
				pe = int32(j)
				continue
			}
			streak3 := false
			if (w == 1 || B[w-2] == Sep) && joinable(B[w-1]) && lastRun(irr[:n], w) == 1 {
				// a one-character word: the streak goes on
				if streak++; streak == 1 {
					*streakStart = w - 1
				}
				streak3 = streak == 3
			} else {
				streak = 0
			}
			B[w] = Sep
			if int32(a) != pe || j != a+1 {
				irr[n] = irregular{pos: int32(w), start: int32(a), end: int32(j), run: 1}
				n++
			}
			pe = int32(j)
			w++
			if streak3 {
				// normalize appends the streak and goes on with the
				// rest of the word as a word of its own, which leet
				// would write the same way
				return j, w, n, streak, stopStreak
			}
		}
		i = e // a separator, or the end
	}
	return i, w, n, streak, stopOther
}

// unwrite returns where plainRun began to write the word of ASCII letters
// s[i:j], and the irregular bytes before it in irr (w bytes are written):
// the word made one byte for each run of one letter.
func unwrite(s string, i, j, w int, irr []irregular) (ws, n int) {
	ws = w
	for p := i; p < j; p++ {
		if p == i || kind[s[p]] != kind[s[p-1]] {
			ws--
		}
	}
	n = len(irr)
	for n > 0 && int(irr[n-1].pos) >= ws {
		n--
	}
	return ws, n
}

// curly returns 3 when s[i:] starts with ’ (U+2019, the apostrophe phones
// type), else 0.
func curly(s string, i int) int {
	if i+2 < len(s) && s[i] == 0xE2 && s[i+1] == 0x80 && s[i+2] == 0x99 {
		return 3
	}
	return 0
}

// nonWord handles the rune at s[i] when it does not start a word: it writes
// a separator for it, or drops an ignorable rune, and returns its size. It
// returns 0 when the rune starts a word.
func (n *Normalizer) nonWord(s string, i int, o *out) int {
	r, size := utf8.DecodeRuneInString(s[i:])
	switch {
	case r == utf8.RuneError && size <= 1:
		o.sep(int32(i), int32(i+size))
	case ignorable(r):
		// removed; it neither joins nor separates
	case !apostrophe(r) && !n.wordRune(r):
		o.sep(int32(i), int32(i+size))
	default:
		return 0
	}
	return size
}

// nonWordMarkup handles the '&' or '<' at s[i] when it does not start a
// word: a separator for it (the whole reference or tag when it is one), or
// nothing for a reference to an ignorable character. It returns the bytes
// handled, or 0 when a reference to a word character starts a word there.
func (n *Normalizer) nonWordMarkup(s string, i int, o *out) int {
	r, size := markup(s, i)
	switch {
	case size == 0:
		o.sep(int32(i), int32(i+1))
		return 1
	case ignorable(r):
		return size
	case n.markupWord(r):
		return 0
	}
	o.sep(int32(i), int32(i+size))
	return size
}

// markupWord reports whether a character reference to r is part of a word.
func (n *Normalizer) markupWord(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiKind[r] != 0
	}
	return apostrophe(r) || n.wordRune(r)
}

// wordRune reports whether the non-ASCII rune r is part of a word (folds to
// ASCII, or is a letter or number); ignorable runes and apostrophes are
// checked first.
func (n *Normalizer) wordRune(r rune) bool {
	if _, ok := n.fold[r]; ok {
		return true
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r)
}

// word is passes 1 and 2 for the word that starts at s[i]: it collects the
// word's atoms up to the next separator, applies leetspeak and apostrophes,
// and writes the result to o. It returns where the word ends.
func (n *Normalizer) word(s string, i int, o *out) int {
	ab, as, ae := n.ab[:0], n.as[:0], n.ae[:0]
loop:
	for i < len(s) {
		c := s[i]
		var r rune
		var size int
		if c < utf8.RuneSelf {
			k := asciiKind[c]
			if k == 0 {
				if c != '&' {
					break
				}
				if r, size = markup(s, i); size == 0 {
					break
				}
				if r < utf8.RuneSelf {
					// A reference to an ASCII character: its atom, or the
					// end of the word.
					if k = asciiKind[r]; k == 0 {
						break
					}
					ab, as, ae = append(ab, k), append(as, int32(i)), append(ae, int32(i+size))
					i += size
					continue
				}
			} else {
				ab, as, ae = append(ab, k), append(as, int32(i)), append(ae, int32(i+1))
				i++
				continue
			}
		} else {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		switch {
		case r == utf8.RuneError && size <= 1:
			break loop
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
				break loop
			}
		}
		i += size
	}
	n.ab, n.as, n.ae = ab, as, ae
	o.reserve(len(ab) + len(s) - i + 1)
	n.leet(o)
	return i
}

func isLetterAtom(c byte) bool { return (c >= 'a' && c <= 'z') || c == Other }
func isAlnumAtom(c byte) bool  { return isLetterAtom(c) || (c >= '0' && c <= '9') }

func isWordAtom(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == Other || c == '$' || c == '@' || c == '!' || c == '|'
}

var leetDigit = [10]byte{'o', Amb, '2', 'e', 'a', 's', '6', 't', '8', '9'}

// leet is pass 2 for the one word in n.ab: leetspeak and apostrophes.
func (n *Normalizer) leet(o *out) {
	a := n.ab
	letters, digits, special := 0, 0, false
	for _, c := range a {
		if isLetterAtom(c) {
			letters++
		} else if c >= '0' && c <= '9' {
			digits++
		} else {
			special = true
		}
	}
	if !special && (digits == 0 || letters == 0) {
		// plain word or plain number, copied as is
		for k, c := range a {
			o.put(c, n.as[k], n.ae[k])
		}
		return
	}
	// Leet only inside words that are mostly letters: "sh1t", "a55",
	// "h4te", but not "151s" or "mp3s".
	hasLetter := letters > 0 && 2*letters >= digits
	j := len(a)
	for k, c := range a {
		s, e := n.as[k], n.ae[k]
		switch {
		case isLetterAtom(c):
			o.put(c, s, e)
		case c >= '0' && c <= '9':
			if hasLetter {
				c = leetDigit[c-'0']
			}
			o.put(c, s, e)
		case c == '$' || c == '@':
			if hasLetter && k+1 < j && isWordAtom(a[k+1]) && a[k+1] != '!' && a[k+1] != '|' {
				if c == '$' {
					c = 's'
				} else {
					c = 'a'
				}
				o.put(c, s, e)
			} else {
				o.sep(s, e)
			}
		case c == '!' || c == '|':
			if hasLetter && k > 0 && k+1 < j && isAlnumAtom(a[k-1]) && isAlnumAtom(a[k+1]) {
				o.put(Amb, s, e)
			} else {
				o.sep(s, e)
			}
		case c == '\'':
			if k > 0 && k+2 == j && a[k-1] == 'n' && a[k+1] == 't' {
				continue // dropped in "n't": "don't" → "dont"
			}
			o.sep(s, e)
		default:
			o.sep(s, e)
		}
	}
}

// joinable reports whether c may be part of a spelled-out word.
func joinable(c byte) bool {
	return (c >= 'a' && c <= 'z') || c == Amb || c == '0' || c == '1' || c == '3' || c == '4' || c == '5' || c == '7'
}

// joiner is the state of joinChains: the bytes written and the
// irregular ones among them (to), and the end of the last one's span.
type joiner struct {
	B  []byte
	to []irregular
	w  int
	pe int32
}

// emit writes the byte c for the original bytes [s, e) with run ru.
func (j *joiner) emit(c byte, s, e int32, ru uint8) {
	j.B[j.w] = c
	if s != j.pe || e != s+1 || ru != 1 {
		j.to = append(j.to, irregular{pos: int32(j.w), start: s, end: e, run: int32(ru)})
	}
	j.pe = e
	j.w++
}

// shortSep reports whether the separator at old.B[k] is short and on one
// line.
func (n *Normalizer) shortSep(old *Result, k int) bool {
	s, e := old.Start(k), old.End(k)
	if e-s > 3 {
		return false
	}
	return !strings.ContainsAny(n.src[s:e], "\r\n")
}

// sameSep reports whether the separators at old.B[a] and old.B[b] are the
// same original text ("f.u.c.k" joins, "k.i.l.l m.y" stops at the space).
func (n *Normalizer) sameSep(old *Result, a, b int) bool {
	return n.src[old.Start(a):old.End(a)] == n.src[old.Start(b):old.End(b)]
}

// single reports whether old.B[k] is a one-character word that may be
// joined (in the run-collapsed stream: a word of one byte with run 1).
func single(old *Result, k int) bool {
	return k < len(old.B) && old.B[k] != Sep && joinable(old.B[k]) && (k+1 == len(old.B) || old.B[k+1] == Sep) && old.Run(k) == 1
}

// joinChains is the joining half of pass 3: three or more one-character
// words with the same short separator between them become one word
// ("f.u.c.k" → "fuck"). Chains lie inside streaks of one-character words,
// whose starts Normalize collected in o.streaks; joinChains rewrites each
// streak in place and moves the bytes between streaks down. The stream only
// gets shorter, so reads stay ahead of writes. The irregular bytes are
// written to a new list (the Normalizer's spare one, copied back at the
// end): those between
// streaks are moved down with their bytes (each still follows the same
// span: a streak's rewriting ends with the separator it ended with), and
// those of a streak are found again as it is written.
func (n *Normalizer) joinChains(o *out) {
	end := o.w
	// the stream as it was, read only: its bytes are read ahead of the
	// ones written, and its irregular bytes are not changed
	old := &Result{B: o.B[:end], irr: o.irr}
	first := o.streaks[0]
	oi := old.find(first-1) + 1 // o.irr[:oi] are before the first streak
	jn := joiner{B: o.B, to: append(n.spare[:0], o.irr[:oi]...)}
	w, i := first, first
	for _, st := range o.streaks {
		if w != i {
			copy(o.B[w:], o.B[i:st])
		}
		for ; oi < len(o.irr) && int(o.irr[oi].pos) < st; oi++ {
			x := o.irr[oi]
			x.pos -= int32(i - w)
			jn.to = append(jn.to, x)
		}
		w += st - i
		i = st
		jn.w, jn.pe = w, 0
		if st > 0 {
			jn.pe = old.End(st - 1)
		}
		prevSep := true // a streak starts a word
		for i < end {
			c := old.B[i]
			if c != Sep && prevSep {
				if !single(old, i) {
					break // end of the streak
				}
				if j, ok := n.chain(old, i); ok {
					for k := i; k <= j; k += 2 {
						c, s, e := old.B[k], old.Start(k), old.End(k)
						if c >= '0' && c <= '9' {
							c = leetDigit[c-'0']
						}
						if jn.w > 0 && o.B[jn.w-1] == c {
							extend(&jn.to, jn.w, jn.pe, e, true)
							jn.pe = e
							continue
						}
						jn.emit(c, s, e, 1)
					}
					i, prevSep = j+1, false
					continue
				}
			}
			jn.emit(c, old.Start(i), old.End(i), old.Run(i))
			i++
			prevSep = c == Sep
		}
		w = jn.w
		for oi < len(o.irr) && int(o.irr[oi].pos) < i {
			oi++ // rewritten above
		}
	}
	if w != i {
		copy(o.B[w:], o.B[i:end])
	}
	for ; oi < len(o.irr); oi++ {
		x := o.irr[oi]
		x.pos -= int32(i - w)
		jn.to = append(jn.to, x)
	}
	o.w = w + end - i
	// back into o.irr's array, which the caller owns (Text.Reset shares
	// one array among fields)
	o.irr = append(o.irr[:0], jn.to...)
	n.spare = jn.to[:0]
}

// chain reports whether a spelled-out word ("f.u.c.k") starts with the
// one-character word at i, and where its last character is.
func (n *Normalizer) chain(old *Result, i int) (last int, ok bool) {
	j, count, letters := i, 0, 0
	for {
		count++
		if old.B[j] >= 'a' && old.B[j] <= 'z' {
			letters++
		}
		if j+2 < len(old.B) && n.shortSep(old, j+1) && single(old, j+2) && (j == i || n.sameSep(old, i+1, j+1)) {
			j += 2
			continue
		}
		break
	}
	return j, count >= 3 && letters >= 2
}
