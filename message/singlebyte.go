package message

import (
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
	for _, c := range b {
		if c >= utf8.RuneSelf {
			n += len(t[c]) - 1
		}
	}
	out := make([]byte, 0, n)
	for len(b) > 0 {
		i := 0
		for i < len(b) && b[i] < utf8.RuneSelf {
			i++
		}
		out = append(out, b[:i]...)
		if i == len(b) {
			break
		}
		out = append(out, t[b[i]]...)
		b = b[i+1:]
	}
	return out, nil
}
