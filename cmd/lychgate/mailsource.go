package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// This file finds the messages `lychgate check` scans: single message
// files, mbox files (RFC 4155) and Maildir folders, skipping what is not
// mail.

// sniffBytes is how much of a file decides what it is.
const sniffBytes = 8 << 10

// fileKind is what a file looks like.
type fileKind int

const (
	notMail fileKind = iota
	binaryFile
	singleMessage
	mboxFile
)

// sniff says what head (the start of a file) is: a message (header
// fields first), an mbox ("From " line first, then header fields), binary
// (a NUL byte or mostly non-text) or something else.
func sniff(head []byte) fileKind {
	if len(head) == 0 {
		return notMail
	}
	if bytes.IndexByte(head, 0) >= 0 {
		return binaryFile
	}
	ctl := 0
	for _, c := range head {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x1b {
			ctl++
		}
	}
	if ctl*20 > len(head) {
		return binaryFile
	}
	if bytes.HasPrefix(head, []byte("From ")) {
		_, rest, _ := bytes.Cut(head, []byte("\n"))
		if looksLikeHeader(rest) {
			return mboxFile
		}
		return notMail
	}
	if looksLikeHeader(head) {
		return singleMessage
	}
	return notMail
}

// knownFields are header fields at least one of which a message has.
var knownFields = []string{"from", "to", "cc", "subject", "date", "received", "message-id", "return-path",
	"mime-version", "delivered-to", "content-type", "reply-to", "sender", "x-original-to"}

// looksLikeHeader reports whether b starts with an RFC 5322 header block:
// every line up to the first empty one (or the end of b) a field
// "Name: value" or a continuation, the first one a field, and one of them
// a field messages have.
func looksLikeHeader(b []byte) bool {
	known, lines := false, 0
	for len(b) > 0 {
		var line []byte
		var ok bool
		line, b, ok = bytes.Cut(b, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			break
		}
		if !ok && len(b) == 0 && lines > 0 {
			break // cut off by the sniff window
		}
		lines++
		if line[0] == ' ' || line[0] == '\t' {
			if lines == 1 {
				return false
			}
			continue
		}
		name, _, found := bytes.Cut(line, []byte(":"))
		if !found || len(name) == 0 || bytes.ContainsAny(name, " \t") {
			return false
		}
		for _, c := range name {
			if c < 33 || c > 126 {
				return false
			}
		}
		for _, f := range knownFields {
			if strings.EqualFold(string(name), f) {
				known = true
			}
		}
	}
	return known
}

// mailSource walks the paths given to check and calls fn for every
// message; warn gets one line for every file skipped.
type mailSource struct {
	// maxBytes is the largest message read (relay.max_message_bytes: the
	// relay refuses larger ones).
	maxBytes int64
	fn       func(name string, raw []byte) error
	warn     func(msg string)
	// fail gets a file that could not be read; the walk goes on.
	fail func(err error)
}

// walk visits path: a file, or a folder searched for messages (a
// Maildir's tmp/ is left out: its files are still being written).
func (s *mailSource) walk(ctx context.Context, path string) error {
	return filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			s.fail(err)
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() {
			if p != path && d.Name() == "tmp" && isMaildir(filepath.Dir(p)) {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if err := s.file(p, p == path); err != nil {
			var pe *fs.PathError
			if !errors.As(err, &pe) {
				return err // fn failed (standard output closed): stop
			}
			s.fail(err)
		}
		return nil
	})
}

func isMaildir(dir string) bool {
	for _, sub := range []string{"cur", "new"} {
		if fi, err := os.Stat(filepath.Join(dir, sub)); err != nil || !fi.IsDir() {
			return false
		}
	}
	return true
}

func (s *mailSource) file(path string, explicit bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close() //nolint:errcheck // read only
	br := bufio.NewReaderSize(f, 64<<10)
	head, err := br.Peek(sniffBytes)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return err
	}
	switch sniff(head) {
	case binaryFile:
		s.warn(fmt.Sprintf("skipped %q: a binary file, not a mail message", path))
		return nil
	case notMail:
		if !explicit {
			s.warn(fmt.Sprintf("skipped %q: not a mail message (no header fields at the start)", path))
			return nil
		}
		s.warn(fmt.Sprintf("%q does not start with header fields; checked as a message anyway", path))
	case mboxFile:
		return s.mbox(path, br)
	}
	raw, err := io.ReadAll(io.LimitReader(br, s.maxBytes+1))
	if err != nil {
		return err
	}
	if int64(len(raw)) > s.maxBytes {
		s.warn(fmt.Sprintf("skipped %q: larger than relay.max_message_bytes (%d bytes; the relay would refuse it)", path, s.maxBytes))
		return nil
	}
	return s.fn(path, raw)
}

// mbox splits an mbox file at its "From " lines (after an empty line, or
// at the start) and undoes the ">From " quoting of mboxrd; each message is
// named path#N.
func (s *mailSource) mbox(path string, br *bufio.Reader) error {
	var (
		msg      bytes.Buffer
		n        int
		tooBig   bool
		prevLine = true // the start counts as after an empty line
		atStart  = true // the chunk read starts a line
		started  bool
	)
	flush := func() error {
		if !started {
			return nil
		}
		name := fmt.Sprintf("%s#%d", path, n)
		raw := bytes.TrimSuffix(msg.Bytes(), []byte("\n")) // the separator's empty line
		if tooBig {
			s.warn(fmt.Sprintf("skipped %q: larger than relay.max_message_bytes (%d bytes)", name, s.maxBytes))
		} else if err := s.fn(name, append([]byte(nil), raw...)); err != nil {
			return err
		}
		msg.Reset()
		tooBig = false
		return nil
	}
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 {
			full := !errors.Is(err, bufio.ErrBufferFull)
			if atStart && prevLine && full && bytes.HasPrefix(line, []byte("From ")) {
				if err := flush(); err != nil {
					return err
				}
				n++
				started = true
				prevLine = false
				continue
			}
			if q := bytes.TrimLeft(line, ">"); atStart && len(q) < len(line) && bytes.HasPrefix(q, []byte("From ")) {
				line = line[1:]
			}
			if !tooBig {
				if int64(msg.Len()+len(line)) > s.maxBytes {
					tooBig = true
					msg.Reset()
				} else {
					msg.Write(line)
				}
			}
			prevLine = atStart && full && len(bytes.TrimRight(line, "\r\n")) == 0
			atStart = full
		}
		if err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if errors.Is(err, io.EOF) {
				return flush()
			}
			return err
		}
	}
}
