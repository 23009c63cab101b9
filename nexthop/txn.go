package nexthop

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
)

// codeClosing is "421 service not available, closing transmission
// channel" (RFC 5321 §3.8): the session is over whatever the command.
const codeClosing = 421

// Mail is the envelope of one transaction.
type Mail struct {
	// From is the envelope sender; "" is the null sender <>.
	From string
	// UTF8 asks for SMTPUTF8 (RFC 6531); a hop that does not offer it
	// fails Begin with ErrNoSMTPUTF8 (permanent).
	UTF8 bool
	// Body is the client's BODY= parameter. go-smtp sends BODY=8BITMIME
	// whenever the hop offers 8BITMIME, so it is informational.
	Body smtp.BodyType
	// Size is the message size for SIZE= (RFC 1870), sent when offered.
	Size int64
	// KeepPartial keeps the transaction open when some recipients are
	// refused (their refusals are in Txn.Results). Without it the first
	// refused recipient aborts the transaction and Begin returns its
	// error.
	KeepPartial bool
	// PipelineData sends DATA with MAIL and the RCPTs when the hop offers
	// PIPELINING (RFC 2920 §3.1: DATA may end a group), which saves a round
	// trip per transaction: Begin then returns with the hop waiting for the
	// content (354), and Data only writes it. The cost is Abort: a hop in
	// DATA cannot be reset, so Abort drops the connection instead of
	// sending RSET (the hop discards the unfinished message, RFC 5321
	// §3.8), and it is not reused.
	PipelineData bool
}

// RcptResult is the hop's answer to one RCPT TO.
type RcptResult struct {
	Addr string
	// Err is nil when the hop accepted the recipient, else an *Error with
	// StageRcpt.
	Err error
}

// Txn is a transaction open on a hop after MAIL and RCPT, waiting for
// Data or Abort. Exactly one of them must be called.
type Txn struct {
	c       *Client
	cn      *conn
	results []RcptResult
	stop    func() bool // unregisters the context watchdog
	done    bool
	// With Mail.PipelineData: dataSent is set once DATA went with the
	// RCPTs; inData once the hop answered it 354 (the content is due);
	// dataRefused is the hop's refusal of the pipelined DATA, returned by
	// Data.
	dataSent, inData bool
	dataRefused      error
	// ctxErr is the context's error once the watchdog closed the
	// connection (the context itself is not kept).
	ctxErr atomic.Pointer[error]
}

// Begin opens a transaction on hop: MAIL FROM, then RCPT TO for every
// recipient in order. It uses a pooled connection when one is alive and
// retries once on a new connection when a reused one turns out to be dead.
// Until Data or Abort returns, the end of ctx closes the connection.
//
// Errors are *Error: a refusal of MAIL, of a recipient (unless
// m.KeepPartial), a missing SMTPUTF8, or any connection failure.
func (c *Client) Begin(ctx context.Context, hop string, m Mail, rcpts []string) (*Txn, error) {
	cn, reused, err := c.get(ctx, hop)
	if err != nil {
		return nil, err
	}
	t, err := c.begin(ctx, cn, m, rcpts)
	var e *Error
	if reused && errors.As(err, &e) && e.Stage == StageMail && (e.Code == 0 || e.Code == codeClosing) &&
		!errors.Is(err, ErrNoSMTPUTF8) && ctx.Err() == nil {
		// The hop closed the pooled connection after the health check
		// (silently, or with 421 as RFC 5321 §3.8 allows).
		c.log.Debug("next hop connection went stale; redialling", "hop", hop, "err", err)
		if cn, err = c.dial(ctx, hop); err != nil {
			return nil, err
		}
		t, err = c.begin(ctx, cn, m, rcpts)
	}
	return t, err
}

