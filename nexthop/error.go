package nexthop

import (
	"errors"
	"fmt"

	"github.com/emersion/go-smtp"
)

// Stage names the step of an SMTP session that failed.
type Stage string

// Stages of a session with a next hop, in order.
const (
	StageDial Stage = "dial" // TCP connect
	StageTLS  Stage = "tls"  // STARTTLS and the TLS handshake
	StageEHLO Stage = "ehlo" // greeting and EHLO
	StageMail Stage = "mail" // MAIL FROM
	StageRcpt Stage = "rcpt" // RCPT TO
	StageData Stage = "data" // DATA, the message and the final reply
)

// Sentinel causes carried in Error.Err when the hop itself did not refuse.
var (
	// ErrNoSTARTTLS: next_hop.tls is "required" and the hop's EHLO reply
	// does not offer STARTTLS. Temporary.
	ErrNoSTARTTLS = errors.New("hop does not offer STARTTLS")
	// ErrNoSMTPUTF8: the transaction needs SMTPUTF8 (RFC 6531) and the hop
	// does not offer it. Permanent: retrying cannot help.
	ErrNoSMTPUTF8 = errors.New("hop does not offer SMTPUTF8")
	// ErrNoRoute: no next hop is configured for a recipient. Temporary
	// (the operator may configure one).
	ErrNoRoute = errors.New("no next hop configured")
	// ErrNoRecipients: Data on a transaction whose every recipient was
	// refused. Permanent.
	ErrNoRecipients = errors.New("no accepted recipients")
	// ErrClosed: the transaction was already completed or aborted.
	ErrClosed = errors.New("transaction already finished")
)

// Error is a failure talking to a next hop. Code is the hop's reply code
// (0 when it did not answer: network error, timeout, TLS failure, a
// missing extension); Enhanced is its RFC 3463 code when it gave one.
type Error struct {
	Hop   string
	Stage Stage
	// Rcpt is the recipient a StageRcpt error is about.
	Rcpt     string
	Code     int
	Enhanced smtp.EnhancedCode
	// Msg is the hop's reply text, or a short description when it did not
	// answer.
	Msg string
	// Err is the cause: an *smtp.SMTPError when the hop answered, a network
	// error, a sentinel of this package, joined with the context's error
	// when the context ended.
	Err error
}

// Error formats the failure for logs; callers must not parse it.
func (e *Error) Error() string {
	where := string(e.Stage)
	if e.Rcpt != "" {
		where += " <" + e.Rcpt + ">"
	}
	if e.Code != 0 {
		if e.Enhanced != (smtp.EnhancedCode{}) && e.Enhanced != smtp.NoEnhancedCode && e.Enhanced != smtp.EnhancedCodeNotSet {
			return fmt.Sprintf("next hop %s: %s: %d %d.%d.%d %s", e.Hop, where, e.Code, e.Enhanced[0], e.Enhanced[1], e.Enhanced[2], e.Msg)
		}
		return fmt.Sprintf("next hop %s: %s: %d %s", e.Hop, where, e.Code, e.Msg)
	}
	return fmt.Sprintf("next hop %s: %s: %v", e.Hop, where, e.Err)
}

// Unwrap returns the cause, so errors.As finds the hop's *smtp.SMTPError
// and errors.Is finds the sentinels and context errors.
func (e *Error) Unwrap() error { return e.Err }

// Temporary reports whether trying again later may succeed: a 4xx reply,
// or no reply at all (the connection failed). A 5xx reply a missing
// SMTPUTF8 and Data without recipients are permanent.
func (e *Error) Temporary() bool {
	switch {
	case e.Code >= 500 && e.Code < 600:
		return false
	case e.Code >= 400 && e.Code < 500:
		return true
	case errors.Is(e.Err, ErrNoSMTPUTF8), errors.Is(e.Err, ErrNoRecipients):
		return false
	}
	return true
}

// Permanent reports whether err is a failure that retrying cannot fix: a
// *Error that is not Temporary, or an *smtp.SMTPError with a 5xx code.
// Any other error (unclassified) counts as temporary.
func Permanent(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return !e.Temporary()
	}
	var se *smtp.SMTPError
	return errors.As(err, &se) && se.Code >= 500 && se.Code < 600
}
