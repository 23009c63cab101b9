package notify

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
)

// Mail is a message lychgate writes: an alert, digest, warning or report.
// Compose turns it into RFC 5322 text with go-message's writer, which
// encodes the header fields (RFC 2047) and the body parts
// (quoted-printable UTF-8).
type Mail struct {
	// FromName is the display name of From ("" for none).
	FromName string
	From     string
	To       []string
	Subject  string
	Date     time.Time
	// MessageID is the Message-ID without angle brackets.
	MessageID string
	// InReplyTo is the message id (with or without angle brackets) this
	// one answers; it also becomes References.
	InReplyTo string
	// Fields are further header fields, e.g. Auto-Submitted.
	Fields [][2]string
	// Text is the text/plain body.
	Text string
	// HTML, when set, is an alternative text/html body
	// (multipart/alternative, the text part first).
	HTML string
	// Inline are images the HTML body shows by "cid:" URL (RFC 2392); with
	// them the HTML part becomes multipart/related (RFC 2387).
	Inline []Inline
}

// Inline is an image part of an HTML body.
type Inline struct {
	// ContentID is the id the HTML refers to as cid:ContentID.
	ContentID   string
	ContentType string
	Filename    string
	Data        []byte
}

// Compose renders m with CRLF line ends. Header values are made one line
// first, so nothing from a template can add a field.
func Compose(m Mail) ([]byte, error) {
	var h mail.Header
	h.SetDate(m.Date)
	h.SetAddressList("From", []*mail.Address{{Name: oneLine(m.FromName), Address: oneLine(m.From)}})
	to := make([]string, 0, len(m.To))
	for _, a := range m.To {
		to = append(to, oneLine(a)) // bare addresses: no brackets needed
	}
	h.Set("To", strings.Join(to, ", "))
	h.SetSubject(oneLine(m.Subject))
	if m.MessageID != "" {
		h.SetMessageID(oneLine(m.MessageID))
	}
	if irt := strings.Trim(oneLine(m.InReplyTo), "<>"); irt != "" && !strings.ContainsAny(irt, " <>") {
		h.SetMsgIDList("In-Reply-To", []string{irt})
		h.SetMsgIDList("References", []string{irt})
	}
	for _, f := range m.Fields {
		h.Set(f[0], oneLine(f[1]))
	}
	h.Set("MIME-Version", "1.0")
	var b bytes.Buffer
	if m.HTML == "" {
		setTextPart(&h.Header, "text/plain")
		w, err := message.CreateWriter(&b, h.Header)
		if err != nil {
			return nil, fmt.Errorf("notify: compose: %w", err)
		}
		if err := writeBody(w, m.Text); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}
	h.SetContentType("multipart/alternative", nil)
	w, err := message.CreateWriter(&b, h.Header)
	if err != nil {
		return nil, fmt.Errorf("notify: compose: %w", err)
	}
	if err := textPart(w, "text/plain", m.Text); err != nil {
		return nil, err
	}
	html := w
	if len(m.Inline) > 0 {
		var rh message.Header
		rh.SetContentType("multipart/related", map[string]string{"type": "text/html"})
		if html, err = w.CreatePart(rh); err != nil {
			return nil, fmt.Errorf("notify: compose: %w", err)
		}
	}
	if err := textPart(html, "text/html", m.HTML); err != nil {
		return nil, err
	}
	for _, in := range m.Inline {
		var ih message.Header
		ih.SetContentType(in.ContentType, nil)
		ih.SetContentDisposition("inline", map[string]string{"filename": in.Filename})
		ih.Set("Content-Id", "<"+in.ContentID+">")
		ih.Set("Content-Transfer-Encoding", "base64")
		iw, err := html.CreatePart(ih)
		if err != nil {
			return nil, fmt.Errorf("notify: compose: %w", err)
		}
		if _, err := iw.Write(in.Data); err != nil {
			return nil, fmt.Errorf("notify: compose: %w", err)
		}
		if err := iw.Close(); err != nil {
			return nil, fmt.Errorf("notify: compose: %w", err)
		}
	}
	if html != w {
		if err := html.Close(); err != nil {
			return nil, fmt.Errorf("notify: compose: %w", err)
		}
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("notify: compose: %w", err)
	}
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	return b.Bytes(), nil
}

// textPart adds a quoted-printable UTF-8 part of type typ to w.
func textPart(w *message.Writer, typ, body string) error {
	var ph message.Header
	setTextPart(&ph, typ)
	pw, err := w.CreatePart(ph)
	if err != nil {
		return fmt.Errorf("notify: compose: %w", err)
	}
	return writeBody(pw, body)
}

func setTextPart(h *message.Header, typ string) {
	h.SetContentType(typ, map[string]string{"charset": "utf-8"})
	h.Set("Content-Transfer-Encoding", "quoted-printable")
}

// writeBody writes body (any line ends) and closes w; the
// quoted-printable encoder writes CRLF line ends.
func writeBody(w *message.Writer, body string) error {
	body = strings.ReplaceAll(body, "\r\n", "\n")
	if !strings.HasSuffix(body, "\n") {
		body += "\n"
	}
	if _, err := w.Write([]byte(body)); err != nil {
		return fmt.Errorf("notify: compose: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("notify: compose: %w", err)
	}
	return nil
}
