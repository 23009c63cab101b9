package message

import (
	"bytes"
	"errors"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jhillyerd/enmime/v2"
)

// HeaderEnd returns the length of the header block of b (without the
// blank line that ends it) and where the body starts, just past that
// line. Lines may end in CRLF or a bare LF. Without a blank line the whole
// of b is header.
func HeaderEnd(b []byte) (hdrLen, bodyStart int) {
	i := 0
	for i < len(b) {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			return len(b), len(b)
		}
		line := b[i : i+j]
		if len(line) == 0 || (len(line) == 1 && line[0] == '\r') {
			return i, i + j + 1
		}
		i += j + 1
	}
	return len(b), len(b)
}

// rawField is one unfolded, undecoded header field.
type rawField struct {
	name, value string
}

// splitHeader unfolds the header block hdr (RFC 5322 §2.2.3) into fields.
// Lines that are neither fields nor continuations are joined to the
// previous field, as enmime does. It is linear in len(hdr): the pieces of a
// folded field are gathered in one buffer and turned into a string once.
func splitHeader(hdr []byte) []rawField {
	var out []rawField
	var val []byte // value of the field being read
	open := false  // out has a field whose value is still in val
	flush := func() {
		if open {
			out[len(out)-1].value = string(val)
		}
	}
	for len(hdr) > 0 {
		var line []byte
		if i := bytes.IndexByte(hdr, '\n'); i >= 0 {
			line, hdr = hdr[:i], hdr[i+1:]
		} else {
			line, hdr = hdr, nil
		}
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 {
			continue
		}
		colon := bytes.IndexByte(line, ':')
		if line[0] == ' ' || line[0] == '\t' || colon <= 0 {
			if open {
				val = append(val, ' ')
				val = append(val, bytes.TrimSpace(line)...)
			}
			continue
		}
		flush()
		out = append(out, rawField{name: string(bytes.TrimSpace(line[:colon]))})
		val = append(val[:0], bytes.TrimSpace(line[colon+1:])...)
		open = true
	}
	flush()
	return out
}

// decodeHeaderValue decodes RFC 2047 encoded-words. On an unknown charset
// it returns the raw value and false.
func decodeHeaderValue(v string) (string, bool) {
	if !strings.Contains(v, "=?") {
		if utf8.ValidString(v) {
			return v, true
		}
		s, _ := decodeUndeclared([]byte(v), false)
		return s, true
	}
	d, err := wordDecoder.DecodeHeader(v)
	if err != nil {
		return validUTF8([]byte(v)), false
	}
	return validUTF8([]byte(d)), true
}

// fillHeaders sets the top-level header fields of m from the header block.
func (p *parser) fillHeaders(hdr []byte) {
	fields := splitHeader(hdr)
	m := p.m
	m.Headers = make([]Header, 0, len(fields))
	addrs := map[string][]string{}
	for _, f := range fields {
		v, ok := decodeHeaderValue(f.value)
		if !ok {
			p.problem("0", "unknown_charset", "header "+f.name+" uses an unknown charset", false)
		}
		m.Headers = append(m.Headers, Header{Name: validUTF8([]byte(f.name)), Value: v})
		switch lname := strings.ToLower(f.name); lname {
		case "subject":
			if m.Subject == "" {
				m.Subject = v
			}
		case "from", "to", "cc", "reply-to", "sender":
			addrs[lname] = append(addrs[lname], f.value)
		case "message-id":
			if m.MessageID == "" {
				m.MessageID = cleanMessageID(v)
			}
		case "date":
			if m.Date.IsZero() {
				m.Date = p.parseDate(v)
			}
		}
	}
	m.From = p.addressList("From", addrs["from"])
	m.To = p.addressList("To", addrs["to"])
	m.Cc = p.addressList("Cc", addrs["cc"])
	m.ReplyTo = p.addressList("Reply-To", addrs["reply-to"])
	m.Sender = p.addressList("Sender", addrs["sender"])
}

// cleanMessageID strips angle brackets and white space from a Message-ID.
func cleanMessageID(v string) string {
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, '<'); i >= 0 {
		if j := strings.IndexByte(v[i:], '>'); j > 0 {
			return strings.TrimSpace(v[i+1 : i+j])
		}
		v = v[i+1:]
	}
	return strings.TrimSpace(strings.Trim(v, "<>"))
}

var extraDateLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05 -0700 (MST)",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 06 15:04:05 -0700",
	"2 Jan 2006 15:04:05 -0700",
	"Mon Jan 2 15:04:05 2006",
	"Mon, 2 Jan 2006 15:04 -0700",
	time.RFC3339,
}

// parseDate parses an RFC 5322 date leniently; zero when it can't.
func (p *parser) parseDate(v string) time.Time {
	if t, err := mail.ParseDate(v); err == nil {
		return t
	}
	s := strings.Join(strings.Fields(v), " ")
	for _, l := range extraDateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t
		}
	}
	p.problem("", "bad_date", "Date header "+quoteShort(v)+" cannot be parsed", false)
	return time.Time{}
}

// addrSpecRe salvages addr-specs from a list net/mail cannot parse.
var addrSpecRe = regexp.MustCompile(`[\p{L}\p{N}.!#$%&'*+/=?^_{|}~-]+@[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?)*`)

// addressList parses the raw values of one address header (RFC 5322
// §3.4). If a list does not parse, addr-specs are salvaged with a regexp
// and a bad_address problem is recorded.
func (p *parser) addressList(name string, values []string) []Address {
	var out []Address
	for _, v := range values {
		if strings.TrimSpace(v) == "" {
			continue
		}
		list, err := enmime.ParseAddressList(v)
		if err == nil {
			for _, a := range list {
				out = append(out, Address{Name: validUTF8([]byte(a.Name)), Addr: validUTF8([]byte(a.Address))})
			}
			continue
		}
		if errors.Is(err, mail.ErrHeaderNotPresent) {
			continue
		}
		p.problem("", "bad_address", name+" header cannot be parsed: "+err.Error(), false)
		dv, _ := decodeHeaderValue(v)
		for _, a := range addrSpecRe.FindAllString(dv, 20) {
			out = append(out, Address{Addr: a})
		}
	}
	return out
}

// quoteShort quotes s for a Problem detail, cut to a readable length.
func quoteShort(s string) string {
	const n = 80
	if len(s) > n {
		s = truncateUTF8(s, n) + "..."
	}
	return `"` + validUTF8([]byte(s)) + `"`
}
