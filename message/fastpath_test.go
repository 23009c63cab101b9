package message

import (
	"bytes"
	"fmt"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var dateCases = []string{
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Tue, 03 Dec 2002 10:00:00 -0500 (EST)",
	"  Wed, 4 Dec 2002 10:00:00 +0000 (GMT) trailing",
	"Wed, 4 Dec 2002 10:00:00 +0000 (unbalanced",
	"Wed, 4 Dec 2002 10:00:00 +0000 (a\\) (b (c)) )",
	"Wed, 4 Dec 2002 10:00 +0000",
	"Wed, 4 Dec 02 10:00:00 +0000",
	"4 Dec 2002 10:00:00 +0000",
	"04 Dec 2002 10:00:00 +0000 (GMT)",
	"4 Dec 02 10:00:00 +0000",
	"4 Dec 2002 10:00 +0000",
	"4 Dec 2002 10:00:00 -0000 (x",
	"4 Dec 2002 10:00:00 MST",
	"31 Feb 2002 10:00:00 +0000",
	"2002-12-04T10:00:00+00:00",
	"1 x",
	"4 December 2002 10:00:00 +0000",
	"Thu, 20 Nov 1997 09:55:06 MDT",
	"Fri, 31 Feb 2002 10:00:00 +0000",
	"Fri, 1 Mar 2002 25:00:00 +0000",
	"Sat, 1 Mar 2002 10:00:00 -05",
	"Sun, 1 Mar 2002 10:00:00 +0000\r\n (x)",
	"Xyz, 1 Mar 2002 10:00:00 +0000",
	"Monday, 1 Mar 2002 10:00:00 +0000",
	"-0000",
	"",
}

// TestParseMailDate checks the shortcut against mail.ParseDate.
func TestParseMailDate(t *testing.T) {
	t.Parallel()
	for _, d := range dateCases {
		checkMailDate(t, d)
	}
	// Every Date field of the corpus.
	stride := corpusStride()
	for i, f := range corpusFiles(t, corpusDir) {
		if i%stride != 0 {
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		n, _ := HeaderEnd(raw)
		for _, fl := range splitHeader(raw[:n]) {
			if strings.EqualFold(fl.name, "date") {
				checkMailDate(t, fl.value)
			}
		}
	}
}

func checkMailDate(t *testing.T, d string) {
	got, gerr := parseMailDate(d)
	want, werr := mail.ParseDate(d)
	if (gerr == nil) != (werr == nil) || !got.Equal(want) || got.String() != want.String() {
		t.Errorf("parseMailDate(%q) = %v, %v; mail.ParseDate = %v, %v", d, got, gerr, want, werr)
	}
}

func FuzzParseMailDate(f *testing.F) {
	for _, d := range dateCases {
		f.Add(d)
	}
	f.Fuzz(checkMailDate)
}

// sameBothWays fails when Parse with its shortcuts around enmime
// (fastpath.go) gives a different Message than without them.
func sameBothWays(t *testing.T, name string, raw []byte, lim Limits) {
	t.Helper()
	plain := dumpMessage(parse(t.Context(), raw, lim, true, 0))
	for _, minCut := range []int{elideMin, 1} {
		fast := dumpMessage(parse(t.Context(), raw, lim, false, minCut))
		if string(fast) != string(plain) {
			t.Errorf("%s: Parse with shortcuts (cutting bodies of %d bytes and more) differs from without:\n%s", name, minCut, firstDiff(string(plain), string(fast)))
		}
	}
}

// firstDiff shows the first line where two dumps differ.
func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\n without: %.300s\n with:    %.300s", i+1, w, g)
		}
	}
	return "(same lines)"
}

