package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"strings"
	"time"
)

// The lean client of row 3. It says to the server exactly what the go-smtp
// client said (send) and in the same lock step, one connection per
// message: EHLO, MAIL FROM (with BODY=8BITMIME when offered), RCPT TO,
// DATA, the content, QUIT, each only after the reply to the one before.
// What it leaves out is its own cost: the content is converted to the
// wire form once, when the corpus is loaded (wireMessage), instead of
// byte by byte per send, and the replies are parsed without formatting
// or maps. On two cores shared with lychgate and the sink, the go-smtp
// client's CPU came out of lychgate's; -gosmtp measures with it.

// wireMessage returns data as a go-smtp client sends it after DATA: the
// bytes textproto's DotWriter makes of it (CRLF line ends, dot-stuffed),
// ending with the end-of-data line.
func wireMessage(data []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(data) + len(data)/32 + 8)
	bw := bufio.NewWriter(&buf)
	dw := textproto.NewWriter(bw).DotWriter()
	_, _ = dw.Write(data) // writes to memory cannot fail
	_ = dw.Close()
	_ = bw.Flush()
	return buf.Bytes()
}

// leanConn is one sender goroutine's buffers, reused for every message.
type leanConn struct {
	br  *bufio.Reader
	out []byte
}

func newLeanConn() *leanConn { return &leanConn{br: bufio.NewReaderSize(nil, 4096)} }

// replyError is a reply other than the one a command expects.
type replyError struct {
	cmd  string
	code int
	text string
}

func (e *replyError) Error() string { return fmt.Sprintf("%s: %d %s", e.cmd, e.code, e.text) }

// leanSend sends one message (wire from wireMessage) from
// sender@example.com to rcpt over a new connection to addr. A refusal of
// the content with a 5xx reply is a handled message (policy), as in send.
func leanSend(lc *leanConn, addr, rcpt string, wire []byte) error {
	nc, err := net.DialTimeout("tcp", addr, 30*time.Second)
	if err != nil {
		return err
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(5 * time.Minute))
	lc.br.Reset(nc)
	defer lc.br.Reset(nil)
	if _, err := lc.expect("greeting", 220); err != nil {
		return err
	}
	ehlo, err := lc.cmd(nc, "EHLO bench.client", 250)
	if err != nil {
		return err
	}
	mail := "MAIL FROM:<sender@example.com>"
	if offers(ehlo, "8BITMIME") {
		mail += " BODY=8BITMIME"
	}
	if _, err := lc.cmd(nc, mail, 250); err != nil {
		return err
	}
	if _, err := lc.cmd(nc, "RCPT TO:<"+rcpt+">", 25); err != nil {
		return err
	}
	if _, err := lc.cmd(nc, "DATA", 354); err != nil {
		return err
	}
	if _, err := nc.Write(wire); err != nil {
		return err
	}
	if _, err := lc.expect("end of data", 250); err != nil {
		var re *replyError
		if errors.As(err, &re) && re.code >= 500 {
			return nil // a policy refusal is a handled message
		}
		return err
	}
	_, err = lc.cmd(nc, "QUIT", 221)
	return err
}

// cmd writes one command line and reads its reply (see expect).
func (lc *leanConn) cmd(nc net.Conn, line string, want int) (string, error) {
	lc.out = append(append(lc.out[:0], line...), '\r', '\n')
	if _, err := nc.Write(lc.out); err != nil {
		return "", err
	}
	verb, _, _ := strings.Cut(line, " ")
	return lc.expect(verb, want)
}

// expect reads one reply (RFC 5321 §4.2.1) and checks its code against
// want: three digits are the code, two a class such as 25x, as go-smtp
// does. It returns the reply's lines after the first joined with "\n"
// (the extensions of an EHLO reply).
func (lc *leanConn) expect(what string, want int) (string, error) {
	var rest []string
	code := 0
	for n := 0; ; n++ {
		line, err := lc.br.ReadSlice('\n')
		if err != nil {
			return "", fmt.Errorf("%s: read reply: %w", what, err)
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) < 3 || n > 100 {
			return "", fmt.Errorf("%s: malformed reply %q", what, line)
		}
		c := int(line[0]-'0')*100 + int(line[1]-'0')*10 + int(line[2]-'0')
		if n == 0 {
			code = c
		} else {
			rest = append(rest, string(line[min(4, len(line)):]))
		}
		if len(line) == 3 || line[3] != '-' {
			got := code
			if want < 100 {
				got = code / 10
			}
			if got != want {
				return "", &replyError{cmd: what, code: code, text: string(line[min(4, len(line)):])}
			}
			return strings.Join(rest, "\n"), nil
		}
	}
}

// offers reports whether the EHLO extension lines name keyword.
func offers(ext, keyword string) bool {
	for l := range strings.SplitSeq(ext, "\n") {
		k, _, _ := strings.Cut(l, " ")
		if strings.EqualFold(k, keyword) {
			return true
		}
	}
	return false
}
