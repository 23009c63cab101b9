package message

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/atom"
)

// HTMLRef is one reference found in HTML by ScanHTML: any attribute or
// CSS value that names another resource, whatever its scheme (data: and
// javascript: included, which Message.URLs leaves out).
type HTMLRef struct {
	// Raw is the value with entities decoded and white space trimmed.
	Raw string
	// Tag is the element's lower-case name ("a", "img", "form", "meta",
	// "style" for a <style> element).
	Tag string
	// Attr is where the value was: an attribute name ("href", "src",
	// "action", "srcset", ...), "refresh" for a meta refresh URL, or "css"
	// for a CSS url() in a style attribute or element.
	Attr string
	// Anchor is the visible text of an <a> element (at most 256 bytes).
	Anchor string
}

// HTMLForm is one form (or password field outside any form) in HTML.
type HTMLForm struct {
	// Action is the form's action attribute ("" when none).
	Action string
	// Method is the lower-case method attribute ("" when none).
	Method string
	// Password is true when the form has an <input type="password">.
	Password bool
	// Inputs counts the form's input, select and textarea elements.
	Inputs int
}

// HTMLInfo is what ScanHTML found.
type HTMLInfo struct {
	Refs  []HTMLRef
	Forms []HTMLForm
	// Truncated is true when more than the requested number of references
	// were present.
	Truncated bool
}

// ScanHTML lists the references and forms in src, at most maxRefs
// references (0 means 5000). It is one linear pass of htmlScanner;
// scanners call it on Text.HTML when they need attribute context (data:
// and javascript: links, CSS url(), forms posting passwords) that
// Message.URLs does not keep.
func ScanHTML(src string, maxRefs int) HTMLInfo {
	if maxRefs <= 0 {
		maxRefs = maxURLs
	}
	var (
		info     HTMLInfo
		anchor   strings.Builder
		inAnchor = -1 // index in info.Refs of the open <a>, or -1
		inStyle  bool
		form     = -1 // index in info.Forms of the open form, or -1
	)
	add := func(r HTMLRef) int {
		r.Raw = strings.TrimSpace(r.Raw)
		if r.Raw == "" {
			return -1
		}
		if len(info.Refs) >= maxRefs {
			info.Truncated = true
			return -1
		}
		if len(r.Raw) > 4096 {
			r.Raw = truncateUTF8(r.Raw, 4096)
		}
		info.Refs = append(info.Refs, r)
		return len(info.Refs) - 1
	}
	endAnchor := func() {
		if inAnchor >= 0 {
			info.Refs[inAnchor].Anchor = joinFields(anchor.String())
		}
		inAnchor = -1
		anchor.Reset()
	}
	var z htmlScanner
	z.reset(src)
	for {
		tt := z.next()
		switch tt {
		case tokEOF:
			endAnchor()
			return info
		case tokText:
			switch {
			case inStyle:
				for _, u := range cssURLs(z.textString()) {
					add(HTMLRef{Raw: u, Tag: "style", Attr: "css"})
				}
			case inAnchor >= 0 && anchor.Len() < maxAnchorBytes:
				t := z.textString()
				if anchor.Len()+len(t) > maxAnchorBytes {
					t = truncateUTF8(t, maxAnchorBytes-anchor.Len())
				}
				anchor.WriteString(t)
			}
		case tokStart, tokSelfClosing:
			a := z.atom()
			// The tag's name is made only when a reference needs it.
			tag := ""
			tagName := func() string {
				if tag == "" {
					tag = z.tagString()
				}
				return tag
			}
			if a == atom.A {
				endAnchor()
			}
			if a == atom.Style && tt == tokStart {
				inStyle = true
			}
			if a == atom.Form {
				info.Forms = append(info.Forms, HTMLForm{})
				form = len(info.Forms) - 1
			}
			var typ, refreshContent string
			var refresh bool
			var seen uint32
			for i := range z.attrs {
				switch key := z.attr(i, &seen); key {
				case keyHref, keySrc, keyAction, keyBackground, keyFormaction, keyPoster, keyData, keyLowsrc, keyDynsrc, keyLongdesc, keyCite, keyPing, keyXlinkHref:
					val := z.attrValue(i)
					i := add(HTMLRef{Raw: val, Tag: tagName(), Attr: attrKeyNames[key]})
					if a == atom.A && key == keyHref && i >= 0 {
						inAnchor = i
					}
					if a == atom.Form && key == keyAction {
						info.Forms[form].Action = strings.TrimSpace(val)
					}
				case keySrcset, keyImagesrcset:
					for rest, more := z.attrValue(i), true; more; {
						var c string
						c, rest, more = strings.Cut(rest, ",")
						if f := firstField(c); f != "" {
							add(HTMLRef{Raw: f, Tag: tagName(), Attr: attrKeyNames[key]})
						}
					}
				case keyStyle:
					for _, u := range cssURLs(z.attrValue(i)) {
						add(HTMLRef{Raw: u, Tag: tagName(), Attr: "css"})
					}
				case keyType:
					typ = strings.ToLower(strings.TrimSpace(z.attrValue(i)))
				case keyMethod:
					if a == atom.Form {
						info.Forms[form].Method = strings.ToLower(strings.TrimSpace(z.attrValue(i)))
					}
				case keyHTTPEquiv:
					refresh = strings.EqualFold(strings.TrimSpace(z.attrValue(i)), "refresh")
				case keyContent:
					refreshContent = z.attrValue(i)
				}
			}
			if a == atom.Meta && refresh {
				if i := indexFoldASCII(refreshContent, "url="); i >= 0 {
					add(HTMLRef{Raw: strings.Trim(strings.TrimSpace(refreshContent[i+4:]), `'"`), Tag: tagName(), Attr: "refresh"})
				}
			}
			if a == atom.Input || a == atom.Select || a == atom.Textarea {
				if form < 0 {
					// A field outside any form still collects what is
					// typed (scripts post it); count it as a form of its
					// own.
					info.Forms = append(info.Forms, HTMLForm{})
					form = len(info.Forms) - 1
				}
				info.Forms[form].Inputs++
				if a == atom.Input && typ == "password" {
					info.Forms[form].Password = true
				}
			}
		case tokEnd:
			switch z.atom() {
			case atom.A:
				endAnchor()
			case atom.Style:
				inStyle = false
			case atom.Form:
				form = -1
			}
		}
	}
}

