package nexthop

import (
	"bytes"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// viaWriters is what Txn.Data sends for header and body without the plain
// shortcut: the FoldWriter (limit > 0) and the dot-stuffer, end of data
// included.
func viaWriters(t testing.TB, header, body []byte, limit int) []byte {
	t.Helper()
	var out bytes.Buffer
	ds := newDotStuffer(&out)
	defer ds.release()
	var w io.Writer = ds
	var fw *FoldWriter
	if limit > 0 {
		fw = NewFoldWriter(w, limit)
		w = fw
	}
	if err := writeAll(w, header, io.NewSectionReader(bytes.NewReader(body), 0, int64(len(body)))); err != nil {
		t.Fatal(err)
	}
	if fw != nil {
		if err := fw.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	if err := ds.finish(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// checkPlain fails t when plainContent takes header and body as they are
// but the writers would send something else than them and the end-of-data
// line.
func checkPlain(t testing.TB, header, body []byte, limit int) bool {
	t.Helper()
	if !plainContent(header, body, limit) {
		return false
	}
	want := viaWriters(t, header, body, limit)
	got := append(append(append([]byte(nil), header...), body...), dotEnd...)
	if !bytes.Equal(got, want) {
		t.Errorf("plainContent(%.80q, %.80q, %d) = true, but the writers send %.120q, not %.120q", header, body, limit, want, got)
	}
	return true
}

// plainCases are contents at the edges of plainContent, split into header
// and body at every offset.
var plainCases = []string{
	"",
	"\r\n",
	"Subject: x\r\n\r\nbody\r\n",
	"Subject: x\r\n\r\nbody",
	"Subject: x\r\n\r\n.hidden\r\n",
	"Subject: x\r\n\r\na\r\n.\r\n",
	"Subject: x\r\n\r\n..\r\n",
	"Subject: x\n\nbare LF\n",
	"Subject: x\r\n\r\nbare\rCR\r\n",
	"Subject: x\r\n\r\nends with CR\r",
	"Subject: x\r\n\r\nCRCRLF\r\r\n",
	"Subject: x\r\n\r\n" + strings.Repeat("x", 16) + "\r\n",
	"Subject: x\r\n\r\n" + strings.Repeat("x", 17) + "\r\n",
	"Subject: " + strings.Repeat("long header ", 3) + "\r\n\r\nshort\r\n",
	"Subject: x\r\n\r\n\r\n\r\n",
	"Subject: x\r\n\r\nline\r\n\r\n.\r\n\r\n",
}

func TestPlainContentEqualsWriters(t *testing.T) {
	t.Parallel()
	plain := 0
	for _, c := range plainCases {
		for cut := 0; cut <= len(c); cut++ {
			for _, limit := range []int{-1, 16, 998} {
				if checkPlain(t, []byte(c[:cut]), []byte(c[cut:]), limit) {
					plain++
				}
			}
		}
	}
	// Random texts over an alphabet of line endings, dots and letters.
	r := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte("\r\n\r\n.ab")
	for range 20000 {
		in := make([]byte, r.IntN(60))
		for j := range in {
			in[j] = alphabet[r.IntN(len(alphabet))]
		}
		cut := r.IntN(len(in) + 1)
		if checkPlain(t, in[:cut], in[cut:], 16) {
			plain++
		}
	}
	if plain == 0 {
		t.Fatal("plainContent took no case")
	}
}

// TestPlainContentCorpus compares over the corpus, in CRLF as the relay
// forwards it, with a Received line in front as the relay's copies have.
func TestPlainContentCorpus(t *testing.T) {
	t.Parallel()
	var files []string
	for _, d := range []string{"../../shared/corpus", "../../../shared/corpus"} {
		if files, _ = filepath.Glob(filepath.Join(d, "spamassassin", "*", "*")); len(files) > 0 {
			break
		}
	}
	if len(files) == 0 {
		t.Skip("../shared/corpus/spamassassin is absent (CI has it)")
	}
	hdr := []byte("Received: from client.example.com by relay.test with ESMTP id 1; Wed, 2 Dec 2026 00:00:00 +0000\r\n")
	plain := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		crlf := bytes.ReplaceAll(bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
		if checkPlain(t, hdr, crlf, DefaultMaxLineLength) {
			plain++
		}
		checkPlain(t, nil, raw, DefaultMaxLineLength)
	}
	t.Logf("%d of %d corpus messages are written as they are", plain, len(files))
}

func TestInMemory(t *testing.T) {
	t.Parallel()
	b := []byte("0123456789")
	if got, ok := inMemory(io.NewSectionReader(Bytes(b), 2, 5)); !ok || string(got) != "23456" {
		t.Errorf("inMemory(section 2+5 of Bytes) = %q, %v, want \"23456\", true", got, ok)
	}
	if _, ok := inMemory(io.NewSectionReader(bytes.NewReader(b), 0, 10)); ok {
		t.Error("inMemory(section of a bytes.Reader) = true, want false")
	}
	if got, ok := inMemory(io.NewSectionReader(Bytes(b), 8, 5)); ok {
		t.Errorf("inMemory(section past the end) = %q, true, want false", got)
	}
}

func FuzzPlainContent(f *testing.F) {
	for _, c := range plainCases {
		f.Add([]byte(c), uint8(len(c)/2))
	}
	f.Fuzz(func(t *testing.T, in []byte, cut uint8) {
		k := min(int(cut), len(in))
		checkPlain(t, in[:k], in[k:], 16)
		checkPlain(t, in[:k], in[k:], -1)
	})
}
