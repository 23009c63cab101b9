package textnorm

// This file keeps the original three-pass normaliser (before the one-pass
// rewrite) as a reference: the tests check that both give identical results.

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// refNormalizer normalises texts, reusing its buffers.
type refNormalizer struct {
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

// refNewNormalizer returns a refNormalizer.
func refNewNormalizer() *refNormalizer {
	return &refNormalizer{fold: folds()}
}

// Normalize normalises s. The result is valid until the next call.
func (n *refNormalizer) Normalize(s string) *Result {
	if n.fold == nil {
		n.fold = folds()
	}
	n.src = s
	n.atoms(s)
	n.leet()
	n.joinCollapse()
	return &n.res
}

// refAsciiKind maps an ASCII byte to its atom (0 = separator).
var refAsciiKind = func() (t [128]byte) {
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
func (n *refNormalizer) atoms(s string) {
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
		r, size := rune(c), 1
		if c == '&' || c == '<' {
			// A character reference or <br> tag is read as the character
			// it names (a space for the tag), spanning all its bytes.
			if mr, ms := markup(s, i); ms > 0 {
				r, size = mr, ms
			}
		}
		if r < utf8.RuneSelf {
			if k := refAsciiKind[r]; k != 0 {
				ab, as, ae = append(ab, k), append(as, int32(i)), append(ae, int32(i+size))
			} else {
				sep(i, i+size)
			}
			i += size
			continue
		}
		if size == 1 {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
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

func refIsLetterAtom(c byte) bool { return (c >= 'a' && c <= 'z') || c == Other }
func refIsAlnumAtom(c byte) bool  { return refIsLetterAtom(c) || (c >= '0' && c <= '9') }

func refIsWordAtom(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == Other || c == '$' || c == '@' || c == '!' || c == '|'
}

var refLeetDigit = [10]byte{'o', Amb, '2', 'e', 'a', 's', '6', 't', '8', '9'}

func (n *refNormalizer) out(c byte, s, e int32) {
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
func (n *refNormalizer) leet() {
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
			if c := a[j]; refIsLetterAtom(c) {
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
			case refIsLetterAtom(c):
				n.out(c, s, e)
			case c >= '0' && c <= '9':
				if hasLetter {
					c = refLeetDigit[c-'0']
				}
				n.out(c, s, e)
			case c == '$' || c == '@':
				if hasLetter && k+1 < j && refIsWordAtom(a[k+1]) && a[k+1] != '!' && a[k+1] != '|' {
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
				if hasLetter && k > i && k+1 < j && refIsAlnumAtom(a[k-1]) && refIsAlnumAtom(a[k+1]) {
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

// refJoinable reports whether c may be part of a spelled-out word.
func refJoinable(c byte) bool {
	return (c >= 'a' && c <= 'z') || c == Amb || c == '0' || c == '1' || c == '3' || c == '4' || c == '5' || c == '7'
}

// shortSep reports whether the separator at bb[k] is short and on one line.
func (n *refNormalizer) shortSep(k int) bool {
	s, e := n.bs[k], n.be[k]
	if e-s > 3 {
		return false
	}
	return !strings.ContainsAny(n.src[s:e], "\r\n")
}

// sameSep reports whether the separators at bb[a] and bb[b] are the same
// original text ("f.u.c.k" joins, "k.i.l.l m.y" stops at the space).
func (n *refNormalizer) sameSep(a, b int) bool {
	return n.src[n.bs[a]:n.be[a]] == n.src[n.bs[b]:n.be[b]]
}

// joinCollapse is pass 3. Its output is never longer than its input, so
// the result slices are sized once and written by index.
func (n *refNormalizer) joinCollapse() {
	r := &n.res
	b, bs, be := n.bb, n.bs, n.be
	B, St, En, Ru := refGrow(r.B, len(b)), refGrow32(r.Start, len(b)), refGrow32(r.End, len(b)), refGrow(r.Run, len(b))
	w := 0
	for i := 0; i < len(b); {
		c := b[i]
		if c != Sep && (i == 0 || b[i-1] == Sep) && (i+1 == len(b) || b[i+1] == Sep) && refJoinable(c) {
			if j, ok := n.chain(i); ok {
				for k := i; k <= j; k += 2 {
					c := b[k]
					if c >= '0' && c <= '9' {
						c = refLeetDigit[c-'0']
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

func refGrow(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, n, n+n/4)
	}
	return b[:n]
}

func refGrow32(b []int32, n int) []int32 {
	if cap(b) < n {
		return make([]int32, n, n+n/4)
	}
	return b[:n]
}

// chain reports whether a spelled-out word ("f.u.c.k") starts with the
// one-character word at i, and where its last character is.
func (n *refNormalizer) chain(i int) (last int, ok bool) {
	b := n.bb
	single := func(k int) bool {
		return k < len(b) && b[k] != Sep && refJoinable(b[k]) && (k+1 == len(b) || b[k+1] == Sep)
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

// sameResult reports how got differs from the reference result want ("" if
// they are identical).
func sameResult(got, want *Result) string {
	if string(got.B) != string(want.B) {
		return "B = " + strconv.Quote(string(got.B)) + ", want " + strconv.Quote(string(want.B))
	}
	if !slices.Equal(got.Start, want.Start) {
		return "Start differs"
	}
	if !slices.Equal(got.End, want.End) {
		return "End differs"
	}
	if !slices.Equal(got.Run, want.Run) {
		return "Run differs"
	}
	return ""
}

var referenceCases = []string{
	"you&#039;re a liar", "Q: x<br>A: y<BR/>z<br />", "AT&amp;T &quot;q&quot; &lt;&gt; &nbsp;x&nbsp;", "d&#105;ck", "ki&#8203;ll &#8203;x",
	"&#0; &#55296; &#1114112; &#x110000; &#12345678; &#; &#x; &amp &unknown; &", "<", "<br", "a&#x1F600;b &#x44F;&#1103;", "don&#39;t &rsquo;s&#8217;",
	"f&#46;u&#46;c&#46;k", "&#102;&#117;&#99;&#107;", "x&#39;", "&#39;x", "<br><br>&amp;<br>",
	"", "f.u.c.k", "ｆｕｃｋ", "fu\u200bck", "don't", "\xff\xfe", "a b c d e", "ß", "ﬀ", "1!|$@",
	"x a.b.c", "a a a", "1 3 3 7 x", "f u c k you", "k.i.l.l m.e", "f\r\nu\r\nc", "a$ b$ c$",
	"sh1t h4te 151s mp3s a55 $hit sh!t shit! @ss p|ss", "I'm who're don't can't 'n't",
	"fuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuck",
	"ＡＢＣ ｆ ｕ ｃ ｋ", "а б в", "\u200b\u200ba", "a\u200b", "  lead  trail  ", "ⅷⅷⅷ ㏿㏿", "f.f.f", "a.a.b",
	"x\u200b y z", "a_b_c-d", "a . b . c", "a  b  c", "a...b...c", "5 5 5", "a 5 5", "héllo wörld",
	"a1b2c3 a!!b a!b!c $$$ @a a@ a@@b", "Ⅻ ½ ① ⓕⓤⓒⓚ 𝐟𝐮𝐜𝐤",
	// plainRun's numbers and words with apostrophes, and streaks through them
	"a b I'm c", "x y I'm", "a I'm'm b", "i'i'i'i x", "a'a'a'a", "aa'aa a'a", "DON'T DoN`T dOn't", "can''t n't x' 'tis",
	"it's' o'clock", "a b c'd e", "Nn't nnn't nt' n't't", "I'm\u200b don't&amp; don't1 don't!", "don't", "I'm",
	"12 1 2 3 4 5 x", "1 3 3 7", "11 111 0000 5 55 a 5 55555", "2026-12-01 99. 9x x9 1!", "3 4 5a", "0 0 0", "7\r\n7", "12'3",
	"don’t I’m it’s’ can’’t n’t x’ ’tis", "a b I’m c", "i’i’i x y I’m", "DON’T don’t’ n’t’t nn’t", "don’té I’m\u200b don’t&amp;",
	"don’'t don'’t a’b’c’d", "x’", "’", "a\xe2\x80", "a\xe2\x80\x98b a’", "don\u2018t",
	// alnumWord: words of ASCII letters and digits, and the bytes that send them back to word
	"2nite b4 gr8 l8r 0XXXXXXXXX 1XXXX\r\n2XXXX", "ab12 a123 a1234 12ab 1a22 a1b2c3d4 0o0o00 o0o0", "x1 1x 1x1 11x11 a11a a111a",
	"b4é b4\u200b b4&amp; b4' b4’ b4$ b4! b4@ b4|", "a1 b2 c3 d4", "i1 i1 i1 x", "1i1i1i 0O 00OO aa00aa", "4ever\xff 4ever\n4ever",
	"X1Y2 x1y2z3 ABC123 abc123def 9a9a9a9a9a",
	// the separator after a word of two letters or more, which plainRun writes without going round its loop:
	// collapsed words of one letter (no one-character words), streaks around them, runs of separators after them
	"aa b c d", "a bb c d", "a b cc d e", "oo oo oo x", "ab c d e", "a b cd e f g", "xx.y.z.w", "ab\r\n\r\nc d e", "ab ,. c",
	"zz", "zz ", "ab  ", "aB Cd EF gh", "aaaaaaaa b c",
}

func checkReference(t *testing.T, n *Normalizer, ref *refNormalizer, s string) {
	t.Helper()
	got := n.Normalize(s)
	want := ref.Normalize(s)
	if d := sameResult(got, want); d != "" {
		t.Fatalf("Normalize(%q): %s", s, d)
	}
	for i := 1; i < len(want.B); i++ {
		// (Result.Start documents both; safeguarding's aloneSpan relies on it)
		if want.Start[i] < want.Start[i-1] || want.End[i] < want.End[i-1] {
			t.Fatalf("Normalize(%q): byte %d: span [%d,%d) before the previous one's [%d,%d)", s, i, want.Start[i], want.End[i], want.Start[i-1], want.End[i-1])
		}
	}
}

// TestNormalizeReference checks the one-pass normaliser against the original
// three-pass one, on tricky cases and on the ham corpus.
func TestNormalizeReference(t *testing.T) {
	t.Parallel()
	n, ref := NewNormalizer(), refNewNormalizer()
	for _, s := range referenceCases {
		checkReference(t, n, ref, s)
	}
	files := corpusFiles("spamassassin/*/*")
	// every third file of ham and spam: enough variety, and quick under -race
	for i := range len(files) / 3 {
		files[i] = files[3*i]
	}
	files = files[:len(files)/3]
	if testing.Short() && len(files) > 300 {
		files = files[:300]
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		checkReference(t, n, ref, string(raw))
	}
	t.Logf("%d corpus files", len(files))
}

// FuzzNormalizeReference compares the one-pass normaliser with the original.
func FuzzNormalizeReference(f *testing.F) {
	for _, s := range referenceCases {
		f.Add(s)
	}
	n, ref := NewNormalizer(), refNewNormalizer()
	f.Fuzz(func(t *testing.T, s string) {
		checkReference(t, n, ref, s)
	})
}

// corpusFiles globs pattern in ../shared/corpus beside a main checkout or
// beside a worktree.
func corpusFiles(pattern string) []string {
	for _, d := range []string{"../../shared/corpus", "../../../shared/corpus"} {
		if files, _ := filepath.Glob(filepath.Join(d, pattern)); len(files) > 0 {
			return files
		}
	}
	return nil
}
