package message

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unicode/utf16"

	"github.com/ulikunitz/xz/lzma"
)

// The 7-Zip lister reads only the archive header (7zFormat.txt in the
// 7-Zip sources describes it) to list file names; it never unpacks file
// content. It is written here, bounded, rather than taken from a library:
// a header declaring four billion files must cost nothing, not an
// allocation of hundreds of gigabytes.

// 7z property ids (7zFormat.txt, "Property IDs").
const (
	sz7End              = 0x00
	sz7Header           = 0x01
	sz7ArchiveProps     = 0x02
	sz7AdditionalStream = 0x03
	sz7MainStreams      = 0x04
	sz7FilesInfo        = 0x05
	sz7PackInfo         = 0x06
	sz7UnpackInfo       = 0x07
	sz7SubStreams       = 0x08
	sz7Size             = 0x09
	sz7CRC              = 0x0A
	sz7Folder           = 0x0B
	sz7CodersUnpackSize = 0x0C
	sz7NumUnpackStream  = 0x0D
	sz7Name             = 0x11
	sz7EncodedHeader    = 0x17
)

// max7zHeader bounds the header read (plain or decompressed).
const max7zHeader = 4 << 20

var (
	err7z          = errors.New("damaged 7z header")
	err7zEncrypted = errors.New("7z header is encrypted")
)

// sz7 reads 7z header numbers and bytes from b, failing on overrun.
type sz7 struct {
	b   []byte
	err error
}

