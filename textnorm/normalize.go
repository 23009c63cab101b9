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
	// came from. Start and End are non-decreasing; 0 <= Start[i] <= End[i]
	// <= len(src).
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
	// atoms of the word being normalised on the general path
	ab      []byte
	as, ae  []int32
	res     Result
	src     string
	streaks []int
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

// out is the stream being written: the Result's slices at full length, the
// number of bytes written, and the state of the search for runs of
// one-character words (see joinChains).
type out struct {
	B      []byte
	St, En []int32
	Ru     []uint8
	w      int
	// streak counts one-character joinable words in a row and streakStart
	// is where the streak began; streaks lists the starts of the streaks of
	// three or more (joinChains looks only at those).
	streak, streakStart int
	streaks             []int
	// grew is set when reserve had to move the stream to new arrays.
	grew bool
}

// endWord updates the streak for the word that ends at o.w-1.
func (o *out) endWord() {
	w := o.w
	if o.Ru[w-1] == 1 && (w == 1 || o.B[w-2] == Sep) && joinable(o.B[w-1]) {
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

// sep writes a separator for the original bytes [s, e): none at the start,
// and one for a run of them.
func (o *out) sep(s, e int32) {
	w := o.w
	if w == 0 {
		return
	}
	if o.B[w-1] == Sep {
		o.En[w-1] = e
		return
	}
	o.endWord()
	o.B[w], o.St[w], o.En[w], o.Ru[w] = Sep, s, e, 1
	o.w++
}

// put writes the word byte c for the original bytes [s, e), folding it into
// the previous byte when it repeats it.
func (o *out) put(c byte, s, e int32) {
	w := o.w
	if w > 0 && o.B[w-1] == c {
		o.En[w-1] = e
		if o.Ru[w-1] < 255 {
			o.Ru[w-1]++
		}
		return
	}
	o.B[w], o.St[w], o.En[w], o.Ru[w] = c, s, e, 1
	o.w++
}

// reserve makes room for n more bytes.
func (o *out) reserve(n int) {
	if o.w+n <= len(o.B) {
		return
	}
	size := 2 * (o.w + n)
	B, St, En, Ru := make([]byte, size), make([]int32, size), make([]int32, size), make([]uint8, size)
	copy(B, o.B[:o.w])
	copy(St, o.St[:o.w])
	copy(En, o.En[:o.w])
	copy(Ru, o.Ru[:o.w])
	o.B, o.St, o.En, o.Ru = B, St, En, Ru
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
		n.res = Result{B: n.res.B[:0], Start: n.res.Start[:0], End: n.res.End[:0], Run: n.res.Run[:0]}
		return nil, err
	}
	return &n.res, nil
}

// ctxBytes is how many bytes of input normalize reads between two checks
// of its context.
const ctxBytes = 64 << 10

// normalize is Normalize writing into r's arrays: from their start up to
// their capacity, in place when that is at least len(s)+16 bytes (as
// Text.Reset arranges), else in new arrays. It reports whether the result
// is in r's arrays as they were given. When ctx can be done it checks it
// every ctxBytes of s, and returns its error once it is done.
func (n *Normalizer) normalize(ctx context.Context, s string, r *Result) (inPlace bool, err error) {
	if n.fold == nil {
		n.fold = folds()
	}
	n.src = s
	inPlace = true
	// Every input byte makes at most one output byte, except folded runes
	// (word reserves room for those).
	if size := len(s) + 16; cap(r.B) < size || cap(r.Start) < size || cap(r.End) < size || cap(r.Run) < size {
		size += size / 4
		r.B, r.Start, r.End, r.Run = make([]byte, size), make([]int32, size), make([]int32, size), make([]uint8, size)
		inPlace = false
	}
	o := out{B: r.B[:cap(r.B)], St: r.Start[:cap(r.Start)], En: r.End[:cap(r.End)], Ru: r.Run[:cap(r.Run)], streaks: n.streaks[:0]}
	B, St, En, Ru := o.B, o.St, o.En, o.Ru
	w := 0
	check := len(s)        // where the context is next checked
	if ctx.Done() != nil { // a context that can never be done is not checked
		check = 0
	}
	for i := 0; i < len(s); {
		if i >= check {
			if err := ctx.Err(); err != nil {
				n.streaks = o.streaks
				return false, err
			}
			check = i + ctxBytes
		}
		var stop int
		i, w, stop = plainRun(s, i, check, B, St, En, Ru, w, &o)
		switch stop {
		case stopStreak:
			o.streaks = append(o.streaks, o.streakStart)
			continue
		case stopLimit:
			continue
		}
		if i == len(s) {
			break
		}
		// s[i] starts a word that is not plain ASCII letters, or a rune
		// or markup that may or may not start one.
		switch kind[s[i]] {
		case nonASCII:
			o.w = w
			if size := n.nonWord(s, i, &o); size > 0 {
				w = o.w
				i += size
				continue
			}
		case markupKind:
			o.w = w
			if size := n.nonWordMarkup(s, i, &o); size > 0 {
				w = o.w
				i += size
				continue
			}
		}
		o.w = w
		if e := alnumWord(s, i, &o); e > i {
			i = e
		} else {
			i = n.word(s, i, &o)
		}
		B, St, En, Ru, w = o.B, o.St, o.En, o.Ru, o.w
	}
	o.w = w
	if w > 0 {
		if B[w-1] == Sep {
			o.w-- // no trailing separator
		} else {
			o.endWord()
		}
	}
	if len(o.streaks) > 0 {
		n.joinChains(&o)
	}
	n.streaks = o.streaks
	r.B, r.Start, r.End, r.Run = o.B[:o.w], o.St[:o.w], o.En[:o.w], o.Ru[:o.w]
	return inPlace && !o.grew, nil
}

// How plainRun stopped.
const (
	stopOther  = iota // at the end of s, or at a byte it leaves to normalize
	stopLimit         // at lim, between two words or separators
	stopStreak        // after a one-character word that made a streak of three
)

// plainRun is normalize's fast path: from s[i], at the start of a word or
// separator, it writes the words of plain ASCII letters that an ASCII
// separator follows, and the ASCII separators, straight into the arrays
// (as word and sep would write them: letters lower-cased and
// run-collapsed, a run of separators one Sep, none at the start), with
// w bytes written so far and the streak of one-character words in
// o.streak and o.streakStart (see out.endWord; plainRun reads nothing else
// of o). It returns where it stopped,
// the bytes written, and why: at i == len(s) or at a byte it leaves to
// normalize (a word with other bytes, which it starts again there, or
// a byte that is no ASCII letter or separator) with stopOther; at lim with
// stopLimit; after a one-character word that made a streak of three, whose
// start normalize must append to the streaks, with stopStreak.
//
// It calls nothing, so that its values stay in registers from one word to
// the next; normalize, which calls word and the context's Err, cannot
// keep them there.
func plainRun(s string, i, lim int, B []byte, St, En []int32, Ru []uint8, w int, o *out) (int, int, int) {
	// The four arrays cut to one length: one bounds check for the four
	// stores.
	n := min(len(B), len(St), len(En), len(Ru))
	B, St, En, Ru = B[:n], St[:n], En[:n], Ru[:n]
	// lim, o and the start of the word being written (in s and in B)
	// are read only outside the letter loop, and are kept in memory (an
	// array of more than one element is never in registers): in a
	// register, the compiler restores them at every letter, two or three
	// loads a letter.
	var mem [3]int
	mem[0] = lim
	po := [2]*out{o}
	for uint(i) < uint(len(s)) { // unsigned: this alone proves s[i] in range
		if i >= mem[0] {
			return i, w, stopLimit
		}
		k := kind[s[i]]
		if k == 0 {
			// a separator
			if w > 0 {
				if B[w-1] == Sep {
					En[w-1] = int32(i + 1)
				} else {
					if Ru[w-1] == 1 && (w == 1 || B[w-2] == Sep) && joinable(B[w-1]) {
						// a one-character word: the streak goes on
						if po[0].streak++; po[0].streak == 1 {
							po[0].streakStart = w - 1
						}
						if po[0].streak == 3 {
							B[w], St[w], En[w], Ru[w] = Sep, int32(i), int32(i+1), 1
							return i + 1, w + 1, stopStreak
						}
					} else {
						po[0].streak = 0
					}
					B[w], St[w], En[w], Ru[w] = Sep, int32(i), int32(i+1), 1
					w++
				}
			}
			i++
			continue
		}
		if k-'a' >= 26 {
			if k-'0' >= 10 || (w > 0 && B[w-1] != Sep) {
				return i, w, stopOther
			}
			// A number: leet leaves a word of digits alone, and writes
			// it as put does.
			ws := w
			B[w], St[w], En[w], Ru[w] = k, int32(i), int32(i+1), 1
			w++
			j := i + 1
			for ; j < len(s); j++ {
				c := kind[s[j]]
				if c-'0' >= 10 {
					k = c
					break
				}
				if c == B[w-1] {
					En[w-1] = int32(j + 1)
					if Ru[w-1] < 255 {
						Ru[w-1]++
					}
					continue
				}
				B[w], St[w], En[w], Ru[w] = c, int32(j), int32(j+1), 1
				w++
			}
			if j == len(s) {
				return j, w, stopOther
			}
			if k != 0 {
				return i, ws, stopOther // not a plain number: normalize starts it again
			}
			i = j // its separator, written above
			continue
		}
		// A word of ASCII letters, written as it is read.
		mem[1], mem[2] = w, i
		B[w], St[w], En[w], Ru[w] = k, int32(i), int32(i+1), 1
		w++
		last := k
		j := i + 1
		for uint(j) < uint(len(s)) {
			k = kind[s[j]]
			if k-'a' >= 26 {
				goto ended
			}
			if k == last {
				En[w-1] = int32(j + 1)
				if Ru[w-1] < 255 {
					Ru[w-1]++
				}
				j++
				continue
			}
			B[w], St[w], En[w], Ru[w] = k, int32(j), int32(j+1), 1
			w++
			last = k
			j++
		}
		// (returned here, so that after the loop k is always the byte
		// that ended the letters and last need not be kept for it)
		return j, w, stopOther
	ended:
		if k == 0 {
			if j-mem[2] >= 2 {
				// The separator after a word of two letters or more, as
				// the separator case above writes it, without going
				// round the loop: such a word is written as two bytes or
				// more, or as one with a run above 1, so it is no
				// one-character word and the streak ends. (A word that
				// ends at lim or after it returns at j+1, not at j: still
				// between two words or separators, as stopLimit needs.)
				po[0].streak = 0
				B[w], St[w], En[w], Ru[w] = Sep, int32(j), int32(j+1), 1
				w++
				i = j + 1
				continue
			}
			i = j // its separator, written above
			continue
		}
		i = mem[2]
		ws := mem[1]
		if (k != '\'' && curly(s, j) == 0) || (ws > 0 && B[ws-1] != Sep) {
			return i, ws, stopOther // not a plain word: normalize starts it again
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
			return i, ws, stopOther // not a plain word: normalize starts it again
		}
		for j < e {
			c := kind[s[j]]
			if c-'a' < 26 {
				if c == B[w-1] {
					En[w-1] = int32(j + 1)
					if Ru[w-1] < 255 {
						Ru[w-1]++
					}
				} else {
					B[w], St[w], En[w], Ru[w] = c, int32(j), int32(j+1), 1
					w++
				}
				j++
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
				En[w-1] = int32(j)
				continue
			}
			streak3 := false
			if Ru[w-1] == 1 && (w == 1 || B[w-2] == Sep) && joinable(B[w-1]) {
				// a one-character word: the streak goes on
				if po[0].streak++; po[0].streak == 1 {
					po[0].streakStart = w - 1
				}
				streak3 = po[0].streak == 3
			} else {
				po[0].streak = 0
			}
			B[w], St[w], En[w], Ru[w] = Sep, int32(a), int32(j), 1
			w++
			if streak3 {
				// normalize appends the streak and goes on with the
				// rest of the word as a word of its own, which leet
				// would write the same way
				return j, w, stopStreak
			}
		}
		i = e // a separator, or the end
	}
	return i, w, stopOther
}

// alnumWord writes the word at s[i] as word would when it is a word of
// ASCII letters and digits mixed ("2nite", "b4", "x1y2z3", order numbers
// and ids) that an ASCII separator or the end of s follows: what leet does
// with such a word (its digits read as letters when letters are at least
// half of the rest), without collecting the atoms first. It returns where
// the word ends, or i when the word is not one of those; then nothing is
// written.
func alnumWord(s string, i int, o *out) int {
	letters, digits := 0, 0
	e := i
	for ; e < len(s); e++ {
		switch k := kind[s[e]]; {
		case k-'a' < 26:
			letters++
		case k-'0' < 10:
			digits++
		case k == 0:
			goto word
		default:
			return i
		}
	}
word:
	if e == i {
		return i
	}
	o.reserve(len(s) - i + 1) // as word reserves: the word's atoms and the rest
	leet := letters > 0 && 2*letters >= digits
	atom := func(j int) byte {
		c := kind[s[j]]
		if leet && c-'0' < 10 {
			c = leetDigit[c-'0']
		}
		return c
	}
	// As put writes each byte, a run of one byte at a time: the run's
	// first byte folded into the previous one or written, the rest of the
	// run counted (put stops counting at 255).
	w := o.w
	for j := i; j < e; {
		c := atom(j)
		r := j + 1
		for r < e && atom(r) == c {
			r++
		}
		if w > 0 && o.B[w-1] == c {
			o.En[w-1] = int32(r)
			o.Ru[w-1] = uint8(min(int(o.Ru[w-1])+r-j, 255))
		} else {
			o.B[w], o.St[w], o.En[w], o.Ru[w] = c, int32(j), int32(r), uint8(min(r-j, 255))
			w++
		}
		j = r
	}
	o.w = w
	return e
}

// curly returns 3 when s[i:] starts with ’ (U+2019, the apostrophe phones
// type), else 0. (It compares a string: with s[i] read as a byte, the
// compiler kept the byte plainRun's letter loop had read at i in a stack
// slot, one store a letter, to reuse it here.)
func curly(s string, i int) int {
	if i < len(s) && strings.HasPrefix(s[i:], "’") {
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

// shortSep reports whether the separator at o.B[k] is short and on one line.
func (n *Normalizer) shortSep(o *out, k int) bool {
	s, e := o.St[k], o.En[k]
	if e-s > 3 {
		return false
	}
	return !strings.ContainsAny(n.src[s:e], "\r\n")
}

// sameSep reports whether the separators at o.B[a] and o.B[b] are the same
// original text ("f.u.c.k" joins, "k.i.l.l m.y" stops at the space).
func (n *Normalizer) sameSep(o *out, a, b int) bool {
	return n.src[o.St[a]:o.En[a]] == n.src[o.St[b]:o.En[b]]
}

// single reports whether o.B[k] is a one-character word that may be joined
// (in the run-collapsed stream: a word of one byte with run 1).
func single(o *out, k int) bool {
	return k < o.w && o.B[k] != Sep && o.Ru[k] == 1 && joinable(o.B[k]) && (k+1 == o.w || o.B[k+1] == Sep)
}

// joinChains is the joining half of pass 3: three or more one-character
// words with the same short separator between them become one word
// ("f.u.c.k" → "fuck"). Chains lie inside streaks of one-character words,
// whose starts Normalize collected in o.streaks; joinChains rewrites each
// streak in place and moves the bytes between streaks down. The stream only
// gets shorter, so reads stay ahead of writes.
func (n *Normalizer) joinChains(o *out) {
	end := o.w
	w, i := o.streaks[0], o.streaks[0]
	for _, st := range o.streaks {
		if w != i {
			copy(o.B[w:], o.B[i:st])
			copy(o.St[w:], o.St[i:st])
			copy(o.En[w:], o.En[i:st])
			copy(o.Ru[w:], o.Ru[i:st])
		}
		w += st - i
		i = st
		prevSep := true // a streak starts a word
		for i < end {
			c := o.B[i]
			if c != Sep && prevSep {
				if !single(o, i) {
					break // end of the streak
				}
				if j, ok := n.chain(o, i); ok {
					for k := i; k <= j; k += 2 {
						c, s, e := o.B[k], o.St[k], o.En[k]
						if c >= '0' && c <= '9' {
							c = leetDigit[c-'0']
						}
						if w > 0 && o.B[w-1] == c {
							o.En[w-1] = e
							if o.Ru[w-1] < 255 {
								o.Ru[w-1]++
							}
							continue
						}
						o.B[w], o.St[w], o.En[w], o.Ru[w] = c, s, e, 1
						w++
					}
					i, prevSep = j+1, false
					continue
				}
			}
			o.B[w], o.St[w], o.En[w], o.Ru[w] = c, o.St[i], o.En[i], o.Ru[i]
			w++
			i++
			prevSep = c == Sep
		}
	}
	if w != i {
		copy(o.B[w:], o.B[i:end])
		copy(o.St[w:], o.St[i:end])
		copy(o.En[w:], o.En[i:end])
		copy(o.Ru[w:], o.Ru[i:end])
	}
	o.w = w + end - i
}

// chain reports whether a spelled-out word ("f.u.c.k") starts with the
// one-character word at i, and where its last character is.
func (n *Normalizer) chain(o *out, i int) (last int, ok bool) {
	j, count, letters := i, 0, 0
	for {
		count++
		if o.B[j] >= 'a' && o.B[j] <= 'z' {
			letters++
		}
		if j+2 < o.w && n.shortSep(o, j+1) && single(o, j+2) && (j == i || n.sameSep(o, i+1, j+1)) {
			j += 2
			continue
		}
		break
	}
	return j, count >= 3 && letters >= 2
}
