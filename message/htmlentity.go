package message

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// cp1252C1 is what numeric references to 0x80-0x9F mean (HTML5
// §13.2.5.80: the windows-1252 reading of those bytes; where windows-1252
// has no character the code point stays).
var cp1252C1 = [32]rune{
	'\u20ac', '\u0081', '\u201a', '\u0192', '\u201e', '\u2026', '\u2020', '\u2021',
	'\u02c6', '\u2030', '\u0160', '\u2039', '\u0152', '\u008d', '\u017d', '\u008f',
	'\u0090', '\u2018', '\u2019', '\u201c', '\u201d', '\u2022', '\u2013', '\u2014',
	'\u02dc', '\u2122', '\u0161', '\u203a', '\u0153', '\u009d', '\u017e', '\u0178',
}

// maxEntityName is longer than any named reference (the longest,
// "CounterClockwiseContourIntegral;", has 32 bytes).
const maxEntityName = 40

// decodeEntity reads the character reference at s (s[0] == '&') as
// x/net/html's unescapeEntity does (HTML5 §13.2.5.72-80, in an attribute
// value when attribute is set: no legacy names cut short, none before
// '='). It returns the bytes consumed, 0 when there is no reference (the
// '&' is then literal), and the decoded text: r1 (and r2 when not 0), or
// lit when it is not "". The common names are decoded here; the rest are
// looked up through html.UnescapeString on the reference alone, which is
// off the hot path.
func decodeEntity(s string, attribute bool) (r1, r2 rune, lit string, n int) {
	if len(s) <= 1 {
		return 0, 0, "", 0
	}
	if s[1] == '#' {
		if len(s) <= 2 {
			return 0, 0, "", 0
		}
		i, hex := 2, false
		if s[2] == 'x' || s[2] == 'X' {
			i, hex = 3, true
		}
		i0 := i
		x := rune(0)
		for ; i < len(s); i++ {
			c := s[i]
			var d rune
			switch {
			case '0' <= c && c <= '9':
				d = rune(c - '0')
			case hex && 'a' <= c && c <= 'f':
				d = rune(c-'a') + 10
			case hex && 'A' <= c && c <= 'F':
				d = rune(c-'A') + 10
			default:
				goto done
			}
			// Past the last code point the value only has to stay
			// too big, not grow (no overflow however many digits).
			if x <= utf8.MaxRune {
				if hex {
					x = 16*x + d
				} else {
					x = 10*x + d
				}
			}
		}
	done:
		if i == i0 {
			return 0, 0, "", 0
		}
		if i < len(s) && s[i] == ';' {
			i++
		}
		switch {
		case 0x80 <= x && x <= 0x9f:
			x = cp1252C1[x-0x80]
		case x == 0 || 0xd800 <= x && x <= 0xdfff || x > utf8.MaxRune:
			x = utf8.RuneError
		}
		return x, 0, "", i
	}
	j := 1
	for j < len(s) && isAlnum(s[j]) {
		j++
	}
	semi := j < len(s) && s[j] == ';'
	end := j
	if semi {
		end++
	}
	if end == 1 {
		return 0, 0, "", 0
	}
	if attribute && !semi && j < len(s) && s[j] == '=' {
		return 0, 0, "", 0
	}
	switch s[1:end] {
	case "amp;", "amp":
		return '&', 0, "", end
	case "lt;", "lt":
		return '<', 0, "", end
	case "gt;", "gt":
		return '>', 0, "", end
	case "quot;", "quot":
		return '"', 0, "", end
	case "nbsp;", "nbsp":
		return '\u00a0', 0, "", end
	case "apos;":
		return '\'', 0, "", end
	}
	if end > maxEntityName {
		if attribute {
			return 0, 0, "", 0
		}
		// Too long for any name: only a legacy name of at most six
		// letters at its start can match, which the first seven bytes
		// decide; the rest of the run is plain text.
		end = 7
	}
	lit = html.UnescapeString(s[:end])
	if attribute {
		// Only the whole name counts in an attribute. Had it not been
		// one, UnescapeString would have kept its bytes (3 runes or
		// more with the ';', 2 or more without) or cut a legacy name
		// short (a rune and the rest: 3 or more with the ';', every
		// legacy name having a ';' form too, 2 or more without); a
		// whole name is 1 or 2 runes (1 without the ';').
		c := utf8.RuneCountInString(lit)
		if semi && c > 2 || !semi && c > 1 {
			return 0, 0, "", 0
		}
	}
	return 0, 0, lit, end
}

