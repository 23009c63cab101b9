package relay

import (
	"bytes"
	"errors"
	"io"
	"strings"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/message"
)

// errBare is returned by readData for a bare CR or LF in "reject" mode.
var errBare = errors.New("bare CR or LF in DATA")

// readData reads a whole message whose dot-unstuffing is already done and
// applies the bare line ending policy (see bareLineEndings).
func readData(r io.Reader, fix bool) ([]byte, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return bareLineEndings(raw, fix)
}

// bareLineEndings applies the bare CR/LF policy. A bare CR or LF is what
// SMTP smuggling is built from (a "\n.\r\n" the next hop might take as the
// end of data): in "reject" mode it fails the message, in "fix" mode it is
// rewritten to CRLF.
func bareLineEndings(raw []byte, fix bool) ([]byte, error) {
	if !hasBareLineEnding(raw) {
		return raw, nil
	}
	if !fix {
		return nil, errBare
	}
	return canonicalCRLF(raw), nil
}

// cleanData applies relay.nul_bytes and relay.bare_line_endings (of the
// transaction's runtime) to a message as received and returns what may be
// scanned and forwarded, or the reply refusing it.
func cleanData(raw []byte, r *config.Relay) ([]byte, error) {
	if bytes.IndexByte(raw, 0) >= 0 {
		if r.NULBytes != "strip" {
			return nil, errNULByte
		}
		raw = bytes.ReplaceAll(raw, []byte{0}, nil)
	}
	raw, err := bareLineEndings(raw, r.BareLineEndings == "fix")
	if err != nil {
		return nil, errBareLineEnding
	}
	return raw, nil
}

// foldLongLines breaks every CRLF line longer than limit bytes by inserting
// CRLF and a space (as Postfix's smtp_line_length_limit: the space keeps a
// header folded and does least damage to MIME bodies), so a next hop with
// the RFC 5321 limit of 1000 octets accepts it. raw is returned unchanged
// when no line is too long. A continuation line starts with a space, so
// folding never creates a "." line.
func foldLongLines(raw []byte, limit int) []byte {
	if limit <= 0 || !hasLongLine(raw, limit) {
		return raw
	}
	out := make([]byte, 0, len(raw)+len(raw)/limit*3+3)
	for len(raw) > 0 {
		var line []byte
		crlf := true
		if i := bytes.Index(raw, []byte("\r\n")); i >= 0 {
			line, raw = raw[:i], raw[i+2:]
		} else {
			line, raw, crlf = raw, nil, false
		}
		out = append(out, line[:min(len(line), limit)]...)
		line = line[min(len(line), limit):]
		for len(line) > 0 {
			n := min(len(line), limit-1)
			out = append(out, '\r', '\n', ' ')
			out = append(out, line[:n]...)
			line = line[n:]
		}
		if crlf {
			out = append(out, '\r', '\n')
		}
	}
	return out
}

func hasLongLine(raw []byte, limit int) bool {
	for len(raw) > 0 {
		i := bytes.Index(raw, []byte("\r\n"))
		if i < 0 {
			return len(raw) > limit
		}
		if i > limit {
			return true
		}
		raw = raw[i+2:]
	}
	return false
}

func hasBareLineEnding(b []byte) bool {
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '\r':
			if i+1 >= len(b) || b[i+1] != '\n' {
				return true
			}
			i++
		case '\n':
			return true
		}
	}
	return false
}

// canonicalCRLF rewrites every bare CR, bare LF and CRLF to CRLF.
func canonicalCRLF(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/50)
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '\r':
			if i+1 < len(b) && b[i+1] == '\n' {
				i++
			}
			out = append(out, '\r', '\n')
		case '\n':
			out = append(out, '\r', '\n')
		default:
			out = append(out, b[i])
		}
	}
	return out
}

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
