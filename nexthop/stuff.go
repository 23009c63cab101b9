package nexthop

import (
	"bytes"
	"io"
	"sync"
)

// dotStuffer writes DATA content to the connection, transparent as
// RFC 5321 §4.5.2 wants: a "." that starts a line is doubled, a bare LF is
// sent as CRLF, and finish ends the data with "." on a line of its own. It
// sends exactly the bytes net/textproto's DotWriter (go-smtp's) sends for
// the same content, but works in runs instead of one buffered call per
// byte, and writes once per 64 KiB: a small message and its end-of-data
// line go in one write.
type dotStuffer struct {
	w     io.Writer
	buf   []byte
	state int
}

// textproto's DotWriter states.
const (
	dsBegin     = iota // nothing written yet
	dsBeginLine        // just after a line ending
	dsData             // inside a line
	dsCR               // just after a CR inside a line
)

var stuffBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

func newDotStuffer(w io.Writer) *dotStuffer {
	return &dotStuffer{w: w, buf: (*stuffBuffers.Get().(*[]byte))[:0]}
}

// release gives the buffer back; the stuffer is unusable afterwards.
func (d *dotStuffer) release() {
	b := d.buf[:0]
	stuffBuffers.Put(&b)
	d.buf = nil
}

func (d *dotStuffer) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if (d.state == dsBegin || d.state == dsBeginLine) && p[0] != '.' && p[0] != '\r' && p[0] != '\n' {
			d.state = dsData // a line that needs nothing at its start
		}
		if d.state == dsData {
			// Fast path: a whole line ending in CRLF with no other CR or
			// LF in it is written as it is.
			i := bytes.IndexByte(p, '\n')
			if i > 0 && p[i-1] == '\r' && bytes.IndexByte(p[:i-1], '\r') < 0 {
				if err := d.emit(p[:i+1]); err != nil {
					return 0, err
				}
				d.state = dsBeginLine
				p = p[i+1:]
				continue
			}
			// Otherwise the plain bytes up to the first CR or LF.
			seg := p
			if i >= 0 {
				seg = p[:i]
			}
			if j := bytes.IndexByte(seg, '\r'); j >= 0 {
				seg = seg[:j]
			}
			if err := d.emit(seg); err != nil {
				return 0, err
			}
			p = p[len(seg):]
			if len(p) == 0 {
				break
			}
		}
		c := p[0]
		p = p[1:]
		var err error
		switch d.state {
		case dsBegin, dsBeginLine:
			d.state = dsData
			if c == '.' {
				err = d.emit1('.') // RFC 5321 §4.5.2: double a leading dot
			}
			if err == nil {
				err = d.data(c)
			}
		case dsData:
			err = d.data(c)
		case dsCR:
			d.state = dsData
			if c == '\n' {
				d.state = dsBeginLine
			}
			err = d.emit1(c)
		}
		if err != nil {
			return 0, err
		}
	}
	return n, nil
}

// data is one byte inside a line.
func (d *dotStuffer) data(c byte) error {
	switch c {
	case '\r':
		d.state = dsCR
	case '\n':
		d.state = dsBeginLine
		if err := d.emit1('\r'); err != nil {
			return err
		}
	}
	return d.emit1(c)
}

func (d *dotStuffer) emit1(c byte) error {
	if len(d.buf) == cap(d.buf) {
		if err := d.flush(); err != nil {
			return err
		}
	}
	d.buf = append(d.buf, c)
	return nil
}

func (d *dotStuffer) emit(p []byte) error {
	for len(p) > 0 {
		if len(d.buf) == cap(d.buf) {
			if err := d.flush(); err != nil {
				return err
			}
		}
		k := copy(d.buf[len(d.buf):cap(d.buf)], p)
		d.buf = d.buf[:len(d.buf)+k]
		p = p[k:]
	}
	return nil
}

// flush writes the buffer.
func (d *dotStuffer) flush() error {
	if len(d.buf) == 0 {
		return nil
	}
	if _, err := d.w.Write(d.buf); err != nil {
		return err
	}
	d.buf = d.buf[:0]
	return nil
}

// finish ends the data: the line ending still missing, if any, and the
// end-of-data line (what textproto's DotWriter.Close writes in the same
// state), then writes everything.
func (d *dotStuffer) finish() error {
	var end string
	switch d.state {
	case dsBeginLine:
		end = ".\r\n"
	case dsCR:
		end = "\n.\r\n"
	default: // dsBegin (no content) and dsData
		end = "\r\n.\r\n"
	}
	for i := 0; i < len(end); i++ {
		if err := d.emit1(end[i]); err != nil {
			return err
		}
	}
	return d.flush()
}