func (c *Client) begin(ctx context.Context, cn *conn, m Mail, rcpts []string) (*Txn, error) {
	t := &Txn{c: c, cn: cn}
	t.stop = context.AfterFunc(ctx, func() {
		err := ctx.Err()
		t.ctxErr.Store(&err)
		_ = cn.raw.Close()
	})
	s := cn.s
	// Known from the greeting, so a connection that died meanwhile is
	// found by the commands, not by a new EHLO.
	if m.UTF8 && !cn.utf8 {
		t.Abort()
		return nil, fail(ctx, cn.hop, StageMail, "", ErrNoSMTPUTF8)
	}
	// With PIPELINING (RFC 2920 §3.1) MAIL and every RCPT go in one write
	// and their replies are read in order; without it, one at a time.
	pipelining := s.offers("PIPELINING")
	if err := s.send(s.mailLine(m)); err != nil {
		t.discard()
		return nil, fail(ctx, cn.hop, StageMail, "", err)
	}
	sent := 0 // RCPT commands sent whose replies are not read yet
	sendRcpt := func(r string) error {
		sent++
		return s.send("RCPT TO:<" + r + ">")
	}
	if pipelining {
		for _, r := range rcpts {
			if err := sendRcpt(r); err != nil {
				t.discard()
				return nil, fail(ctx, cn.hop, StageRcpt, r, err)
			}
		}
		if m.PipelineData && len(rcpts) > 0 {
			if err := s.send("DATA"); err != nil {
				t.discard()
				return nil, fail(ctx, cn.hop, StageMail, "", err)
			}
			t.dataSent = true
		}
	}
	// drain reads the replies to RCPTs (and a pipelined DATA) already
	// sent, before a RSET; false means the session cannot be reset.
	drain := func() bool {
		for ; sent > 0; sent-- {
			if _, _, err := s.readReply(); err != nil {
				return false
			}
		}
		if t.dataSent {
			t.dataSent = false
			// A DATA the hop took (354, only if some RCPT passed) leaves it
			// waiting for content: no RSET possible.
			code, _, err := s.readReply()
			return err == nil && code != 354
		}
		return true
	}
	if err := s.flush(); err != nil {
		t.discard()
		return nil, fail(ctx, cn.hop, StageMail, "", err)
	}
	if _, err := s.expect(250); err != nil {
		e := fail(ctx, cn.hop, StageMail, "", err)
		if e.Code != 0 && e.Code != codeClosing && drain() {
			t.Abort() // the session is fine: RSET and reuse
		} else {
			t.discard()
		}
		return nil, e
	}
	for _, r := range rcpts {
		if !pipelining {
			err := sendRcpt(r)
			if err == nil {
				err = s.flush()
			}
			if err != nil {
				t.discard()
				return nil, fail(ctx, cn.hop, StageRcpt, r, err)
			}
		}
		sent--
		_, err := s.expect(25) // 250 or 251 (RFC 5321 §4.2.2)
		if err == nil {
			t.results = append(t.results, RcptResult{Addr: r})
			continue
		}
		e := fail(ctx, cn.hop, StageRcpt, r, err)
		if e.Code == 0 || e.Code == codeClosing {
			t.discard()
			return nil, e
		}
		if !m.KeepPartial {
			if drain() {
				t.Abort()
			} else {
				t.discard()
			}
			return nil, e
		}
		t.results = append(t.results, RcptResult{Addr: r, Err: e})
	}
	if t.dataSent {
		code, text, err := s.readReply()
		switch {
		case err != nil:
			t.discard()
			return nil, fail(ctx, cn.hop, StageData, "", err)
		case code == 354:
			t.inData = true
		case code == codeClosing:
			t.discard()
			return nil, fail(ctx, cn.hop, StageData, "", replyError(code, text))
		default:
			// Refused (every recipient was, or the hop will not take
			// data now): Data reports it; the session is fine.
			t.dataRefused = replyError(code, text)
		}
	}
	return t, nil
}

// Hop returns the hop address the transaction is open on.
func (t *Txn) Hop() string { return t.cn.hop }

// TLS reports whether the connection is encrypted.
func (t *Txn) TLS() bool { return t.cn.tls }

// Results returns the hop's answer to each recipient, in order.
func (t *Txn) Results() []RcptResult { return t.results }

// Accepted returns the recipients the hop accepted.
func (t *Txn) Accepted() []string {
	var out []string
	for _, r := range t.results {
		if r.Err == nil {
			out = append(out, r.Addr)
		}
	}
	return out
}

// Data sends the message: header (this copy's own lines; may be nil)
// followed by body (a section of the shared message), without joining
// them, folded to Options.MaxLineLength, dot-stuffed, and waits for the
// hop's final reply. On success the connection goes back to the pool. The
// input should be CRLF text; a bare LF is sent as CRLF (as textproto does; see dotStuffer).
func (t *Txn) Data(header []byte, body *io.SectionReader) error {
	if t.done {
		return &Error{Hop: t.cn.hop, Stage: StageData, Err: ErrClosed}
	}
	if len(t.Accepted()) == 0 {
		t.Abort()
		return &Error{Hop: t.cn.hop, Stage: StageData, Msg: "no accepted recipients", Err: ErrNoRecipients}
	}
	t.done = true
	s := t.cn.s
	var err error
	switch {
	case t.dataRefused != nil:
		err = t.dataRefused
	case !t.dataSent:
		_, err = s.cmd(354, "DATA")
	}
	if err != nil {
		e := t.dataErr(err)
		if e.Code != 0 {
			t.reset() // DATA refused: the session is fine
		} else {
			t.discard()
		}
		return e
	}
	err = t.writeContent(header, body)
	if err != nil {
		// No end-of-data dot and no QUIT: a live hop would take either as
		// part of the message. Dropping the connection aborts it.
		e := t.dataErr(err)
		t.discard()
		return e
	}
	s.setDeadlines(t.c.cfg.CommandTimeout.Duration)
	if _, err := s.expect(250); err != nil {
		e := t.dataErr(err)
		var se *smtp.SMTPError
		if errors.As(err, &se) && t.stop() {
			// A refusal after the dot leaves the session usable.
			t.c.put(t.cn)
		} else {
			t.discard()
		}
		return e
	}
	if !t.stop() {
		// The watchdog closed the connection after the hop accepted.
		return nil
	}
	t.c.put(t.cn)
	return nil
}

