package config

import (
	"strconv"
	"strings"
)

// lineIndex maps key paths ("relay.listen", "school[1].domains[0]") to the
// 1-based line of the source where they are defined. BurntSushi/toml does
// not expose key positions for arrays of tables, so this is a small scanner
// of its own. It understands [table] and [[array]] headers (a header below
// an array of tables refers to its latest element, as [school.groups] after
// [[school]] does), dotted and quoted keys, inline tables, arrays spanning
// lines and multi-line strings. It only runs on text the TOML parser has
// accepted, but it never fails or panics on anything else either: at worst
// a key is not found and the caller falls back to a parent key.
type lineIndex map[string]int

// maxIndexDepth bounds the nesting of arrays and inline tables that the
// scanner records; deeper values are skipped without recursion.
const maxIndexDepth = 32

// indexLines scans src.
func indexLines(src string) lineIndex {
	sc := &lineScanner{s: src, line: 1, idx: lineIndex{}, aot: map[string]int{}}
	sc.document()
	return sc.idx
}

// lookup returns the line of key, or of its closest parent that has one,
// or 0.
func (x lineIndex) lookup(key string) int {
	for {
		if l, ok := x[key]; ok {
			return l
		}
		p, ok := parentKey(key)
		if !ok {
			return 0
		}
		key = p
	}
}

type lineScanner struct {
	s    string
	i    int
	line int
	idx  lineIndex
	aot  map[string]int // array-of-tables path → elements seen so far
	cur  string         // key path of the current table
}

func (sc *lineScanner) eof() bool { return sc.i >= len(sc.s) }

func (sc *lineScanner) peek() byte {
	if sc.i >= len(sc.s) {
		return 0
	}
	return sc.s[sc.i]
}

func (sc *lineScanner) has(p string) bool {
	return sc.i < len(sc.s) && strings.HasPrefix(sc.s[sc.i:], p)
}

func (sc *lineScanner) next() {
	if sc.i < len(sc.s) {
		if sc.s[sc.i] == '\n' {
			sc.line++
		}
		sc.i++
	}
}

func (sc *lineScanner) skip(n int) {
	for ; n > 0; n-- {
		sc.next()
	}
}

func (sc *lineScanner) set(key string, line int) {
	if _, ok := sc.idx[key]; !ok {
		sc.idx[key] = line
	}
}

// space skips blanks within a line.
func (sc *lineScanner) space() {
	for !sc.eof() {
		switch sc.peek() {
		case ' ', '\t', '\r':
			sc.next()
		default:
			return
		}
	}
}

// blank skips blanks, newlines and comments.
func (sc *lineScanner) blank() {
	for !sc.eof() {
		switch sc.peek() {
		case ' ', '\t', '\r', '\n':
			sc.next()
		case '#':
			sc.toEOL()
		default:
			return
		}
	}
}

// toEOL skips to the next newline, leaving it unread.
func (sc *lineScanner) toEOL() {
	for !sc.eof() && sc.peek() != '\n' {
		sc.next()
	}
}

func (sc *lineScanner) document() {
	for {
		sc.blank()
		if sc.eof() {
			return
		}
		start := sc.i
		line := sc.line
		if sc.peek() == '[' {
			array := sc.has("[[")
			if array {
				sc.skip(2)
			} else {
				sc.next()
			}
			segs := sc.key()
			sc.cur = sc.header(segs, array, line)
			sc.toEOL()
		} else {
			segs := sc.key()
			sc.space()
			if len(segs) > 0 && sc.peek() == '=' {
				sc.next()
				sc.space()
				sc.value(sc.path(sc.cur, segs, line), 0)
			}
		}
		if sc.i == start {
			sc.toEOL() // not TOML: resynchronise on the next line
			if sc.i == start {
				sc.next()
			}
		}
	}
}

// header resolves the segments of a [table] or [[array]] header to an
// indexed key path and records it.
func (sc *lineScanner) header(segs []string, array bool, line int) string {
	p := ""
	for k, seg := range segs {
		p = joinKey(p, seg)
		switch n, isArray := sc.aot[p]; {
		case array && k == len(segs)-1:
			sc.aot[p] = n + 1
			sc.set(p, line)
			p = indexKey(p, n)
		case isArray && n > 0:
			p = indexKey(p, n-1)
		}
		sc.set(p, line)
	}
	return p
}

// path joins dotted key segments to prefix, recording each level at line.
func (sc *lineScanner) path(prefix string, segs []string, line int) string {
	p := prefix
	for _, seg := range segs {
		p = joinKey(p, seg)
		sc.set(p, line)
	}
	return p
}

