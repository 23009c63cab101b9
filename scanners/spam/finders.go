package spam

import (
	"strings"
	"unicode/utf8"
)

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

// eachAtFrom returns the first match of lit followed by rest, given where
// lit first occurs in s (-1 for nowhere; the HTML automaton found it):
// rest(s, end of lit) gives the match's end or -1.
func eachAtFrom(s, lit string, first int, rest func(s string, i int) int) []int {
	if first < 0 {
		return nil
	}
	for from := first; ; {
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
func findHidden(s string) []int { return findHiddenAt(s, htmlPhrasesOf(s)) }

// findHiddenAt is findHidden given where each of htmlList first occurs
// in s.
func findHiddenAt(s string, at []int) []int {
	return leftmostOf(
		eachAtFrom(s, "display", at[htmlDisplay], colonWord("none")),
		eachAtFrom(s, "visibility", at[htmlVisibility], colonWord("hidden")),
		eachAtFrom(s, "font-size", at[htmlFontSize], tinyPx),
		eachAtFrom(s, "<font", at[htmlFont], fontSize(tinyFontAttr)),
	)
}

// findBigFont is bigFontRe.FindStringIndex.
func findBigFont(s string) []int { return findBigFontAt(s, htmlPhrasesOf(s)) }

// findBigFontAt is findBigFont given where each of htmlList first occurs
// in s.
func findBigFontAt(s string, at []int) []int {
	return leftmostOf(
		eachAtFrom(s, "<font", at[htmlFont], fontSize(bigFontAttr)),
		eachAtFrom(s, "font-size", at[htmlFontSize], bigPx),
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

// subjectMoneyWords are the alternatives of subjectMoneyRe in its order;
// "$" stands for `\$\d`, "save #" for `save \d+%`, "# off" for
// `\d+% off`, "pills" for `pills?`.
var subjectMoneyWords = []string{"free", "cash", "money", "$", "income", "earn", "save #", "# off", "winner", "won",
	"prize", "loan", "mortgage", "debt", "credit", "viagra", "cialis", "pills", "rolex", "casino", "lottery",
	"refinance", "investment", "profit"}

// findSubjectMoney is subjectMoneyRe.FindStringIndex for an ASCII s
// (for other s, ok is false: (?i) folds some non-ASCII letters, such as
// U+017F ſ, to the ASCII ones). At each position from the left the
// alternatives are tried in the regexp's order, each followed by \b.
func findSubjectMoney(s string) (loc []int, ok bool) {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return nil, false
		}
	}
	for i := 0; i < len(s); i++ {
		prevWord := i > 0 && isWordByte(s[i-1])
		if prevWord && s[i] != '$' {
			continue // every other alternative starts with \b and a word byte
		}
		for _, k := range moneyWordsAt[s[i]] {
			end := moneyWordAt(s, i, subjectMoneyWords[k], prevWord)
			if end >= 0 && wordBoundary(s, end) {
				return []int{i, end}, true
			}
		}
	}
	return nil, true
}

// moneyWordsAt[c] are the indexes of the subjectMoneyWords that can
// match at a byte c, in order.
var moneyWordsAt = func() (t [256][]uint8) {
	for k, w := range subjectMoneyWords {
		switch c := w[0]; c {
		case '#':
			for d := byte('0'); d <= '9'; d++ {
				t[d] = append(t[d], uint8(k))
			}
		case '$':
			t[c] = append(t[c], uint8(k))
		default:
			t[c] = append(t[c], uint8(k))
			t[c-'a'+'A'] = append(t[c-'a'+'A'], uint8(k))
		}
	}
	return t
}()

// wordBoundary is \b at s[i], 0 < i <= len(s).
func wordBoundary(s string, i int) bool {
	return isWordByte(s[i-1]) != (i < len(s) && isWordByte(s[i]))
}

// moneyWordAt matches `\b` and the alternative w of subjectMoneyWords at
// s[i:], returning the end or -1 (the \b after it is the caller's).
func moneyWordAt(s string, i int, w string, prevWord bool) int {
	digits := func(k int) int { // the end of \d+ at k, or -1
		j := k
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == k {
			return -1
		}
		return j
	}
	switch w {
	case "$": // \b\$\d: the \b needs a word byte before the '$'
		if prevWord && s[i] == '$' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' {
			return i + 2
		}
		return -1
	case "save #":
		if prevWord || !hasFoldPrefix(s[i:], "save ") {
			return -1
		}
		if j := digits(i + 5); j >= 0 && j < len(s) && s[j] == '%' {
			return j + 1
		}
		return -1
	case "# off":
		if prevWord {
			return -1
		}
		if j := digits(i); j >= 0 && hasFoldPrefix(s[j:], "% off") {
			return j + 5
		}
		return -1
	case "pills": // pills? is greedy: "pills" before "pill"
		if prevWord || !hasFoldPrefix(s[i:], "pill") {
			return -1
		}
		if i+4 < len(s) && s[i+4]|0x20 == 's' && wordBoundary(s, i+5) {
			return i + 5
		}
		return i + 4
	}
	if prevWord || !hasFoldPrefix(s[i:], w) {
		return -1
	}
	return i + len(w)
}

// hasFoldPrefix reports whether the ASCII s starts with the lower-case
// ASCII p in any case.
func hasFoldPrefix(s, p string) bool {
	if len(s) < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != p[i] {
			return false
		}
	}
	return true
}

