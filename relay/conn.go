package relay

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
)

// Protocol limits of our SMTP server.
const (
	maxCommandLine = 4096 // RFC 5321 §4.5.3.1.4 says 512; extensions need more
	maxBadCommands = 10   // then 421 and close
	readBufferSize = 64 << 10
)

// errKicked is returned by reads after Shutdown interrupted the connection.
var errKicked = errors.New("connection interrupted by shutdown")

// deadlineReader sits under the connection's bufio.Reader and sets the read
// deadline before every read: at most idle from now, never past hard. So a
// deadline extends with progress, bounded by a total limit. While a
// command is awaited (command set), it also wakes every stress timeout to
// see whether the relay is now under stress: a stranger idling since before
// the slots filled up is closed then, not after the whole read_timeout.
type deadlineReader struct {
	c       *conn
	idle    time.Duration
	hard    time.Time // zero: none
	command bool
	since   time.Time // when the command wait began
}

func (d *deadlineReader) Read(p []byte) (int, error) {
	s := d.c.s
	for {
		if d.c.kicked.Load() {
			return 0, errKicked
		}
		now := time.Now()
		dl := now.Add(d.idle)
		if !d.hard.IsZero() && d.hard.Before(dl) {
			dl = d.hard
		}
		if d.command {
			dl = minTime(dl, now.Add(s.stressTimeout))
		}
		nc := d.c.netConn()
		if err := d.c.dl.setRead(nc, now, dl); err != nil {
			return 0, err
		}
		// Shutdown sets kicked, then moves the deadline into the past;
		// checking again after our own SetReadDeadline closes the race.
		if d.c.kicked.Load() {
			return 0, errKicked
		}
		n, err := nc.Read(p)
		if n > 0 || err == nil {
			return n, nil
		}
		if d.c.kicked.Load() {
			return 0, errKicked
		}
		var ne net.Error
		if d.command && errors.As(err, &ne) && ne.Timeout() {
			now = time.Now()
			stressedOut := s.limits.stressed() && now.Sub(d.since) >= s.stressTimeout
			if now.Before(d.hard) && !stressedOut {
				continue
			}
		}
		return 0, err
	}
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// conn is one SMTP server connection: the command loop, the DATA phase and
// the replies. The session (session.go) holds the transaction and decides.
type conn struct {
	s     *Server
	mu    sync.Mutex // guards nc (replaced by STARTTLS)
	nc    net.Conn
	dr    *deadlineReader
	br    *bufio.Reader
	bw    *bufio.Writer
	ip    netip.Addr
	se    *session
	log   *slog.Logger
	tls   *tls.ConnectionState
	helo  string
	esmtp bool

	dl     deadlines   // last set on nc (deadlineReader and flush)
	kicked atomic.Bool // Shutdown interrupts reads
	inTxn  atomic.Bool // between MAIL and the end of the transaction
	bad    int         // bad commands so far
	closed bool
}

func (c *conn) netConn() net.Conn {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nc
}

// kick interrupts a connection's reads (Shutdown).
func (c *conn) kick() {
	c.kicked.Store(true)
	_ = c.netConn().SetReadDeadline(time.Unix(1, 0))
}

// The connections' buffers are reused: a client that sends one message per
// connection (most MTAs) would otherwise cost a fresh 64 KiB reader each
// time.
var (
	readerPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, readBufferSize) }}
	writerPool = sync.Pool{New: func() any { return bufio.NewWriter(nil) }}
)

func (s *Server) newConn(nc net.Conn, ip netip.Addr, trusted bool) *conn {
	c := &conn{s: s, nc: nc, ip: ip}
	c.dr = &deadlineReader{c: c, idle: s.readTimeout}
	c.br = readerPool.Get().(*bufio.Reader)
	c.br.Reset(c.dr)
	c.bw = writerPool.Get().(*bufio.Writer)
	c.bw.Reset(nc)
	c.se = s.newSession(c, ip, trusted)
	c.log = c.se.log
	return c
}

// freeBuffers gives the connection's buffers back for reuse; nothing may
// read or write through them afterwards. Nothing the client sent is kept
// in them: Reset drops what is buffered.
func (c *conn) freeBuffers() {
	c.br.Reset(nil)
	c.bw.Reset(nil)
	readerPool.Put(c.br)
	writerPool.Put(c.bw)
	c.br, c.bw = nil, nil
}