// TestShortcutsCorpus is the differential test of the shortcuts over every
// corpus message, with the default limits and with small ones.
func TestShortcutsCorpus(t *testing.T) {
	t.Parallel()
	small := Limits{MaxParts: 5, MaxDepth: 3, MaxHeaderBytes: 2 << 10, MaxTextBytes: 4 << 10}
	stride := corpusStride()
	for i, f := range corpusFiles(t, corpusDir) {
		if i%stride != 0 {
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sameBothWays(t, f, raw, Limits{})
		if i%(4*stride) == 0 {
			sameBothWays(t, f+" (small limits)", raw, small)
		}
	}
}

// shortcutSeeds are messages at the edges of the shortcuts.
var shortcutSeeds = []string{
	"From: a@example.com\r\nSubject: x\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\nbody \xe9\r\n",
	"From: a@example.com\nX-Bad Name: x\nContent-Type: text/plain\n\nbody\n",
	" Subject: leading\r\nContent-Type: text/html\r\n\r\n<p>x</p>",
	"Subject: x\r\nnot a field\r\nContent-Type: text/plain\r\n\r\nbody",
	":colon: x\r\nContent-Type: text/plain\r\n\r\nbody",
	"Subject: x\r\nContent-Type: multipart/mixed;\r\n boundary=b\r\nContent-transfer-encoding: 7bit\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b--\r\n",
	"Subject: \x01ctl\r\nContent-Type: text/plain\r\n\r\nbody",
	"Subject: x\r\nContent-Type: text/plain\r\nX-Last: no newline",
	"Subject: x\r\nContent-Type: text/plain",
	"Content-Type: text/plain\r\n  folded: tail\r\nSubject: y\r\n\r\nbody",
	"Subject: x\r\r\nContent-Type: text/plain\r\n\r\nbody",
	"MIME-Version: 1.0\r\nReceived: from a\r\n\tby b\r\nContent-Type: application/octet-stream; name=a.bin\r\nContent-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAA\r\n",
	// No MIME field at all (bareRoot), at its edges.
	"From: <a@example.com>\r\nTo: <b@example.com>\r\nMessage-Id: <1@x>\r\n\r\n1XXXX\r\n2XXXX see http://x.example.com/a\r\n",
	"From: a@example.com\nSubject: lf only\n\nbody\nline \xe9 8-bit\n",
	"Subject: empty body\r\n\r\n",
	"Subject: lf then crlf\n\r\nbody",
	"Subject: no blank line",
	"Subject: no blank line\r\n",
	"\r\nbody without a header",
	"Subject: x\r\nX-Content: not mime\r\nMIME-Versions: 2\r\n\r\n<html><a href=\"http://h.example.com/\">x</a></html>\r\n",
	"Subject: fwd\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\nFrom: c@example.com\r\n\r\ninner body \xff\r\n",
	"Subject: fwd\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner, no blank line",
	// One text part with MIME fields (simpleRoot), at its edges.
	"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\nbody\r\n",
	"Content-Type: text/html; charset=\"UTF-8\"\r\n\r\n<p>caf\xc3\xa9 <a href=\"http://h.example.com/\">x</a></p>\r\n",
	"Content-Type: TEXT/Plain\r\nContent-Transfer-Encoding:  8BIT \r\n\r\nbody \xe9\r\n",
	"Content-Type: text/plain; charset=iso-8859-1\r\n\r\nbody \xe9\r\n",
	"Content-Type: text/plain; name=a.txt\r\n\r\nattached\r\n",
	"Content-Type: text/plain; file=a.txt\r\n\r\nattached\r\n",
	"Content-Type: text/plain\r\nContent-Disposition: inline\r\n\r\nbody\r\n",
	"Content-Type: text/plain\r\nContent-Type: text/html\r\n\r\n<p>two types</p>\r\n",
	"Content-Type: text/plain;\r\n\tcharset=us-ascii\r\n\r\nfolded\r\n",
	"Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\ncaf=E9\r\n",
	"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\nYm9keQ==\r\n",
	"Content-Type: text/plain\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nbody\r\n",
	"Content-Type: text/plain\r\nContent-Transfer-Encoding: 7bit\r\nContent-Transfer-Encoding: base64\r\n\r\nYm9keQ==\r\n",
	"Content-Type:\r\n\r\nempty type\r\n",
	"Content-Type: text/plain; charset=us-ascii; format=flowed; bad\r\n\r\nbody\r\n",
	"Content-Type: text/plain; charset=\"charset=utf-8\"\r\n\r\nbody\r\n",
	"Content-Type: text\r\n\r\nno subtype\r\n",
	"Content-Type: application/octet-stream\r\n\r\nbinary\r\n",
	"Content-Type: multipart/mixed\r\n\r\nno boundary\r\n",
	"Content-Type: text/plain\r\nMIME-Version: 1.0\r\nMIME-Version: 2.0\r\nContent-ID: <a@b>\r\n\r\nbody\r\n",
	"Content-Type: text/plain\r\nContent-Description: x\r\n\r\nbody\r\n",
	"Subject: fwd\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\nContent-Type: text/html\r\n\r\n<b>inner</b>\r\n",
}

// TestSimpleRootCorpus checks that simpleRoot takes the corpus messages it
// is meant for (the differential tests check what it gives).
func TestSimpleRootCorpus(t *testing.T) {
	t.Parallel()
	files := corpusFiles(t, filepath.Join(corpusDir, "spamassassin"))
	took := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		hdrLen, _ := HeaderEnd(raw)
		kept, clean := enmimeHeader(raw[:hdrLen])
		if (&parser{}).simpleRoot(raw, hdrLen, kept, clean) != nil {
			took++
		}
	}
	t.Logf("simpleRoot took %d of %d corpus messages", took, len(files))
	if took < len(files)/3 {
		t.Errorf("simpleRoot took %d of %d corpus messages, want at least a third", took, len(files))
	}
}

