package message

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"slices"
	"testing"

	"github.com/ulikunitz/xz/lzma"
)

func vint(v uint64) []byte {
	var b []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// rar5 builds a RAR 5 archive of file headers (no data, CRCs zero: the
// lister does not check them).
func rar5(files ...rarEntry) []byte {
	out := []byte("Rar!\x1a\x07\x01\x00")
	block := func(body []byte) {
		out = append(out, 0, 0, 0, 0)
		out = append(out, vint(uint64(len(body)))...)
		out = append(out, body...)
	}
	block(append(append(vint(1), vint(0)...), vint(0)...)) // main header
	for _, f := range files {
		var extra []byte
		if f.encrypted {
			rec := append(vint(0x01), make([]byte, 4)...)
			extra = append(vint(uint64(len(rec))), rec...)
		}
		var h []byte
		h = append(h, vint(2)...) // file header
		flags := uint64(0)
		if len(extra) > 0 {
			flags |= 0x0001
		}
		h = append(h, vint(flags)...)
		if len(extra) > 0 {
			h = append(h, vint(uint64(len(extra)))...)
		}
		h = append(h, vint(0)...)              // file flags
		h = append(h, vint(uint64(f.size))...) // unpacked size
		h = append(h, vint(0x20)...)           // attributes
		h = append(h, vint(0)...)              // compression
		h = append(h, vint(0)...)              // host OS
		h = append(h, vint(uint64(len(f.name)))...)
		h = append(h, f.name...)
		h = append(h, extra...)
		block(h)
	}
	block(append(vint(5), vint(0)...))
	return out
}

// rar4 builds a RAR 4 archive of file headers (no data).
func rar4(names ...string) []byte {
	out := []byte("Rar!\x1a\x07\x00")
	out = append(out, 0, 0, 0x73, 0, 0, 13, 0, 0, 0, 0, 0, 0, 0) // archive header
	for _, n := range names {
		h := make([]byte, 32)
		h[2] = 0x74
		binary.LittleEndian.PutUint16(h[3:], 0x8000)
		binary.LittleEndian.PutUint16(h[5:], uint16(32+len(n)))
		binary.LittleEndian.PutUint32(h[7:], 0)    // packed size
		binary.LittleEndian.PutUint32(h[11:], 123) // unpacked size
		binary.LittleEndian.PutUint16(h[26:], uint16(len(n)))
		out = append(append(out, h...), n...)
	}
	return append(out, 0, 0, 0x7B, 0, 0x40, 7, 0)
}

func TestListRar(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		data      []byte
		want      []string
		encrypted bool
	}{
		{"rar4", rar4("docs\\invoice.pdf.exe", "readme.txt"), []string{"2", "2/docs/invoice.pdf.exe", "2/readme.txt"}, false},
		{"rar5", rar5(rarEntry{name: "a/run.scr", size: 10}, rarEntry{name: "b.txt", size: 5}), []string{"2", "2/a/run.scr", "2/b.txt"}, false},
		{"rar5 encrypted entry", rar5(rarEntry{name: "secret.docx", size: 10, encrypted: true}), []string{"2", "2/secret.docx"}, true},
		{"rar5 encrypted headers", append([]byte("Rar!\x1a\x07\x01\x00"), append([]byte{0, 0, 0, 0}, append(vint(2), append(vint(4), vint(0)...)...)...)...), []string{"2"}, true},
		{"rar4 cut short", rar4("a.exe")[:30], []string{"2"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := Parse(context.Background(), attachmentMail("files.rar", "application/vnd.rar", tc.data), Limits{})
			if got := names(m); !slices.Equal(got, tc.want) {
				t.Errorf("attachments = %v, want %v (problems %+v)", got, tc.want, m.Problems)
			}
			if hasProblem(m, "encrypted_archive") != tc.encrypted {
				t.Errorf("problems = %+v, want encrypted_archive %v", m.Problems, tc.encrypted)
			}
			for _, a := range m.Attachments[1:] {
				if !slices.Contains(a.Flags, FlagListedOnly) || a.Data != nil {
					t.Errorf("entry %+v: want listed only, no data", a)
				}
			}
		})
	}
}

