package nexthop

import (
	"bytes"
	"io"
	"net"
	"time"
)

// Bytes is message content held in memory, read as an io.ReaderAt. Txn.Data
// given a section of Bytes (io.NewSectionReader(nexthop.Bytes(b), 0,
// int64(len(b)))) writes content that needs no change on the wire (see
// plainEnd) straight from it, without copying it.
type Bytes []byte

// ReadAt implements io.ReaderAt.
func (b Bytes) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off >= int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// plainMax is the most content Data writes in one piece from memory: what
// the dot-stuffer writes at once, so the write deadline still moves with
// progress for anything larger.
const plainMax = 64 << 10

// inMemory returns the bytes of body when it is a section of Bytes.
func inMemory(body *io.SectionReader) ([]byte, bool) {
	if body == nil {
		return nil, true
	}
	ra, off, n := body.Outer()
	b, ok := ra.(Bytes)
	if !ok || off < 0 || n < 0 || off+n > int64(len(b)) {
		return nil, false
	}
	return b[off : off+n], true
}

// dotEnd is the end-of-data line after content that ends with CRLF.
var dotEnd = []byte(".\r\n")

// plainContent reports whether header followed by body goes on the wire
// exactly as it is, with only dotEnd after it: both are whole CRLF lines
// (header ends where a line ends, body ends with CRLF), no line holds a CR
// or LF of its own, none starts with "." and, with limit > 0, none is
// longer than limit octets before its CRLF; and there is some content. For
// such content the FoldWriter breaks nothing and the dot-stuffer adds only
// the end-of-data line, so Data can skip both.
func plainContent(header, body []byte, limit int) bool {
	return len(header)+len(body) > 0 && plainLines(header, limit) && plainLines(body, limit)
}

// plainLines is plainContent for one of its parts.
func plainLines(b []byte, limit int) bool {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 1 || b[i-1] != '\r' {
			return false // no line end, or a bare LF
		}
		line := b[:i-1]
		if len(line) > 0 && line[0] == '.' || limit > 0 && len(line) > limit || bytes.IndexByte(line, '\r') >= 0 {
			return false
		}
		b = b[i+1:]
	}
	return true
}

// writePlain writes header, body and the end-of-data line in one system
// call: gathered (writev) on a TCP connection, else copied into one
// pooled buffer first (TLS would make a record of each piece).
func (s *session) writePlain(header, body []byte, d time.Duration) error {
	s.setWriteDeadline(d)
	if tc, ok := s.nc.(*net.TCPConn); ok {
		bufs := net.Buffers{header, body, dotEnd}
		_, err := bufs.WriteTo(tc)
		return err
	}
	bp := stuffBuffers.Get().(*[]byte)
	b := append(append(append((*bp)[:0], header...), body...), dotEnd...)
	_, err := s.nc.Write(b)
	*bp = b[:0]
	stuffBuffers.Put(bp)
	return err
}
