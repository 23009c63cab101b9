package relay

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// refDotData is RFC 5321 §4.5.2 read literally: the data ends at the first
// CRLF "." CRLF (the CRLF may be the start of the stream); the content is
// everything before that line, split into CRLF lines, each line that starts
// with "." losing that dot. It returns the content and what follows.
func refDotData(s []byte) (content, rest []byte, ok bool) {
	x := append([]byte("\r\n"), s...)
	i := bytes.Index(x, []byte("\r\n.\r\n"))
	if i < 0 {
		return nil, nil, false
	}
	body := x[2 : i+2]
	lines := bytes.Split(body, []byte("\r\n"))
	lines = lines[:len(lines)-1] // body is empty or ends in CRLF
	for _, l := range lines {
		l = bytes.TrimPrefix(l, []byte("."))
		content = append(content, l...)
		content = append(content, '\r', '\n')
	}
	return content, x[i+5:], true
}

// refLongLine reports a line (between LFs, CRs not counted) over max.
func refLongLine(content []byte, max int) bool {
	for _, l := range bytes.Split(content, []byte("\n")) {
		if len(l)-bytes.Count(l, []byte("\r")) > max {
			return true
		}
	}
	return false
}

// chunkReader returns at most n bytes per Read.
type chunkReader struct {
	r io.Reader
	n int
}

func (c chunkReader) Read(p []byte) (int, error) {
	if len(p) > c.n {
		p = p[:c.n]
	}
	return c.r.Read(p)
}

func checkDataReader(t *testing.T, in []byte, chunk int, lim dataLimits) {
	t.Helper()
	var src io.Reader = bytes.NewReader(in)
	if chunk <= 1 {
		src = iotest.OneByteReader(src)
	} else {
		src = chunkReader{src, chunk}
	}
	br := bufio.NewReaderSize(src, 16)
	got, res, err := readDotData(br, lim)
	want, wantRest, ok := refDotData(in)
	if !ok {
		if err == nil {
			t.Fatalf("readDotData(%q) ended the data, reference finds no end", in)
		}
		return
	}
	if err != nil {
		t.Fatalf("readDotData(%q) = error %v, reference ends with %q", in, err, want)
	}
	rest, _ := io.ReadAll(br)
	if !bytes.Equal(rest, wantRest) {
		t.Fatalf("readDotData(%q) left %q, want %q", in, rest, wantRest)
	}
	wantLarge := lim.maxBytes > 0 && int64(len(want)) > lim.maxBytes
	wantLong := lim.maxLine > 0 && refLongLine(want, lim.maxLine)
	if res.tooLarge != wantLarge || res.longLine != wantLong {
		t.Fatalf("readDotData(%q) limits %+v = %+v, want tooLarge=%v longLine=%v", in, lim, res, wantLarge, wantLong)
	}
	if wantLarge || wantLong {
		if got != nil {
			t.Fatalf("readDotData(%q) kept a refused message", in)
		}
		return
	}
	wantClean, wantBare, wantNUL := want, false, false
	if lim.bare != keepAll {
		wantClean, wantBare, wantNUL = cleanRef(want, lim.bare == fix, lim.nul == fix)
	}
	// Refused when the reference refuses; which reason is named may differ
	// (the reference checks NULs first, the reader names what came first).
	if res.bare || res.nul {
		hasNUL := bytes.IndexByte(want, 0) >= 0
		if res.nul && !hasNUL || res.bare && !hasBareLineEnding(bytes.ReplaceAll(want, []byte{0}, nil)) || !wantBare && !wantNUL {
			t.Fatalf("readDotData(%q) %+v = %+v, want bare=%v nul=%v", in, lim, res, wantBare, wantNUL)
		}
	} else if wantBare || wantNUL {
		t.Fatalf("readDotData(%q) %+v = %+v, want bare=%v nul=%v", in, lim, res, wantBare, wantNUL)
	}
	if wantBare || wantNUL {
		if got != nil {
			t.Fatalf("readDotData(%q) kept a refused message", in)
		}
		return
	}
	b, err := got.load()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, wantClean) {
		t.Fatalf("readDotData(%q) %+v = %q, want %q", in, lim, b, wantClean)
	}
}

