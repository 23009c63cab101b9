package message

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// qpCases are written cases for TestDecodeCleanQPEqualsReader: soft and
// hard line breaks with and without CR, trailing white space, escapes in
// both cases, bare CR, and inputs decodeCleanQP leaves to the Reader.
var qpCases = []string{
	"", "a", "a\n", "a\r\n", "a=\r\nb", "a=\nb", "a=3D=41=4a\r\n", "a=3d\n",
	"trailing  \t\r\nspaces \n", "  \n\t\r\n", "bare\rcr\r\n", "a \t=\r\nb",
	"=", "a=", "a=\r", "a= \r\n", "a=4\n", "=4=\n", "==41\n", "x=\r\r\n",
	"caf=C3=A9 cr=E8me=\r\n br=FBl=E9e\r\n", "\x80high\n", "ctl\x01\n",
	strings.Repeat("x", 5000) + "\n", strings.Repeat("y=\n", 100),
}

// checkQP compares decodeCleanQP with mime/quotedprintable's Reader on
// what decodeQP gives them (cleanQP's output for an unclean body).
func checkQP(t *testing.T, name string, b []byte) bool {
	t.Helper()
	clean := b
	if !qpClean(b) {
		clean = cleanQP(b)
	}
	want, werr := decodeQPReader(clean)
	got, ok := decodeCleanQP(clean)
	if !ok {
		return false
	}
	if werr != nil || !bytes.Equal(got, want) {
		t.Errorf("%s: decodeCleanQP(%.80q) = %.80q; Reader %.80q, %v", name, clean, got, want, werr)
	}
	return true
}

func TestDecodeCleanQPEqualsReader(t *testing.T) {
	t.Parallel()
	for _, c := range qpCases {
		checkQP(t, c, []byte(c))
		// Written cases as they are, too (not only cleaned).
		if got, ok := decodeCleanQP([]byte(c)); ok {
			if want, err := decodeQPReader([]byte(c)); err != nil || !bytes.Equal(got, want) {
				t.Errorf("decodeCleanQP(%.80q) = %.80q; Reader %.80q, %v", c, got, want, err)
			}
		}
	}
	// Every corpus message's body read as quoted-printable: real line
	// structure, white space and '=' in every position.
	files, decoded := corpusFiles(t, corpusDir), 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		_, body := HeaderEnd(raw)
		if checkQP(t, f, raw[min(body, len(raw)):]) {
			decoded++
		}
	}
	t.Logf("%d of %d corpus bodies decoded by decodeCleanQP", decoded, len(files))
}

func FuzzDecodeQP(f *testing.F) {
	for _, c := range qpCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkQP(t, "fuzz", b)
		checkQPReference(t, "fuzz", b)
		if got, ok := decodeCleanQP(b); ok {
			if want, err := decodeQPReader(b); err != nil || !bytes.Equal(got, want) {
				t.Errorf("decodeCleanQP(%q) = %q; Reader %q, %v", b, got, want, err)
			}
		}
	})
}
