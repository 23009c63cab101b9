package message

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// maxAnchorBytes bounds the anchor text kept for one link.
const maxAnchorBytes = 256

// htmlToText turns HTML into the text a reader would see, and records its
// links (href, src, action, background attributes and meta refresh) for
// partID. Script, style and other non-displayed raw-text elements are
// dropped; comments vanish; entities are decoded; white space is collapsed
// as a browser would, with block elements on their own lines. Zero-width
// and soft-hyphen characters, used to split words past filters, are
// removed; no-break spaces become spaces.
func (p *parser) htmlToText(src, partID string) string {
	z := html.NewTokenizer(strings.NewReader(src))
	var (
		out      strings.Builder
		anchor   strings.Builder
		skip     int  // depth inside elements whose text is not shown
		pend     byte // white space owed before the next visible rune
		anchorSp bool // the anchor text owes a space
		inAnchor bool
		href     string
	)
	out.Grow(len(src) / 4)
	// write takes the bytes of a text token as they are (ranging over
	// them as a string would: invalid bytes are U+FFFD), without a copy.
	write := func(s []byte) {
		for i := 0; i < len(s); {
			r, n := rune(s[i]), 1
			if r < utf8.RuneSelf && !inAnchor {
				// ASCII outside an anchor: a run of visible bytes at once.
				if asciiSpace[r] {
					i++
					if pend == 0 {
						pend = ' '
					}
					anchorSp = true
					continue
				}
				j := i + 1
				for j < len(s) && asciiWord[s[j]] {
					j++
				}
				if pend != 0 && out.Len() > 0 {
					out.WriteByte(pend)
				}
				pend = 0
				out.Write(s[i:j])
				i = j
				continue
			}
			if r >= utf8.RuneSelf {
				r, n = utf8.DecodeRune(s[i:])
			}
			i += n
			switch {
			case r == '\u00a0' || unicode.IsSpace(r):
				if pend == 0 {
					pend = ' '
				}
				anchorSp = true
			case invisible(r):
			default:
				if pend != 0 && out.Len() > 0 {
					out.WriteByte(pend)
				}
				pend = 0
				out.WriteRune(r)
				if inAnchor && anchor.Len() < maxAnchorBytes {
					if anchorSp && anchor.Len() > 0 {
						anchor.WriteByte(' ')
					}
					anchorSp = false
					anchor.WriteRune(r)
				}
			}
		}
	}
	newline := func() { pend = '\n' }
	endAnchor := func() {
		if inAnchor && href != "" {
			p.addURL(partID, href, anchor.String())
		}
		inAnchor, href, anchorSp = false, "", false
		anchor.Reset()
	}
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			endAnchor()
			return out.String()
		case html.TextToken:
			if skip == 0 {
				write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := tagName(z, false, &p.tagBuf)
			a := atom.Lookup(name)
			if a == atom.A {
				endAnchor()
			}
			if hasAttr && (a == atom.Meta || mayLink(z.Raw())) {
				p.tagLinks(z, a, partID, &href)
			}
			switch {
			case hiddenText(a):
				if tt == html.StartTagToken {
					skip++
				}
			case a == atom.A:
				inAnchor = href != ""
			case a == atom.Br || a == atom.Hr || blockElement(a):
				newline()
			case a == atom.Td || a == atom.Th || a == atom.Img:
				write(space)
			}
		case html.EndTagToken:
			name, _ := tagName(z, true, &p.tagBuf)
			a := atom.Lookup(name)
			switch {
			case hiddenText(a):
				if skip > 0 {
					skip--
				}
			case a == atom.A:
				endAnchor()
			case blockElement(a):
				newline()
			}
		}
	}
}

// tagName is z.TagName() for the current start, self-closing (end
// false) or end tag token, lower-cased from z.Raw() into *buf instead of
// the copy TagName makes of every name. hasAttr is false only for a tag
// without attributes (the name is followed by '>'); when it is true for
// one without, TagAttr gives none, so callers that read the attributes
// with TagAttr see the same. Names with a NUL (which TagName replaces)
// and unexpected raw bytes are left to TagName. TestTagNameEqualsTokenizer
// and FuzzTagName compare it with TagName.
func tagName(z *html.Tokenizer, end bool, buf *[]byte) (name []byte, hasAttr bool) {
	raw := z.Raw()
	i := 1
	if end {
		i = 2
	}
	if len(raw) > i && raw[0] == '<' && (!end || raw[1] == '/') {
	scan:
		for j := i; j < len(raw); j++ {
			switch c := raw[j]; c {
			case ' ', '\n', '\r', '\t', '\f', '/', '>':
				if j == i {
					break scan
				}
				low := (*buf)[:0]
				for _, c := range raw[i:j] {
					if 'A' <= c && c <= 'Z' {
						c += 'a' - 'A'
					}
					low = append(low, c)
				}
				*buf = low
				return low, c != '>'
			case 0:
				break scan
			}
		}
	}
	return z.TagName()
}

