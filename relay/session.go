package relay

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/lychgate/lychgate/engine"
	"github.com/lychgate/lychgate/live"
	"github.com/lychgate/lychgate/scanners"
)

// session is one SMTP connection's state: who the client is and the
// current transaction. conn (conn.go) calls its methods from the
// connection's goroutine only.
type session struct {
	s        *Server
	conn     *conn
	ctx      context.Context // cancelled at Logout or server shutdown
	cancel   context.CancelFunc
	baseLog  *slog.Logger
	log      *slog.Logger
	ip       netip.Addr
	trusted  bool // for the current transaction, decided at MAIL
	authUser string
	helo     string

	authFailures int

	// rt is the runtime captured at MAIL, kept to the end of the
	// transaction; release gives it back.
	rt       *live.Runtime
	release  func()
	env      *scanners.Envelope
	mail     mailParams
	rcptSeen map[string]bool
}

func (s *Server) newSession(c *conn, ip netip.Addr, trusted bool) *session {
	ctx, cancel := context.WithCancel(s.baseCtx) //nolint:gosec // cancelled in Logout
	connID := "c" + strconv.FormatUint(s.connSeq.Add(1), 10)
	se := &session{
		s:       s,
		conn:    c,
		ctx:     ctx,
		cancel:  cancel,
		ip:      ip,
		trusted: trusted,
	}
	se.baseLog = withAttrs(s.log, slog.String("conn_id", connID), slog.Any("remote_ip", (*addrLog)(&se.ip)))
	se.log = se.baseLog
	se.log.Debug("connection", "trusted", se.trusted)
	return se
}

// addrLog is an address for a log attribute, formatted only when a line
// is written.
type addrLog netip.Addr

func (a *addrLog) LogValue() slog.Value { return slog.StringValue(netip.Addr(*a).String()) }

// setHelo records the client's HELO/EHLO name ("" after STARTTLS).
func (se *session) setHelo(name string) {
	se.helo = name
	se.log = withAttrs(se.baseLog, slog.String("helo", name))
}

// Reset discards the current transaction and gives back its runtime.
func (se *session) Reset() {
	se.env = nil
	if se.release != nil {
		se.release()
	}
	se.rt, se.release = nil, nil
	se.rcptSeen = nil
	se.mail = mailParams{}
}

// Logout ends the session.
func (se *session) Logout() {
	se.Reset()
	se.cancel()
}

// Mail starts a transaction (RFC 5321 §4.1.1.2).
func (se *session) Mail(from string, opts *smtp.MailOptions) error {
	se.Reset()
	if se.s.draining.Load() {
		return errShuttingDown
	}
	if from != "" {
		if err := checkAddress(from); err != nil {
			se.log.Info("sender refused", "mail_from", from, "err", err)
			return errBadSender
		}
	}
	rt, release, err := se.s.rt.Acquire()
	if err != nil {
		return errShuttingDown
	}
	if max := rt.Config.Relay.MaxMessageBytes; opts != nil && opts.Size > 0 && max > 0 && opts.Size > max {
		release()
		return errTooLarge
	}
	// Everything this transaction decides comes from this one runtime: a
	// reload from now on affects the next MAIL, never this message.
	se.rt, se.release = rt, release
	se.trusted = se.authUser != "" || rt.Config.IsTrusted(se.ip)
	se.env = rt.Engine.NewEnvelope(engine.Sender{
		From: from, Trusted: se.trusted, RemoteIP: se.ip.String(), HELO: se.helo, AuthUser: se.authUser,
	})
	se.mail = mailParams{from: from}
	if opts != nil {
		se.mail.utf8 = opts.UTF8
		se.mail.body = opts.Body
		se.mail.size = opts.Size
	}
	se.rcptSeen = map[string]bool{}
	return nil
}

// Rcpt accepts a recipient only if this client may reach it (RFC 5321
// §3.6.2: no open relay).
func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if se.env == nil {
		return &smtp.SMTPError{Code: 503, EnhancedCode: smtp.EnhancedCode{5, 5, 1}, Message: "MAIL first"}
	}
	if err := checkAddress(to); err != nil {
		se.log.Info("recipient refused", "mail_from", se.env.From, "rcpt", to, "err", err)
		return errBadAddress
	}
	key := strings.ToLower(to)
	if se.rcptSeen[key] {
		return nil // duplicate RCPT: one copy
	}
	if max := se.rt.Config.Relay.MaxRecipients; max > 0 && len(se.env.Recipients) >= max {
		return errTooManyRcpts
	}
	r, err := se.rt.Engine.Classify(se.env, se.trusted, to)
	if err != nil {
		se.log.Info("relay denied", "mail_from", se.env.From, "rcpt", to)
		return errRelayDenied
	}
	hop := se.hopFor(r.Direction)
	if hop == "" {
		if r.Direction == scanners.Outbound {
			return errNoOutbound
		}
		return errTempfail
	}
	if r.Direction != scanners.Outbound && se.rt.Config.NextHop.VerifyRecipients {
		if err := se.s.hops.verify(se.ctx, se.rt.NextHop, hop, to); err != nil {
			se.log.Info("recipient refused by next hop", "mail_from", se.env.From, "rcpt", to)
			return err
		}
	}
	se.rcptSeen[key] = true
	se.env.Recipients = append(se.env.Recipients, r)
	return nil
}

