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
// previous field, as enmime does. It is linear in len(hdr): hdr becomes one
// string, of which names and one-line values are substrings; the values
// of folded fields are gathered in one buffer, which becomes one string
// at the end, and the fields slice is sized once from the count of lines
// that start a field.
func splitHeader(hdr []byte) []rawField {
	if len(hdr) == 0 {
		return nil
	}
	s := string(hdr)
	// n bounds the fields (lines that do not start with white space);
	// foldedLen is the bytes of the fields with continuation lines, the
	// size of vals (a line without a colon is joined to the field before
	// it too; then vals may grow past it).
	n, foldedLen := 1, 0
	fieldStart, cont := 0, false
	for i := 0; ; {
		j := strings.IndexByte(s[i:], '\n')
		if j < 0 {
			break
		}
		i += j + 1
		if i < len(s) && s[i] != ' ' && s[i] != '\t' {
			n++
			if cont {
				foldedLen += i - fieldStart
			}
			fieldStart, cont = i, false
		} else if i < len(s) {
			cont = true
		}
	}
	if cont {
		foldedLen += len(s) - fieldStart
	}
	out := make([]rawField, 0, n)
	var vals []byte // the values of the folded fields, one after another
	type span struct{ field, start, end int }
	var spans []span // where each folded field's value is in vals
	open := false    // out has a field that continuation lines may extend
	folded := false
	flush := func() {
		if open && folded {
			spans[len(spans)-1].end = len(vals)
		}
	}
	for len(s) > 0 {
		var line string
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			line, s = s[:i], s[i+1:]
		} else {
			line, s = s, ""
		}
		line = strings.TrimRight(line, "\r")
		if len(line) == 0 {
			continue
		}
		colon := strings.IndexByte(line, ':')
		if line[0] == ' ' || line[0] == '\t' || colon <= 0 {
			if open {
				if !folded {
					if vals == nil {
						vals = make([]byte, 0, foldedLen)
					}
					spans = append(spans, span{field: len(out) - 1, start: len(vals)})
					vals = append(vals, out[len(out)-1].value...)
					folded = true
				}
				vals = append(vals, ' ')
				vals = append(vals, strings.TrimSpace(line)...)
			}
			continue
		}
		flush()
		out = append(out, rawField{name: strings.TrimSpace(line[:colon]), value: strings.TrimSpace(line[colon+1:])})
		open, folded = true, false
	}
	flush()
	if len(spans) > 0 {
		all := string(vals)
		for _, sp := range spans {
			out[sp.field].value = all[sp.start:sp.end]
		}
	}
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
		return validString(v), false
	}
	return validString(d), true
}

// fillHeaders sets the top-level header fields of m from the fields of
// the header block.
func (p *parser) fillHeaders(fields []rawField) {
	m := p.m
	m.Headers = make([]Header, 0, len(fields))
	var from, to, cc, replyTo, sender []string
	for _, f := range fields {
		v, ok := decodeHeaderValue(f.value)
		if !ok {
			p.problem("0", "unknown_charset", "header "+f.name+" uses an unknown charset", false)
		}
		m.Headers = append(m.Headers, Header{Name: validString(f.name), Value: v})
		var low [len("message-id")]byte
		key := ""
		if n, ascii := lowerASCIIName(f.name, low[:]); !ascii {
			key = strings.ToLower(f.name)
		} else if n >= 0 {
			key = string(low[:n])
		}
		switch key {
		case "subject":
			if m.Subject == "" {
				m.Subject = v
			}
		case "from":
			from = append(from, f.value)
		case "to":
			to = append(to, f.value)
		case "cc":
			cc = append(cc, f.value)
		case "reply-to":
			replyTo = append(replyTo, f.value)
		case "sender":
			sender = append(sender, f.value)
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
	m.From = p.addressList("From", from)
	m.To = p.addressList("To", to)
	m.Cc = p.addressList("Cc", cc)
	m.ReplyTo = p.addressList("Reply-To", replyTo)
	m.Sender = p.addressList("Sender", sender)
}

// lowerASCIIName lower-cases an ASCII name into buf and returns its
// length, or -1 when it is longer than buf (then it is none of the names
// fillHeaders looks for); ascii is false for a name with other bytes,
// which the caller lower-cases with strings.ToLower.
func lowerASCIIName(name string, buf []byte) (n int, ascii bool) {
	for i := 0; i < len(name); i++ {
		if name[i] >= utf8.RuneSelf {
			return 0, false
		}
	}
	if len(name) > len(buf) {
		return -1, true
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return len(name), true
}

// lowerIs reports whether strings.ToLower(s) == lower, for a lower-case
// ASCII lower, without building the lower-case copy when s is ASCII.
func lowerIs(s, lower string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return strings.ToLower(s) == lower
		}
	}
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
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
	if t, err := parseMailDate(v); err == nil {
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

// commonDateLayout is the usual RFC 5322 date, the first layout with a
// day of the week that mail.ParseDate tries.
const commonDateLayout = "Mon, 2 Jan 2006 15:04:05 -0700"

// parseMailDate is mail.ParseDate, with a shortcut for the usual form: it
// tries some 24 layouts without a day of the week (each failed attempt
// allocates an error) before commonDateLayout. A date that starts with a
// letter matches none of them, so when commonDateLayout parses the part
// mail.ParseDate would parse, and what follows is valid CFWS, the result
// is the same. Anything else goes to mail.ParseDate.
func parseMailDate(v string) (time.Time, error) {
	if strings.IndexByte(v, '\r') < 0 {
		s := strings.TrimLeft(v, " \t")
		if ind := strings.IndexAny(s, "+-"); ind > 0 && len(s) >= ind+5 {
			if c := s[0] | 0x20; c >= 'a' && c <= 'z' && cfwsOK(s[ind+5:]) {
				if t, err := time.Parse(commonDateLayout, s[:ind+5]); err == nil {
					return t, nil
				}
			}
		}
	}
	return mail.ParseDate(v)
}

// cfwsOK reports whether net/mail's skipCFWS accepts s: white space and
// balanced comments, then anything.
func cfwsOK(s string) bool {
	s = strings.TrimLeft(s, " \t")
	for len(s) > 0 && s[0] == '(' {
		s = s[1:]
		depth := 1
		for len(s) > 0 && depth > 0 {
			switch {
			case s[0] == '\\' && len(s) > 1:
				s = s[1:]
			case s[0] == '(':
				depth++
			case s[0] == ')':
				depth--
			}
			s = s[1:]
		}
		if depth != 0 {
			return false
		}
		s = strings.TrimLeft(s, " \t")
	}
	return true
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
		var ok bool
		if out, ok = plainAddressList(v, out); ok {
			continue
		}
		list, err := enmime.ParseAddressList(v)
		if err == nil {
			for _, a := range list {
				out = append(out, Address{Name: validString(a.Name), Addr: validString(a.Address)})
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
	return `"` + validString(s) + `"`
}
