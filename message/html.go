package message

import (
	"strings"
	"unicode"
	"unicode/utf8"

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
// removed; no-break spaces become spaces. It reads src with htmlScanner
// (htmltok.go); htmlToTextReference, on x/net/html's Tokenizer, is what
// it was before, and TestHTMLToTextEqualsReference compares the two.
func (p *parser) htmlToText(src, partID string) string {
	z := &p.html
	z.reset(src)
	w := textWriter{}
	w.out.Grow(len(src) / 4)
	var (
		skip int // depth inside elements whose text is not shown
		href string
	)
	endAnchor := func() {
		if w.inAnchor && href != "" {
			p.addLink(partID, href, w.anchor, "")
		}
		w.inAnchor, href, w.anchorSp = false, "", false
		w.anchor = w.anchor[:0]
	}
	for {
		tt := z.next()
		switch tt {
		case tokEOF:
			endAnchor()
			return w.out.String()
		case tokText:
			if skip == 0 {
				w.write(z.data, z.mode)
			}
		case tokStart, tokSelfClosing:
			a := z.atom()
			if a == atom.A {
				endAnchor()
			}
			if len(z.attrs) > 0 {
				p.tagLinks(z, a, partID, &href)
			}
			switch {
			case hiddenText(a):
				if tt == tokStart {
					skip++
				}
			case a == atom.A:
				w.inAnchor = href != ""
			case a == atom.Br || a == atom.Hr || blockElement(a):
				w.pend = '\n'
			case a == atom.Td || a == atom.Th || a == atom.Img:
				w.put(' ')
			}
		case tokEnd:
			switch a := z.atom(); {
			case hiddenText(a):
				if skip > 0 {
					skip--
				}
			case a == atom.A:
				endAnchor()
			case blockElement(a):
				w.pend = '\n'
			}
		}
	}
}

// textWriter collects the visible text of htmlToText and the text of the
// open anchor.
type textWriter struct {
	out      strings.Builder
	anchor   []byte // reused from anchor to anchor
	pend     byte   // white space owed before the next visible rune
	anchorSp bool   // the anchor text owes a space
	inAnchor bool
}

// write adds the text of a text token from its raw text s, decoding it
// as the tokenizer's Text would (mode) on the way: no copy of the text is
// made. (CR needs no conversion: CR and LF are both white space here.)
func (w *textWriter) write(s string, mode textMode) {
	ent, nul := mode != textRaw, mode != textEscaped
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf && textRun[c] && !w.inAnchor {
			// ASCII outside an anchor: a run of visible bytes, and of
			// single spaces between them (which write as themselves),
			// at once. (The spaces skip setting anchorSp, which the
			// start of an anchor resets.)
			j := i + 1
			for j < len(s) {
				if textRun[s[j]] {
					j++
				} else if s[j] == ' ' && j+1 < len(s) && textRun[s[j+1]] {
					j += 2
				} else {
					break
				}
			}
			if w.pend != 0 && w.out.Len() > 0 {
				w.out.WriteByte(w.pend)
			}
			w.pend = 0
			w.out.WriteString(s[i:j])
			i = j
			continue
		}
		switch {
		case c < utf8.RuneSelf && asciiSpace[c]:
			// A run of ASCII white space is what put makes of each.
			for i++; i < len(s) && s[i] < utf8.RuneSelf && asciiSpace[s[i]]; i++ {
			}
			if w.pend == 0 {
				w.pend = ' '
			}
			w.anchorSp = true
		case c == '&' && ent:
			r1, r2, lit, n := decodeEntity(s[i:], false)
			if n == 0 {
				w.put('&')
				i++
				continue
			}
			i += n
			if lit != "" {
				for _, r := range lit {
					w.put(r)
				}
				continue
			}
			w.put(r1)
			if r2 != 0 {
				w.put(r2)
			}
		case c == 0 && nul:
			w.put(utf8.RuneError)
			i++
		case c < utf8.RuneSelf:
			w.put(rune(c))
			i++
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			w.put(r)
			i += n
		}
	}
}

// put adds one rune of text.
func (w *textWriter) put(r rune) {
	switch {
	case r < utf8.RuneSelf && asciiSpace[r] || r >= utf8.RuneSelf && (r == '\u00a0' || unicode.IsSpace(r)):
		if w.pend == 0 {
			w.pend = ' '
		}
		w.anchorSp = true
	case invisible(r):
	default:
		if w.pend != 0 && w.out.Len() > 0 {
			w.out.WriteByte(w.pend)
		}
		w.pend = 0
		w.out.WriteRune(r)
		if w.inAnchor && len(w.anchor) < maxAnchorBytes {
			if w.anchorSp && len(w.anchor) > 0 {
				w.anchor = append(w.anchor, ' ')
			}
			w.anchorSp = false
			w.anchor = utf8.AppendRune(w.anchor, r)
		}
	}
}

// textRun[c] is whether write copies byte c as part of a run of visible
// ASCII: not white space, not '&' (a reference may start there) and not
// NUL (U+FFFD in raw text).
var textRun = func() (t [256]bool) {
	for c := range utf8.RuneSelf {
		t[c] = !unicode.IsSpace(rune(c)) && c != '&' && c != 0
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
func (p *parser) tagLinks(z *htmlScanner, a atom.Atom, partID string, href *string) {
	var refresh bool
	var content string
	var seen uint32
	for i := range z.attrs {
		switch key := z.attr(i, &seen); key {
		case keyHref, keySrc, keyAction, keyBackground, keyFormaction, keyPoster, keyData:
			val := strings.TrimSpace(z.attrValue(i))
			if a == atom.A && key == keyHref {
				*href = val
			} else {
				p.addURL(partID, val, "")
			}
		case keySrcset:
			for rest, more := z.attrValue(i), true; more; {
				var c string
				c, rest, more = strings.Cut(rest, ",")
				if f := firstField(c); f != "" {
					p.addURL(partID, f, "")
				}
			}
		case keyHTTPEquiv:
			refresh = strings.EqualFold(strings.TrimSpace(z.attrValue(i)), "refresh")
		case keyContent:
			content = z.attrValue(i)
		}
	}
	if a == atom.Meta && refresh {
		// "url=" in any ASCII case, found in content itself (see cssURLs
		// for what searching a lower-cased copy did).
		if i := indexFoldASCII(content, "url="); i >= 0 {
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
func invisible(r rune) bool {
	switch r {
	case '\u00ad', '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff':
		return true
	}
	return false
}