// boundarySeeds are multiparts at the quirks of enmime's boundary reader.
func boundarySeeds() []string {
	long := strings.Repeat("abcdefghij", 500)
	b64 := "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3ODk="
	head := "Subject: b\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b0\"\r\n\r\npreamble\r\n"
	return []string{
		head + "--b0\r\nContent-Type: text/plain\r\n\r\n" + long + "\r\n--b0\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64 + "\r\n" + b64 + "\r\n--b0--\r\n",
		head + "--b0\r\nContent-Type: text/plain\r\n\r\nshort x--b0 y\r\n" + long + "\r\n--b0--",
		head + "--b0\r\nContent-Type: text/plain\r\n\r\n" + long + "x--b0 y\r\n" + long + "\rX--b0 \r\n--b0--\r\n",
		head + "--b0\r\nContent-Type: text/plain\r\n\r\n" + long + "\n--b0\xa0\r\n" + long + "\n--b0\x85--\n--b0--",
		head + "--b0\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64 + "A\r\n--b0--\r\n",
		head + "--b0\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64 + "*!\r\n--b0--\r\n",
		head + "--b0\r\nContent-Type: multipart/alternative; boundary=b1\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + long + "\r\n--b1\r\nContent-Type: text/html\r\n\r\n<p>" + long + "</p>\r\n--b1--\r\n--b0\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\n" + long + "\xe9\r\n--b0--\r\n",
		head + "--b0\r\nContent-Type: text/plain\r\n\r\n" + long + "\r\n--b0\r\nContent-Type: text/plain\r\n\r\n" + long,
		head + "--b0\nContent-Type: image/gif\nContent-Transfer-Encoding: BASE64 \n\n" + b64 + "\n\n\n--b0\n\nno header " + long + "\n--b0\r\n" + long + "\n--b0--\n",
		head + "--b0\r\nContent-Type: text/plain\r\n" + long + "\r\n--b0--\r\n",
		head + "--b0\r\nContent-Type: text/plain\r\n\r\n" + long + "\r\n--b0\r\n\r\nXX\r\nnot a boundary\r\n--b0--\r\n",
		"Subject: one\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64 + "\r\n" + b64,
		"Subject: one\r\nContent-Type: text/html; charset=us-ascii\r\n\r\n<a href=http://x.example.com/>" + long + "</a>",
		head + "--b0\r\nContent-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
			"caf=E9 =3D =\r\nsoft =G1 bad = end  \r\ntab\tline \xe9\x01 " + strings.Repeat("x", 1500) + "=\n" + long + "=\r\n--b0\r\n" +
			"Content-Type: text/html; charset=windows-1252\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64 + "\r\n--b0\r\n" +
			"Content-Type: text/plain; charset=latin1\r\n\r\n" + long + "\x80\x81\x9d\r\n--b0\r\n" +
			"Content-Type: text/plain; charset=koi8-r\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" + long + "=F0=D2\r\n--b0--\r\n",
		"Subject: qp\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: Quoted-Printable\r\n\r\n" + long + "=\r\n=4",
		// UTF-8 under each label enmime maps to it, and near misses it
		// converts (or refuses) itself.
		head + "--b0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" + long + "caf=C3=A9 =E9\r\n--b0\r\n" +
			"Content-Type: text/html; charset=\"utf8\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64 + "\r\n--b0\r\n" +
			"Content-Type: text/plain; charset=utf8mb4\r\n\r\n" + long + "\xf0\x9f\x98\x80 \xff\r\n--b0\r\n" +
			"Content-Type: text/plain; charset=unicode-1-1-utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + long + "\xc3\xa9\r\n--b0\r\n" +
			"Content-Type: text/plain; charset=\" utf-8\"\r\n\r\n" + long + "\xc3\xa9\r\n--b0\r\n" +
			"Content-Type: text/plain; charset=utf-16\r\n\r\n" + long + "\r\n--b0--\r\n",
		"Subject: one\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64 + "\r\n" + b64,
		"Subject: b\r\nContent-Type: multipart/mixed; boundary=" + strings.Repeat("z", 5000) + "\r\n\r\n--" + strings.Repeat("z", 5000) +
			"\r\nContent-Type: text/plain\r\n\r\n" + long + "\r\n--" + strings.Repeat("z", 5000) + "--\r\n",
	}
}

