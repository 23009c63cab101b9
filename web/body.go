package web

import (
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/quarantine"
)

// policy is the HTML allowed in a shown message: text formatting, lists,
// tables and links (http, https, mailto; no-referrer, opened in a new
// window, which the frame's sandbox blocks anyway). No script, style
// element, event handler, form, frame, object, remote image or CSS that
// could load or run anything: inline styles are limited to colours,
// fonts, alignment and spacing, each value checked by bluemonday.
var htmlPolicy = sync.OnceValue(func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowStandardAttributes()
	p.AllowLists()
	p.AllowTables()
	p.AllowElements("p", "br", "div", "span", "b", "i", "u", "s", "strong", "em", "small", "big", "sub", "sup",
		"h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code", "hr", "font", "center", "address", "abbr", "cite", "q")
	p.AllowAttrs("color", "face", "size").OnElements("font")
	p.AllowAttrs("align").Matching(regexp.MustCompile(`(?i)^(left|right|center|justify)$`)).Globally()
	p.AllowAttrs("href").OnElements("a")
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireParseableURLs(true)
	p.RequireNoReferrerOnLinks(true)
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	// Images: the alt text only, never a src (no remote loads, no
	// tracking pixels).
	p.AllowAttrs("alt", "width", "height").OnElements("img")
	p.AllowStyles("color", "background-color", "font-weight", "font-style", "font-size", "font-family",
		"text-align", "text-decoration", "margin", "padding", "border", "width", "height", "line-height").Globally()
	return p
})

// sanitize returns html made safe to show in the sandboxed frame.
func sanitize(html string) string { return htmlPolicy().Sanitize(html) }

// part is one text part of a message prepared for the view.
type part struct {
	ID       string
	Type     string
	FromHTML bool
	// Frame is the sanitised HTML document of an HTML part, for the
	// sandboxed frame's srcdoc ("" for text parts).
	Frame    string
	Segments []segment
	Size     int
}

// segment is a piece of text, marked when it is evidence of a finding.
type segment struct {
	Text string
	Mark bool
}

// attachmentView is one attachment as listed, with its findings.
type attachmentView struct {
	N            int
	PartID       string
	Filename     string
	ContentType  string
	DetectedType string
	Size         int64
	Container    string
	Findings     []string
}

// maxShown bounds the text shown per part (the rest is cut with a note).
const maxShown = 256 << 10

// evidenceTexts are the evidence strings of e's findings (for marking).
func evidenceTexts(e *quarantine.Entry) []string {
	var out []string
	for _, f := range e.Findings {
		for _, ev := range f.Evidence {
			if t := strings.TrimSpace(ev.Text); len(t) >= 2 && len(out) < 200 {
				out = append(out, t)
			}
		}
	}
	return out
}

// foldASCII lower-cases ASCII letters only, so byte offsets in the result
// are offsets in s (strings.ToLower can change lengths).
func foldASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// highlight splits text into segments, marking every occurrence (ASCII
// case-insensitive) of any of marks, at most 1000. The work is bounded by
// len(text) times len(marks), both capped.
func highlight(text string, marks []string) []segment {
	if len(marks) == 0 || text == "" {
		return []segment{{Text: text}}
	}
	lower := foldASCII(text)
	type span struct{ a, b int }
	hit := make([]span, 0, 16)
	for _, m := range marks {
		lm := foldASCII(m)
		if lm == "" {
			continue
		}
		for off := 0; off < len(lower) && len(hit) < 1000; {
			i := strings.Index(lower[off:], lm)
			if i < 0 {
				break
			}
			hit = append(hit, span{off + i, off + i + len(lm)})
			off += i + len(lm)
		}
	}
	if len(hit) == 0 {
		return []segment{{Text: text}}
	}
	slices.SortFunc(hit, func(x, y span) int { return x.a - y.a })
	var segs []segment
	pos := 0
	for _, h := range hit {
		if h.b <= pos {
			continue
		}
		a := max(h.a, pos)
		if a > pos {
			segs = append(segs, segment{Text: text[pos:a]})
		}
		segs = append(segs, segment{Text: text[a:h.b], Mark: true})
		pos = h.b
	}
	if pos < len(text) {
		segs = append(segs, segment{Text: text[pos:]})
	}
	return segs
}

// evidenceContext returns up to n bytes either side of the first
// occurrence of ev in the message's texts, with ev marked; nil if it does
// not occur.
func evidenceContext(m *message.Message, ev string, n int) []segment {
	if ev == "" {
		return nil
	}
	lev := foldASCII(ev)
	for _, t := range m.Texts {
		i := strings.Index(foldASCII(t.Content), lev)
		if i < 0 {
			continue
		}
		a, b := max(0, i-n), min(len(t.Content), i+len(ev)+n)
		for a > 0 && t.Content[a]&0xc0 == 0x80 {
			a--
		}
		for b < len(t.Content) && t.Content[b]&0xc0 == 0x80 {
			b++
		}
		pre, post := t.Content[a:i], t.Content[i+len(ev):b]
		if a > 0 {
			pre = "…" + pre
		}
		if b < len(t.Content) {
			post += "…"
		}
		return []segment{{Text: pre}, {Text: t.Content[i : i+len(ev)], Mark: true}, {Text: post}}
	}
	return nil
}

// parts prepares the text parts of m for the view, with evidence marked.
func parts(m *message.Message, marks []string) []part {
	var out []part
	for _, t := range m.Texts {
		c := t.Content
		if len(c) > maxShown {
			c = strings.ToValidUTF8(c[:maxShown], "") + "\n[… cut: the part is longer]"
		}
		p := part{ID: t.PartID, Type: t.ContentType, FromHTML: t.FromHTML, Segments: highlight(c, marks), Size: len(t.Content)}
		if t.FromHTML && t.HTML != "" {
			p.Frame = frameDoc(sanitize(t.HTML))
		}
		out = append(out, p)
	}
	return out
}

// attachments lists m's attachments with the findings that name them.
func attachments(m *message.Message, e *quarantine.Entry) []attachmentView {
	var out []attachmentView
	for i, a := range m.Attachments {
		v := attachmentView{N: i, PartID: a.PartID, Filename: a.Filename, ContentType: a.ContentType, DetectedType: a.DetectedType,
			Size: a.Size, Container: a.Container}
		for _, f := range e.Findings {
			for _, ev := range f.Evidence {
				if (ev.Part != "" && ev.Part == a.PartID) || (ev.Field == "filename" && ev.Text == a.Filename) {
					v.Findings = append(v.Findings, string(f.Category)+" "+f.Scanner+"/"+f.Rule+": "+f.Explanation)
					break
				}
			}
		}
		out = append(out, v)
	}
	return out
}

// htmlPart returns the HTML of text part id of m, if it came from HTML.
func htmlPart(m *message.Message, id string) (string, bool) {
	for _, t := range m.Texts {
		if t.PartID == id && t.FromHTML && t.HTML != "" {
			return t.HTML, true
		}
	}
	return "", false
}

// frameDoc wraps sanitised HTML as the document of the sandboxed frame. It
// inherits the page's CSP (no scripts, nothing remote; styles only from
// our stylesheet), and the sandbox gives it an opaque origin.
func frameDoc(body string) string {
	return `<!doctype html><html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">` +
		`<link rel="stylesheet" href="/static/frame.css"></head><body>` + body + `</body></html>`
}
