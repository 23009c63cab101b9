package message

import (
	"strings"

	"golang.org/x/net/html/atom"
)

// htmlScanner splits HTML into the tokens htmlToText and ScanHTML read:
// text, start tags, self-closing tags and end tags (comments, doctypes
// and processing instructions are skipped). It is our own linear scanner
// over a string, in place of golang.org/x/net/html's Tokenizer, which
// copies every tag name, attribute key and value and text on the way: a
// token here is sub-strings of the input, tag and attribute names are
// lower-cased into a fixed buffer, and entities are decoded only in the
// text and the attribute values a caller reads.
//
// It gives the tokens x/net/html's Tokenizer gives (the HTML5 tokenizer
// without a tree builder: no CDATA outside foreign content, raw text after
// iframe, noembed, noframes, noscript, plaintext, script, style,
// textarea, title and xmp start tags, the script data escape states, a tag
// cut by the end of the input dropped), with the same token boundaries,
// text (Text), tag names (TagName) and attributes (TagAttr: the first of
// each lower-cased key, values with NUL, CR and entities converted).
// htmlscanner_reference_test.go compares the two on written cases, every
// HTML part of the corpus and fuzzed input; the comment at its top lists
// where they may differ (nowhere known) and the Tokenizer's departures
// from HTML5 that the scanner keeps.
//
// Every step moves forward through the input, so the work is linear in
// it; the one pairwise comparison (duplicate attribute keys, for the
// self-closing flag of a tag ending in "/>") turns to a map past
// maxDupAttrs attributes.
type htmlScanner struct {
	src    string
	pos    int
	rawTag string // lower-case raw-text element whose end tag ends the next text, "" none

	kind tokKind
	// data is a text token's raw text, or a tag token's name as written.
	data string
	mode textMode
	// attrs are the attributes of the current start tag with a key, in
	// order (duplicates included: attr skips the later ones).
	attrs []attrSpan
	// low is the tag name lower-cased (when it fits, else lowLen is -1).
	low    [32]byte
	lowLen int
	// scratch holds decoded attribute values and texts.
	scratch []byte
}

type tokKind uint8

const (
	tokEOF tokKind = iota
	tokText
	tokStart
	tokSelfClosing
	tokEnd
	tokComment // comments, doctypes, processing instructions, "</>"
)

// textMode is how a text token's raw text becomes its text.
type textMode uint8

const (
	textEscaped textMode = iota // entities decoded (NUL kept, as x/net does)
	textRCDATA                  // textarea, title: entities decoded, NUL is U+FFFD
	textRaw                     // script, style, ...: as written, NUL is U+FFFD
)

// attrSpan is where one attribute's key and value are in the input.
type attrSpan struct{ ks, ke, vs, ve int }

// reset starts scanning src, keeping the buffers.
func (z *htmlScanner) reset(src string) {
	z.src, z.pos, z.rawTag, z.kind = src, 0, "", tokEOF
	z.attrs = z.attrs[:0]
}

func isASCIILetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

func isTagSpace(c byte) bool { return tagByte[c]&tagSpace != 0 }

// tagByte classifies bytes for the tag states: tagSpace the tokenizer's
// white space, tagKeyEnd what ends an attribute key after its first byte.
var tagByte = func() (t [256]uint8) {
	for _, c := range " \n\r\t\f" {
		t[c] |= tagSpace | tagKeyEnd
	}
	for _, c := range "=/>" {
		t[c] |= tagKeyEnd
	}
	return t
}()

const (
	tagSpace = 1 << iota
	tagKeyEnd
)

func (z *htmlScanner) skipSpace(p int) int {
	for p < len(z.src) && isTagSpace(z.src[p]) {
		p++
	}
	return p
}