// serve runs the connection to its end. It never panics: a handler panic is
// logged with its stack and answered 421.
func (c *conn) serve() {
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("connection handler panic", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			c.reply(codeServiceUnavailable, smtp.EnhancedCode{4, 3, 0}, "Internal error, closing connection")
		}
		c.flush()
		_ = c.netConn().Close()
		c.se.Logout()
		c.freeBuffers()
		c.log.Debug("connection closed")
	}()
	if c.s.draining.Load() {
		c.replyErr(errShuttingDown)
		return
	}
	c.reply(220, smtp.NoEnhancedCode, c.s.cfg.Relay.Hostname+" ESMTP lychgate")
	for !c.closed {
		line, err := c.readCommand()
		if err != nil {
			c.readFailed(err, false)
			return
		}
		c.handle(line)
		if c.closed {
			return
		}
		if c.s.draining.Load() && !c.inTxn.Load() && !c.closed {
			c.replyErr(errShuttingDown)
			return
		}
		if c.bad >= maxBadCommands {
			c.reply(codeServiceUnavailable, smtp.EnhancedCode{4, 7, 0}, "Too many errors, closing connection")
			return
		}
	}
}

// readCommand reads one command line. Replies are flushed first when the
// client has nothing more in flight (RFC 2920 pipelining).
func (c *conn) readCommand() (string, error) {
	if c.br.Buffered() == 0 {
		if err := c.flush(); err != nil {
			return "", err
		}
	}
	c.dr.command = true
	c.dr.since = time.Now()
	c.dr.idle = c.s.readTimeout
	c.dr.hard = c.dr.since.Add(c.s.readTimeout)
	if c.s.limits.stressed() {
		c.dr.hard = c.dr.since.Add(min(c.s.stressTimeout, c.s.readTimeout))
	}
	var line []byte
	for {
		frag, err := c.br.ReadSlice('\n')
		if err == nil && line == nil {
			// The usual case: the whole line is in the buffer; one copy.
			if len(frag) > maxCommandLine {
				return "", errLineTooLong
			}
			frag = bytes.TrimSuffix(frag[:len(frag)-1], []byte("\r"))
			return string(frag), nil
		}
		line = append(line, frag...)
		if len(line) > maxCommandLine {
			return "", errLineTooLong
		}
		if err == nil {
			break
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return "", err
		}
	}
	s := strings.TrimSuffix(strings.TrimSuffix(string(line), "\n"), "\r")
	return s, nil
}

var errLineTooLong = errors.New("command line too long")

// readFailed answers a failed read, if an answer is still possible, and
// ends the connection. Nothing read after a failure is ever taken as a
// command.
func (c *conn) readFailed(err error, inData bool) {
	c.closed = true
	var ne net.Error
	switch {
	case errors.Is(err, errKicked):
		c.replyErr(errShuttingDown)
	case errors.Is(err, errLineTooLong):
		c.reply(500, smtp.EnhancedCode{5, 5, 2}, "Line too long, closing connection")
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed), errors.Is(err, io.ErrUnexpectedEOF):
		c.log.Debug("client closed the connection", "in_data", inData)
	case errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded):
		c.log.Info("read timed out", "in_data", inData)
		if inData {
			c.reply(codeLocalError, smtp.EnhancedCode{4, 4, 2}, "Timeout reading message data, closing connection")
		} else {
			c.reply(codeServiceUnavailable, smtp.EnhancedCode{4, 4, 2}, c.s.cfg.Relay.Hostname+" Idle timeout, closing connection")
		}
	default:
		c.log.Info("read failed", "in_data", inData, "err", err)
		if inData {
			c.reply(codeLocalError, smtp.EnhancedCode{4, 4, 2}, "Error reading message data, closing connection")
		} else {
			c.reply(codeServiceUnavailable, smtp.EnhancedCode{4, 4, 0}, "Connection error, closing connection")
		}
	}
}

