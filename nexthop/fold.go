package nexthop

import (
	"bytes"
	"io"
	"sync"
	"unicode/utf8"
)

// FoldWriter passes text through to an underlying writer and breaks every
// line longer than its limit, so no line it writes has more than limit
// octets before its line ending (RFC 5322 §2.1.1 allows 998; RFC 5321
// §4.5.3.1.6 1000 with CRLF). Lines within the limit, and the line endings
// themselves (CRLF, or a bare LF, which textproto later sends as CRLF), are
// written unchanged and without copying.
//
// A long line is broken the same way in the header and the body, as
// Postfix's smtp_line_length_limit does, and each break is chosen to keep
// the damage as small as MIME allows:
//
//  1. At the last space or tab within the limit that has a non-blank
//     character before it: the line ends just before that blank, which
//     starts the next line. In a header field this is a fold (RFC 5322
//     §2.2.3), undone exactly by unfolding; in a body it adds a line
//     break and nothing else (quoted-printable keeps the blank, which is no
//     longer trailing; text gains a line break).
//  2. Otherwise after exactly limit octets, moved back so that it splits
//     neither a UTF-8 sequence nor a quoted-printable "=XX" escape, and the
//     next line starts with one inserted space. In a header field that is
//     again a fold (the value gains a space); in base64 the space and the
//     line break are ignored by decoders (RFC 2045 §6.8), so the content is
//     unchanged; in text or quoted-printable the content gains a line
//     break and a space. The leading space also means the new line can
//     never look like a MIME boundary ("--..."), a header field of a body
//     part, or a lone "." (end of data).
//
// So base64 and folded headers survive exactly; other over-long body text
// gets visible line breaks, which is what a hop that enforces the limit
// would otherwise refuse or do itself. Signatures over the changed lines
// (DKIM) no longer verify. A CR not followed by LF is kept as content.
// Work is linear in the input and the writer holds at most limit+1 bytes.
type FoldWriter struct {
	w     io.Writer
	limit int
	line  []byte // the current line when it may need breaking
	cr    bool   // a CR is pending: it may start a CRLF
}

// NewFoldWriter returns a FoldWriter writing to w with lines of at most
// limit octets (at least 16; smaller values are raised).
func NewFoldWriter(w io.Writer, limit int) *FoldWriter {
	limit = max(limit, minLineLength)
	return &FoldWriter{w: w, limit: limit, line: make([]byte, 0, limit+1)}
}

// foldWriters are Txn.Data's writers, reused: a line buffer of
// MaxLineLength bytes per message otherwise.
var foldWriters = sync.Pool{New: func() any { return new(FoldWriter) }}

// getFoldWriter is NewFoldWriter from the pool; release gives it back.
func getFoldWriter(w io.Writer, limit int) *FoldWriter {
	f := foldWriters.Get().(*FoldWriter)
	limit = max(limit, minLineLength)
	if cap(f.line) < limit+1 {
		f.line = make([]byte, 0, limit+1)
	}
	f.w, f.limit, f.line, f.cr = w, limit, f.line[:0], false
	return f
}

// release gives f back to the pool; it is unusable afterwards.
func (f *FoldWriter) release() {
	f.w = nil
	foldWriters.Put(f)
}

var crlf = []byte("\r\n")

// Write writes p, breaking long lines. It returns len(p) unless the
// underlying writer failed.
func (f *FoldWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if len(f.line) == 0 && !f.cr {
			// Fast path: whole short lines straight from p, in one write.
			end := 0
			for {
				i := bytes.IndexByte(p[end:], '\n')
				if i < 0 {
					break
				}
				content := i
				if i > 0 && p[end+i-1] == '\r' {
					content--
				}
				if content > f.limit {
					break
				}
				end += i + 1
			}
			if end > 0 {
				if _, err := f.w.Write(p[:end]); err != nil {
					return 0, err
				}
				p = p[end:]
				continue
			}
		}
		// Slow path: through the line buffer, up to the end of the line.
		for len(p) > 0 {
			if !f.cr {
				// Plain bytes in bulk, up to one past the limit.
				room := min(f.limit+1-len(f.line), len(p))
				j := bytes.IndexAny(p[:room], "\r\n")
				if j < 0 {
					j = room
				}
				if j > 0 {
					f.line = append(f.line, p[:j]...)
					p = p[j:]
					if len(f.line) > f.limit {
						if err := f.breakLine(); err != nil {
							return 0, err
						}
					}
					continue
				}
			}
			b := p[0]
			p = p[1:]
			if err := f.byte(b); err != nil {
				return 0, err
			}
			if b == '\n' {
				break
			}
		}
	}
	return n, nil
}

