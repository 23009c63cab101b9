package message

import (
	"context"
	"encoding/binary"
	"hash/crc32"
	"slices"
	"testing"
)

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

func TestList7z(t *testing.T) {
	t.Parallel()
	m := Parse(context.Background(), attachmentMail("files.7z", "application/x-7z-compressed", sevenZip("readme.txt", "docs/invoice.pdf.exe")), Limits{})
	want := []string{"2", "2/readme.txt", "2/docs/invoice.pdf.exe"}
	if got := names(m); !slices.Equal(got, want) {
		t.Fatalf("7z attachments = %v, want %v (problems %+v)", got, want, m.Problems)
	}
	e := m.Attachments[2]
	if e.Filename != "invoice.pdf.exe" || !slices.Contains(e.Flags, FlagListedOnly) || e.Container != "2" {
		t.Errorf("7z entry = %+v", e)
	}
	m = Parse(context.Background(), attachmentMail("files.7z", "application/x-7z-compressed", sevenZip("a.txt")[:40]), Limits{})
	if !hasProblem(m, "bad_archive") {
		t.Errorf("truncated 7z problems = %+v, want bad_archive", m.Problems)
	}
}