// next scans the next token and returns its kind.
func (z *htmlScanner) next() tokKind {
	s := z.src
	start := z.pos
	z.attrs = z.attrs[:0]
	if z.rawTag != "" {
		tag := z.rawTag
		z.rawTag = ""
		var end int
		switch tag {
		case "plaintext":
			end = len(s)
		case "script":
			end = scriptEnd(s, start)
		default:
			end = rawTextEnd(s, start, tag)
		}
		if end > start {
			z.mode = textRaw
			if tag == "textarea" || tag == "title" {
				z.mode = textRCDATA
			}
			return z.text(start, end)
		}
	}
	z.mode = textEscaped
	for i := start; ; {
		j := strings.IndexByte(s[i:], '<')
		if j < 0 || i+j+1 >= len(s) {
			// Text to the end ('<' as the last byte included).
			if start < len(s) {
				return z.text(start, len(s))
			}
			z.pos, z.kind = len(s), tokEOF
			return tokEOF
		}
		lt := i + j
		c := s[lt+1]
		if !isASCIILetter(c) && c != '/' && c != '!' && c != '?' {
			i = lt + 1
			continue
		}
		if lt > start {
			return z.text(start, lt)
		}
		switch {
		case isASCIILetter(c):
			return z.tag(lt, lt+1, true)
		case c == '/':
			if lt+2 >= len(s) {
				return z.text(lt, len(s)) // "</" at the end is text
			}
			switch c := s[lt+2]; {
			case c == '>':
				return z.comment(lt + 3)
			case isASCIILetter(c):
				return z.tag(lt, lt+2, false)
			}
			return z.comment(closeAngle(s, lt+2))
		case c == '!':
			return z.comment(markupEnd(s, lt+2))
		default: // '?'
			return z.comment(closeAngle(s, lt+1))
		}
	}
}

func (z *htmlScanner) text(start, end int) tokKind {
	z.data, z.pos, z.kind = z.src[start:end], end, tokText
	return tokText
}

func (z *htmlScanner) comment(end int) tokKind {
	z.pos, z.kind = end, tokComment
	return tokComment
}

// eof ends the scan: a tag cut by the end of the input is dropped.
func (z *htmlScanner) eof() tokKind {
	z.pos, z.kind = len(z.src), tokEOF
	z.attrs = z.attrs[:0]
	return tokEOF
}

// closeAngle returns the index after the first '>' at or after p, or
// len(s).
func closeAngle(s string, p int) int {
	if i := strings.IndexByte(s[p:], '>'); i >= 0 {
		return p + i + 1
	}
	return len(s)
}

// markupEnd returns the end of a "<!" token whose "<!" ends before p: a
// comment ("<!--"), or a doctype or bogus comment up to the first '>'.
func markupEnd(s string, p int) int {
	if len(s)-p < 2 {
		return len(s)
	}
	if s[p] != '-' || s[p+1] != '-' {
		return closeAngle(s, p)
	}
	// The comment states (HTML5 §13.2.5.43-52) as x/net/html reads them:
	// "-->" or "--!>" ends it, as does '>' right after "<!--" and any
	// dashes.
	dash, beginning := 0, true
	for k := p + 2; k < len(s); k++ {
		switch s[k] {
		case '-':
			dash++
			continue
		case '>':
			if dash >= 2 || beginning {
				return k + 1
			}
		case '!':
			if dash >= 2 {
				k++
				if k >= len(s) {
					return len(s)
				}
				if s[k] == '>' {
					return k + 1
				}
				if s[k] == '-' {
					dash, beginning = 1, false
					continue
				}
			}
		}
		dash, beginning = 0, false
	}
	return len(s)
}

// rawTextEnd returns where the raw text (RCDATA or RAWTEXT) from p ends:
// at the "</tag" followed by white space, '/' or '>', or at the end.
func rawTextEnd(s string, p int, tag string) int {
	for {
		i := strings.Index(s[p:], "</")
		if i < 0 {
			return len(s)
		}
		lt := p + i
		ok, at := endTagAt(s, lt+2, tag)
		if ok {
			return lt
		}
		if at >= len(s) {
			return len(s)
		}
		p = at
	}
}

// endTagAt reports whether s[p:] starts with tag (ASCII, any case)
// followed by white space, '/' or '>'; when not, at is where the
// comparison stopped (len(s) when it ran out of input).
func endTagAt(s string, p int, tag string) (ok bool, at int) {
	for i := 0; i < len(tag); i++ {
		if p >= len(s) {
			return false, len(s)
		}
		if s[p]|0x20 != tag[i] || !isASCIILetter(s[p]) {
			return false, p
		}
		p++
	}
	if p >= len(s) {
		return false, len(s)
	}
	switch s[p] {
	case ' ', '\n', '\r', '\t', '\f', '/', '>':
		return true, p
	}
	return false, p
}