func TestShortcutsBoundaries(t *testing.T) {
	t.Parallel()
	for i, s := range boundarySeeds() {
		sameBothWays(t, fmt.Sprintf("boundarySeeds[%d]", i), []byte(s), Limits{})
	}
}

func FuzzShortcuts(f *testing.F) {
	for _, s := range shortcutSeeds {
		f.Add([]byte(s))
	}
	for _, s := range boundarySeeds() {
		f.Add([]byte(s))
	}
	lim := Limits{MaxParts: 50, MaxDepth: 6, MaxHeaderBytes: 16 << 10, MaxArchiveEntries: 50, MaxExpandedBytes: 1 << 20, MaxTextBytes: 64 << 10}
	f.Fuzz(func(t *testing.T, raw []byte) { sameBothWays(t, "input", raw, lim) })
}

// TestQPClean checks that qpClean is true exactly when cleaning changes
// nothing.
func TestQPClean(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"plain text\r\n", "a=3Db=\r\nc", "a=\nb", "a=G1", "a=", "a=4", "tab\there", "high\xe9",
		strings.Repeat("x", 1023) + "\r\n", strings.Repeat("x", 1024), strings.Repeat("x", 1022) + "=41", "ctl\x01",
	} {
		if got, want := qpClean([]byte(s)), string(cleanQP([]byte(s))) == s; got && !want {
			t.Errorf("qpClean(%.40q) = %v, but cleaning changes it", s, got)
		}
	}
}

// BenchmarkParseShortLines is a 4 MB attachment of two-byte lines under a
// 70-byte boundary: the elision split checks for a delimiter at every line
// end, as enmime does, and stays linear.
func BenchmarkParseShortLines(b *testing.B) {
	bd := strings.Repeat("b", 70)
	raw := []byte("Subject: s\r\nContent-Type: multipart/mixed; boundary=" + bd + "\r\n\r\n--" + bd +
		"\r\nContent-Type: application/octet-stream\r\n\r\n" + strings.Repeat("-\n", 2<<20) + "\r\n--" + bd + "--\r\n")
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		Parse(b.Context(), raw, Limits{})
	}
}

// TestHasControlEqualsBytes: hasControl answers as the byte loop does for
// every byte at every offset of short inputs (the eight-byte reads and
// the tail), next to tabs, DEL and high bytes.
func TestHasControlEqualsBytes(t *testing.T) {
	t.Parallel()
	for n := range 20 {
		for k := range n {
			for c := range 256 {
				for _, fill := range []byte{'a', '\t', 0x80, 0x7e, 0xff} {
					b := bytes.Repeat([]byte{fill}, n)
					b[k] = byte(c)
					if got, want := hasControl(b), hasControlBytes(b); got != want {
						t.Fatalf("hasControl(%q) = %v, byte loop %v", b, got, want)
					}
				}
			}
		}
	}
}
