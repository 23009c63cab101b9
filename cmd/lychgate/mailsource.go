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
// the first line a field "Name: value", more field lines than broken ones
// up to the first empty line (or the end of b), and one of them a field
// messages have. A first field longer than b (a huge DKIM-Signature) is
// enough by itself.
func looksLikeHeader(b []byte) bool {
	fields, bad, known := 0, 0, false
	for len(b) > 0 && fields+bad < 200 {
		line, rest, ok := bytes.Cut(b, []byte("\n"))
		if !ok {
			// Cut off by the sniff window.
			if fields == 0 && bad == 0 {
				_, valid := fieldName(line)
				return valid
			}
			break
		}
		b = rest
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			if fields == 0 {
				return false
			}
			continue
		}
		name, valid := fieldName(line)
		if !valid {
			if fields == 0 {
				return false
			}
			bad++
			continue
		}
		fields++
		for _, f := range knownFields {
			if strings.EqualFold(name, f) {
				known = true
			}
		}
	}
	return known && fields > bad
}

// fieldName returns the name of a header field line "Name: value" (RFC
// 5322 §2.2: printable ASCII but colon; a space before the colon is
// tolerated, as parsers do).
func fieldName(line []byte) (string, bool) {
	name, _, found := bytes.Cut(line, []byte(":"))
	name = bytes.TrimRight(name, " \t")
	if !found || len(name) == 0 {
		return "", false
	}
	for _, c := range name {
		if c < 33 || c > 126 {
			return "", false
		}
	}
	return string(name), true
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

// mailName reports whether a file's name says it is a message: a .eml
// file, or a file in a Maildir's cur/ or new/. Such a file is checked even
// when it does not look like mail (broken mail is what check is for).
func mailName(path string) bool {
	if strings.EqualFold(filepath.Ext(path), ".eml") {
		return true
	}
	dir := filepath.Dir(path)
	base := filepath.Base(dir)
	return (base == "cur" || base == "new") && isMaildir(filepath.Dir(dir))
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
		if bytes.HasPrefix(head, []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")) {
			s.warn(fmt.Sprintf("skipped %q: an Outlook .msg file, not a mail message (save it from Outlook as .eml)", path))
			return nil
		}
		s.warn(fmt.Sprintf("skipped %q: a binary file, not a mail message", path))
		return nil
	case notMail:
		if !explicit && !mailName(path) {
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
