package message

import (
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks that Parse survives any input: no panic (including one
// it recovered from), valid UTF-8 texts, Size >= len(Data), and bounded
// problem lists. Seeds are the synthetic fixtures and a few corpus files.
func FuzzParse(f *testing.F) {
	seeds := [][]byte{
		eml("From: a@example.com", "Subject: =?UTF-8?B?w4ljb2xl?=", "", "hello http://example.com/"),
		nestedMultiparts(12),
		manyParts(5),
		withAttachment("application/zip", "a.zip", buildZip(f, zipFile{"x.exe", []byte("MZ")}, zipFile{"a.html", []byte("<a href='http://e.example.com/'>e</a>")})),
		withAttachment("application/zip", "e.zip", encryptedZip(f)),
		withAttachment("application/octet-stream", "d.docx", docx(f)),
		withAttachmentRaw("application/pdf", "x.pdf", "JVBERi0x!!!"),
		eml("Content-Type: multipart/mixed; boundary=x", "", "--x", "Content-Type: message/rfc822", "", "Subject: inner", "", "body", "--x--"),
		[]byte("From: a@example.com\nContent-Type: text/html; charset=koi8-r\n\n<p>\xf0\xd2\xc9</p><script>x</script>"),
	}
	for _, s := range seeds {
		f.Add(s)
	}
	for _, dir := range []string{"spamassassin/spam", "mime-torture/enmime", "mime-torture/mox"} {
		matches, _ := filepath.Glob(filepath.Join(corpusDir, dir, "*"))
		for i, p := range matches {
			if i >= 5 {
				break
			}
			if b, err := os.ReadFile(p); err == nil && len(b) < 64<<10 {
				f.Add(b)
			}
		}
	}
	lim := Limits{MaxParts: 50, MaxDepth: 6, MaxHeaderBytes: 16 << 10, MaxArchiveEntries: 50, MaxExpandedBytes: 1 << 20, MaxTextBytes: 64 << 10}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m := Parse(t.Context(), raw, lim)
		if m == nil || len(m.Raw) != len(raw) {
			t.Fatalf("Parse returned %v", m)
		}
		for _, p := range m.Problems {
			if p.Name == "parser_panic" {
				t.Fatalf("recovered panic: %s", p.Detail)
			}
		}
		for _, tx := range m.Texts {
			if !utf8.ValidString(tx.Content) || !utf8.ValidString(tx.HTML) {
				t.Fatalf("text %s is not valid UTF-8", tx.PartID)
			}
			if tx.PartID == "" {
				t.Fatalf("text with empty PartID")
			}
			if len(tx.Content) > lim.MaxTextBytes*2 {
				t.Fatalf("text %s has %d bytes, limit %d", tx.PartID, len(tx.Content), lim.MaxTextBytes)
			}
		}
		for _, a := range m.Attachments {
			if a.Size < int64(len(a.Data)) {
				t.Fatalf("attachment %s Size %d < len(Data) %d", a.PartID, a.Size, len(a.Data))
			}
			if a.PartID == "" {
				t.Fatalf("attachment with empty PartID")
			}
		}
		if len(m.Problems) > maxProblems {
			t.Fatalf("%d problems", len(m.Problems))
		}
	})
}