func (f *FoldWriter) byte(b byte) error {
	if f.cr {
		f.cr = false
		if b == '\n' {
			return f.endLine(crlf)
		}
		if err := f.add('\r'); err != nil {
			return err
		}
	}
	switch b {
	case '\r':
		f.cr = true
		return nil
	case '\n':
		return f.endLine(crlf[1:])
	}
	return f.add(b)
}

func (f *FoldWriter) endLine(eol []byte) error {
	if _, err := f.w.Write(f.line); err != nil {
		return err
	}
	f.line = f.line[:0]
	_, err := f.w.Write(eol)
	return err
}

func (f *FoldWriter) add(b byte) error {
	f.line = append(f.line, b)
	if len(f.line) <= f.limit {
		return nil
	}
	return f.breakLine()
}

// breakLine writes the first part of a line of limit+1 bytes and keeps the
// rest (see the type's comment for the rules).
func (f *FoldWriter) breakLine() error {
	line := f.line
	first := 0 // the first non-blank byte
	for first < len(line) && isBlank(line[first]) {
		first++
	}
	k := -1
	for i := f.limit; i > first; i-- {
		if isBlank(line[i]) {
			k = i
			break
		}
	}
	insert := k < 0
	if insert {
		// Do not start the next line inside a UTF-8 sequence.
		k = keepRune(line, f.limit)
		// Do not split a quoted-printable "=XX".
		switch {
		case line[k-1] == '=':
			k--
		case line[k-2] == '=':
			k -= 2
		}
	}
	if _, err := f.w.Write(line[:k]); err != nil {
		return err
	}
	if _, err := f.w.Write(crlf); err != nil {
		return err
	}
	rest := len(line) - k
	if insert {
		copy(line[1:], line[k:])
		line[0] = ' '
		f.line = line[:rest+1]
	} else {
		copy(line, line[k:])
		f.line = line[:rest]
	}
	return nil
}

// Flush writes what is left of an unterminated last line.
func (f *FoldWriter) Flush() error {
	if f.cr {
		f.cr = false
		if err := f.add('\r'); err != nil {
			return err
		}
	}
	if len(f.line) == 0 {
		return nil
	}
	_, err := f.w.Write(f.line)
	f.line = f.line[:0]
	return err
}

// keepRune returns where to break line so that no valid UTF-8 sequence is
// split: k, or the start of the sequence that line[k] continues. Stray
// continuation bytes (more than a sequence can hold, or after an ASCII
// byte) and invalid sequences decode byte by byte, so a break among them
// changes nothing. A sequence cut off at the end of line counts as valid:
// its missing bytes have not arrived yet.
func keepRune(line []byte, k int) int {
	s := k
	for s > k-3 && s > 0 && line[s]&0xC0 == 0x80 {
		s--
	}
	if s == k || line[s] < 0xC0 {
		return k
	}
	n := 0 // the sequence length its lead byte announces
	switch {
	case line[s] < 0xE0:
		n = 2
	case line[s] < 0xF0:
		n = 3
	case line[s] < 0xF8:
		n = 4
	default:
		return k // not a lead byte
	}
	if s+n <= k {
		return k // the sequence ends before k
	}
	if s+n <= len(line) {
		if _, size := utf8.DecodeRune(line[s : s+n]); size != n {
			return k
		}
	}
	return s
}

func isBlank(b byte) bool { return b == ' ' || b == '\t' }
