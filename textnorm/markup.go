package textnorm

// Markup left in plain text. Text copied from web pages (question-and-answer
// sites, forums, exported chats) often keeps HTML character references and
// line-break tags as literal text: "you&#039;re a liar<br>". Read as plain
// bytes that is "you 039 re a liar br", and no phrase matches. The
// normaliser reads a character reference as the character it names and a
// <br> tag as a separator, with the original span of the whole reference, so
// evidence still quotes what was written.

// markup reads the character reference or line-break tag at s[i] (s[i] is
// '&' or '<'). It returns the character and the reference's length in
// bytes, a space for a <br> tag, or size 0 when s[i] starts neither.
//
// Numeric references (&#39; &#x27;) need their semicolon and name a valid
// character other than NUL; named ones are the few that real text carries.
func markup(s string, i int) (r rune, size int) {
	if s[i] == '<' {
		return ' ', brTag(s, i)
	}
	j := i + 1
	if j < len(s) && s[j] == '#' {
		return numericRef(s, i)
	}
	for k := j; k < len(s) && k-j <= maxEntityName; k++ {
		c := s[k]
		if c == ';' {
			if r, ok := namedRefs[s[j:k]]; ok {
				return r, k + 1 - i
			}
			return 0, 0
		}
		if c < 'a' || c > 'z' {
			return 0, 0
		}
	}
	return 0, 0
}

// maxEntityName is the longest name in namedRefs.
const maxEntityName = 6

// namedRefs are the named character references that copied text carries.
var namedRefs = map[string]rune{
	"amp": '&', "lt": '<', "gt": '>', "quot": '"', "apos": '\'', "nbsp": 0xA0,
	"rsquo": 0x2019, "lsquo": 0x2018, "rdquo": 0x201D, "ldquo": 0x201C,
	"ndash": 0x2013, "mdash": 0x2014, "hellip": 0x2026,
}

// numericRef reads "&#NNN;" or "&#xHHH;" at s[i].
func numericRef(s string, i int) (rune, int) {
	j := i + 2
	base := rune(10)
	if j < len(s) && (s[j] == 'x' || s[j] == 'X') {
		base = 16
		j++
	}
	var v rune
	start := j
	for ; j < len(s) && j-start < 7; j++ {
		d := digitValue(s[j], base)
		if d < 0 {
			break
		}
		v = v*base + d
	}
	if j == start || j >= len(s) || s[j] != ';' {
		return 0, 0
	}
	if v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF) {
		return 0, 0
	}
	return v, j + 1 - i
}

func digitValue(c byte, base rune) rune {
	switch {
	case c >= '0' && c <= '9':
		return rune(c - '0')
	case base == 16 && c|0x20 >= 'a' && c|0x20 <= 'f':
		return rune(c|0x20-'a') + 10
	}
	return -1
}

// brTag returns the length of a line-break tag at s[i] ("<br>", "<BR/>",
// "<br />"), or 0.
func brTag(s string, i int) int {
	j := i + 1
	if j+2 > len(s) || s[j]|0x20 != 'b' || s[j+1]|0x20 != 'r' {
		return 0
	}
	j += 2
	for j < len(s) && s[j] == ' ' && j-i < 6 {
		j++
	}
	if j < len(s) && s[j] == '/' {
		j++
	}
	if j < len(s) && s[j] == '>' {
		return j + 1 - i
	}
	return 0
}