// hopFor is the next hop of a copy going direction d, from the
// transaction's runtime.
func (se *session) hopFor(d scanners.Direction) string {
	if d == scanners.Outbound {
		return se.rt.Config.NextHop.Outbound
	}
	return se.rt.Config.NextHop.Inbound
}

// Data takes the message as the client sent it (dot-unstuffing, NUL and
// bare line ending policies done, see readDotData), waits for its share of
// relay.max_bytes_in_flight, only then brings a spooled message into
// memory, refuses mail loops, scans it, and answers only once every copy
// is delivered downstream or quarantined. Long lines are folded on the way
// to the next hop (nexthop.FoldWriter), not here.
func (se *session) Data(msg *received) error {
	rc := &se.rt.Config.Relay
	msgID := newID()
	size := msg.Len()
	var err error
	weight, ok := se.s.inflight.tryAcquire(size)
	if !ok {
		// Only a message that must wait pays for the timer.
		wctx, cancel := context.WithTimeout(se.ctx, se.s.analysisWait)
		weight, err = se.s.inflight.acquire(wctx, size)
		cancel()
	}
	if err != nil {
		if se.ctx.Err() != nil {
			return errShuttingDown
		}
		se.log.Warn("data tempfailed: too many bytes under analysis", "msg_id", msgID, "size", size)
		return errBusy
	}
	defer se.s.inflight.release(weight)
	raw, err := msg.load()
	if err != nil {
		se.log.Error("data tempfailed: spooled message unreadable", "msg_id", msgID, "size", size, "err", err)
		return errTempfail
	}
	if err := checkLoop(raw, rc.Hostname, orInt(rc.MaxReceived, defaultMaxReceived)); err != nil {
		se.log.Info("data rejected: mail loop", "msg_id", msgID, "mail_from", se.env.From, "err", err)
		return errMailLoop
	}
	log := withAttrs(se.log, slog.String("msg_id", msgID), slog.String("mail_from", se.env.From),
		slog.Int("rcpt_count", len(se.env.Recipients)), slog.Int("size", len(raw)))
	h := &handling{se: se, log: log, raw: raw, msgID: msgID, received: se.s.now()}
	return h.run(se.ctx)
}

func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// receivedHeader builds the trace field (RFC 5321 §4.4).
func (se *session) receivedHeader(msgID string, at time.Time, rcpts []string) string {
	proto := "ESMTP" // RFC 3848 / RFC 6531 §3.7.3
	if se.mail.utf8 {
		proto = "UTF8SMTP"
	}
	if se.conn.tls != nil {
		proto += "S"
	}
	helo := sanitizeHeaderValue(se.helo)
	host := se.rt.Config.Relay.Hostname
	b := make([]byte, 0, 128+len(helo)+len(host))
	b = append(b, "Received: from "...)
	b = append(b, helo...)
	b = append(b, " (["...)
	if se.ip.IsValid() {
		b = se.ip.AppendTo(b)
	} else {
		b = append(b, se.ip.String()...) // as String says it
	}
	b = append(b, "])\r\n\tby "...)
	b = append(b, host...)
	b = append(b, " (lychgate) with "...)
	b = append(b, proto...)
	b = append(b, " id "...)
	b = append(b, msgID...)
	if len(rcpts) == 1 {
		b = append(b, "\r\n\tfor <"...)
		b = append(b, sanitizeHeaderValue(rcpts[0])...)
		b = append(b, '>')
	}
	b = append(b, ";\r\n\t"...)
	b = se.s.appendDate(b, at)
	b = append(b, "\r\n"...)
	return string(b)
}

// dateStamp is one second's date as a Received line writes it.
type dateStamp struct {
	unix int64
	loc  *time.Location
	text string
}

// appendDate appends at in RFC 5322 form (time.RFC1123Z). Messages come
// many a second and the text only changes with the second (and the
// zone), so the last one is kept and reused.
func (s *Server) appendDate(b []byte, at time.Time) []byte {
	if st := s.stamp.Load(); st != nil && st.unix == at.Unix() && st.loc == at.Location() {
		return append(b, st.text...)
	}
	n := len(b)
	b = at.AppendFormat(b, time.RFC1123Z)
	s.stamp.Store(&dateStamp{unix: at.Unix(), loc: at.Location(), text: string(b[n:])})
	return b
}

// sanitizeHeaderValue keeps client-supplied text from breaking a header.
func sanitizeHeaderValue(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if len(s) > 200 {
		s = s[:200]
	}
	if s == "" {
		return "unknown"
	}
	return s
}
