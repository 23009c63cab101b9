package attach

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/scanners"
)

// attachmentSet is a message of about 10 MB of ordinary attachments: a
// photo (random bytes), a PDF, a Word document, a zip of text and a
// tar.gz of text.
func attachmentSet(b *testing.B) []byte {
	b.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	photo := make([]byte, 5<<20)
	for i := range photo {
		photo[i] = byte(rng.UintN(256))
	}
	copy(photo, "\xff\xd8\xff\xe0\x00\x10JFIF\x00")
	// ~2 MB of prose-like text: words drawn at random, so it compresses
	// like real text (about 3:1), not like one repeated sentence.
	words := strings.Fields("minutes of the governors meeting budget staffing new library pupils term trip museum parents evening " +
		"homework reading maths science history geography assembly uniform lunch club football netball choir report " +
		"attendance safeguarding training inset day head teacher deputy office letter consent form payment")
	var tb strings.Builder
	for tb.Len() < 2<<20 {
		tb.WriteString(words[rng.IntN(len(words))])
		if rng.IntN(12) == 0 {
			tb.WriteString(fmt.Sprintf(" %d.\n", rng.IntN(10000)))
		} else {
			tb.WriteByte(' ')
		}
	}
	text := []byte(tb.String())
	docx := zipFiles(b, "[Content_Types].xml", []byte("<Types/>"), "word/document.xml", []byte("<w:document><w:body><w:p><w:r><w:t>"+string(text[:1<<20])+"</w:t></w:r></w:p></w:body></w:document>"))
	return mail(
		part{filename: "trip.jpg", ctype: "image/jpeg", data: photo},
		part{filename: "letter.pdf", ctype: "application/pdf", data: pdf("", string(text[:1<<20]))},
		part{filename: "minutes.docx", data: docx},
		part{filename: "archive.zip", data: zipFiles(b, "notes.txt", text, "more/notes2.txt", text[:1<<20])},
		part{filename: "logs.tar.gz", data: gzipOf(b, "logs.tar", tarOf(b, "a.log", text))},
	)
}

// BenchmarkAttachmentSet parses and scans the ~10 MB set with a hash list
// loaded (so every attachment is hashed). MB/s is of message bytes.
func BenchmarkAttachmentSet(b *testing.B) {
	raw := attachmentSet(b)
	h := sha256.Sum256([]byte("nothing in the set"))
	list := filepath.Join(b.TempDir(), "hashes.txt")
	if err := os.WriteFile(list, []byte(hex.EncodeToString(h[:])+"\n"), 0o600); err != nil {
		b.Fatal(err)
	}
	s := newScanner(b, Options{HashFiles: []string{list}})
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		m := parse(raw)
		fs, err := s.Scan(b.Context(), m, &scanners.Envelope{})
		if err != nil {
			b.Fatal(err)
		}
		for _, f := range fs {
			if f.Severity >= scanners.Medium {
				b.Fatalf("ordinary set got %s: %s", f.Rule, f.Explanation)
			}
		}
	}
}

// BenchmarkScanOnly is the scanner alone on the parsed set, with a hash
// list (so it hashes every attachment and archive member).
func BenchmarkScanOnly(b *testing.B) {
	raw := attachmentSet(b)
	m := parse(raw)
	list := filepath.Join(b.TempDir(), "hashes.txt")
	if err := os.WriteFile(list, []byte(strings.Repeat("0", 64)+"\n"), 0o600); err != nil {
		b.Fatal(err)
	}
	s := newScanner(b, Options{HashFiles: []string{list}})
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Scan(b.Context(), m, &scanners.Envelope{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkZipBomb parses and scans a message whose zip declares 1 GiB of
// zeros (about 1.3 MB on the wire): the ratio limit stops expansion.
func BenchmarkZipBomb(b *testing.B) {
	raw := mail(part{filename: "bomb.zip", data: zipBomb(b, "zeros", 1<<30)})
	s := newScanner(b, Options{})
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Scan(b.Context(), parse(raw), &scanners.Envelope{}); err != nil {
			b.Fatal(err)
		}
	}
}
