package relay

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

var (
	errNeedHelo      = &smtp.SMTPError{Code: 503, EnhancedCode: smtp.EnhancedCode{5, 5, 1}, Message: "Send HELO or EHLO first"}
	errNestedMail    = &smtp.SMTPError{Code: 503, EnhancedCode: smtp.EnhancedCode{5, 5, 1}, Message: "Nested MAIL command"}
	errNeedMail      = &smtp.SMTPError{Code: 503, EnhancedCode: smtp.EnhancedCode{5, 5, 1}, Message: "MAIL first"}
	errNoRecipients  = &smtp.SMTPError{Code: 503, EnhancedCode: smtp.EnhancedCode{5, 5, 1}, Message: "No valid recipients"}
	errMailSyntax    = &smtp.SMTPError{Code: codeSyntax, EnhancedCode: smtp.EnhancedCode{5, 5, 2}, Message: "Syntax: MAIL FROM:<address> [parameters]"}
	errRcptSyntax    = &smtp.SMTPError{Code: codeSyntax, EnhancedCode: smtp.EnhancedCode{5, 5, 2}, Message: "Syntax: RCPT TO:<address>"}
	errBadParam      = &smtp.SMTPError{Code: 555, EnhancedCode: smtp.EnhancedCode{5, 5, 4}, Message: "Unsupported or malformed parameter"}
	errUTF8Address   = &smtp.SMTPError{Code: codeMailboxNameInvalid, EnhancedCode: smtp.EnhancedCode{5, 6, 7}, Message: "Non-ASCII address needs SMTPUTF8 on MAIL FROM"}
	errNoPostmaster  = &smtp.SMTPError{Code: codeMailboxUnavailable, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No postmaster address configured"}
	errDataArgs      = &smtp.SMTPError{Code: codeSyntax, EnhancedCode: smtp.EnhancedCode{5, 5, 4}, Message: "DATA takes no parameters"}
	errLineTooLongIn = &smtp.SMTPError{Code: codeTransactionFailed, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "Message has a line that is too long"}
	errAuthSyntax    = &smtp.SMTPError{Code: codeSyntax, EnhancedCode: smtp.EnhancedCode{5, 5, 2}, Message: "Syntax: AUTH mechanism [initial-response]"}
	errAuthCancelled = &smtp.SMTPError{Code: codeSyntax, EnhancedCode: smtp.EnhancedCode{5, 0, 0}, Message: "Authentication cancelled"}
	errAuthNotNow    = &smtp.SMTPError{Code: 503, EnhancedCode: smtp.EnhancedCode{5, 5, 1}, Message: "AUTH not allowed now"}
	errAuthNoMech    = &smtp.SMTPError{Code: 504, EnhancedCode: smtp.EnhancedCode{5, 5, 4}, Message: "Unsupported authentication mechanism"}
	errAuthNoTLS     = &smtp.SMTPError{Code: 523, EnhancedCode: smtp.EnhancedCode{5, 7, 10}, Message: "Encryption needed: STARTTLS first"}
)

// parsePath splits "<path> params" after "FROM:" or "TO:" (RFC 5321
// §4.1.2). A source route (@a,@b:) is dropped (§4.1.1.3, may be ignored);
// quoted local parts are kept as written, so checkAddress refuses them.
func parsePath(s string) (addr, params string, ok bool) {
	s = strings.TrimLeft(s, " ")
	if !strings.HasPrefix(s, "<") {
		return "", "", false
	}
	quoted, esc := false, false
	end := -1
	for i := 1; i < len(s) && end < 0; i++ {
		switch {
		case esc:
			esc = false
		case s[i] == '\\':
			esc = true
		case s[i] == '"':
			quoted = !quoted
		case s[i] == '>' && !quoted:
			end = i
		}
	}
	if end < 0 {
		return "", "", false
	}
	addr, params = s[1:end], s[end+1:]
	if params != "" && params[0] != ' ' {
		return "", "", false
	}
	if strings.HasPrefix(addr, "@") {
		i := strings.IndexByte(addr, ':')
		if i < 0 {
			return "", "", false
		}
		addr = addr[i+1:]
	}
	return addr, strings.TrimSpace(params), true
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return s, false
	}
	return s[len(prefix):], true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func (c *conn) handleMail(arg string) {
	switch {
	case c.helo == "":
		c.replyErr(errNeedHelo)
		return
	case c.inTxn.Load():
		c.replyErr(errNestedMail)
		return
	}
	rest, ok := cutPrefixFold(arg, "FROM:")
	if !ok {
		c.bad++
		c.replyErr(errMailSyntax)
		return
	}
	from, params, ok := parsePath(rest)
	if !ok {
		c.bad++
		c.replyErr(errMailSyntax)
		return
	}
	opts := &smtp.MailOptions{}
	for _, p := range strings.Fields(params) {
		k, v, hasV := strings.Cut(p, "=")
		switch strings.ToUpper(k) {
		case "SIZE":
			n, err := strconv.ParseInt(v, 10, 64)
			if !hasV || err != nil || n < 0 {
				c.replyErr(errBadParam)
				return
			}
			opts.Size = n
		case "BODY":
			switch strings.ToUpper(v) {
			case "7BIT":
				opts.Body = smtp.Body7Bit
			case "8BITMIME":
				opts.Body = smtp.Body8BitMIME
			default:
				c.replyErr(errBadParam)
				return
			}
		case "SMTPUTF8":
			if hasV {
				c.replyErr(errBadParam)
				return
			}
			opts.UTF8 = true
		case "AUTH":
			// RFC 4954 §5: may be ignored.
		default:
			c.replyErr(errBadParam)
			return
		}
	}
	if !opts.UTF8 && !isASCII(from) {
		c.se.log.Info("sender refused: non-ASCII without SMTPUTF8", "mail_from", from)
		c.replyErr(errUTF8Address)
		return
	}
	if from != "" {
		canon, err := canonicalAddress(from)
		if err != nil {
			c.se.log.Info("sender refused", "mail_from", from, "err", err)
			c.replyErr(errBadSender)
			return
		}
		from = canon
	}
	if err := c.se.Mail(from, opts); err != nil {
		c.replyErr(err)
		return
	}
	c.inTxn.Store(true)
	c.reply(250, smtp.EnhancedCode{2, 1, 0}, "Sender OK")
}

func (c *conn) handleRcpt(arg string) {
	if !c.inTxn.Load() {
		c.replyErr(errNeedMail)
		return
	}
	rest, ok := cutPrefixFold(arg, "TO:")
	if !ok {
		c.bad++
		c.replyErr(errRcptSyntax)
		return
	}
	to, params, ok := parsePath(rest)
	if !ok || to == "" {
		c.bad++
		c.replyErr(errRcptSyntax)
		return
	}
	if params != "" {
		c.replyErr(errBadParam)
		return
	}
	if strings.EqualFold(to, "postmaster") {
		// RFC 5321 §4.5.1: <postmaster> without a domain must be accepted.
		to = c.se.postmaster()
		if to == "" {
			c.replyErr(errNoPostmaster)
			return
		}
	}
	if !c.se.mail.utf8 && !isASCII(to) {
		c.se.log.Info("recipient refused: non-ASCII without SMTPUTF8", "rcpt", to)
		c.replyErr(errUTF8Address)
		return
	}
	canon, err := canonicalAddress(to)
	if err != nil {
		c.se.log.Info("recipient refused", "rcpt", to, "err", err)
		c.replyErr(errBadAddress)
		return
	}
	if err := c.se.Rcpt(canon, nil); err != nil {
		c.replyErr(err)
		return
	}
	c.reply(250, smtp.EnhancedCode{2, 1, 5}, "Recipient OK")
}

// postmaster is where <postmaster> goes: relay.postmaster, else
// postmaster@ the first school's first domain (of the transaction's
// runtime).
func (se *session) postmaster() string {
	cfg := se.rt.Config
	if p := cfg.Relay.Postmaster; p != "" {
		return p
	}
	for _, sc := range cfg.Schools {
		if len(sc.Domains) > 0 {
			return "postmaster@" + sc.Domains[0]
		}
	}
	return ""
}

// handleData runs the DATA phase (RFC 5321 §4.1.1.4). Any read failure
// ends the connection: what follows is never read as commands.
func (c *conn) handleData(arg string) {
	switch {
	case arg != "":
		c.replyErr(errDataArgs)
		return
	case !c.inTxn.Load():
		c.replyErr(errNeedMail)
		return
	case c.se.env == nil || len(c.se.env.Recipients) == 0:
		c.replyErr(errNoRecipients)
		return
	}
	defer c.resetTxn()
	c.reply(354, smtp.NoEnhancedCode, "End data with <CR><LF>.<CR><LF>")
	if err := c.flush(); err != nil {
		c.closed = true
		return
	}
	start := time.Now()
	c.dr.command = false
	c.dr.idle = c.s.readTimeout
	c.dr.hard = start.Add(c.s.dataTimeout)
	raw, res, err := readDotData(c.br, dataLimitsFor(c.se.rt.Config, c.se.mail.size))
	if err != nil {
		if time.Now().After(c.dr.hard.Add(-time.Millisecond)) && !c.kicked.Load() {
			c.closed = true
			c.log.Info("data phase exceeded data_timeout", "duration", time.Since(start))
			c.reply(codeLocalError, smtp.EnhancedCode{4, 4, 2}, "Message transfer took too long, closing connection")
			return
		}
		c.readFailed(err, true)
		return
	}
	switch {
	case res.tooLarge:
		c.log.Info("data rejected: too large", "mail_from", c.se.env.From)
		c.replyErr(errTooLarge)
		return
	case res.longLine:
		c.log.Info("data rejected: line too long", "mail_from", c.se.env.From)
		c.replyErr(errLineTooLongIn)
		return
	case res.refused():
		c.dataRefused(res)
		return
	}
	defer raw.close()
	if err := c.se.Data(raw); err != nil {
		c.replyErr(err)
		return
	}
	c.reply(250, smtp.EnhancedCode{2, 0, 0}, "OK: queued")
}

func (c *conn) authMechanisms() []string {
	if c.tls == nil {
		return nil
	}
	return c.se.AuthMechanisms()
}

// handleAuth runs one SASL exchange (RFC 4954).
func (c *conn) handleAuth(arg string) {
	mech, initial, hasInitial := strings.Cut(arg, " ")
	mech = strings.ToUpper(mech)
	switch {
	case mech == "":
		c.replyErr(errAuthSyntax)
		return
	case c.helo == "" || !c.esmtp:
		c.replyErr(errNeedHelo)
		return
	case c.se.authUser != "" || c.inTxn.Load():
		c.replyErr(errAuthNotNow)
		return
	case c.tls == nil:
		c.replyErr(errAuthNoTLS)
		return
	}
	srv, err := c.se.Auth(mech)
	if err != nil {
		if errors.Is(err, smtp.ErrAuthUnknownMechanism) || errors.Is(err, smtp.ErrAuthUnsupported) {
			c.replyErr(errAuthNoMech)
			return
		}
		c.replyErr(err)
		return
	}
	var resp []byte
	if hasInitial {
		if initial != "=" {
			if resp, err = base64.StdEncoding.DecodeString(initial); err != nil {
				c.replyErr(errAuthSyntax)
				return
			}
		}
	}
	for {
		challenge, done, err := srv.Next(resp)
		if err != nil {
			var se *smtp.SMTPError
			if errors.As(err, &se) {
				c.replyErr(se)
			} else {
				c.replyErr(errAuthFailed)
			}
			return
		}
		if done {
			c.reply(235, smtp.EnhancedCode{2, 7, 0}, "Authentication succeeded")
			return
		}
		c.reply(334, smtp.NoEnhancedCode, base64.StdEncoding.EncodeToString(challenge))
		line, err := c.readCommand()
		if err != nil {
			c.readFailed(err, false)
			return
		}
		if line == "*" {
			c.replyErr(errAuthCancelled)
			return
		}
		if resp, err = base64.StdEncoding.DecodeString(line); err != nil {
			c.replyErr(errAuthSyntax)
			return
		}
	}
}

var _ = sasl.Plain
