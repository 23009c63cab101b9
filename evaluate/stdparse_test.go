package evaluate_test

import (
	"bytes"
	"encoding/base64"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"regexp"
	"strings"

	"github.com/lychgate/lychgate/message"
)

// stdParse is a small standard-library stand-in for message.Parse, used by
// these tests while message.Parse is a placeholder (it returns only Raw).
// It decodes the subject (RFC 2047), display names, and text/plain and
// text/html parts (QP, base64, multipart), turning HTML into text crudely.
func stdParse(raw []byte) *message.Message {
	m := &message.Message{Raw: raw}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return m
	}
	dec := new(mime.WordDecoder)
	if s, err := dec.DecodeHeader(msg.Header.Get("Subject")); err == nil {
		m.Subject = s
	} else {
		m.Subject = msg.Header.Get("Subject")
	}
	for _, h := range []struct {
		name string
		dst  *[]message.Address
	}{{"From", &m.From}, {"To", &m.To}, {"Cc", &m.Cc}} {
		if l, err := msg.Header.AddressList(h.name); err == nil {
			for _, a := range l {
				*h.dst = append(*h.dst, message.Address{Name: a.Name, Addr: a.Address})
			}
		}
	}
	walk(m, "0", msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body, 0)
	return m
}

func walk(m *message.Message, id, ctype, cte string, body io.Reader, depth int) {
	if depth > 5 {
		return
	}
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil || ctype == "" {
		mt = "text/plain"
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for i := 1; ; i++ {
			p, err := mr.NextRawPart()
			if err != nil {
				return
			}
			walk(m, id+"."+itoa(i), p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, depth+1)
		}
	}
	if !strings.HasPrefix(mt, "text/") {
		return
	}
	var r = body
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, newlineStripper{body})
	}
	b, _ := io.ReadAll(io.LimitReader(r, 4<<20))
	t := message.Text{PartID: id, ContentType: mt, Content: string(b)}
	if mt == "text/html" {
		t.HTML = string(b)
		t.FromHTML = true
		t.Content = htmlText(string(b))
	}
	m.Texts = append(m.Texts, t)
}

var (
	reComment = regexp.MustCompile(`(?s)<!--.*?-->`)
	reScript  = regexp.MustCompile(`(?is)<(script|style)[^>]*>.*?</(script|style)>`)
	reTag     = regexp.MustCompile(`(?s)<[^>]*>`)
)

func htmlText(s string) string {
	s = reComment.ReplaceAllString(s, "")
	s = reScript.ReplaceAllString(s, " ")
	s = reTag.ReplaceAllString(s, "")
	return html.UnescapeString(s)
}

type newlineStripper struct{ r io.Reader }

func (n newlineStripper) Read(p []byte) (int, error) {
	k, err := n.r.Read(p)
	j := 0
	for _, c := range p[:k] {
		if c != '\r' && c != '\n' && c != ' ' && c != '\t' {
			p[j] = c
			j++
		}
	}
	return j, err
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