// scriptEnd returns where script data from p ends, following the script
// data states of HTML5 §13.2.5.4-29 as x/net/html's readScript does
// (including its one departure: after "<" in escaped data, anything but
// '/' or a letter returns to plain script data).
func scriptEnd(s string, p int) int {
	const (
		data = iota
		escaped
		escapedDash
		escapedDashDash
		double
		doubleDash
		doubleDashDash
	)
	state := data
	for p < len(s) {
		switch state {
		case data:
			i := strings.IndexByte(s[p:], '<')
			if i < 0 || p+i+1 >= len(s) {
				return len(s)
			}
			lt := p + i
			p = lt + 1
			switch s[p] {
			case '/':
				ok, at := endTagAt(s, p+1, "script")
				if ok {
					return lt
				}
				p = at
			case '!':
				p++
				if p < len(s) && s[p] == '-' {
					p++
					if p < len(s) && s[p] == '-' {
						p++
						state = escapedDashDash
					}
				}
			}
		case escaped, escapedDash, escapedDashDash:
			c := s[p]
			p++
			switch {
			case c == '-':
				if state == escaped {
					state = escapedDash
				} else {
					state = escapedDashDash
				}
			case c == '>' && state == escapedDashDash:
				state = data
			case c == '<':
				if p >= len(s) {
					return len(s)
				}
				lt := p - 1
				switch c := s[p]; {
				case c == '/':
					ok, at := endTagAt(s, p+1, "script")
					if ok {
						return lt
					}
					p, state = at, escaped
				case isASCIILetter(c):
					ok, at := endTagAt(s, p, "script")
					if ok {
						p, state = at+1, double
					} else {
						p, state = at, escaped
					}
				default:
					state = data
				}
			default:
				state = escaped
			}
		default: // double, doubleDash, doubleDashDash
			c := s[p]
			p++
			switch {
			case c == '-':
				if state == double {
					state = doubleDash
				} else {
					state = doubleDashDash
				}
			case c == '>' && state == doubleDashDash:
				state = data
			case c == '<':
				if p >= len(s) {
					return len(s)
				}
				state = double
				if s[p] == '/' {
					ok, at := endTagAt(s, p+1, "script")
					if ok {
						p, state = at+1, escaped
					} else {
						p = at
					}
				}
			default:
				state = double
			}
		}
	}
	return len(s)
}

// tag reads the start (start true) or end tag at s[lt]; the name begins
// at name. Its attributes are read as x/net/html's readTag reads them; a
// tag the input ends inside is dropped and ends the scan.
func (z *htmlScanner) tag(lt, name int, start bool) tokKind {
	s := z.src
	n := len(s)
	p := name + 1
	nameEnd := -1
	for ; p < n; p++ {
		if c := s[p]; isTagSpace(c) {
			nameEnd = p
			p++
			break
		} else if c == '/' || c == '>' {
			nameEnd = p
			break
		}
	}
	if nameEnd < 0 {
		return z.eof()
	}
	z.data = s[name:nameEnd]
	p = z.skipSpace(p)
	for {
		if p >= n {
			return z.eof()
		}
		if s[p] == '>' {
			p++
			break
		}
		// The key: a leading '=' belongs to it (HTML5 §13.2.5.32).
		ks := p
		for {
			if p >= n {
				return z.eof()
			}
			c := s[p]
			p++
			if tagByte[c]&tagKeyEnd != 0 && (c != '=' || ks+1 != p) {
				p--
				break
			}
		}
		ke := p
		vs, ve := p, p
		if p = z.skipSpace(p); p >= n {
			return z.eof()
		}
		switch c := s[p]; c {
		case '/':
			p++
		case '=':
			if p = z.skipSpace(p + 1); p >= n {
				return z.eof()
			}
			switch q := s[p]; q {
			case '>':
			case '\'', '"':
				i := strings.IndexByte(s[p+1:], q)
				if i < 0 {
					return z.eof()
				}
				vs, ve = p+1, p+1+i
				p = ve + 1
			default:
				vs = p
				for p++; ; p++ {
					if p >= n {
						return z.eof()
					}
					if c := s[p]; isTagSpace(c) {
						ve = p
						p++
						break
					} else if c == '>' {
						ve = p
						break
					}
				}
			}
		}
		if start && ks != ke {
			z.attrs = append(z.attrs, attrSpan{ks, ke, vs, ve})
		}
		p = z.skipSpace(p)
	}
	z.pos = p
	z.lowerName()
	if !start {
		z.attrs = z.attrs[:0]
		z.kind = tokEnd
		return tokEnd
	}
	if raw := rawTextElement(z.name()); raw != "" {
		z.rawTag = raw
	}
	z.kind = tokStart
	if s[p-2] == '/' && (len(z.attrs) == 0 || p-2 != z.lastSavedAttr().ve-1) {
		z.kind = tokSelfClosing
	}
	return z.kind
}

