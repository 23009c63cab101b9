package relay

import (
	"bytes"

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
	out := make([]byte, 0, len(raw)+len(subjectPrefix)+1)
	out = appendRewrittenHeader(out, raw[:end], dropPrefixes, subjectPrefix)
	return append(out, raw[end:]...)
}

// appendRewrittenHeader appends the header section hdr to dst, rewritten
// as rewriteHeaders does, and returns the extended buffer.
func appendRewrittenHeader(dst, hdr []byte, dropPrefixes []string, subjectPrefix string) []byte {
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
				if len(name) >= len(p) && bytes.EqualFold(name[:len(p)], []byte(p)) {
					drop = true
				}
			}
			if subjectPrefix != "" && bytes.EqualFold(name, []byte("Subject")) {
				v := line[len(name)+1:]
				trimmed := bytes.TrimLeft(v, " \t")
				if !bytes.HasPrefix(trimmed, []byte(subjectPrefix)) {
					dst = append(dst, "Subject: "...)
					dst = append(dst, subjectPrefix...)
					dst = append(dst, ' ')
					dst = append(dst, trimmed...)
					continue
				}
			}
		}
		if !drop {
			dst = append(dst, line...)
		}
	}
	return dst
}

// fieldName is the name of the header field that starts line (nil when
// there is none), without copying it.
func fieldName(line []byte) []byte {
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return nil
	}
	return bytes.TrimRight(line[:i], " \t")
}