// key reads a possibly dotted key: a.b."c d".'e'.
func (sc *lineScanner) key() []string {
	var segs []string
	for {
		sc.space()
		var seg string
		switch c := sc.peek(); {
		case c == '"':
			start := sc.i
			sc.basicString()
			raw := sc.s[start:sc.i]
			if u, err := strconv.Unquote(raw); err == nil {
				seg = u
			} else {
				seg = strings.Trim(raw, `"`)
			}
		case c == '\'':
			start := sc.i
			sc.literalString()
			seg = strings.Trim(sc.s[start:sc.i], "'")
		case isBareKeyByte(c):
			start := sc.i
			for !sc.eof() && isBareKeyByte(sc.peek()) {
				sc.next()
			}
			seg = sc.s[start:sc.i]
		default:
			return segs
		}
		segs = append(segs, seg)
		sc.space()
		if sc.peek() != '.' {
			return segs
		}
		sc.next()
	}
}

func isBareKeyByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// value skips one value, recording the elements of arrays and the keys of
// inline tables below path.
func (sc *lineScanner) value(path string, depth int) {
	switch {
	case sc.str():
	case sc.peek() == '[' || sc.peek() == '{':
		if depth >= maxIndexDepth {
			sc.nested()
			return
		}
		if sc.peek() == '[' {
			sc.array(path, depth)
		} else {
			sc.inlineTable(path, depth)
		}
	default:
		for !sc.eof() {
			switch sc.peek() {
			case ',', ']', '}', '\n', '#':
				return
			}
			sc.next()
		}
	}
}

func (sc *lineScanner) array(path string, depth int) {
	sc.next() // [
	for n := 0; ; {
		sc.blank()
		switch sc.peek() {
		case 0:
			if sc.eof() {
				return
			}
		case ']':
			sc.next()
			return
		case ',':
			sc.next()
			continue
		}
		p := indexKey(path, n)
		sc.set(p, sc.line)
		start := sc.i
		sc.value(p, depth+1)
		n++
		if sc.i == start {
			sc.next()
		}
	}
}

func (sc *lineScanner) inlineTable(path string, depth int) {
	sc.next() // {
	for {
		sc.blank() // TOML 1.1 allows newlines and comments here
		switch sc.peek() {
		case 0:
			if sc.eof() {
				return
			}
		case '}':
			sc.next()
			return
		case ',':
			sc.next()
			continue
		}
		start := sc.i
		line := sc.line
		segs := sc.key()
		sc.space()
		if len(segs) > 0 && sc.peek() == '=' {
			sc.next()
			sc.space()
			sc.value(sc.path(path, segs, line), depth+1)
		}
		if sc.i == start {
			sc.next()
		}
	}
}

// nested skips a deeply nested array or inline table without recursion.
func (sc *lineScanner) nested() {
	level := 0
	for !sc.eof() {
		switch {
		case sc.str():
		case sc.peek() == '#':
			sc.toEOL()
		default:
			switch sc.peek() {
			case '[', '{':
				level++
			case ']', '}':
				level--
			}
			sc.next()
			if level <= 0 {
				return
			}
		}
	}
}

// str skips a string of any of TOML's four kinds if one starts here, and
// reports whether it did.
func (sc *lineScanner) str() bool {
	switch {
	case sc.has(`"""`):
		sc.multiline(`"""`, true)
	case sc.has(`'''`):
		sc.multiline(`'''`, false)
	case sc.peek() == '"':
		sc.basicString()
	case sc.peek() == '\'':
		sc.literalString()
	default:
		return false
	}
	return true
}

// basicString skips "..." (escapes honoured; stops at a newline).
func (sc *lineScanner) basicString() {
	sc.next()
	for !sc.eof() {
		switch sc.peek() {
		case '\\':
			sc.next()
			if sc.peek() != '\n' {
				sc.next()
			}
		case '"':
			sc.next()
			return
		case '\n':
			return
		default:
			sc.next()
		}
	}
}

// literalString skips '...'.
func (sc *lineScanner) literalString() {
	sc.next()
	for !sc.eof() {
		switch sc.peek() {
		case '\'':
			sc.next()
			return
		case '\n':
			return
		default:
			sc.next()
		}
	}
}

// multiline skips a """...""" or ”'...”' string, including up to two
// quotes directly before the closing delimiter.
func (sc *lineScanner) multiline(delim string, escapes bool) {
	sc.skip(3)
	for !sc.eof() {
		if escapes && sc.peek() == '\\' {
			sc.skip(2)
			continue
		}
		if sc.has(delim) {
			sc.skip(3)
			for k := 0; k < 2 && sc.peek() == delim[0]; k++ {
				sc.next()
			}
			return
		}
		sc.next()
	}
}
