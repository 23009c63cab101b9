package message

import (
	"encoding/binary"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// singleByteTables holds, for the single-byte charsets Parse decodes
// itself (latin-1 and windows-1252, see elide.go and decodeUndeclared),
// the UTF-8 of every byte, read from x/text's own tables.
var singleByteTables = map[*charmap.Charmap]*[256]string{
	charmap.ISO8859_1:   singleByteTable(charmap.ISO8859_1),
	charmap.Windows1252: singleByteTable(charmap.Windows1252),
}

func singleByteTable(cm *charmap.Charmap) *[256]string {
	var t [256]string
	for b := range t {
		t[b] = string(cm.DecodeByte(byte(b)))
	}
	return &t
}

// decodeSingleByte is cm.NewDecoder().Bytes(b): a charmap decoder turns
// each byte into its character on its own and never fails, so b is
// decoded through the table into a buffer of the exact size, ASCII runs
// copied whole (both charsets keep ASCII as it is). Other charmaps go to
// x/text. TestDecodeSingleByteEqualsXText and FuzzDecodeSingleByte
// compare the two.
func decodeSingleByte(cm *charmap.Charmap, b []byte) ([]byte, error) {
	t := singleByteTables[cm]
	if t == nil {
		return cm.NewDecoder().Bytes(b)
	}
	n := len(b)
	for i := asciiPrefix(b); i < len(b); i += asciiPrefix(b[i:]) {
		n += len(t[b[i]]) - 1 // b[i] is not ASCII
		i++
	}
	out := make([]byte, 0, n)
	for len(b) > 0 {
		i := asciiPrefix(b)
		out = append(out, b[:i]...)
		if i == len(b) {
			break
		}
		out = append(out, t[b[i]]...)
		b = b[i+1:]
	}
	return out, nil
}

// asciiPrefix returns the length of the run of ASCII bytes b starts with,
// reading eight bytes at a time while they are all ASCII.
func asciiPrefix(b []byte) int {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if binary.LittleEndian.Uint64(b[i:])&0x8080808080808080 != 0 {
			break
		}
	}
	for i < len(b) && b[i] < utf8.RuneSelf {
		i++
	}
	return i
}
