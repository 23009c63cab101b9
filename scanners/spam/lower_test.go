package spam

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lychgate/lychgate/message"
)

// lowerCount is lowerCountTo into a new string, for the tests.
func lowerCount(s string) (string, letterCounts) {
	var b strings.Builder
	var n letterCounts
	lowerCountTo(&b, s, &n)
	return b.String(), n
}

// lowerASCII is the lower-cased text of lowerCount, for the tests.
func lowerASCII(s string) string {
	l, _ := lowerCount(s)
	return l
}

// refRuleText is the rule text before lower-casing as newCheckCtx built
// it before it wrote the body lower-cased in one copy: the reference of
// TestCheckCtxBodyEqualsReference.
func refRuleText(m *message.Message) string {
	var b strings.Builder
	for _, t := range m.Texts {
		if t.PartID != "" && strings.Contains(t.PartID, "/") {
			continue
		}
		if b.Len() < maxRuleText {
			b.WriteString(t.Content[:min(len(t.Content), maxRuleText-b.Len())])
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// rawText is the rule text before lower-casing, for the tests.
func (c *checkCtx) rawText() string {
	var b strings.Builder
	for _, sp := range c.spans {
		b.WriteString(sp.ruleText())
		b.WriteByte('\n')
	}
	return b.String()
}

// lowerASCIIBytewise and writeLowerASCIIBytewise are lowerASCII and
// writeLowerASCII as they were before the eight-byte words, the
// references of TestLowerCountEqualsReference (with refLowerASCII and
// refCapsRatio in phrases_test.go).
func lowerASCIIBytewise(s string) string {
	i := 0
	for i < len(s) && (s[i] < 'A' || s[i] > 'Z') {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	writeLowerASCIIBytewise(&b, s)
	return b.String()
}

func writeLowerASCIIBytewise(b *strings.Builder, s string) {
	var buf [512]byte
	for len(s) > 0 {
		n := copy(buf[:], s)
		for i, c := range buf[:n] {
			if c-'A' < 26 {
				buf[i] = c + 'a' - 'A'
			}
		}
		b.Write(buf[:n])
		s = s[n:]
	}
}

// checkLower compares lowerCount and writeLowerASCII on s with the
// references.
func checkLower(t *testing.T, name, s string) {
	t.Helper()
	low, n := lowerCount(s)
	if want := refLowerASCII(s); low != want || low != lowerASCIIBytewise(s) {
		t.Errorf("%s (%d bytes): lowerCount lower-cases differently from the reference", name, len(s))
	}
	if u, l := refCapsRatio(s); n.upper != u || n.letters != l || textCounts(s) != n {
		t.Errorf("%s (%d bytes): lowerCount counts %d letters %d capitals, reference %d %d, textCounts %+v", name, len(s), n.letters, n.upper, l, u, textCounts(s))
	}
	var b, ref strings.Builder
	writeLowerASCII(&b, s)
	writeLowerASCIIBytewise(&ref, s)
	if b.String() != ref.String() {
		t.Errorf("%s (%d bytes): writeLowerASCII differs from the bytewise reference", name, len(s))
	}
}

// TestLowerCountEqualsReference: lowering and counting eight bytes at a
// time gives what the bytewise lowering and the rune loop gave, for every
// byte value at every place of a word, characters cut by the 512-byte
// chunks, broken UTF-8, and every corpus message's raw bytes and rule
// text when the corpus is present.
func TestLowerCountEqualsReference(t *testing.T) {
	t.Parallel()
	for c := range 256 {
		for at := range 17 {
			b := []byte(strings.Repeat("aZ", 9))
			b[at] = byte(c)
			checkLower(t, "byte", string(b))
			b = []byte(strings.Repeat("m", 17))
			b[at] = byte(c)
			checkLower(t, "byte", string(b))
		}
	}
	for _, r := range []string{"É", "ǅ", "ß", "€", "𝔸", "\u212a", "\xff", "\xc3", "\xe2\x82", "\xf0\x9d\x94"} {
		for pad := 500; pad < 520; pad++ {
			for _, fill := range []string{"x", "X", "é"} {
				s := strings.Repeat(fill, pad/len(fill)) + r + strings.Repeat("Ab", 300) + r
				checkLower(t, "chunk edge "+r, s)
				checkLower(t, "chunk edge "+r, s[:pad])
			}
		}
	}
	for _, s := range []string{"", "A", "a", "@[`{", "already lower-case text, with digits 0123456789 and ümlauts", strings.Repeat("ÀÉÎ straße ", 200)} {
		checkLower(t, "case", s)
	}
	now := time.Unix(1700000000, 0)
	for _, f := range corpusFiles(t) {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		checkLower(t, f+" (raw)", string(raw))
		c := newCheckCtx(message.Parse(context.Background(), raw, message.Limits{}), inbound, now, nil)
		checkLower(t, f, c.rawText())
		if t.Failed() {
			return
		}
	}
}

// TestCheckCtxBodyEqualsReference: the body newCheckCtx writes
// lower-cased from the texts, its letter counts and the GTUBE check of
// the texts are those of the joined text it once built first, on written
// messages (several parts, one past the length bound, GTUBE in the second
// part, capitals and non-ASCII) and on every corpus message when present.
func TestCheckCtxBodyEqualsReference(t *testing.T) {
	t.Parallel()
	part := func(ct, body string) string {
		return "--b\r\nContent-Type: " + ct + "\r\n\r\n" + body + "\r\n"
	}
	head := "From: a@example.org\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
	raws := [][]byte{
		[]byte(head + part("text/plain", "Hello WORLD, Ünïcödé ÀÉÎ") + part("text/html", "<p>SECOND part "+gtube+"</p>") + "--b--\r\n"),
		[]byte(head + part("text/plain", strings.Repeat("Long TEXT é ", maxRuleText/10)) + part("text/plain", "after the bound") + "--b--\r\n"),
		[]byte(head + part("text/plain", "GTUBE split "+gtube[:30]) + part("text/plain", gtube[30:]) + "--b--\r\n"),
		[]byte("Subject: none\r\n\r\n"),
		// a long ASCII text (the lanes of countLetters are added up
		// every 255 words)
		[]byte(head + part("text/plain", strings.Repeat("La DE da de DA 17.\r\n", 2000)) + "--b--\r\n"),
		// phrases in capitals, in later spans, and cut by the span boundary
		[]byte(head + part("text/plain", "Dear FRIEND, CLICK HERE!! now click") + part("text/plain", " here, RISK FREE $$$ Act Now!!!") + part("text/plain", "") + part("text/plain", "UNSUBSCRIBE € 1 MILLION dollars") + "--b--\r\n"),
	}
	for _, f := range corpusFiles(t) {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		raws = append(raws, raw)
	}
	now := time.Unix(1700000000, 0)
	gtubes := 0
	for i, raw := range raws {
		m := message.Parse(context.Background(), raw, message.Limits{})
		c := newCheckCtx(m, inbound, now, nil)
		ref := refRuleText(m)
		if c.rawText() != ref || c.lowerBody() != refLowerASCII(ref) || c.counts != textCounts(ref) || c.textHasGTUBE() != containsGTUBE(ref) {
			t.Fatalf("message %d: body, counts or GTUBE differ from the reference (%d / %d bytes)", i, len(c.lowerBody()), len(ref))
		}
		// phrases() walks the spans unlowered with the folding automaton;
		// the reference is the walk of bodyPhrases over the lower-cased
		// body, as before, and strings.Index of each phrase.
		want := make([]int, len(phraseList))
		bodyPhrases.firstAt(refLowerASCII(ref), want)
		if got := c.phrases(); !slices.Equal(got, want) {
			t.Fatalf("message %d: phrases() = %v, the lower-cased body gives %v", i, got, want)
		}
		for id, p := range phraseList {
			if want[id] != strings.Index(refLowerASCII(ref), p) {
				t.Fatalf("message %d: phrase %q at %d, strings.Index %d", i, p, want[id], strings.Index(refLowerASCII(ref), p))
			}
		}
		if c.textHasGTUBE() {
			gtubes++
		}
	}
	if gtubes == 0 {
		t.Error("no message had GTUBE in its text")
	}
}

// TestCountLettersEqualsTextCounts: countLetters counts what textCounts
// (and lowerCountTo) count, at every length and alignment around the
// eight-byte words and the lanes' 255-word limit.
func TestCountLettersEqualsTextCounts(t *testing.T) {
	base := strings.Repeat("Hello WORLD, Ünïcödé ÀÉÎ xyz! 123 ", 80) + strings.Repeat("ASCII only Text ", 200)
	for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 100, 2039, 2040, 2041, 2048, 4095, len(base)} {
		for off := 0; off < 3; off++ {
			s := base[min(off, len(base)):min(off+n, len(base))]
			var got, lc letterCounts
			countLetters(s, &got)
			var b strings.Builder
			lowerCountTo(&b, s, &lc)
			if want := textCounts(s); got != want || lc != want {
				t.Fatalf("length %d at %d: countLetters %+v, lowerCountTo %+v, textCounts %+v", n, off, got, lc, want)
			}
		}
	}
}
