package relay

import (
	"bytes"
	"errors"
	"fmt"
)

// Mail loop detection (RFC 5321 §6.3): a message is refused when it
// carries more than maxReceived Received: fields (Postfix's hopcount_limit)
// or this relay's own Received line twice (it came back through us again
// after we already forwarded it once more than a legitimate round trip).
var (
	errTooManyHops = errors.New("too many Received fields")
	errOwnTwice    = errors.New("this relay's Received field twice")
)

// checkLoop scans the header section of raw (linear in its size).
func checkLoop(raw []byte, hostname string, maxReceived int) error {
	var ownBuf [128]byte
	own := loopMarker(ownBuf[:0], hostname)
	hdr := raw[:headerEnd(raw)]
	received, ours := 0, 0
	var field []byte // the current Received field, unfolded lines joined
	inReceived := false
	finish := func() {
		if inReceived && receivedBy(field, own) {
			ours++
		}
		field, inReceived = field[:0], false
	}
	for len(hdr) > 0 {
		i := bytes.Index(hdr, []byte("\r\n"))
		var line []byte
		if i < 0 {
			line, hdr = hdr, nil
		} else {
			line, hdr = hdr[:i], hdr[i+2:]
		}
		if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
			if inReceived && len(field) < 4096 {
				field = append(field, ' ')
				field = append(field, bytes.TrimLeft(line, " \t")...)
			}
			continue
		}
		finish()
		if len(line) >= 9 && bytes.EqualFold(line[:8], []byte("Received")) && (line[8] == ':' || line[8] == ' ' || line[8] == '\t') {
			received++
			inReceived = true
			field = append(field, line...)
		}
	}
	finish()
	switch {
	case received > maxReceived:
		return fmt.Errorf("%w: %d > %d", errTooManyHops, received, maxReceived)
	case ours >= 2:
		return fmt.Errorf("%w (%s)", errOwnTwice, hostname)
	}
	return nil
}

// loopMarker appends what this relay's own Received field holds,
// "by <hostname> (lychgate)", lower-cased as bytes.ToLower would.
func loopMarker(dst []byte, hostname string) []byte {
	dst = append(dst, "by "...)
	if isASCII(hostname) {
		for i := 0; i < len(hostname); i++ {
			dst = append(dst, lowerASCIIByte(hostname[i]))
		}
	} else {
		dst = append(dst, bytes.ToLower([]byte(hostname))...)
	}
	return append(dst, " (lychgate)"...)
}

// receivedBy reports bytes.Contains(bytes.ToLower(field), own). field is
// the caller's own copy of the field: an ASCII one (the usual case) is
// lower-cased in place instead of copied; others take the copy, since
// Unicode lower-casing can turn a non-ASCII letter into an ASCII one
// (U+212A KELVIN SIGN into 'k').
func receivedBy(field, own []byte) bool {
	if !asciiBytes(field) {
		return bytes.Contains(bytes.ToLower(field), own)
	}
	for i, c := range field {
		field[i] = lowerASCIIByte(c)
	}
	return bytes.Contains(field, own)
}

func asciiBytes(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

func lowerASCIIByte(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