// reply queues one reply line (RFC 5321 §4.2, RFC 2034 enhanced codes).
func (c *conn) reply(code int, ec smtp.EnhancedCode, text string) {
	if ec == smtp.EnhancedCodeNotSet {
		if cl := code / 100; cl == 2 || cl == 4 || cl == 5 {
			ec = smtp.EnhancedCode{cl, 0, 0}
		} else {
			ec = smtp.NoEnhancedCode
		}
	}
	c.s.obs.Reply(code)
	if strings.ContainsAny(text, "\r\n") {
		text = lineBreaks.Replace(text)
	}
	// Built by hand in the writer's own buffer: this runs several times
	// per message.
	b := strconv.AppendInt(c.bw.AvailableBuffer(), int64(code), 10)
	b = append(b, ' ')
	if ec != smtp.NoEnhancedCode {
		b = strconv.AppendInt(b, int64(ec[0]), 10)
		b = append(b, '.')
		b = strconv.AppendInt(b, int64(ec[1]), 10)
		b = append(b, '.')
		b = strconv.AppendInt(b, int64(ec[2]), 10)
		b = append(b, ' ')
	}
	_, _ = c.bw.Write(b)
	_, _ = c.bw.WriteString(text)
	_, _ = c.bw.WriteString("\r\n")
}

// lineBreaks keeps a reply text on one line.
var lineBreaks = strings.NewReplacer("\r", " ", "\n", " ")

// replyLines queues a multi-line reply.
func (c *conn) replyLines(code int, lines []string) {
	c.s.obs.Reply(code)
	for i, l := range lines {
		// Built in the writer's own buffer, as reply does.
		b := strconv.AppendInt(c.bw.AvailableBuffer(), int64(code), 10)
		if i == len(lines)-1 {
			b = append(b, ' ')
		} else {
			b = append(b, '-')
		}
		_, _ = c.bw.Write(b)
		_, _ = c.bw.WriteString(l)
		_, _ = c.bw.WriteString("\r\n")
	}
}

// replyErr answers err: an *smtp.SMTPError as it is, anything else as a
// generic temporary failure (its text never reaches the client).
func (c *conn) replyErr(err error) {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		c.reply(se.Code, se.EnhancedCode, se.Message)
		if se.Code == codeServiceUnavailable {
			c.closed = true // 421 closes the channel (RFC 5321 §3.8)
		}
		return
	}
	c.log.Warn("unclassified error answered 451", "err", err)
	c.replyErr(errTempfail)
}

func (c *conn) flush() error {
	if c.bw.Buffered() == 0 {
		return nil
	}
	d := c.s.writeTimeout
	if c.kicked.Load() {
		d = min(d, time.Second) // shutting down: a client that does not read is not waited for
	}
	now := time.Now()
	_ = c.dl.setWrite(c.netConn(), now, now.Add(d))
	return c.bw.Flush()
}

// deadlines remembers the deadlines last set on a connection, so that one
// that would move by only a little is left as it is: a session sets them
// before every read and every flush, a dozen times for a small message,
// and each call reprograms a runtime timer. A deadline is left alone only
// when it is at most deadlineSlack (a sixteenth of the wait, at most a
// second) earlier than the one asked for, never when it is later: a
// timeout may come that much early, never late. Used from the
// connection's goroutine only; a change of connection (STARTTLS) forgets
// them.
type deadlines struct {
	nc          net.Conn
	read, write time.Time
}

func deadlineSlack(now, dl time.Time) time.Duration {
	return min(dl.Sub(now)/16, time.Second)
}

func (d *deadlines) forget(nc net.Conn) {
	if d.nc != nc {
		*d = deadlines{nc: nc}
	}
}

func (d *deadlines) setRead(nc net.Conn, now, dl time.Time) error {
	d.forget(nc)
	if !d.read.After(dl) && d.read.After(dl.Add(-deadlineSlack(now, dl))) {
		return nil
	}
	d.read = dl
	return nc.SetReadDeadline(dl)
}

func (d *deadlines) setWrite(nc net.Conn, now, dl time.Time) error {
	d.forget(nc)
	if !d.write.After(dl) && d.write.After(dl.Add(-deadlineSlack(now, dl))) {
		return nil
	}
	d.write = dl
	return nc.SetWriteDeadline(dl)
}

