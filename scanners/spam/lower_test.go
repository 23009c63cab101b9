package spam

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/lychgate/lychgate/message"
)

// lowerASCII is the lower-cased text of lowerCount, for the tests.
func lowerASCII(s string) string {
	l, _ := lowerCount(s)
	return l
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
		checkLower(t, f, c.bodyRaw)
		if c.body != refLowerASCII(c.bodyRaw) || c.counts != textCounts(c.bodyRaw) {
			t.Errorf("%s: checkCtx body or counts differ from the reference", f)
		}
		if t.Failed() {
			return
		}
	}
}

// TestLowerCountNoCopy: a text without ASCII capitals is returned as it
// is, and one with them is copied once.
func TestLowerCountNoCopy(t *testing.T) {
	plain := strings.Repeat("no capitals here, ünïcödé too. ", 50)
	if n := testing.AllocsPerRun(10, func() { _, _ = lowerCount(plain) }); n != 0 {
		t.Errorf("lowerCount of a text without capitals allocates %v times, want 0", n)
	}
	caps := plain + "A"
	if n := testing.AllocsPerRun(10, func() { _, _ = lowerCount(caps) }); n != 1 {
		t.Errorf("lowerCount of a text with a capital allocates %v times, want 1", n)
	}
}
