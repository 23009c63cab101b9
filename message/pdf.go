package message

import (
	"bytes"
	"compress/zlib"
	"strings"
)

// PDFInfo is what AnalyzePDF found in a PDF file (ISO 32000-1).
type PDFInfo struct {
	// JavaScript is true when the file has a /JavaScript or /JS entry
	// (document or action scripts).
	JavaScript bool
	// Launch is true when the file has a /Launch action (runs a program).
	Launch bool
	// EmbeddedFile is true when the file carries /EmbeddedFile streams.
	EmbeddedFile bool
	// OpenAction is true when an action runs on opening (/OpenAction or
	// /AA additional actions).
	OpenAction bool
	// URIs are the targets of /URI actions, in order, at most 500.
	URIs []string
	// Inflated is how many bytes were decompressed from streams.
	Inflated int64
}

// isPDF reports whether b starts like a PDF file; a header anywhere in
// the first KiB is accepted, as readers do.
func isPDF(b []byte) bool {
	return bytes.Contains(b[:min(len(b), 1024)], []byte("%PDF-"))
}

// maxPDFURIs caps PDFInfo.URIs.
const maxPDFURIs = 500

// AnalyzePDF looks through data for active content and links: the names
// of the objects (with #xx escapes decoded, ISO 32000-1 §7.3.5) in the
// file itself and in its Flate-compressed streams (where object streams
// hide them), inflating at most budget bytes in all. It is linear in
// len(data)+budget and never fails: damage just ends the search.
func AnalyzePDF(data []byte, budget int64) PDFInfo {
	var info PDFInfo
	info.scan(data)
	rest := data
	for budget > 0 {
		i := bytes.Index(rest, []byte("stream"))
		if i < 0 {
			break
		}
		rest = rest[i+len("stream"):]
		if bytes.HasPrefix(rest, []byte("\r\n")) {
			rest = rest[2:]
		} else if len(rest) > 0 && (rest[0] == '\n' || rest[0] == '\r') {
			rest = rest[1:]
		} else {
			continue // "endstream" or a name
		}
		end := bytes.Index(rest, []byte("endstream"))
		if end < 0 {
			end = len(rest)
		}
		body := rest[:end]
		rest = rest[end:]
		if len(body) < 2 || body[0]&0x0f != 8 || (uint16(body[0])<<8|uint16(body[1]))%31 != 0 {
			continue // not a zlib stream (RFC 1950 §2.2)
		}
		zr, err := zlib.NewReader(bytes.NewReader(body))
		if err != nil {
			continue
		}
		out, _ := readLimited(zr, budget, int64(len(body))*4) // damage ends the stream, not the search
		_ = zr.Close()                                        // read side: nothing to flush
		budget -= int64(len(out))
		info.Inflated += int64(len(out))
		info.scan(out)
	}
	return info
}

// scan records the names and URI strings in b.
func (info *PDFInfo) scan(b []byte) {
	for {
		i := bytes.IndexByte(b, '/')
		if i < 0 {
			return
		}
		b = b[i+1:]
		j := 0
		for j < len(b) && !pdfDelimiter(b[j]) {
			j++
		}
		name := pdfName(b[:j])
		b = b[j:]
		switch name {
		case "JavaScript", "JS":
			info.JavaScript = true
		case "Launch":
			info.Launch = true
		case "EmbeddedFile", "EmbeddedFiles":
			info.EmbeddedFile = true
		case "OpenAction", "AA":
			info.OpenAction = true
		case "URI":
			if len(info.URIs) < maxPDFURIs {
				if u, ok := pdfString(b); ok && u != "" {
					info.URIs = append(info.URIs, u)
				}
			}
		}
	}
}

// pdfDelimiter reports the bytes that end a name (§7.2.2).
func pdfDelimiter(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', '\f', 0, '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

// pdfName decodes the #xx escapes of a name.
func pdfName(b []byte) string {
	if bytes.IndexByte(b, '#') < 0 {
		return string(b)
	}
	var sb strings.Builder
	for i := 0; i < len(b); i++ {
		if b[i] == '#' && i+2 < len(b) {
			if h, ok := unhex2(b[i+1], b[i+2]); ok {
				sb.WriteByte(h)
				i += 2
				continue
			}
		}
		sb.WriteByte(b[i])
	}
	return sb.String()
}

func unhex2(a, b byte) (byte, bool) {
	x, ok1 := unhex(a)
	y, ok2 := unhex(b)
	return x<<4 | y, ok1 && ok2
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// pdfString reads the literal (…) or hex <…> string that follows white
// space at the start of b (§7.3.4), at most 4 KiB of it.
func pdfString(b []byte) (string, bool) {
	b = bytes.TrimLeft(b, " \t\r\n\f")
	if len(b) == 0 {
		return "", false
	}
	var sb strings.Builder
	switch b[0] {
	case '(':
		depth := 0
		for i := 1; i < len(b) && sb.Len() < 4096; i++ {
			c := b[i]
			switch {
			case c == '\\' && i+1 < len(b):
				i++
				switch b[i] {
				case 'n':
					sb.WriteByte('\n')
				case 'r', '\n':
				case 't':
					sb.WriteByte('\t')
				default:
					sb.WriteByte(b[i])
				}
			case c == '(':
				depth++
				sb.WriteByte(c)
			case c == ')':
				if depth == 0 {
					return sb.String(), true
				}
				depth--
				sb.WriteByte(c)
			default:
				sb.WriteByte(c)
			}
		}
		return sb.String(), true
	case '<':
		var hi byte
		half := false
		for i := 1; i < len(b) && b[i] != '>' && sb.Len() < 4096; i++ {
			v, ok := unhex(b[i])
			if !ok {
				continue
			}
			if half {
				sb.WriteByte(hi<<4 | v)
			} else {
				hi = v
			}
			half = !half
		}
		return sb.String(), true
	}
	return "", false
}
