package message

import (
	"bytes"

	"golang.org/x/net/html"
)

// rawAttr is one attribute of a tag as html.Tokenizer.TagAttr returns it:
// the key ASCII-lower-cased, the value as written (no entities, CR or NUL
// to convert; see tagAttrs).
type rawAttr struct{ key, val []byte }

// maxRawAttrs is the most attributes tagAttrs reads itself (its duplicate
// check is quadratic); a tag with more is left to TagAttr.
const maxRawAttrs = 32

// attrReader reads the attributes of start tags from z.Raw(), where
// TagAttr would copy every key and value twice. Its buffers are reused
// from tag to tag.
type attrReader struct {
	attrs []rawAttr
	spans [][4]int // key start, key end, value start, value end in raw
	keys  []byte   // the lower-cased keys, end to end
}

// tagAttrs returns the attributes of the current start or self-closing
// tag token of z, in the order and with the keys and values
// z.TagAttr would return them, and true; or nil and false when the raw tag
// holds a byte for which TagAttr rewrites a value or key (NUL, CR, '&': the
// caller then reads them with TagAttr, which it must not have called yet
// for this token), has more than maxRawAttrs attributes, or does not have
// the shape of a complete tag. The slices are valid until the next call or
// the next token. It follows the tokenizer's readTag (tag name, then
// key/value pairs, the first of each lower-cased key kept, empty keys
// dropped); TestTagAttrsEqualTokenizer and FuzzTagAttrs compare the two.
func (ar *attrReader) tagAttrs(z *html.Tokenizer) ([]rawAttr, bool) {
	return ar.read(z.Raw())
}

func (ar *attrReader) read(raw []byte) ([]rawAttr, bool) {
	n := len(raw)
	if n < 3 || raw[0] != '<' || raw[n-1] != '>' || bytes.IndexByte(raw, 0) >= 0 ||
		bytes.IndexByte(raw, '\r') >= 0 || bytes.IndexByte(raw, '&') >= 0 {
		return nil, false
	}
	ar.spans = ar.spans[:0]
	// readTagName: the byte after '<' is the name's first, then up to
	// white space (consumed), '/' or '>' (not consumed).
	pos := 2
name:
	for ; pos < n; pos++ {
		switch raw[pos] {
		case ' ', '\n', '\t', '\f':
			pos++
			break name
		case '/', '>':
			break name
		}
	}
	pos = skipTagSpace(raw, pos)
	for {
		if pos >= n {
			return nil, false
		}
		if raw[pos] == '>' {
			break
		}
		// readTagAttrKey
		ks := pos
		for {
			if pos >= n {
				return nil, false
			}
			c := raw[pos]
			pos++
			if c == '=' && ks+1 == pos {
				continue
			}
			if c == '=' || c == ' ' || c == '\n' || c == '\t' || c == '\f' || c == '/' || c == '>' {
				pos--
				break
			}
		}
		ke := pos
		// readTagAttrVal
		vs, ve := pos, pos
		pos = skipTagSpace(raw, pos)
		if pos >= n {
			return nil, false
		}
		switch c := raw[pos]; {
		case c == '/':
			pos++
		case c != '=':
		default:
			pos = skipTagSpace(raw, pos+1)
			if pos >= n {
				return nil, false
			}
			switch q := raw[pos]; q {
			case '>':
			case '\'', '"':
				pos++
				vs = pos
				i := bytes.IndexByte(raw[pos:], q)
				if i < 0 {
					return nil, false
				}
				ve = pos + i
				pos = ve + 1
			default:
				vs = pos
				for pos++; pos < n; pos++ {
					c := raw[pos]
					if c == ' ' || c == '\n' || c == '\t' || c == '\f' {
						ve = pos
						pos++
						break
					}
					if c == '>' {
						ve = pos
						break
					}
				}
				if pos >= n {
					return nil, false
				}
			}
		}
		if ks != ke {
			if len(ar.spans) == maxRawAttrs {
				return nil, false
			}
			ar.spans = append(ar.spans, [4]int{ks, ke, vs, ve})
		}
		pos = skipTagSpace(raw, pos)
	}
	// The keys lower-cased, and the first of each kept.
	ar.keys = ar.keys[:0]
	for _, s := range ar.spans {
		for _, c := range raw[s[0]:s[1]] {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			ar.keys = append(ar.keys, c)
		}
	}
	ar.attrs = ar.attrs[:0]
	off := 0
	for _, s := range ar.spans {
		key := ar.keys[off : off+s[1]-s[0] : off+s[1]-s[0]]
		off += s[1] - s[0]
		dup := false
		for _, a := range ar.attrs {
			if bytes.Equal(a.key, key) {
				dup = true
				break
			}
		}
		if !dup {
			ar.attrs = append(ar.attrs, rawAttr{key: key, val: raw[s[2]:s[3]:s[3]]})
		}
	}
	return ar.attrs, true
}

// skipTagSpace is the tokenizer's skipWhiteSpace (CR is never seen here).
func skipTagSpace(raw []byte, pos int) int {
	for pos < len(raw) {
		switch raw[pos] {
		case ' ', '\n', '\t', '\f':
			pos++
		default:
			return pos
		}
	}
	return pos
}
