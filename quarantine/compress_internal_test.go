package quarantine

import (
	"bytes"
	"compress/flate"
	"os"
	"path/filepath"
	"testing"
)

// corpusMessages reads the SpamAssassin corpus messages (real mail, mixed
// sizes) or skips when ../shared/corpus is absent.
func corpusMessages(tb testing.TB) [][]byte {
	tb.Helper()
	var files []string
	for _, d := range []string{"../../shared/corpus", "../../../shared/corpus"} { // beside a main checkout or a worktree
		if files, _ = filepath.Glob(filepath.Join(d, "spamassassin/*/*")); len(files) > 0 {
			break
		}
	}
	if len(files) == 0 {
		tb.Skip("../shared/corpus is absent (CI has it); skipping the corpus compression check")
	}
	if len(files) > 1000 {
		files = files[:1000]
	}
	var out [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// TestCompressRoundTripCorpus: every corpus message (with a header
// prepended) comes back byte for byte through decompress, the reader that
// also reads entries stored at any earlier compression level.
func TestCompressRoundTripCorpus(t *testing.T) {
	t.Parallel()
	header := []byte("Received: from x by y; Tue, 1 Dec 2026 10:00:00 +0000\r\n")
	for i, raw := range corpusMessages(t) {
		packed, err := compress(header, raw)
		if err != nil {
			t.Fatalf("message %d: compress: %v", i, err)
		}
		got, err := decompress(string(packed), len(header)+len(raw))
		if err != nil {
			t.Fatalf("message %d: decompress: %v", i, err)
		}
		if want := append(append([]byte(nil), header...), raw...); !bytes.Equal(got, want) {
			t.Fatalf("message %d: round trip differs", i)
		}
	}
}

// TestDecompressDefaultLevel: entries written before the level changed
// (flate.DefaultCompression) still read back.
func TestDecompressDefaultLevel(t *testing.T) {
	t.Parallel()
	raw := bytes.Repeat([]byte("Some ordinary line of mail text, repeated.\r\n"), 500)
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.DefaultCompression)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write(raw)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := decompress(buf.String(), len(raw))
	if err != nil || !bytes.Equal(got, raw) {
		t.Fatalf("decompress(default-level entry) = %d bytes, %v; want the %d bytes written", len(got), err, len(raw))
	}
}

// BenchmarkCompressCorpus compresses corpus messages one per iteration in
// turn, as PutWithHeader does; it reports the stored size as a fraction
// of the raw size (ratio).
func BenchmarkCompressCorpus(b *testing.B) {
	msgs := corpusMessages(b)
	var in, out int64
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		raw := msgs[i%len(msgs)]
		i++
		packed, err := compress(nil, raw)
		if err != nil {
			b.Fatal(err)
		}
		in += int64(len(raw))
		out += int64(len(packed))
	}
	b.ReportMetric(float64(out)/float64(in), "ratio")
}