// joinFields is strings.Join(strings.Fields(s), " "), without the list
// and the copy when s already is single-spaced ASCII words.
func joinFields(s string) string {
	plain := len(s) == 0 || s[0] != ' ' && s[len(s)-1] != ' '
	for i := 0; plain && i < len(s); i++ {
		switch c := s[i]; {
		case c >= utf8.RuneSelf || c != ' ' && asciiSpace[c]:
			plain = false
		case c == ' ' && s[i+1] == ' ':
			plain = false
		}
	}
	if plain {
		return s
	}
	var b strings.Builder
	for f := range strings.FieldsSeq(s) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(f)
	}
	return b.String()
}

// cssURLs returns the url(...) values in CSS text s ("url(" in any
// ASCII case, as CSS reads it). It once searched strings.ToLower(s) and
// used the offsets in s, which lower-casing moves for some text (İ gives
// three bytes for two, an invalid byte three for one): the values came
// out wrong, or the slicing panicked (`style="İurl("` stopped ScanHTML
// and so the link scanner). cssURLsLower is that version, for the
// differential tests where lower-casing keeps the offsets.
func cssURLs(s string) []string {
	var out []string
	for {
		i := indexFoldASCII(s, "url(")
		if i < 0 {
			return out
		}
		s = s[i+4:]
		j := strings.IndexByte(s, ')')
		if j < 0 {
			j = len(s)
		}
		v := strings.Trim(strings.TrimSpace(s[:j]), `'"`)
		if v != "" {
			out = append(out, v)
		}
		s = s[j:]
	}
}

// indexFoldASCII is the index of the first needle (lower-case ASCII) in
// s with ASCII letters in any case, or -1. No byte of a multi-byte UTF-8
// character is ASCII, so this is the index in s, whatever s holds.
func indexFoldASCII(s, needle string) int {
	for i := 0; i+len(needle) <= len(s); i++ {
		j := 0
		for ; j < len(needle); j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != needle[j] {
				break
			}
		}
		if j == len(needle) {
			return i
		}
	}
	return -1
}
