package nexthop

import (
	"bytes"
	"io"
	"sync"
)

// dotStuffer writes DATA content straight to the connection, transparent
// as RFC 5321 §4.5.2 wants: a "." that starts a line is doubled, and a
// bare LF is sent as CRLF. It does exactly what net/textproto's DotWriter
// (which go-smtp's DataCommand is) does with the same bytes, but in runs
// instead of one buffered call per byte, and with one large write per
// buffer instead of one per 4 KiB.
//
// go-smtp still sends DATA, ends the data and reads the reply: finish
// hands it the last line ending (or the pending CR) through its own
// DotWriter, which therefore starts and ends in the state textproto's
// would have had, so the end-of-data line is the same as if every byte
// had gone through it. The last two bytes are therefore always held back
// until finish.
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

// held is how many written bytes stay in the buffer for finish.
const held = 2

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

// flush writes all but the last held bytes.
func (d *dotStuffer) flush() error {
	if len(d.buf) <= held {
		return nil
	}
	cut := len(d.buf) - held
	if _, err := d.w.Write(d.buf[:cut]); err != nil {
		return err
	}
	d.buf = d.buf[:copy(d.buf, d.buf[cut:])]
	return nil
}

// finish writes what is left, except the bytes that put go-smtp's writer
// tw (fresh: nothing written to it yet) in this stuffer's state, which go
// through tw. The caller then closes tw (the end-of-data line).
func (d *dotStuffer) finish(tw io.Writer) error {
	var tail []byte
	switch d.state {
	case dsBeginLine:
		// The buffer ends with the CRLF just written; tw writes it again
		// from its start state, ending at the beginning of a line.
		d.buf, tail = d.buf[:len(d.buf)-2], []byte("\r\n")
	case dsCR:
		d.buf, tail = d.buf[:len(d.buf)-1], []byte("\r")
	}
	if len(d.buf) > 0 {
		if _, err := d.w.Write(d.buf); err != nil {
			return err
		}
		d.buf = d.buf[:0]
	}
	if len(tail) > 0 {
		if _, err := tw.Write(tail); err != nil {
			return err
		}
	}
	return nil
}
