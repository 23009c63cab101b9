package nexthop_test

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/nexthop"
)

func fold(t testing.TB, in string, limit, chunk int) string {
	t.Helper()
	var out bytes.Buffer
	f := nexthop.NewFoldWriter(&out, limit)
	b := []byte(in)
	for len(b) > 0 {
		n := min(chunk, len(b))
		if w, err := f.Write(b[:n]); err != nil || w != n {
			t.Fatalf("Write = %d, %v, want %d, nil", w, err, n)
		}
		b = b[n:]
	}
	if err := f.Flush(); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func TestFoldWriter(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in, want string
	}{
		{"short lines unchanged", "Subject: hi\r\n\r\nbody\r\n", "Subject: hi\r\n\r\nbody\r\n"},
		{"exactly the limit", "0123456789abcdef\r\n", "0123456789abcdef\r\n"},
		{"bare LF kept", "line\nnext", "line\nnext"},
		{"no final line ending", "0123456789abcdefghij", "0123456789abcdef\r\n ghij"},
		{"fold before the last blank", "abc defgh ijklmnop qrs\r\n", "abc defgh\r\n ijklmnop qrs\r\n"},
		{"tab is a blank", "abc\tdefghijklmnopq\r\n", "abc\r\n\tdefghijklmnopq\r\n"},
		{"no blank: break and insert a space", "0123456789abcdefghij\r\n", "0123456789abcdef\r\n ghij\r\n"},
		{"leading blanks do not count", "   456789abcdefghij\r\n", "   456789abcdefg\r\n hij\r\n"},
		{"quoted-printable escape kept whole", "0123456789abcd=3Dxyz\r\n", "0123456789abcd\r\n =3Dxyz\r\n"},
		{"quoted-printable escape, = last", "0123456789abcde=3D\r\n", "0123456789abcde\r\n =3D\r\n"},
		{"utf-8 sequence kept whole", "0123456789abcdeé\r\n", "0123456789abcde\r\n é\r\n"},
		{"bare CR is content", "0123456789abcdef\rg\r\n", "0123456789abcdef\r\n \rg\r\n"},
		{"long line then short lines", strings.Repeat("x", 40) + "\r\nok\r\n",
			"xxxxxxxxxxxxxxxx\r\n xxxxxxxxxxxxxxx\r\n xxxxxxxxx\r\nok\r\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, chunk := range []int{1, 3, 1 << 20} {
				if got := fold(t, tc.in, 16, chunk); got != tc.want {
					t.Errorf("fold(%q, 16) in chunks of %d = %q, want %q", tc.in, chunk, got, tc.want)
				}
			}
		})
	}
}

func TestFoldWriterMIME(t *testing.T) {
	t.Parallel()
	// A header made of words unfolds to itself.
	hdr := "Subject: " + strings.TrimSpace(strings.Repeat("safeguarding review notes ", 100))
	got := fold(t, hdr+"\r\n", 78, 1<<20)
	checkLines(t, got, 78)
	if unfolded := strings.ReplaceAll(strings.TrimSuffix(got, "\r\n"), "\r\n", ""); unfolded != hdr {
		t.Errorf("unfolded header = %q, want %q", unfolded, hdr)
	}
	// Base64 in one long line decodes to the same bytes.
	data := make([]byte, 5000)
	for i := range data {
		data[i] = byte(i * 7)
	}
	b64 := base64.StdEncoding.EncodeToString(data)
	got = fold(t, b64+"\r\n", 76, 1000)
	checkLines(t, got, 76)
	dec, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(got), ""))
	if err != nil || !bytes.Equal(dec, data) {
		t.Errorf("folded base64 decodes to %d bytes, %v; want the original %d", len(dec), err, len(data))
	}
}

func checkLines(t *testing.T, s string, limit int) {
	t.Helper()
	for l := range strings.SplitSeq(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if len(l) > limit {
			t.Errorf("line of %d octets, want at most %d: %q", len(l), limit, l)
		}
	}
}

// stripBlanks drops what folding may add.
func stripBlanks(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, s)
}

func TestFoldWriterRandom(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := "ab= \t\r\né€"
	for i := range 200 {
		var b strings.Builder
		for range r.IntN(400) {
			if r.IntN(20) == 0 {
				b.WriteString("\r\n")
				continue
			}
			b.WriteByte(alphabet[r.IntN(len(alphabet))])
		}
		in := b.String()
		limit := 16 + r.IntN(40)
		whole := fold(t, in, limit, 1<<20)
		if got := fold(t, in, limit, 1+r.IntN(7)); got != whole {
			t.Fatalf("case %d: chunked output differs from whole: %q vs %q", i, got, whole)
		}
		checkFolded(t, in, whole, limit)
	}
}

// checkFolded holds for any input: every line within the limit, and only
// blanks and line breaks added.
func checkFolded(t *testing.T, in, out string, limit int) {
	t.Helper()
	for l := range strings.SplitSeq(out, "\n") {
		l = strings.TrimSuffix(l, "\r")
		if len(l) > limit {
			t.Fatalf("fold(%q, %d): line of %d octets: %q", in, limit, len(l), l)
		}
	}
	if stripBlanks(out) != stripBlanks(in) {
		t.Fatalf("fold(%q, %d) = %q: changed more than blanks and line breaks", in, limit, out)
	}
}

func FuzzFoldWriter(f *testing.F) {
	f.Add([]byte("Subject: a b c\r\n\r\nbody\r\n"), 16, 3)
	f.Add([]byte(strings.Repeat("=3D", 30)+"\r\n"), 20, 1)
	f.Add([]byte("\r\r\n\n\r"+strings.Repeat("é", 40)), 17, 5)
	f.Fuzz(func(t *testing.T, in []byte, limit, chunk int) {
		limit = 16 + abs(limit)%200
		chunk = 1 + abs(chunk)%64
		whole := fold(t, string(in), limit, 1<<30)
		if got := fold(t, string(in), limit, chunk); got != whole {
			t.Fatalf("chunked output differs: %q vs %q", got, whole)
		}
		checkFolded(t, string(in), whole, limit)
	})
}

func abs(n int) int {
	if n < 0 {
		if n == -n { // math.MinInt
			return 0
		}
		return -n
	}
	return n
}

func BenchmarkFoldWriter(b *testing.B) {
	short := strings.Repeat("an ordinary line of a message body, well within limits\r\n", 20000)
	long := strings.Repeat("x", 1<<20)
	blanks := "x" + strings.Repeat(" ", 1<<20)
	for _, bc := range []struct{ name, in string }{{"short lines", short}, {"one 1MiB line", long}, {"1MiB of blanks", blanks}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.in)))
			for b.Loop() {
				fold(b, bc.in, 998, 32<<10)
			}
		})
	}
}