// appendHTMLText appends s as the tokenizer's Text or TagAttr gives it:
// CR LF and CR as LF, NUL as U+FFFD when nul is set, character references
// decoded when entities is set (as in an attribute value when attribute
// is).
func appendHTMLText(dst []byte, s string, nul, entities, attribute bool) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\r':
			dst = append(dst, '\n')
			i++
			if i < len(s) && s[i] == '\n' {
				i++
			}
			continue
		case c == 0 && nul:
			dst = append(dst, "\ufffd"...)
			i++
			continue
		case c == '&' && entities:
			r1, r2, lit, n := decodeEntity(s[i:], attribute)
			if n == 0 {
				break
			}
			if lit != "" {
				dst = append(dst, lit...)
			} else {
				dst = utf8.AppendRune(dst, r1)
				if r2 != 0 {
					dst = utf8.AppendRune(dst, r2)
				}
			}
			i += n
			continue
		}
		dst = append(dst, c)
		i++
	}
	return dst
}

// needsDecode reports whether appendHTMLText would change s.
func needsDecode(s string, nul, entities bool) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\r':
			return true
		case 0:
			if nul {
				return true
			}
		case '&':
			if entities {
				return true
			}
		}
	}
	return false
}

// attrValue is the i-th attribute's value as TagAttr gives it: a
// sub-string of the input unless it holds a NUL, CR or '&'.
func (z *htmlScanner) attrValue(i int) string {
	a := z.attrs[i]
	v := z.src[a.vs:a.ve]
	if !needsDecode(v, true, true) {
		return v
	}
	z.scratch = appendHTMLText(z.scratch[:0], v, true, true, true)
	return string(z.scratch)
}

// textString is the current text token's text as Text gives it: a
// sub-string of the input unless it needs decoding.
func (z *htmlScanner) textString() string {
	nul, ent := z.mode != textEscaped, z.mode != textRaw
	if !needsDecode(z.data, nul, ent) {
		return z.data
	}
	z.scratch = appendHTMLText(z.scratch[:0], z.data, nul, ent, false)
	return string(z.scratch)
}

// attrKey names an attribute htmlToText or ScanHTML reads.
type attrKey uint8

const (
	keyNone attrKey = iota
	keyHref
	keySrc
	keyAction
	keyBackground
	keyFormaction
	keyPoster
	keyData
	keyLowsrc
	keyDynsrc
	keyLongdesc
	keyCite
	keyPing
	keyXlinkHref
	keySrcset
	keyImagesrcset
	keyStyle
	keyType
	keyMethod
	keyHTTPEquiv
	keyContent
)

// attrKeyNames are the attributes' names, by attrKey.
var attrKeyNames = [...]string{
	keyNone: "", keyHref: "href", keySrc: "src", keyAction: "action", keyBackground: "background",
	keyFormaction: "formaction", keyPoster: "poster", keyData: "data", keyLowsrc: "lowsrc",
	keyDynsrc: "dynsrc", keyLongdesc: "longdesc", keyCite: "cite", keyPing: "ping",
	keyXlinkHref: "xlink:href", keySrcset: "srcset", keyImagesrcset: "imagesrcset",
	keyStyle: "style", keyType: "type", keyMethod: "method", keyHTTPEquiv: "http-equiv",
	keyContent: "content",
}

// attr returns the key of the i-th attribute, keyNone when it is not one
// of attrKeyNames or an earlier attribute of the tag had the same key
// (the tokenizer keeps the first); seen holds the keys met so far.
func (z *htmlScanner) attr(i int, seen *uint32) attrKey {
	a := z.attrs[i]
	k := z.src[a.ks:a.ke]
	var buf [12]byte
	if len(k) > len(buf) {
		return keyNone
	}
	for j := 0; j < len(k); j++ {
		c := k[j]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[j] = c
	}
	key := keyNone
	switch string(buf[:len(k)]) {
	case "href":
		key = keyHref
	case "src":
		key = keySrc
	case "action":
		key = keyAction
	case "background":
		key = keyBackground
	case "formaction":
		key = keyFormaction
	case "poster":
		key = keyPoster
	case "data":
		key = keyData
	case "lowsrc":
		key = keyLowsrc
	case "dynsrc":
		key = keyDynsrc
	case "longdesc":
		key = keyLongdesc
	case "cite":
		key = keyCite
	case "ping":
		key = keyPing
	case "xlink:href":
		key = keyXlinkHref
	case "srcset":
		key = keySrcset
	case "imagesrcset":
		key = keyImagesrcset
	case "style":
		key = keyStyle
	case "type":
		key = keyType
	case "method":
		key = keyMethod
	case "http-equiv":
		key = keyHTTPEquiv
	case "content":
		key = keyContent
	default:
		return keyNone
	}
	if *seen&(1<<key) != 0 {
		return keyNone
	}
	*seen |= 1 << key
	return key
}

// firstField is strings.Fields(s)[0], or "" when s is all white space,
// without building the list.
func firstField(s string) string {
	s = strings.TrimLeftFunc(s, unicode.IsSpace)
	if i := strings.IndexFunc(s, unicode.IsSpace); i >= 0 {
		return s[:i]
	}
	return s
}