// sevenZipRaw wraps header bytes h (and packed bytes before it) in a 7z
// signature header.
func sevenZipRaw(packed, h []byte) []byte {
	start := make([]byte, 20)
	binary.LittleEndian.PutUint64(start[0:], uint64(len(packed)))
	binary.LittleEndian.PutUint64(start[8:], uint64(len(h)))
	binary.LittleEndian.PutUint32(start[16:], crc32.ChecksumIEEE(h))
	out := []byte{'7', 'z', 0xBC, 0xAF, 0x27, 0x1C, 0, 4}
	out = binary.LittleEndian.AppendUint32(out, crc32.ChecksumIEEE(start))
	out = append(out, start...)
	out = append(out, packed...)
	return append(out, h...)
}

func TestList7zHostile(t *testing.T) {
	t.Parallel()
	// A header claiming four billion files must cost nothing.
	huge := sevenZipRaw(nil, []byte{0x01, 0x05, 0xFE, 0xF0, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00})
	m := Parse(context.Background(), attachmentMail("x.7z", "application/x-7z-compressed", huge), Limits{})
	if !hasProblem(m, "bad_archive") || len(m.Attachments) != 1 {
		t.Errorf("huge count: attachments %v problems %+v, want bad_archive only", names(m), m.Problems)
	}
	// An encoded (LZMA) header, as 7-Zip writes by default.
	plain := sevenZip("report.pdf.exe")
	plainHdr := plain[32:]
	var z bytes.Buffer
	zw, err := lzma.NewWriter(&z)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(plainHdr); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	classic := z.Bytes() // 5 property bytes, 8 size bytes, stream
	props, stream := classic[:5], classic[13:]
	var h []byte
	h = append(h, 0x17)                   // kEncodedHeader
	h = append(h, 0x06, 0x00, 0x01, 0x09) // PackInfo: pos 0, 1 stream, sizes
	h = append(h, vint7(uint64(len(stream)))...)
	h = append(h, 0x00)                               // end PackInfo
	h = append(h, 0x07, 0x0B, 0x01, 0x00)             // UnpackInfo: Folder, 1 folder, not external
	h = append(h, 0x01, 0x23, 0x03, 0x01, 0x01, 0x05) // 1 coder: LZMA with 5 property bytes
	h = append(h, props...)
	h = append(h, 0x0C)
	h = append(h, vint7(uint64(len(plainHdr)))...)
	h = append(h, 0x00, 0x00) // end UnpackInfo, end StreamsInfo
	m = Parse(context.Background(), attachmentMail("x.7z", "application/x-7z-compressed", sevenZipRaw(stream, h)), Limits{})
	if got, want := names(m), []string{"2", "2/report.pdf.exe"}; !slices.Equal(got, want) {
		t.Errorf("encoded header: attachments %v, want %v (problems %+v)", got, want, m.Problems)
	}
	// The same with an AES coder is an encrypted archive.
	aes := bytes.Replace(h, []byte{0x01, 0x23, 0x03, 0x01, 0x01, 0x05}, []byte{0x01, 0x24, 0x06, 0xF1, 0x07, 0x01, 0x05}, 1)
	m = Parse(context.Background(), attachmentMail("x.7z", "application/x-7z-compressed", sevenZipRaw(stream, aes)), Limits{})
	if !hasProblem(m, "encrypted_archive") {
		t.Errorf("AES header: problems %+v, want encrypted_archive", m.Problems)
	}
}

// vint7 encodes a 7z UINT64 (values below 2^14 are enough here).
func vint7(v uint64) []byte {
	if v < 0x80 {
		return []byte{byte(v)}
	}
	return []byte{0x80 | byte(v>>8), byte(v)}
}

// FuzzArchiveListers feeds arbitrary bytes to the rar and 7z listers: no
// panic, and never more entries than the limit.
func FuzzArchiveListers(f *testing.F) {
	f.Add(rar4("a.exe", "b.txt"))
	f.Add(rar5(rarEntry{name: "x.scr", size: 3, encrypted: true}))
	f.Add(sevenZip("a.txt", "b.exe"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if es, _ := rarEntries(b, 50); len(es) > 51 {
			t.Fatalf("%d rar entries, want at most 51", len(es))
		}
		if len(b) > 6 {
			b7 := append([]byte{'7', 'z', 0xBC, 0xAF, 0x27, 0x1C}, b[6:]...)
			if ns, _ := sevenZipNames(b7, 50); len(ns) > 50 {
				t.Fatalf("%d 7z names, want at most 50", len(ns))
			}
		}
	})
}
