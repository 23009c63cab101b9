package attach

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"io"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/message"
)

// Samples are built here, in code: harmless files with the shapes the
// scanner looks for (program headers, macro storage, PDF actions, zip
// bombs), never real malware.

// parse is the one place the tests call the message parser.
func parse(raw []byte) *message.Message {
	return message.Parse(context.Background(), raw, message.Limits{})
}

// part is one MIME attachment of a test message.
type part struct {
	// header is the Content-Type and Content-Disposition block; when
	// empty, one is made from filename and ctype.
	header   string
	filename string
	ctype    string
	data     []byte
}

// mail builds a multipart/mixed message with a short text body and parts.
func mail(parts ...part) []byte {
	var b strings.Builder
	b.WriteString("From: sender@example.com\r\nTo: office@school.example\r\nSubject: documents\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"sep\"\r\n\r\n--sep\r\nContent-Type: text/plain\r\n\r\nPlease see the attached.\r\n")
	for _, p := range parts {
		b.WriteString("--sep\r\n")
		h := p.header
		if h == "" {
			ct := p.ctype
			if ct == "" {
				ct = "application/octet-stream"
			}
			h = "Content-Type: " + ct + "\r\nContent-Disposition: attachment; filename=\"" + p.filename + "\"\r\n"
		}
		b.WriteString(h)
		b.WriteString("Content-Transfer-Encoding: base64\r\n\r\n")
		enc := base64.StdEncoding.EncodeToString(p.data)
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		b.WriteString(enc + "\r\n")
	}
	b.WriteString("--sep--\r\n")
	return []byte(b.String())
}

// peProgram is a minimal Windows PE header: "MZ", e_lfanew at 0x3C
// pointing at "PE\0\0".
func peProgram() []byte {
	b := make([]byte, 512)
	copy(b, "MZ")
	binary.LittleEndian.PutUint32(b[0x3C:], 0x80)
	copy(b[0x80:], "PE\x00\x00")
	binary.LittleEndian.PutUint16(b[0x84:], 0x14c) // i386
	return b
}

// elfProgram is a minimal ELF header.
func elfProgram() []byte {
	b := make([]byte, 64)
	copy(b, "\x7fELF\x02\x01\x01")
	binary.LittleEndian.PutUint16(b[16:], 2) // ET_EXEC
	binary.LittleEndian.PutUint16(b[18:], 62)
	return b
}