func (r *sz7) byte() byte {
	if r.err != nil || len(r.b) == 0 {
		r.err = err7z
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *sz7) bytes(n uint64) []byte {
	if r.err != nil || n > uint64(len(r.b)) {
		r.err = err7z
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

// num reads a 7z UINT64: the leading one bits of the first byte count the
// extra little-endian bytes.
func (r *sz7) num() uint64 {
	first := r.byte()
	var v uint64
	mask := byte(0x80)
	for i := 0; i < 8; i++ {
		if first&mask == 0 {
			high := uint64(first & (mask - 1))
			return v | high<<(8*i)
		}
		v |= uint64(r.byte()) << (8 * i)
		mask >>= 1
	}
	return v
}

// count reads a number that counts items which each take at least one
// byte of what is left, so a lying count fails instead of allocating.
func (r *sz7) count() int {
	n := r.num()
	if r.err == nil && n > uint64(len(r.b))*8+8 {
		r.err = err7z
	}
	if r.err != nil {
		return 0
	}
	return int(n)
}

// bits reads a bit vector of n bits (most significant bit first).
func (r *sz7) bits(n int) []bool {
	raw := r.bytes(uint64((n + 7) / 8))
	out := make([]bool, 0, min(n, len(raw)*8))
	for i := 0; i < n && r.err == nil; i++ {
		out = append(out, raw[i/8]&(0x80>>(i%8)) != 0)
	}
	return out
}

// digests skips a digest list of n entries.
func (r *sz7) digests(n int) {
	defined := n
	if r.byte() == 0 {
		defined = 0
		for _, d := range r.bits(n) {
			if d {
				defined++
			}
		}
	}
	r.bytes(uint64(defined) * 4)
}

// coder is one coder of a folder.
type coder7 struct {
	id, props []byte
}

// streamsInfo is the part of a StreamsInfo block the lister needs.
type streamsInfo7 struct {
	packPos     uint64
	packSizes   []uint64
	coders      [][]coder7 // per folder
	unpackSizes [][]uint64 // per folder, per out stream
}

func (r *sz7) streamsInfo() streamsInfo7 {
	var si streamsInfo7
	for r.err == nil {
		switch id := r.byte(); id {
		case sz7End:
			return si
		case sz7PackInfo:
			si.packPos = r.num()
			n := r.count()
		pack:
			for r.err == nil {
				switch r.byte() {
				case sz7End:
					break pack
				case sz7Size:
					for i := 0; i < n && r.err == nil; i++ {
						si.packSizes = append(si.packSizes, r.num())
					}
				case sz7CRC:
					r.digests(n)
				default:
					r.err = err7z
				}
			}
		case sz7UnpackInfo:
			if r.byte() != sz7Folder {
				r.err = err7z
				break
			}
			folders := r.count()
			if r.byte() != 0 {
				r.err = err7z // external folders are not supported
				break
			}
			outs := make([]int, 0, min(folders, 1024))
			for f := 0; f < folders && r.err == nil; f++ {
				var cs []coder7
				totalIn, totalOut := 0, 0
				nc := r.count()
				for c := 0; c < nc && r.err == nil; c++ {
					flags := r.byte()
					co := coder7{id: r.bytes(uint64(flags & 0x0f))}
					in, out := 1, 1
					if flags&0x10 != 0 {
						in, out = r.count(), r.count()
					}
					if flags&0x20 != 0 {
						co.props = r.bytes(r.num())
					}
					totalIn += in
					totalOut += out
					cs = append(cs, co)
				}
				for b := 0; b < totalOut-1 && r.err == nil; b++ {
					r.num()
					r.num()
				}
				if packed := totalIn - (totalOut - 1); packed > 1 {
					for p := 0; p < packed && r.err == nil; p++ {
						r.num()
					}
				}
				si.coders = append(si.coders, cs)
				outs = append(outs, totalOut)
			}
			if r.byte() != sz7CodersUnpackSize {
				r.err = err7z
				break
			}
			for _, n := range outs {
				var sizes []uint64
				for i := 0; i < n && r.err == nil; i++ {
					sizes = append(sizes, r.num())
				}
				si.unpackSizes = append(si.unpackSizes, sizes)
			}
		unpack:
			for r.err == nil {
				switch r.byte() {
				case sz7End:
					break unpack
				case sz7CRC:
					r.digests(folders)
				default:
					r.err = err7z
				}
			}
		case sz7SubStreams:
			nums := make([]int, len(si.coders))
			total := 0
			for i := range nums {
				nums[i] = 1
			}
		sub:
			for r.err == nil {
				switch r.byte() {
				case sz7End:
					break sub
				case sz7NumUnpackStream:
					total = 0
					for i := range nums {
						nums[i] = r.count()
						total += nums[i]
					}
				case sz7Size:
					for _, n := range nums {
						for i := 0; i < n-1 && r.err == nil; i++ {
							r.num()
						}
					}
				case sz7CRC:
					if total == 0 {
						total = len(nums)
					}
					r.digests(total)
				default:
					r.err = err7z
				}
			}
		default:
			r.err = err7z
		}
	}
	return si
}

// names7z reads a Header block and returns the file names.
func (r *sz7) names(maxFiles int) ([]string, error) {
	if r.byte() != sz7Header {
		return nil, err7z
	}
	for r.err == nil {
		switch r.byte() {
		case sz7End:
			return nil, r.err
		case sz7ArchiveProps:
			for r.err == nil {
				if r.byte() == 0 {
					break
				}
				r.bytes(r.num())
			}
		case sz7AdditionalStream, sz7MainStreams:
			r.streamsInfo()
		case sz7FilesInfo:
			n := r.count()
			if n > maxFiles {
				return nil, fmt.Errorf("7z archive lists %d files", n)
			}
			var names []string
			for r.err == nil {
				prop := r.num()
				if prop == 0 {
					return names, r.err
				}
				data := &sz7{b: r.bytes(r.num())}
				if r.err != nil || prop != sz7Name {
					continue
				}
				if data.byte() != 0 {
					return nil, err7z // names stored elsewhere
				}
				u := make([]uint16, 0, 64)
				for len(data.b) >= 2 && len(names) < n {
					c := binary.LittleEndian.Uint16(data.b)
					data.b = data.b[2:]
					if c == 0 {
						names = append(names, string(utf16.Decode(u)))
						u = u[:0]
						continue
					}
					if len(u) < 1024 {
						u = append(u, c)
					}
				}
			}
		default:
			return nil, err7z
		}
	}
	return nil, r.err
}

// sevenZipNames returns the file names a 7z archive lists. An encoded
// (compressed) header is decompressed when its one coder is LZMA, within
// max7zHeader bytes; an AES-encrypted header is err7zEncrypted.
func sevenZipNames(data []byte, maxFiles int) ([]string, error) {
	if len(data) < 32 {
		return nil, err7z
	}
	off := binary.LittleEndian.Uint64(data[12:])
	size := binary.LittleEndian.Uint64(data[20:])
	if off > uint64(len(data)) || size > uint64(len(data))-min(off, uint64(len(data))) || 32+off+size > uint64(len(data)) || size > max7zHeader {
		return nil, err7z
	}
	hdr := data[32+off : 32+off+size]
	r := &sz7{b: hdr}
	if len(hdr) > 0 && hdr[0] == sz7EncodedHeader {
		r.byte()
		si := r.streamsInfo()
		if r.err != nil {
			return nil, r.err
		}
		plain, err := decodeHeader7z(data, si)
		if err != nil {
			return nil, err
		}
		r = &sz7{b: plain}
	}
	return r.names(maxFiles)
}

// decodeHeader7z decompresses an encoded header.
func decodeHeader7z(data []byte, si streamsInfo7) ([]byte, error) {
	if len(si.coders) != 1 || len(si.packSizes) < 1 || len(si.unpackSizes) != 1 || len(si.unpackSizes[0]) < 1 {
		return nil, err7z
	}
	for _, c := range si.coders[0] {
		if bytes.Equal(c.id, []byte{0x06, 0xF1, 0x07, 0x01}) {
			return nil, err7zEncrypted
		}
	}
	if len(si.coders[0]) != 1 || !bytes.Equal(si.coders[0][0].id, []byte{0x03, 0x01, 0x01}) || len(si.coders[0][0].props) != 5 {
		return nil, fmt.Errorf("7z header coder %x is not supported", si.coders[0][0].id)
	}
	start, n, unpack := 32+si.packPos, si.packSizes[0], si.unpackSizes[0][len(si.unpackSizes[0])-1]
	if si.packPos > uint64(len(data)) || n > uint64(len(data)) || start+n > uint64(len(data)) || unpack > max7zHeader {
		return nil, err7z
	}
	// The classic LZMA header: properties, dictionary size (never more
	// than the output needs), then the unpacked size.
	props := si.coders[0][0].props
	dict := min(binary.LittleEndian.Uint32(props[1:]), uint32(max(unpack, 4096)))
	h := []byte{props[0]}
	h = binary.LittleEndian.AppendUint32(h, dict)
	h = binary.LittleEndian.AppendUint64(h, unpack)
	zr, err := lzma.ReaderConfig{DictCap: max7zHeader}.NewReader(io.MultiReader(bytes.NewReader(h), bytes.NewReader(data[start:start+n])))
	if err != nil {
		return nil, fmt.Errorf("7z header: %w", err)
	}
	out, err := readLimited(zr, int64(unpack), int64(unpack))
	if err != nil {
		return nil, fmt.Errorf("7z header: %w", err)
	}
	return out, nil
}