// handle dispatches one command line.
func (c *conn) handle(line string) {
	verb, arg, _ := strings.Cut(line, " ")
	verb = strings.ToUpper(verb)
	arg = strings.TrimSpace(arg)
	switch verb {
	case "HELO", "EHLO":
		c.handleHello(verb == "EHLO", arg)
	case "MAIL":
		c.handleMail(arg)
	case "RCPT":
		c.handleRcpt(arg)
	case "DATA":
		c.handleData(arg)
	case "RSET":
		c.resetTxn()
		c.reply(250, smtp.EnhancedCode{2, 0, 0}, "OK")
	case "NOOP":
		c.reply(250, smtp.EnhancedCode{2, 0, 0}, "OK")
	case "QUIT":
		c.reply(221, smtp.EnhancedCode{2, 0, 0}, "Bye")
		c.closed = true
	case "VRFY":
		c.reply(252, smtp.EnhancedCode{2, 5, 0}, "Cannot VRFY user, but will accept message and attempt delivery")
	case "EXPN":
		c.reply(502, smtp.EnhancedCode{5, 5, 1}, "EXPN not available")
	case "HELP":
		c.reply(214, smtp.EnhancedCode{2, 0, 0}, "See RFC 5321")
	case "STARTTLS":
		c.handleStartTLS(arg)
	case "AUTH":
		c.handleAuth(arg)
	case "BDAT":
		// CHUNKING is not offered: whatever follows is read as commands,
		// each answered 500, until too many errors close the connection.
		c.bad++
		c.reply(502, smtp.EnhancedCode{5, 5, 1}, "BDAT not supported")
	default:
		c.bad++
		c.reply(500, smtp.EnhancedCode{5, 5, 2}, "Command not recognized")
	}
}

func (c *conn) resetTxn() {
	c.se.Reset()
	c.inTxn.Store(false)
}

func (c *conn) handleHello(ehlo bool, arg string) {
	if arg == "" {
		c.bad++
		c.reply(501, smtp.EnhancedCode{5, 5, 4}, "Domain or address required")
		return
	}
	c.resetTxn()
	c.helo, c.esmtp = arg, ehlo
	c.se.setHelo(arg)
	if !ehlo {
		c.reply(250, smtp.EnhancedCode{2, 0, 0}, c.s.cfg.Relay.Hostname+" Hello")
		return
	}
	var lines [8]string // on the stack: EHLO comes once per message with most clients
	ls := append(lines[:0], c.s.cfg.Relay.Hostname+" Hello "+sanitizeHeaderValue(arg), "PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES", "SMTPUTF8", c.s.sizeKeyword)
	if c.s.tlsConfig != nil && c.tls == nil {
		ls = append(ls, "STARTTLS")
	}
	if mechs := c.authMechanisms(); len(mechs) > 0 {
		ls = append(ls, "AUTH "+strings.Join(mechs, " "))
	}
	c.replyLines(250, ls)
}

func (c *conn) handleStartTLS(arg string) {
	switch {
	case c.s.tlsConfig == nil:
		c.reply(502, smtp.EnhancedCode{5, 5, 1}, "STARTTLS not available")
		return
	case c.tls != nil:
		c.reply(503, smtp.EnhancedCode{5, 5, 1}, "Already running TLS")
		return
	case arg != "":
		c.reply(501, smtp.EnhancedCode{5, 5, 4}, "STARTTLS takes no parameters")
		return
	}
	c.reply(220, smtp.EnhancedCode{2, 0, 0}, "Ready to start TLS")
	if err := c.flush(); err != nil {
		c.closed = true
		return
	}
	// Anything the client sent after STARTTLS in plain text is dropped
	// (command injection, CVE-2011-0411): only what comes over TLS counts.
	tc := tls.Server(c.netConn(), c.s.tlsConfig)
	_ = tc.SetDeadline(time.Now().Add(c.s.commandTimeout()))
	if err := tc.Handshake(); err != nil {
		c.log.Info("tls handshake failed", "err", err)
		c.closed = true
		return
	}
	_ = tc.SetDeadline(time.Time{})
	st := tc.ConnectionState()
	c.mu.Lock()
	c.nc = tc
	c.mu.Unlock()
	c.tls = &st
	c.br.Reset(c.dr)
	c.bw.Reset(tc)
	// RFC 3207 §4.2: forget everything learnt before TLS.
	c.resetTxn()
	c.helo, c.esmtp = "", false
	c.se.setHelo("")
}

// commandTimeout is read_timeout, or the short stress_read_timeout while
// most connection slots are in use.
func (s *Server) commandTimeout() time.Duration {
	if s.limits.stressed() {
		return min(s.stressTimeout, s.readTimeout)
	}
	return s.readTimeout
}
