package nexthop

import (
	"bufio"
	"bytes"
	"errors"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
)

// session is the client side of one SMTP session (RFC 5321) on a
// connection: commands and their replies, extensions from EHLO, and
// PIPELINING (RFC 2920) of MAIL and RCPT when the hop offers it. Replies
// that are not what a command expects are *smtp.SMTPError, with the
// RFC 3463 code split off the text as go-smtp does; a connection or
// protocol failure is any other error (no code).
type session struct {
	nc      net.Conn // read and written: the TCP connection, or TLS over it
	br      *bufio.Reader
	bw      *bufio.Writer
	ext     map[string]string // EHLO keywords, upper case, with their parameters
	timeout time.Duration     // for each command and its reply
	// The deadlines last set on nc (see setDeadlines).
	rdl, wdl time.Time
}

// setDeadlines moves nc's read and write deadlines to d from now, except
// one already at most a sixteenth of d (at most a second) earlier: each
// move reprograms a runtime timer, and a transaction asks several times.
// A deadline is never left later than asked.
func (s *session) setDeadlines(d time.Duration) {
	now := time.Now()
	dl := now.Add(d)
	keepR, keepW := s.keep(s.rdl, dl, d), s.keep(s.wdl, dl, d)
	switch {
	case keepR && keepW:
	case keepR:
		s.wdl = dl
		_ = s.nc.SetWriteDeadline(dl)
	case keepW:
		s.rdl = dl
		_ = s.nc.SetReadDeadline(dl)
	default:
		s.rdl, s.wdl = dl, dl
		_ = s.nc.SetDeadline(dl)
	}
}

// setWriteDeadline is setDeadlines for the write deadline alone.
func (s *session) setWriteDeadline(d time.Duration) {
	dl := time.Now().Add(d)
	if s.keep(s.wdl, dl, d) {
		return
	}
	s.wdl = dl
	_ = s.nc.SetWriteDeadline(dl)
}

func (*session) keep(cur, dl time.Time, d time.Duration) bool {
	return !cur.After(dl) && cur.After(dl.Add(-min(d/16, time.Second)))
}

// Bounds on what a hop may answer.
const (
	maxReplyLine  = 2000 // RFC 5321 §4.5.3.1.5 says 512; go-smtp allows 2000
	maxReplyLines = 100
)

var (
	errReplyLine  = errors.New("nexthop: reply line too long")
	errReplyLong  = errors.New("nexthop: reply has too many lines")
	errReplyShort = errors.New("nexthop: malformed reply")
	errLineBreak  = errors.New("nexthop: a command must not contain CR or LF")
)

func newSession(nc net.Conn, timeout time.Duration) *session {
	return &session{nc: nc, br: bufio.NewReaderSize(nc, maxReplyLine+2), bw: bufio.NewWriter(nc), timeout: timeout}
}

// readReply reads one reply (RFC 5321 §4.2.1): its code and text, the
// lines of a multi-line reply joined with "\n".
func (s *session) readReply() (int, string, error) {
	var (
		code int
		text []byte // the lines before the last, joined; nil for a one-line reply
	)
	for n := 0; ; n++ {
		if n == maxReplyLines {
			return 0, "", errReplyLong
		}
		raw, err := s.br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			return 0, "", errReplyLine
		}
		if err != nil {
			return 0, "", err
		}
		// raw is only valid until the next read: each line's text is
		// copied (once, for the usual one-line reply) before it.
		line := bytes.TrimSuffix(raw[:len(raw)-1], []byte("\r"))
		if len(line) < 3 || len(line) > 3 && line[3] != ' ' && line[3] != '-' {
			return 0, "", errReplyShort
		}
		c, ok := replyCode(line[:3])
		if !ok || n > 0 && c != code {
			return 0, "", errReplyShort
		}
		code = c
		var rest []byte
		if len(line) > 4 {
			rest = line[4:]
		}
		last := len(line) == 3 || line[3] == ' '
		switch {
		case last && n == 0:
			return code, string(rest), nil
		case n > 0:
			text = append(text, '\n')
		}
		text = append(text, rest...)
		if last {
			return code, string(text), nil
		}
	}
}