// findTracking is trackRe.FindStringIndex: the match always runs to the
// end of s, so it is found from the end. The first alternative,
// `\s{3,}\S*\d\S*\s*$`, can only start in the run of white space before
// the last word (at its start, when the run is three or longer and the
// word has a digit); the second, `[\s(\[#-][a-z]{0,4}\d{4,}[a-z]{0,4}[)\]]?\s*$`,
// only at the byte before the letters, digits, letters and bracket that
// end s, read backwards. The leftmost of the two wins.
func findTracking(s string) []int {
	t := len(s) // s[t:] is the trailing white space
	for t > 0 && isSpace(s[t-1]) {
		t--
	}
	best := -1
	// First alternative.
	k := t
	for k > 0 && !isSpace(s[k-1]) {
		k--
	}
	j := k
	for j > 0 && isSpace(s[j-1]) {
		j--
	}
	if k < t && k-j >= 3 && strings.ContainsAny(s[k:t], "0123456789") {
		best = j
	}
	// Second alternative.
	q := t
	if q > 0 && (s[q-1] == ')' || s[q-1] == ']') {
		q--
	}
	back := func(q int, in func(byte) bool) int {
		for q > 0 && in(s[q-1]) {
			q--
		}
		return q
	}
	lower := func(c byte) bool { return c >= 'a' && c <= 'z' }
	digit := func(c byte) bool { return c >= '0' && c <= '9' }
	l2 := back(q, lower)
	d := back(l2, digit)
	l1 := back(d, lower)
	if q-l2 <= 4 && l2-d >= 4 && d-l1 <= 4 && l1 > 0 {
		if c := s[l1-1]; isSpace(c) || c == '(' || c == '[' || c == '#' || c == '-' {
			if best < 0 || l1-1 < best {
				best = l1 - 1
			}
		}
	}
	if best < 0 {
		return nil
	}
	return []int{best, len(s)}
}

// isNameAddrByte is [A-Za-z0-9._%+-], the local part of addrInNameRe.
func isNameAddrByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("._%+-", c) >= 0
}

// isNameDomainByte is [A-Za-z0-9.-].
func isNameDomainByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-'
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// findAddrInName is addrInNameRe.FindString,
// `[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`: for each '@' from
// the left, the local part is the run of its bytes before it, and the
// greedy domain part backs off to the last '.' of the domain run that
// leaves at least two letters, which it then takes all of.
func findAddrInName(s string) string {
	for from := 0; ; {
		i := strings.IndexByte(s[from:], '@')
		if i < 0 {
			return ""
		}
		at := from + i
		from = at + 1
		start := at
		for start > 0 && isNameAddrByte(s[start-1]) {
			start--
		}
		if start == at {
			continue
		}
		end := at + 1
		for end < len(s) && isNameDomainByte(s[end]) {
			end++
		}
		for p := end - 1; p > at+1; p-- {
			if s[p] != '.' || p+2 >= len(s) || !isLetter(s[p+1]) || !isLetter(s[p+2]) {
				continue
			}
			e := p + 1
			for e < len(s) && isLetter(s[e]) {
				e++
			}
			return s[start:e]
		}
	}
}