// writeContent writes header and body, folded and dot-stuffed, and the
// end-of-data line. Content in memory that needs neither (plainContent) is
// written as it is, in one system call; anything else goes through the
// FoldWriter and the dot-stuffer, which send the same bytes for it.
func (t *Txn) writeContent(header []byte, body *io.SectionReader) error {
	s := t.cn.s
	d := t.c.cfg.CommandTimeout.Duration
	if b, ok := inMemory(body); ok && len(header)+len(b) <= plainMax && plainContent(header, b, t.c.o.MaxLineLength) {
		return s.writePlain(header, b, d)
	}
	// The content goes straight to the connection, dot-stuffed in bulk,
	// with the end-of-data line in the same write as its end.
	ds := newDotStuffer(&deadlineWriter{s: s, d: d})
	defer ds.release()
	var w io.Writer = ds
	var fw *FoldWriter
	if t.c.o.MaxLineLength > 0 {
		fw = getFoldWriter(w, t.c.o.MaxLineLength)
		defer fw.release()
		w = fw
	}
	err := writeAll(w, header, body)
	if err == nil && fw != nil {
		err = fw.Flush()
	}
	if err == nil {
		err = ds.finish()
	}
	return err
}

func writeAll(w io.Writer, header []byte, body *io.SectionReader) error {
	if len(header) > 0 {
		if _, err := w.Write(header); err != nil {
			return err
		}
	}
	if body == nil {
		return nil
	}
	bp := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(bp)
	_, err := io.CopyBuffer(w, io.NewSectionReader(body, 0, body.Size()), *bp)
	return err
}

// copyBuffers are writeAll's buffers, reused: one per message otherwise.
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// dataErr is the *Error for a DATA failure; a context that ended (the
// watchdog closed the connection) is named in it.
func (t *Txn) dataErr(err error) *Error {
	e := &Error{Hop: t.cn.hop, Stage: StageData, Err: err}
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		e.Code, e.Enhanced, e.Msg = se.Code, se.EnhancedCode, se.Message
	} else {
		e.Msg = err.Error()
	}
	if p := t.ctxErr.Load(); p != nil {
		e.Err = errors.Join(err, *p)
	}
	return e
}

// Abort ends a transaction that will not be sent: RSET, and the connection
// goes back to the pool when the hop answers it; a hop already waiting for
// the content (Mail.PipelineData) is dropped instead, so it discards the
// transaction. Abort after Data, or twice, does nothing.
func (t *Txn) Abort() {
	if t.done {
		return
	}
	t.done = true
	if t.inData {
		t.discard()
		return
	}
	t.reset()
}

// reset sends RSET and pools the connection, or drops it when that fails
// or the context closed it. The context still guards the RSET.
func (t *Txn) reset() {
	_, err := t.cn.s.cmd(250, "RSET")
	if !t.stop() || err != nil {
		_ = t.cn.s.close()
		return
	}
	t.c.put(t.cn)
}

// discard drops a connection that failed (no QUIT: the session is broken
// or in the middle of DATA).
func (t *Txn) discard() {
	t.done = true
	t.stop()
	_ = t.cn.s.close()
}

// deadlineWriter moves the connection's write deadline with each write,
// so a hop that stops reading fails the copy after CommandTimeout without
// progress (go-smtp sets none while the message is written).
type deadlineWriter struct {
	s *session
	d time.Duration
}

func (dw *deadlineWriter) Write(p []byte) (int, error) {
	dw.s.setWriteDeadline(dw.d)
	return dw.s.nc.Write(p)
}

// Send delivers data from the envelope sender from ("" for <>) to every
// address in to, grouped by hop (Route), one transaction per hop. It
// returns nil only when every hop accepted the message for every
// recipient; a hop accepted before a later one failed keeps its copy. For
// notifications and releases (notify.SendFunc).
func (c *Client) Send(ctx context.Context, from string, to []string, data []byte) error {
	byHop := map[string][]string{}
	var hops []string
	for _, rcpt := range to {
		hop, err := c.Route(rcpt)
		if err != nil {
			return err
		}
		if _, ok := byHop[hop]; !ok {
			hops = append(hops, hop)
		}
		byHop[hop] = append(byHop[hop], rcpt)
	}
	body := io.NewSectionReader(Bytes(data), 0, int64(len(data)))
	for _, hop := range hops {
		rcpts := byHop[hop]
		utf8 := !isASCII(from)
		for _, r := range rcpts {
			utf8 = utf8 || !isASCII(r)
		}
		t, err := c.Begin(ctx, hop, Mail{From: from, UTF8: utf8, Size: int64(len(data))}, rcpts)
		if err != nil {
			return err
		}
		if err := t.Data(nil, body); err != nil {
			return err
		}
	}
	return nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
