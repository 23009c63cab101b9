package message

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/base64"
	"fmt"
	"hash/crc32"
	"strings"
	"testing"
)

// eml joins header and body lines with CRLF, as on the wire.
func eml(lines ...string) []byte {
	return []byte(strings.Join(lines, "\r\n") + "\r\n")
}

// b64 base64-encodes b in 76-column lines (RFC 2045 §6.8).
func b64(b []byte) string {
	s := base64.StdEncoding.EncodeToString(b)
	var sb strings.Builder
	for len(s) > 76 {
		sb.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	sb.WriteString(s)
	return sb.String()
}

// zipFile is one entry for buildZip.
type zipFile struct {
	name string
	data []byte
}

// buildZip returns a zip archive holding files (deflated).
func buildZip(tb testing.TB, files ...zipFile) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.Create(f.name)
		if err != nil {
			tb.Fatalf("zip create %s: %v", f.name, err)
		}
		if _, err := w.Write(f.data); err != nil {
			tb.Fatalf("zip write %s: %v", f.name, err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatalf("zip close: %v", err)
	}
	return buf.Bytes()
}

// bombZip returns a small zip whose one entry inflates to mib MiB of
// zeros. The deflate stream is one sync-flushed block for 1 MiB of zeros
// repeated mib times, then an empty final stored block, so building it
// costs nothing like compressing the whole entry.
func bombZip(tb testing.TB, mib int) []byte {
	tb.Helper()
	zeros := make([]byte, 1<<20)
	var blk bytes.Buffer
	fw, err := flate.NewWriter(&blk, flate.BestCompression)
	if err != nil {
		tb.Fatalf("flate: %v", err)
	}
	if _, err := fw.Write(zeros); err != nil {
		tb.Fatalf("flate write: %v", err)
	}
	if err := fw.Flush(); err != nil {
		tb.Fatalf("flate flush: %v", err)
	}
	// Flush ends with an empty stored block (00 00 ff ff), byte aligned.
	var stream bytes.Buffer
	crc := uint32(0)
	for range mib {
		stream.Write(blk.Bytes())
		crc = crc32.Update(crc, crc32.IEEETable, zeros)
	}
	stream.Write([]byte{0x01, 0x00, 0x00, 0xff, 0xff}) // final empty stored block
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{
		Name:               "zeros.bin",
		Method:             zip.Deflate,
		CRC32:              crc,
		CompressedSize64:   uint64(stream.Len()),
		UncompressedSize64: uint64(mib) << 20,
	})
	if err != nil {
		tb.Fatalf("zip create raw: %v", err)
	}
	if _, err := w.Write(stream.Bytes()); err != nil {
		tb.Fatalf("zip write: %v", err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatalf("zip close: %v", err)
	}
	return buf.Bytes()
}

// encryptedZip returns a zip whose entry has the encryption flag set.
func encryptedZip(tb testing.TB) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	payload := []byte("0123456789abcdef0123456789abcdef")
	w, err := zw.CreateRaw(&zip.FileHeader{
		Name:               "invoice.exe",
		Method:             zip.Store,
		Flags:              0x1,
		CRC32:              crc32.ChecksumIEEE(payload),
		CompressedSize64:   uint64(len(payload)),
		UncompressedSize64: uint64(len(payload)) - 12,
	})
	if err != nil {
		tb.Fatalf("zip create raw: %v", err)
	}
	if _, err := w.Write(payload); err != nil {
		tb.Fatalf("zip write: %v", err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatalf("zip close: %v", err)
	}
	return buf.Bytes()
}

// docx returns a minimal Word document with two paragraphs (the first
// split across runs, as Word does) and an external hyperlink.
func docx(tb testing.TB) []byte {
	tb.Helper()
	doc := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` +
		`<w:p><w:r><w:t>Dear par</w:t></w:r><w:r><w:t xml:space="preserve">ents &amp; carers,</w:t></w:r></w:p>` +
		`<w:p><w:r><w:t>Trip on Friday</w:t></w:r><w:r><w:tab/><w:t>cost</w:t></w:r></w:p></w:body></w:document>`
	rels := `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="https://Pay.Example.com/trip?a=1&amp;b=2" TargetMode="External"/></Relationships>`
	return buildZip(tb,
		zipFile{"[Content_Types].xml", []byte(`<?xml version="1.0"?><Types/>`)},
		zipFile{"word/document.xml", []byte(doc)},
		zipFile{"word/_rels/document.xml.rels", []byte(rels)},
	)
}

// withAttachment returns a multipart/mixed message with a text body and
// one base64 attachment.
func withAttachment(ct, filename string, data []byte) []byte {
	return eml(
		"From: sender@example.com",
		"To: staff@example.com",
		"Subject: attachment",
		"MIME-Version: 1.0",
		`Content-Type: multipart/mixed; boundary="b1"`,
		"",
		"--b1",
		"Content-Type: text/plain; charset=utf-8",
		"",
		"See attached.",
		"--b1",
		fmt.Sprintf(`Content-Type: %s; name="%s"`, ct, filename),
		"Content-Transfer-Encoding: base64",
		fmt.Sprintf(`Content-Disposition: attachment; filename="%s"`, filename),
		"",
		b64(data),
		"--b1--",
	)
}

// nestedMultiparts returns a message with n multiparts nested in each
// other and a text part at the bottom.
func nestedMultiparts(n int) []byte {
	var sb strings.Builder
	sb.WriteString("From: a@example.com\r\nSubject: deep\r\nMIME-Version: 1.0\r\n")
	for i := range n {
		fmt.Fprintf(&sb, "Content-Type: multipart/mixed; boundary=\"d%d\"\r\n\r\n--d%d\r\n", i, i)
	}
	sb.WriteString("Content-Type: text/plain\r\n\r\nbottom of the well\r\n")
	for i := n - 1; i >= 0; i-- {
		fmt.Fprintf(&sb, "--d%d--\r\n", i)
	}
	return []byte(sb.String())
}

// manyParts returns a multipart/mixed message with n text parts.
func manyParts(n int) []byte {
	var sb strings.Builder
	sb.WriteString("From: a@example.com\r\nSubject: many\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"m\"\r\n\r\n")
	for i := range n {
		fmt.Fprintf(&sb, "--m\r\nContent-Type: text/plain\r\n\r\npart %d\r\n", i)
	}
	sb.WriteString("--m--\r\n")
	return []byte(sb.String())
}

// hugeHeader returns a message whose header block is about size bytes,
// ending with rest (the last header fields, blank line and body).
func hugeHeader(size int, rest string) []byte {
	var sb strings.Builder
	sb.WriteString("From: a@example.com\r\nSubject: big header\r\n")
	line := "X-Filler: " + strings.Repeat("x", 990) + "\r\n"
	for sb.Len() < size {
		sb.WriteString(line)
	}
	sb.WriteString(rest)
	return []byte(sb.String())
}
