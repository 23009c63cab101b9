package links

import "strings"

// htmlMayMatter reports whether checkHTML can find anything in src; when
// it is false, Scan skips message.ScanHTML (a second pass of the HTML
// tokenizer over a body the parser already tokenised).
//
// checkHTML's rules need, in a value the tokenizer decoded, one of:
// "javascript"/"vbscript" or "data" followed by optional white space and
// ':' (a script or data: link), "url(" (a CSS link) or "password" (an
// <input type=password>). htmlMayMatter is false only when src shows
// none of these in any ASCII letter case ("script" and "data" count
// when followed by ASCII white space and ':', or by '&' or a non-ASCII
// byte, which might be white space) and no character reference in src
// can decode to a character that would make one:
//   - a numeric reference is safe when it decodes past ASCII;
//   - a named reference without ';' can only decode to a legacy entity
//     (Latin-1, '&', '<', '>', '"'), which are safe;
//   - a named reference with ';' is safe only if it is in safeEntities.
//
// Lower-casing maps no non-ASCII letter to an ASCII needle letter, and
// the tokenizer drops no character but carriage returns. TestHTMLMayMatter
// and FuzzHTMLMayMatter check that checkHTML finds nothing when this
// says so.
func htmlMayMatter(src string) bool {
	for i := 0; i < len(src); i++ {
		for i < len(src) && !needleStart[src[i]] {
			i++
		}
		if i == len(src) {
			break
		}
		if src[i] != '&' && (i+1 == len(src) || src[i+1]|0x20 != needleSecond[src[i]]) {
			continue // what hasFoldAt below would find at the second byte
		}
		switch c := src[i] | 0x20; {
		case src[i] == '&':
			if !safeReference(src[i+1:]) {
				return true
			}
		case c == 's':
			if hasFoldAt(src, i, "script") && colonFollows(src[i+6:]) {
				return true
			}
		case c == 'd':
			if hasFoldAt(src, i, "data") && colonFollows(src[i+4:]) {
				return true
			}
		case c == 'u':
			if hasFoldAt(src, i, "url(") {
				return true
			}
		case c == 'p':
			if hasFoldAt(src, i, "password") {
				return true
			}
		}
	}
	return false
}

// needleStart marks the bytes htmlMayMatter looks at: '&' and the first
// letters of the needles.
var needleStart = func() (t [256]bool) {
	for _, c := range "&sSdDuUpP" {
		t[c] = true
	}
	return t
}()

// needleSecond is, for the first letter of each needle (either case),
// the needle's second letter ("script", "data", "url(", "password"); each
// is a lower-case letter, which only it and its upper case give with
// |0x20.
var needleSecond = func() (t [256]byte) {
	for _, n := range []string{"script", "data", "url(", "password"} {
		t[n[0]], t[n[0]-'a'+'A'] = n[1], n[1]
	}
	return t
}()

// safeEntities are the named references with ';' that htmlMayMatter lets
// pass: each decodes to a character in no needle (U+00A0 is white
// space, but colonFollows is careful after an '&').
var safeEntities = []string{"amp;", "nbsp;", "apos;", "quot;", "lt;", "gt;", "copy;", "reg;", "trade;", "mdash;", "ndash;", "rsquo;", "lsquo;", "rdquo;", "ldquo;", "hellip;", "bull;", "middot;", "eacute;", "egrave;", "agrave;", "ccedil;", "euro;", "pound;"}

// safeReference reports whether s, the text after an '&', cannot decode
// to a character that helps make a needle.
func safeReference(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == '#' {
		s = s[1:]
		base := uint64(10)
		if s != "" && s[0]|0x20 == 'x' {
			base, s = 16, s[1:]
		}
		v, n := uint64(0), 0
		for ; n < len(s) && n < 8; n++ {
			d := hexVal(s[n])
			if d >= base {
				break
			}
			v = v*base + d
		}
		return n > 0 && v >= 0x80 // no digits: left undecoded, but be careful
	}
	n := 0
	for n < len(s) && (isASCIILetter(s[n]) || s[n] >= '0' && s[n] <= '9') {
		n++
	}
	if n == 0 || n == len(s) || s[n] != ';' {
		return true // not a reference, or one without ';' (legacy only)
	}
	for _, e := range safeEntities {
		if strings.HasPrefix(s, e) {
			return true
		}
	}
	return false
}

func hexVal(c byte) uint64 {
	switch {
	case c >= '0' && c <= '9':
		return uint64(c - '0')
	case c|0x20 >= 'a' && c|0x20 <= 'f':
		return uint64(c|0x20-'a') + 10
	}
	return 99
}

// hasFoldAt reports whether s[i:] starts with the ASCII needle
// (lower-case letters and punctuation) in any ASCII letter case. This is
// strings.EqualFold of the len(needle) bytes there: the only non-ASCII
// characters that fold to ASCII letters (U+212A K, U+017F ſ) take more
// than one byte, so a window holding one has fewer characters than the
// needle and EqualFold is false too.
func hasFoldAt(s string, i int, needle string) bool {
	if len(s)-i < len(needle) {
		return false
	}
	for k := 0; k < len(needle); k++ {
		c := s[i+k]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != needle[k] {
			return false
		}
	}
	return true
}

// colonFollows reports whether s may start with white space and ':'.
func colonFollows(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ':', c == '&', c >= 0x80:
			return true
		case c == ' ', c == '\t', c == '\n', c == '\r', c == '\f', c == '\v':
		default:
			return false
		}
	}
	return false
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
