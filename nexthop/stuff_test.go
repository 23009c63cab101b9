package nexthop

import (
	"bufio"
	"bytes"
	"math/rand/v2"
	"net/textproto"
	"testing"
)

// viaTextproto is what go-smtp's client sends for content: textproto's DotWriter,
// closed (the end-of-data line included).
func viaTextproto(t *testing.T, content []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	bw := bufio.NewWriter(&out)
	dw := textproto.NewWriter(bw).DotWriter()
	if _, err := dw.Write(content); err != nil {
		t.Fatal(err)
	}
	if err := dw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// viaStuffer is what Txn.Data sends: the stuffer's writes, chunked as
// given, and its end.
func viaStuffer(t *testing.T, content []byte, bufSize int, chunks []int) []byte {
	t.Helper()
	var out bytes.Buffer
	d := &dotStuffer{w: &out, buf: make([]byte, 0, bufSize)}
	p := content
	for _, n := range chunks {
		n = min(n, len(p))
		if _, err := d.Write(p[:n]); err != nil {
			t.Fatal(err)
		}
		p = p[n:]
	}
	if _, err := d.Write(p); err != nil {
		t.Fatal(err)
	}
	if err := d.finish(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestDotStufferMatchesTextproto(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, in string }{
		{"empty", ""},
		{"one line", "Subject: x\r\n\r\nbody\r\n"},
		{"no final line ending", "Subject: x\r\n\r\nbody"},
		{"leading dot", ".hidden\r\n"},
		{"dot lines", "a\r\n.\r\n..\r\n.x\r\n"},
		{"bare LF", "a\nb\n.c\n"},
		{"bare CR", "a\rb\r\r\n.\r"},
		{"ends with CR", "text\r"},
		{"ends with CRCRLF", "text\r\r\n"},
		{"dot after bare LF", "x\n.\n"},
		{"only a dot", "."},
		{"only CRLF", "\r\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			want := viaTextproto(t, []byte(tc.in))
			for _, size := range []int{3, 4, 7, 64 << 10} {
				for _, chunks := range [][]int{nil, {1, 1, 1, 1, 1, 1, 1, 1}, {2, 3, 5}} {
					if got := viaStuffer(t, []byte(tc.in), size, chunks); !bytes.Equal(got, want) {
						t.Errorf("stuffed(%q, buf %d, chunks %v) = %q, want %q", tc.in, size, chunks, got, want)
					}
				}
			}
		})
	}
}

// TestDotStufferRandom compares random texts over a small alphabet that is
// mostly line endings and dots.
func TestDotStufferRandom(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("\r\n.a")
	for i := range 2000 {
		in := make([]byte, r.IntN(40))
		for j := range in {
			in[j] = alphabet[r.IntN(len(alphabet))]
		}
		chunks := []int{r.IntN(5), r.IntN(5), r.IntN(5)}
		want := viaTextproto(t, in)
		if got := viaStuffer(t, in, 3+r.IntN(6), chunks); !bytes.Equal(got, want) {
			t.Fatalf("case %d: stuffed(%q, chunks %v) = %q, want %q", i, in, chunks, got, want)
		}
	}
}

// BenchmarkDotStuff compares the stuffer with textproto's DotWriter on a
// 10 KB CRLF message.
func BenchmarkDotStuff(b *testing.B) {
	line := bytes.Repeat([]byte("x"), 76)
	var msg []byte
	for len(msg) < 10<<10 {
		msg = append(append(msg, line...), '\r', '\n')
	}
	b.Run("textproto", func(b *testing.B) {
		bw := bufio.NewWriter(discard{})
		b.SetBytes(int64(len(msg)))
		for b.Loop() {
			dw := textproto.NewWriter(bw).DotWriter()
			_, _ = dw.Write(msg)
			_ = dw.Close()
		}
	})
	b.Run("stuffer", func(b *testing.B) {
		b.SetBytes(int64(len(msg)))
		for b.Loop() {
			d := newDotStuffer(discard{})
			_, _ = d.Write(msg)
			_ = d.finish()
			d.release()
		}
	})
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// FuzzDotStuffer checks that the stuffer sends what textproto's DotWriter
// sends, for any content and buffer size: the end of data and every
// transparency dot are where go-smtp would have put them (no smuggling).
func FuzzDotStuffer(f *testing.F) {
	for _, s := range []string{"", "a\r\n.\r\n", "\n.\n", "x\r\r\n.", ".\r", "a\r\n..\r\n.\r\nb"} {
		f.Add([]byte(s), uint8(3))
	}
	f.Fuzz(func(t *testing.T, in []byte, size uint8) {
		want := viaTextproto(t, in)
		if got := viaStuffer(t, in, 1+int(size), []int{int(size) % 7, 1, int(size) % 3}); !bytes.Equal(got, want) {
			t.Fatalf("stuffed(%q) = %q, want %q", in, got, want)
		}
	})
}