func TestReadDotData(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in, want, rest string
	}{
		{"empty message", ".\r\n", "", ""},
		{"one line", "a\r\n.\r\nQUIT\r\n", "a\r\n", "QUIT\r\n"},
		{"dot stuffed", "..a\r\n..\r\n.\r\n", ".a\r\n.\r\n", ""},
		{"CR CR LF before the end", "ends CR CR LF\r\r\n.\r\nQUIT\r\n", "ends CR CR LF\r\r\n", "QUIT\r\n"},
		{"dot CR then other byte", "line\r\n.\rX\r\n.\r\n", "line\r\n\rX\r\n", ""},
		{"dot CR CR LF", "a\r\n.\r\r\n.\r\n", "a\r\n\r\r\n", ""},
		{"LF dot LF is data", "a\n.\nb\r\n.\r\n", "a\n.\nb\r\n", ""},
		{"CR dot CR LF is data", "a\r.\r\nb\r\n.\r\n", "a\r.\r\nb\r\n", ""},
		{"NUL before dot", "a\r\n\x00.\r\n.\r\n", "a\r\n\x00.\r\n", ""},
		{"dot NUL", "a\r\n.\x00\r\n.\r\n", "a\r\n\x00\r\n", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			br := bufio.NewReaderSize(strings.NewReader(tc.in), 16)
			msg, _, err := readDotData(br, dataLimits{})
			var got []byte
			if err == nil {
				got, _ = msg.load()
			}
			rest, _ := io.ReadAll(br)
			if err != nil || string(got) != tc.want || string(rest) != tc.rest {
				t.Errorf("readDotData(%q) = %q, rest %q, %v; want %q, rest %q", tc.in, got, rest, err, tc.want, tc.rest)
			}
			checkDataReader(t, []byte(tc.in), 1, dataLimits{})
		})
	}
	t.Run("no end", func(t *testing.T) {
		t.Parallel()
		if _, _, err := readDotData(bufio.NewReader(strings.NewReader("a\r\n.\rb")), dataLimits{}); err == nil {
			t.Error("readDotData without end of data = nil error")
		}
	})
}

// FuzzDataReader drives readDotData with random line endings, dots and
// NULs, in random read sizes and with limits, against refDotData.
func FuzzDataReader(f *testing.F) {
	for _, s := range []string{
		".\r\n", "a\r\n.\r\n", "\r\r\n.\r\n", "\r\n.\rX\r\n.\r\n", "\n.\n.\r\n", "\x00.\r\n\r\n.\r\n",
		"..\r\n.\r\n", "\r\n.\r\r\n.\r\n", "x\r\n.\x00\r\n.\r\nMAIL FROM:<a@b>\r\n",
	} {
		f.Add([]byte(s), false, uint8(1), uint8(0))
	}
	f.Add([]byte{0, 1, 2, 3, 4, 2, 1, 0, 0, 1, 2, 0, 1}, true, uint8(3), uint8(2))
	f.Fuzz(func(t *testing.T, in []byte, dense bool, chunk, limit uint8) {
		if dense {
			// Map each byte onto the interesting alphabet.
			const alpha = "\r\n.\x00a"
			b := make([]byte, len(in))
			for i, c := range in {
				b[i] = alpha[int(c)%len(alpha)]
			}
			in = b
		}
		lim := dataLimits{}
		if limit > 0 {
			lim = dataLimits{maxBytes: int64(limit), maxLine: int(limit % 17)}
		}
		// The cleaning policies in turn, decided by the read size: framing
		// alone, then each of refuse/fix for bare line endings and NULs.
		switch chunk % 5 {
		case 1:
			lim.bare, lim.nul = refuse, refuse
		case 2:
			lim.bare, lim.nul = fix, refuse
		case 3:
			lim.bare, lim.nul = refuse, fix
		case 4:
			lim.bare, lim.nul = fix, fix
		}
		if limit%3 == 1 {
			// Through a spool file from the first bytes.
			lim.spoolAt, lim.spoolDir = 1, t.TempDir()
		}
		checkDataReader(t, in, int(chunk%20), lim)
		if !bytes.HasSuffix(in, []byte("\r\n.\r\n")) {
			// Make sure most inputs end, so the content path is compared.
			checkDataReader(t, append(in, "\r\n.\r\n"...), int(chunk%20), lim)
		}
	})
}

// BenchmarkReadDotData reads a 1 MiB message of 78-byte lines, some
// dot-stuffed.
func BenchmarkReadDotData(b *testing.B) {
	var buf bytes.Buffer
	for buf.Len() < 1<<20 {
		buf.WriteString(strings.Repeat("x", 76) + "\r\n..stuffed line\r\n")
	}
	buf.WriteString(".\r\n")
	in := buf.Bytes()
	b.SetBytes(int64(len(in)))
	r := bytes.NewReader(in)
	br := bufio.NewReaderSize(r, readBufferSize)
	for b.Loop() {
		r.Reset(in)
		br.Reset(r)
		if _, _, err := readDotData(br, dataLimits{maxBytes: 25 << 20, maxLine: defaultMaxLineBytes}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadDotDataSmall reads a 10 KB message (lychgate-bench row 2's
// size) arriving 4 KiB at a time, as a socket gives it in pieces.
func BenchmarkReadDotDataSmall(b *testing.B) {
	var buf bytes.Buffer
	for buf.Len() < 10<<10 {
		buf.WriteString(strings.Repeat("x", 76) + "\r\n")
	}
	buf.WriteString(".\r\n")
	in := buf.Bytes()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	br0 := bytes.NewReader(in)
	r := chunkReader{r: br0, n: 4096}
	br := bufio.NewReaderSize(r, readBufferSize)
	for b.Loop() {
		br0.Reset(in)
		br.Reset(r)
		if _, _, err := readDotData(br, dataLimits{maxBytes: 25 << 20, maxLine: defaultMaxLineBytes}); err != nil {
			b.Fatal(err)
		}
	}
}
