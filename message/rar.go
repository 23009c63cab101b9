package message

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
)

// The RAR lister walks the block headers of RAR 4 (RAR 1.5-4.x, "RAR
// technote") and RAR 5 archives (rarlab.com/technote.htm) to list file
// names, sizes and encryption; it never unpacks content, so it needs no
// dictionary and costs one pass over the headers.

// rarEntry is one file a RAR archive lists.
type rarEntry struct {
	name      string
	size      int64
	encrypted bool
}

var (
	errRar          = errors.New("damaged rar archive")
	errRarEncrypted = errors.New("rar archive headers are encrypted")
)

// rarEntries lists the files of a RAR archive, at most max.
func rarEntries(b []byte, max int) ([]rarEntry, error) {
	switch {
	case bytes.HasPrefix(b, []byte("Rar!\x1a\x07\x01\x00")):
		return rar5Entries(b[8:], max)
	case bytes.HasPrefix(b, []byte("Rar!\x1a\x07\x00")):
		return rar4Entries(b[7:], max)
	}
	return nil, errRar
}

func rar4Entries(b []byte, max int) ([]rarEntry, error) {
	var out []rarEntry
	for len(b) >= 7 && len(out) <= max {
		typ := b[2]
		flags := binary.LittleEndian.Uint16(b[3:])
		size := int(binary.LittleEndian.Uint16(b[5:]))
		if size < 7 || size > len(b) {
			return out, errRar
		}
		hdr := b[:size]
		var data uint64
		if flags&0x8000 != 0 && size >= 11 {
			data = uint64(binary.LittleEndian.Uint32(hdr[7:]))
		}
		switch typ {
		case 0x73: // archive header
			if flags&0x0080 != 0 {
				return out, errRarEncrypted
			}
		case 0x74: // file header
			if size < 32 {
				return out, errRar
			}
			unp := uint64(binary.LittleEndian.Uint32(hdr[11:]))
			nameLen := int(binary.LittleEndian.Uint16(hdr[26:]))
			pos := 32
			if flags&0x0100 != 0 { // 64-bit sizes
				if size < 40 {
					return out, errRar
				}
				data |= uint64(binary.LittleEndian.Uint32(hdr[32:])) << 32
				unp |= uint64(binary.LittleEndian.Uint32(hdr[36:])) << 32
				pos = 40
			}
			if pos+nameLen > size {
				return out, errRar
			}
			name := hdr[pos : pos+nameLen]
			if flags&0x0200 != 0 { // Unicode: the ASCII form comes first
				if i := bytes.IndexByte(name, 0); i >= 0 {
					name = name[:i]
				}
			}
			if flags&0x00E0 != 0x00E0 { // not a directory
				out = append(out, rarEntry{name: strings.ReplaceAll(string(name), `\`, "/"), size: int64(min(unp, 1<<62)), encrypted: flags&0x0004 != 0})
			}
		case 0x7B: // end of archive
			return out, nil
		}
		if data > uint64(len(b)-size) {
			return out, nil // the archive is cut short: what was listed stands
		}
		b = b[size+int(data):]
	}
	return out, nil
}

// rarVint reads a RAR 5 variable-length integer.
func rarVint(b []byte) (uint64, int) {
	var v uint64
	for i := 0; i < len(b) && i < 10; i++ {
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i]&0x80 == 0 {
			return v, i + 1
		}
	}
	return 0, 0
}

func rar5Entries(b []byte, max int) ([]rarEntry, error) {
	var out []rarEntry
	for len(b) > 4 && len(out) <= max {
		hsize, n := rarVint(b[4:])
		if n == 0 || hsize == 0 || hsize > 2<<20 || hsize > uint64(len(b)-4-n) {
			return out, errRar
		}
		hdr := b[4+n : 4+n+int(hsize)]
		rest := b[4+n+int(hsize):]
		p := 0
		next := func() uint64 {
			if p >= len(hdr) {
				p = len(hdr) + 1
				return 0
			}
			v, k := rarVint(hdr[p:])
			if k == 0 {
				p = len(hdr) + 1
				return 0
			}
			p += k
			return v
		}
		typ, flags := next(), next()
		var extra, data uint64
		if flags&0x0001 != 0 {
			extra = next()
		}
		if flags&0x0002 != 0 {
			data = next()
		}
		if p > len(hdr) {
			return out, errRar
		}
		switch typ {
		case 4: // archive encryption header: everything after is encrypted
			return out, errRarEncrypted
		case 2: // file header
			fileFlags := next()
			unp := next()
			next() // attributes
			if fileFlags&0x0002 != 0 {
				p += 4 // mtime
			}
			if fileFlags&0x0004 != 0 {
				p += 4 // data CRC32
			}
			next() // compression information
			next() // host OS
			nameLen := next()
			if p > len(hdr) || nameLen > uint64(len(hdr)-p) {
				return out, errRar
			}
			name := string(hdr[p : p+int(nameLen)])
			encrypted := false
			if extra > 0 && extra <= uint64(len(hdr)) {
				ea := hdr[len(hdr)-int(extra):]
				for len(ea) > 0 {
					rsize, k := rarVint(ea)
					if k == 0 || rsize == 0 || rsize > uint64(len(ea)-k) {
						break
					}
					if rtype, _ := rarVint(ea[k:]); rtype == 0x01 {
						encrypted = true
					}
					ea = ea[k+int(rsize):]
				}
			}
			if fileFlags&0x0001 == 0 { // not a directory
				out = append(out, rarEntry{name: name, size: int64(min(unp, 1<<62)), encrypted: encrypted})
			}
		case 5: // end of archive
			return out, nil
		}
		if data > uint64(len(rest)) {
			return out, nil // cut short: what was listed stands
		}
		b = rest[data:]
	}
	return out, nil
}