// mayLink reports whether the raw tag may have an attribute tagLinks
// reads: the tokenizer's attribute names are ASCII-lower-cased bytes of
// the tag, so one that is not in the lower-cased tag is not there. It
// saves the attribute copies the tokenizer makes for every attribute of
// the many tags that carry no link (style, class, width, ...). The names
// are those tagLinks reads on any element (meta elements are always
// read); "src" also finds srcset, "action" formaction. One pass
// over raw, comparing letters without case, instead of a lower-cased copy
// searched once per name (mayLinkReference; TestMayLinkEqualsReference).
func mayLink(raw []byte) bool {
	for i, c := range raw {
		if n := linkStart[c]; n != 0 && lowerPrefix(raw[i:], linkNames[n-1]) {
			return true
		}
	}
	return false
}

// linkNames are the names mayLink looks for; linkStart[c] is 1 + the
// index of the one starting with c in either case, 0 for none (each
// starts with a different letter).
var (
	linkNames = [...]string{"href", "src", "action", "background", "poster", "data"}
	linkStart = func() (t [256]uint8) {
		for i, n := range linkNames {
			t[n[0]] = uint8(i + 1)
			t[n[0]-'a'+'A'] = uint8(i + 1)
		}
		return t
	}()
)

// lowerPrefix reports whether b starts with name (lower-case ASCII
// letters) in any letter case.
func lowerPrefix(b []byte, name string) bool {
	if len(b) < len(name) {
		return false
	}
	for j := 0; j < len(name); j++ {
		// b[j]|0x20 is b[j]'s lower case for a letter; of all bytes
		// only 'X' and 'x' give 'x'.
		if b[j]|0x20 != name[j] {
			return false
		}
	}
	return true
}

// asciiWord[c] is whether c is ASCII and not white space: one load per
// byte in write's run of visible ASCII.
var asciiWord = func() (t [256]bool) {
	for c := range utf8.RuneSelf {
		t[c] = !unicode.IsSpace(rune(c))
	}
	return t
}()

// asciiSpace[c] is unicode.IsSpace(rune(c)) for ASCII c.
var asciiSpace = func() (t [utf8.RuneSelf]bool) {
	for c := range t {
		t[c] = unicode.IsSpace(rune(c))
	}
	return t
}()

// tagLinks records the links in the attributes of the current tag. The href
// of an <a> is stored in *href so that it gets its anchor text later.
func (p *parser) tagLinks(z *html.Tokenizer, a atom.Atom, partID string, href *string) {
	var refresh bool
	var content string
	attr := func(k, v []byte) {
		switch key := string(k); key {
		case "href", "src", "action", "background", "formaction", "poster", "data", "srcset":
			val := strings.TrimSpace(string(v))
			if key == "srcset" {
				for _, c := range strings.Split(val, ",") {
					if f := strings.Fields(c); len(f) > 0 {
						p.addURL(partID, f[0], "")
					}
				}
			} else if a == atom.A && key == "href" {
				*href = val
			} else {
				p.addURL(partID, val, "")
			}
		case "http-equiv":
			refresh = strings.EqualFold(strings.TrimSpace(string(v)), "refresh")
		case "content":
			content = string(v)
		}
	}
	if attrs, ok := p.attrs.tagAttrs(z); ok {
		// Read from the raw tag: TagAttr copies every key and value.
		for _, at := range attrs {
			attr(at.key, at.val)
		}
	} else {
		for {
			k, v, more := z.TagAttr()
			attr(k, v)
			if !more {
				break
			}
		}
	}
	if a == atom.Meta && refresh {
		if i := strings.Index(strings.ToLower(content), "url="); i >= 0 {
			p.addURL(partID, strings.Trim(strings.TrimSpace(content[i+4:]), `'"`), "")
		}
	}
}

// hiddenText reports raw-text elements whose content is not displayed by a
// mail client (or is markup rather than text). Only raw-text elements are
// listed: the tokenizer ends them at their end tag, so a missing end tag
// cannot hide the rest of the document from scanners.
func hiddenText(a atom.Atom) bool {
	switch a {
	case atom.Script, atom.Style, atom.Noscript, atom.Iframe, atom.Noembed,
		atom.Noframes, atom.Xmp:
		return true
	}
	return false
}

// blockElement reports elements that start a new line of text.
func blockElement(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Tr, atom.Li, atom.Ul, atom.Ol, atom.Table,
		atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Blockquote,
		atom.Pre, atom.Title, atom.Section, atom.Article, atom.Header,
		atom.Footer, atom.Dd, atom.Dt, atom.Dl, atom.Address, atom.Center,
		atom.Form, atom.Fieldset, atom.Body, atom.Html, atom.Caption:
		return true
	}
	return false
}

// invisible reports characters that render as nothing and are used to split
// words past filters.
var space = []byte(" ")

func invisible(r rune) bool {
	switch r {
	case '\u00ad', '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff':
		return true
	}
	return false
}