// replyCode is strconv.Atoi of a reply's three code bytes, and false
// unless they make a code from 100 to 599 (three ASCII digits, the first
// 1 to 5).
func replyCode(b []byte) (int, bool) {
	if len(b) != 3 || b[0] < '1' || b[0] > '5' || b[1] < '0' || b[1] > '9' || b[2] < '0' || b[2] > '9' {
		return 0, false
	}
	return int(b[0]-'0')*100 + int(b[1]-'0')*10 + int(b[2]-'0'), true
}

// expect reads one reply and returns nil when its code is want (a
// one-digit want is a class: 2 is any 2xx; two digits, 25, any 25x).
func (s *session) expect(want int) (string, error) {
	code, text, err := s.readReply()
	if err != nil {
		return "", err
	}
	c := code
	switch {
	case want < 10:
		c = code / 100
	case want < 100:
		c = code / 10
	}
	if c != want {
		return text, replyError(code, text)
	}
	return text, nil
}

// send queues one command line.
func (s *session) send(line string) error {
	if strings.ContainsAny(line, "\r\n") {
		return errLineBreak
	}
	_, _ = s.bw.WriteString(line)
	_, err := s.bw.WriteString("\r\n")
	return err
}

// flush writes what is queued, within the command timeout, which also
// bounds the replies read next.
func (s *session) flush() error {
	s.setDeadlines(s.timeout)
	return s.bw.Flush()
}

// cmd sends one command and reads its reply.
func (s *session) cmd(want int, line string) (string, error) {
	if err := s.send(line); err != nil {
		return "", err
	}
	if err := s.flush(); err != nil {
		return "", err
	}
	return s.expect(want)
}

// greet reads the greeting (RFC 5321 §4.3.1).
func (s *session) greet() error {
	s.setDeadlines(s.timeout)
	_, err := s.expect(220)
	return err
}

// hello sends EHLO, or HELO when the hop does not know EHLO (500 or 502),
// and records the extensions offered (RFC 5321 §4.1.1.1).
func (s *session) hello(name string) error {
	text, err := s.cmd(250, "EHLO "+name)
	var se *smtp.SMTPError
	if errors.As(err, &se) && (se.Code == 500 || se.Code == 502) {
		s.ext = map[string]string{}
		_, err = s.cmd(250, "HELO "+name)
		return err
	}
	if err != nil {
		return err
	}
	s.ext = map[string]string{}
	lines := strings.Split(text, "\n")
	for _, l := range lines[1:] {
		k, v, _ := strings.Cut(l, " ")
		s.ext[strings.ToUpper(k)] = v
	}
	return nil
}

func (s *session) offers(ext string) bool {
	_, ok := s.ext[ext]
	return ok
}

// mailLine is MAIL FROM with the parameters go-smtp sends: BODY=8BITMIME
// whenever offered, SIZE when offered and known, SMTPUTF8 when asked for.
func (s *session) mailLine(m Mail) string {
	var b strings.Builder
	b.Grow(len(m.From) + 64)
	b.WriteString("MAIL FROM:<")
	b.WriteString(m.From)
	b.WriteByte('>')
	if s.offers("8BITMIME") {
		b.WriteString(" BODY=8BITMIME")
	}
	if s.offers("SIZE") && m.Size != 0 {
		b.WriteString(" SIZE=")
		b.WriteString(strconv.FormatInt(m.Size, 10))
	}
	if m.UTF8 {
		b.WriteString(" SMTPUTF8")
	}
	return b.String()
}

// quit ends the session politely, with a short deadline, and closes the
// connection.
func (s *session) quit() {
	s.timeout = quitTimeout
	_, _ = s.cmd(221, "QUIT")
	_ = s.nc.Close()
}

// close drops the connection.
func (s *session) close() error { return s.nc.Close() }

// replyError turns a reply into go-smtp's error type, with its RFC 3463
// code split off the text when it starts with one (and removed from the
// further lines of a multi-line reply, RFC 2034 §4), as go-smtp's client
// reports it.
func replyError(code int, msg string) *smtp.SMTPError {
	se := &smtp.SMTPError{Code: code, Message: msg}
	first, rest, ok := strings.Cut(msg, " ")
	parts := strings.Split(first, ".")
	if !ok || len(parts) != 3 {
		return se
	}
	var ec smtp.EnhancedCode
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return se
		}
		ec[i] = n
	}
	se.EnhancedCode = ec
	se.Message = strings.ReplaceAll(rest, "\n"+first+" ", "\n")
	return se
}
