package message

import (
	"bytes"
	"os"
	"testing"

	"golang.org/x/text/encoding/charmap"
)

// checkDecodeSingleByte fails when decodeSingleByte differs from x/text's
// decoder on b, for each charmap with a table.
func checkDecodeSingleByte(t *testing.T, b []byte) {
	t.Helper()
	for cm := range singleByteTables {
		got, gerr := decodeSingleByte(cm, b)
		want, werr := cm.NewDecoder().Bytes(b)
		if !bytes.Equal(got, want) || (got == nil) != (want == nil) || (gerr == nil) != (werr == nil) {
			t.Errorf("decodeSingleByte(%v, %q) = %q, %v; x/text %q, %v", cm, b, got, gerr, want, werr)
		}
	}
}

// TestDecodeSingleByteEqualsXText compares the table decoder with x/text
// on every byte, written cases and the corpus messages' bytes.
func TestDecodeSingleByteEqualsXText(t *testing.T) {
	t.Parallel()
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	for _, b := range [][]byte{nil, {}, all, []byte("caf\xe9 \x80 \x81\x8d\x8f\x90\x9d \xff"), []byte("plain ascii")} {
		checkDecodeSingleByte(t, b)
	}
	for i := range all {
		checkDecodeSingleByte(t, all[i:i+1])
	}
	// A high byte at every offset of ASCII runs read eight bytes at a
	// time (asciiPrefix), and two of them close together.
	for n := range 26 {
		for k := range n {
			b := bytes.Repeat([]byte("a"), n)
			b[k] = 0xe9
			checkDecodeSingleByte(t, b)
			if k+3 < n {
				b[k+3] = 0x80
				checkDecodeSingleByte(t, b)
			}
		}
	}
	if got, _ := decodeSingleByte(charmap.CodePage437, []byte("\x80")); string(got) != "\u00c7" {
		t.Errorf("decodeSingleByte(CodePage437) = %q, want the x/text answer", got)
	}
	for i, f := range corpusFiles(t, corpusDir) {
		if i%corpusStride() != 0 {
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatalf("read %s: %v", f, err)
		}
		checkDecodeSingleByte(t, raw)
	}
}

func FuzzDecodeSingleByte(f *testing.F) {
	f.Add([]byte("caf\xe9 \x80"))
	f.Fuzz(func(t *testing.T, b []byte) { checkDecodeSingleByte(t, b) })
}
