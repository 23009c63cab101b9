package textnorm

import (
	"github.com/lychgate/lychgate/message"
)

// Field is one piece of text of a message that content scanners read.
type Field struct {
	// Part is the MIME PartID ("" for headers).
	Part string
	// Name is where it is: "subject", "body", "header:From", "header:To",
	// "header:Cc", "filename".
	Name string
	// Text is the decoded UTF-8 text.
	Text string
}

// MessageFields appends to dst the fields of m that content scanners read:
// the subject, the display names of From, To and Cc, every text part
// (including text extracted from attachments) and attachment file names.
func MessageFields(m *message.Message, dst []Field) []Field {
	if m.Subject != "" {
		dst = append(dst, Field{Name: "subject", Text: m.Subject})
	}
	for _, h := range [...]struct {
		name  string
		addrs []message.Address
	}{{"header:From", m.From}, {"header:To", m.To}, {"header:Cc", m.Cc}} {
		for _, a := range h.addrs {
			if a.Name != "" {
				dst = append(dst, Field{Name: h.name, Text: a.Name})
			}
		}
	}
	for _, t := range m.Texts {
		if t.Content != "" {
			dst = append(dst, Field{Part: t.PartID, Name: "body", Text: t.Content})
		}
	}
	for _, a := range m.Attachments {
		if a.Filename != "" {
			dst = append(dst, Field{Part: a.PartID, Name: "filename", Text: a.Filename})
		}
	}
	return dst
}

// Quote returns src[start:end], shortened to about max bytes (on rune
// boundaries) with "…" in the middle when it is longer.
func Quote(src string, start, end, max int) string {
	if start < 0 {
		start = 0
	}
	if end > len(src) {
		end = len(src)
	}
	if start >= end {
		return ""
	}
	s := src[start:end]
	if max <= 0 || len(s) <= max {
		return s
	}
	h := max / 2
	a, b := h, len(s)-h
	for a > 0 && !runeStart(s[a]) {
		a--
	}
	for b < len(s) && !runeStart(s[b]) {
		b++
	}
	return s[:a] + "…" + s[b:]
}

func runeStart(c byte) bool { return c&0xC0 != 0x80 }
