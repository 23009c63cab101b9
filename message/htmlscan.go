package message

import (
	"strings"

	"golang.org/x/net/html"
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
// references (0 means 5000). It is one linear pass of the HTML tokenizer;
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
			info.Refs[inAnchor].Anchor = strings.Join(strings.Fields(anchor.String()), " ")
		}
		inAnchor = -1
		anchor.Reset()
	}
	z := html.NewTokenizer(strings.NewReader(src))
	var nameBuf []byte
	var ar attrReader
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			endAnchor()
			return info
		case html.TextToken:
			switch {
			case inStyle:
				for _, u := range cssURLs(string(z.Text())) {
					add(HTMLRef{Raw: u, Tag: "style", Attr: "css"})
				}
			case inAnchor >= 0 && anchor.Len() < maxAnchorBytes:
				t := string(z.Text())
				if anchor.Len()+len(t) > maxAnchorBytes {
					t = truncateUTF8(t, maxAnchorBytes-anchor.Len())
				}
				anchor.WriteString(t)
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := tagName(z, false, &nameBuf)
			a := atom.Lookup(name)
			tag := string(name)
			if a != 0 {
				tag = a.String()
			}
			if a == atom.A {
				endAnchor()
			}
			if a == atom.Style && tt == html.StartTagToken {
				inStyle = true
			}
			if a == atom.Form {
				info.Forms = append(info.Forms, HTMLForm{})
				form = len(info.Forms) - 1
			}
			var typ, refreshContent string
			var refresh bool
			attr := func(k, v []byte) {
				// The value is copied only for the attributes read.
				switch key := scannedAttr(k); key {
				case "href", "src", "action", "background", "formaction", "poster", "data", "lowsrc", "dynsrc", "longdesc", "cite", "ping", "xlink:href":
					val := string(v)
					i := add(HTMLRef{Raw: val, Tag: tag, Attr: key})
					if a == atom.A && key == "href" && i >= 0 {
						inAnchor = i
					}
					if a == atom.Form && key == "action" {
						info.Forms[form].Action = strings.TrimSpace(val)
					}
				case "srcset", "imagesrcset":
					for _, c := range strings.Split(string(v), ",") {
						if f := strings.Fields(c); len(f) > 0 {
							add(HTMLRef{Raw: f[0], Tag: tag, Attr: key})
						}
					}
				case "style":
					for _, u := range cssURLs(string(v)) {
						add(HTMLRef{Raw: u, Tag: tag, Attr: "css"})
					}
				case "type":
					typ = strings.ToLower(strings.TrimSpace(string(v)))
				case "method":
					if a == atom.Form {
						info.Forms[form].Method = strings.ToLower(strings.TrimSpace(string(v)))
					}
				case "http-equiv":
					refresh = strings.EqualFold(strings.TrimSpace(string(v)), "refresh")
				case "content":
					refreshContent = string(v)
				}
			}
			if hasAttr {
				if attrs, ok := ar.tagAttrs(z); ok {
					// Read from the raw tag: TagAttr copies every key and value.
					for _, at := range attrs {
						attr(at.key, at.val)
					}
				} else {
					for hasAttr {
						k, v, more := z.TagAttr()
						hasAttr = more
						attr(k, v)
					}
				}
			}
			if a == atom.Meta && refresh {
				if i := strings.Index(strings.ToLower(refreshContent), "url="); i >= 0 {
					add(HTMLRef{Raw: strings.Trim(strings.TrimSpace(refreshContent[i+4:]), `'"`), Tag: tag, Attr: "refresh"})
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
		case html.EndTagToken:
			name, _ := tagName(z, true, &nameBuf)
			switch atom.Lookup(name) {
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

// cssURLs returns the url(...) values in CSS text s.
func cssURLs(s string) []string {
	var out []string
	low := strings.ToLower(s)
	for {
		i := strings.Index(low, "url(")
		if i < 0 {
			return out
		}
		s, low = s[i+4:], low[i+4:]
		j := strings.IndexByte(s, ')')
		if j < 0 {
			j = len(s)
		}
		v := strings.Trim(strings.TrimSpace(s[:j]), `'"`)
		if v != "" {
			out = append(out, v)
		}
		s, low = s[j:], low[j:]
	}
}

// scannedAttr is the attribute name k as a constant string when ScanHTML
// reads that attribute, else "" (which it reads as none): no copy of the
// name is made, even for the ones kept in HTMLRef.Attr.
func scannedAttr(k []byte) string {
	switch string(k) {
	case "href":
		return "href"
	case "src":
		return "src"
	case "action":
		return "action"
	case "background":
		return "background"
	case "formaction":
		return "formaction"
	case "poster":
		return "poster"
	case "data":
		return "data"
	case "lowsrc":
		return "lowsrc"
	case "dynsrc":
		return "dynsrc"
	case "longdesc":
		return "longdesc"
	case "cite":
		return "cite"
	case "ping":
		return "ping"
	case "xlink:href":
		return "xlink:href"
	case "srcset":
		return "srcset"
	case "imagesrcset":
		return "imagesrcset"
	case "style":
		return "style"
	case "type":
		return "type"
	case "method":
		return "method"
	case "http-equiv":
		return "http-equiv"
	case "content":
		return "content"
	}
	return ""
}