// maxDupAttrs bounds the attributes lastSavedAttr compares pairwise.
const maxDupAttrs = 64

// lastSavedAttr is the last attribute whose lower-cased key no earlier
// one has: the tokenizer keeps only those, and its self-closing test
// looks at the last kept.
func (z *htmlScanner) lastSavedAttr() attrSpan {
	if len(z.attrs) > maxDupAttrs {
		seen := make(map[string]int, len(z.attrs))
		last := 0
		for i, a := range z.attrs {
			k := asciiLower(z.src[a.ks:a.ke])
			if _, ok := seen[k]; !ok {
				seen[k] = i
				last = i
			}
		}
		return z.attrs[last]
	}
outer:
	for i := len(z.attrs) - 1; i > 0; i-- {
		k := z.src[z.attrs[i].ks:z.attrs[i].ke]
		for _, b := range z.attrs[:i] {
			if asciiEqualFold(z.src[b.ks:b.ke], k) {
				continue outer
			}
		}
		return z.attrs[i]
	}
	return z.attrs[0]
}

// asciiEqualFold reports whether a and b are equal with ASCII letters
// folded (the tokenizer's lower).
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// lowerName lower-cases the tag name into z.low (lowLen -1 when it does
// not fit or holds a NUL, which TagName turns into U+FFFD: no element
// this package knows has either).
func (z *htmlScanner) lowerName() {
	if len(z.data) > len(z.low) {
		z.lowLen = -1
		return
	}
	for i := 0; i < len(z.data); i++ {
		c := z.data[i]
		if c == 0 {
			z.lowLen = -1
			return
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		z.low[i] = c
	}
	z.lowLen = len(z.data)
}

// name is the lower-cased tag name when lowerName kept it, else nil.
func (z *htmlScanner) name() []byte {
	if z.lowLen < 0 {
		return nil
	}
	return z.low[:z.lowLen]
}

// atom is the element of the current tag (0 for unknown names).
func (z *htmlScanner) atom() atom.Atom {
	if z.lowLen <= 0 {
		return 0
	}
	return atom.Lookup(z.low[:z.lowLen])
}

// tagString is TagName's answer as a string: the name lower-cased, NUL
// as U+FFFD (an atom's constant string when it is one).
func (z *htmlScanner) tagString() string {
	if a := z.atom(); a != 0 {
		return a.String()
	}
	b := make([]byte, 0, len(z.data))
	for i := 0; i < len(z.data); i++ {
		c := z.data[i]
		switch {
		case c == 0:
			b = append(b, "\ufffd"...)
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return string(b)
}

// rawTextElement is the lower-case name of a start tag after which the
// tokenizer reads raw text, else "".
func rawTextElement(name []byte) string {
	switch string(name) {
	case "iframe":
		return "iframe"
	case "noembed":
		return "noembed"
	case "noframes":
		return "noframes"
	case "noscript":
		return "noscript"
	case "plaintext":
		return "plaintext"
	case "script":
		return "script"
	case "style":
		return "style"
	case "textarea":
		return "textarea"
	case "title":
		return "title"
	case "xmp":
		return "xmp"
	}
	return ""
}

// asciiLower is s with ASCII letters lower-cased (the tokenizer's lower).
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