// oleFile is an OLE2 compound file header followed by a directory whose
// names are given (UTF-16LE, as [MS-CFB] stores them).
func oleFile(names ...string) []byte {
	b := make([]byte, 512)
	copy(b, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
	binary.LittleEndian.PutUint16(b[0x1A:], 3)
	binary.LittleEndian.PutUint16(b[0x1C:], 0xFFFE)
	for _, n := range names {
		e := make([]byte, 128)
		for i, c := range n {
			binary.LittleEndian.PutUint16(e[2*i:], uint16(c))
		}
		b = append(b, e...)
	}
	return b
}

// zipFiles builds a zip of name/data pairs, deflated.
func zipFiles(t testing.TB, files ...any) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for i := 0; i+1 < len(files); i += 2 {
		w, err := zw.Create(files[i].(string))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(files[i+1].([]byte)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// encryptedZip is a zip whose entry has the "encrypted" flag (APPNOTE
// 4.4.4 bit 0) set; its bytes are stored as they are.
func encryptedZip(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "invoice.pdf", Method: zip.Store, Flags: 0x1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(bytes.Repeat([]byte{0x5a, 0x13}, 100)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// zipBomb is a zip with one entry of n zero bytes (about n/1000 bytes
// compressed).
func zipBomb(t testing.TB, name string, n int) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
	})
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	zero := make([]byte, 1<<20)
	for n > 0 {
		k := min(n, len(zero))
		if _, err := w.Write(zero[:k]); err != nil {
			t.Fatal(err)
		}
		n -= k
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// gzipOf compresses data.
func gzipOf(t testing.TB, name string, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Name = name
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// tarOf builds a tar of name/data pairs.
func tarOf(t testing.TB, files ...any) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for i := 0; i+1 < len(files); i += 2 {
		data := files[i+1].([]byte)
		if err := tw.WriteHeader(&tar.Header{Name: files[i].(string), Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// tnef builds a winmail.dat ([MS-OXTNEF]) with one attachment.
func tnef(title string, data []byte) []byte {
	var b bytes.Buffer
	le := binary.LittleEndian
	b.Write(le.AppendUint32(nil, 0x223E9F78))
	b.Write(le.AppendUint16(nil, 0x0001))
	attr := func(level byte, id uint32, v []byte) {
		b.WriteByte(level)
		b.Write(le.AppendUint32(nil, id))
		b.Write(le.AppendUint32(nil, uint32(len(v))))
		b.Write(v)
		var sum uint16
		for _, c := range v {
			sum += uint16(c)
		}
		b.Write(le.AppendUint16(nil, sum))
	}
	attr(1, 0x00089006, []byte{1, 0, 0, 0})       // attTnefVersion (message level)
	attr(2, 0x00069002, make([]byte, 14))         // attAttachRendData
	attr(2, 0x00018010, append([]byte(title), 0)) // attAttachTitle
	attr(2, 0x0006800F, data)                     // attAttachData
	attr(2, 0x00069005, []byte{0, 0, 0, 0})       // attAttachment (no properties)
	return b.Bytes()
}

// pdf builds a small PDF whose catalog has the given extra entries, plus
// an optional Flate-compressed object stream holding more.
func pdf(catalog string, compressed string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R " + catalog + " >>\nendobj\n")
	b.WriteString("2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n")
	if compressed != "" {
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		_, _ = zw.Write([]byte(compressed)) // in-memory
		_ = zw.Close()
		b.WriteString("3 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length ")
		b.WriteString(itoa(z.Len()))
		b.WriteString(" >>\nstream\n")
		b.Write(z.Bytes())
		b.WriteString("\nendstream\nendobj\n")
	}
	b.WriteString("trailer\n<< /Root 1 0 R >>\n%%EOF\n")
	return b.Bytes()
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var d []byte
	for n > 0 {
		d = append([]byte{byte('0' + n%10)}, d...)
		n /= 10
	}
	return string(d)
}

// isoImage is the start of an ISO 9660 image: 16 empty sectors, then a
// primary volume descriptor ("\x01CD001").
func isoImage() []byte {
	b := make([]byte, 32768+2048)
	copy(b[32768:], "\x01CD001\x01")
	return b
}

// sevenZip builds a 7-Zip archive ("7z" format, signature header plus an
// unencoded kHeader) listing empty files with the given names.
func sevenZip(names ...string) []byte {
	var h []byte
	h = append(h, 0x01)             // kHeader
	h = append(h, 0x05)             // kFilesInfo
	h = append(h, byte(len(names))) // numFiles (7z UINT64, < 0x80)
	// kEmptyStream: every file is empty (bit vector, MSB first).
	bits := make([]byte, (len(names)+7)/8)
	for i := range names {
		bits[i/8] |= 0x80 >> (i % 8)
	}
	h = append(h, 0x0E, byte(len(bits)))
	h = append(h, bits...)
	// kEmptyFile: they are files, not directories.
	h = append(h, 0x0F, byte(len(bits)))
	h = append(h, bits...)
	// kName: external = 0, then UTF-16LE names, each NUL-terminated.
	var nm []byte
	nm = append(nm, 0)
	for _, n := range names {
		for _, r := range n {
			nm = binary.LittleEndian.AppendUint16(nm, uint16(r))
		}
		nm = append(nm, 0, 0)
	}
	h = append(h, 0x11, byte(len(nm)))
	h = append(h, nm...)
	h = append(h, 0x00) // end of FilesInfo
	h = append(h, 0x00) // end of Header
	start := make([]byte, 20)
	binary.LittleEndian.PutUint64(start[0:], 0)
	binary.LittleEndian.PutUint64(start[8:], uint64(len(h)))
	binary.LittleEndian.PutUint32(start[16:], crc32.ChecksumIEEE(h))
	out := []byte{'7', 'z', 0xBC, 0xAF, 0x27, 0x1C, 0, 4}
	out = binary.LittleEndian.AppendUint32(out, crc32.ChecksumIEEE(start))
	out = append(out, start...)
	return append(out, h...)
}
