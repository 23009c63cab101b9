package relay

import (
	"bytes"
	"strings"

	"github.com/lychgate/lychgate/message"
)

// headerEnd returns the offset just past the blank line ending the header
// section, or len(raw) when there is none (message.HeaderEnd; raw is
// canonical CRLF here).
func headerEnd(raw []byte) int {
	_, body := message.HeaderEnd(raw)
	return body
}

// rewriteHeaders returns raw with every header field named with one of
// dropPrefixes removed (case-insensitive; our own X-Lychgate-* verdict
// headers must never be forged by a sender), and with subjectPrefix added to
// the Subject when it does not already start with it. The body is untouched.
func rewriteHeaders(raw []byte, dropPrefixes []string, subjectPrefix string) []byte {
	end := headerEnd(raw)
	hdr, body := raw[:end], raw[end:]
	var out bytes.Buffer
	out.Grow(len(raw) + len(subjectPrefix))
	drop := false
	for len(hdr) > 0 {
		i := bytes.Index(hdr, []byte("\r\n"))
		var line []byte
		if i < 0 {
			line, hdr = hdr, nil
		} else {
			line, hdr = hdr[:i+2], hdr[i+2:]
		}
		continuation := len(line) > 0 && (line[0] == ' ' || line[0] == '\t')
		if !continuation {
			drop = false
			name := fieldName(line)
			for _, p := range dropPrefixes {
				if len(name) >= len(p) && strings.EqualFold(name[:len(p)], p) {
					drop = true
				}
			}
			if subjectPrefix != "" && strings.EqualFold(name, "Subject") {
				v := line[len(name)+1:]
				trimmed := strings.TrimLeft(string(v), " \t")
				if !strings.HasPrefix(trimmed, subjectPrefix) {
					out.WriteString("Subject: ")
					out.WriteString(subjectPrefix)
					out.WriteByte(' ')
					out.WriteString(trimmed)
					continue
				}
			}
		}
		if !drop {
			out.Write(line)
		}
	}
	out.Write(body)
	return out.Bytes()
}

func fieldName(line []byte) string {
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return ""
	}
	return string(bytes.TrimRight(line[:i], " \t"))
}
