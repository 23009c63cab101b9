package spam

import "strings"

// Hand-written finders for regexps of the rules (hiddenRe, bigFontRe,
// receivedFromRe). Each alternative starts with a literal, found by
// strings.Index, and the rest is matched by hand at each occurrence, with
// the regexp's leftmost-first choices.

// isSpace is \s of Go's regexp syntax: [\t\n\f\r ].
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' }

func skipSpace(s string, i int) int {
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return i
}

// wordEnd reports \b between s[i-1] (a word byte) and s[i].
func wordEnd(s string, i int) bool { return i == len(s) || !isWordByte(s[i]) }

// eachAt returns the first match of lit followed by rest: rest(s, end of
// lit) gives the match's end or -1.
func eachAt(s, lit string, rest func(s string, i int) int) []int {
	for from := 0; ; {
		j := strings.Index(s[from:], lit)
		if j < 0 {
			return nil
		}
		at := from + j
		if end := rest(s, at+len(lit)); end >= 0 {
			return []int{at, end}
		}
		from = at + 1
	}
}

// colonWord is `\s*:\s*word`.
func colonWord(word string) func(string, int) int {
	return func(s string, i int) int {
		i = skipSpace(s, i)
		if i >= len(s) || s[i] != ':' {
			return -1
		}
		i = skipSpace(s, i+1)
		if !strings.HasPrefix(s[i:], word) {
			return -1
		}
		return i + len(word)
	}
}

// tinyPx is `\s*:\s*[01](px|pt)?\b`.
func tinyPx(s string, i int) int {
	i = skipSpace(s, i)
	if i >= len(s) || s[i] != ':' {
		return -1
	}
	i = skipSpace(s, i+1)
	if i >= len(s) || (s[i] != '0' && s[i] != '1') {
		return -1
	}
	i++
	if strings.HasPrefix(s[i:], "px") || strings.HasPrefix(s[i:], "pt") {
		if wordEnd(s, i+2) {
			return i + 2
		}
	}
	if wordEnd(s, i) {
		return i
	}
	return -1
}

// bigPx is `\s*:\s*([3-9]\d|\d{3})px`.
func bigPx(s string, i int) int {
	i = skipSpace(s, i)
	if i >= len(s) || s[i] != ':' {
		return -1
	}
	i = skipSpace(s, i+1)
	digit := func(k int) bool { return k < len(s) && s[k] >= '0' && s[k] <= '9' }
	if i < len(s) && s[i] >= '3' && s[i] <= '9' && digit(i+1) && strings.HasPrefix(s[i+2:], "px") {
		return i + 4
	}
	if digit(i) && digit(i+1) && digit(i+2) && strings.HasPrefix(s[i+3:], "px") {
		return i + 5
	}
	return -1
}

// fontSize is `[^>]*size` followed by attr after "<font": the greedy
// [^>]* prefers the last "size" before the tag's first '>'.
func fontSize(attr func(s string, i int) int) func(string, int) int {
	return func(s string, i int) int {
		gt := strings.IndexByte(s[i:], '>')
		if gt < 0 {
			gt = len(s)
		} else {
			gt += i
		}
		tag := s[i:gt]
		for k := len(tag); ; {
			j := strings.LastIndex(tag[:k], "size")
			if j < 0 {
				return -1
			}
			if end := attr(s, i+j+len("size")); end >= 0 {
				return end
			}
			k = j + len("size") - 1
		}
	}
}

// eqValue matches `\s*=\s*["']?` (then `\+?` when plus) and one byte
// of the class digit at s[i:], returning the end of the match or -1.
func eqValue(s string, i int, plus bool, digit func(byte) bool) int {
	i = skipSpace(s, i)
	if i >= len(s) || s[i] != '=' {
		return -1
	}
	i = skipSpace(s, i+1)
	if i < len(s) && (s[i] == '"' || s[i] == '\'') {
		i++
	}
	if plus && i < len(s) && s[i] == '+' {
		i++
	}
	if i < len(s) && digit(s[i]) {
		return i + 1
	}
	return -1
}

var (
	// tinyFontAttr is `\s*=\s*["']?[01]\b`.
	tinyFontAttr = func(s string, i int) int {
		end := eqValue(s, i, false, func(c byte) bool { return c == '0' || c == '1' })
		if end < 0 || !wordEnd(s, end) {
			return -1
		}
		return end
	}
	// bigFontAttr is `\s*=\s*["']?\+?[4-7]`.
	bigFontAttr = func(s string, i int) int {
		return eqValue(s, i, true, func(c byte) bool { return c >= '4' && c <= '7' })
	}
)

// leftmostOf is the leftmost of the finders' matches (the earlier finder
// on a tie), or nil.
func leftmostOf(locs ...[]int) []int {
	var best []int
	for _, l := range locs {
		if l != nil && (best == nil || l[0] < best[0]) {
			best = l
		}
	}
	return best
}

// findHidden is hiddenRe.FindStringIndex.
func findHidden(s string) []int {
	return leftmostOf(
		eachAt(s, "display", colonWord("none")),
		eachAt(s, "visibility", colonWord("hidden")),
		eachAt(s, "font-size", tinyPx),
		eachAt(s, "<font", fontSize(tinyFontAttr)),
	)
}

// findBigFont is bigFontRe.FindStringIndex.
func findBigFont(s string) []int {
	return leftmostOf(
		eachAt(s, "<font", fontSize(bigFontAttr)),
		eachAt(s, "font-size", bigPx),
	)
}

// parseReceivedFrom is receivedFromRe.FindStringSubmatch by hand: the
// HELO name, the reverse DNS name and the address of a Received header
// that starts "from HELO (RDNS [IP])" (case-insensitive), or ok false.
func parseReceivedFrom(v string) (helo, rdns, ip string, ok bool) {
	if len(v) < 4 || !strings.EqualFold(v[:4], "from") {
		return "", "", "", false
	}
	i := 4
	if j := skipSpace(v, i); j == i {
		return "", "", "", false
	} else {
		i = j
	}
	start := i
	for i < len(v) && !isSpace(v[i]) {
		i++
	}
	if i == start {
		return "", "", "", false
	}
	helo = v[start:i]
	if j := skipSpace(v, i); j == i || j >= len(v) || v[j] != '(' {
		return "", "", "", false
	} else {
		i = j + 1
	}
	start = i
	for i < len(v) && !isSpace(v[i]) && v[i] != '[' && v[i] != ')' {
		i++
	}
	rdns = v[start:i]
	i = skipSpace(v, i)
	if i >= len(v) || v[i] != '[' {
		return "", "", "", false
	}
	i++
	start = i
	for i < len(v) && isAddrByte(v[i]) {
		i++
	}
	if i == start || i >= len(v) || v[i] != ']' {
		return "", "", "", false
	}
	return helo, rdns, v[start:i], true
}

// isAddrByte is (?i)[0-9a-f.:].
func isAddrByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == '.' || c == ':'
}
