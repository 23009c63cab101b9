package relay

import (
	"errors"

	"github.com/emersion/go-smtp"
)

// SMTP reply codes used by the relay (RFC 5321 §4.2.3, RFC 3463).
const (
	codeServiceUnavailable = 421
	codeLocalError         = 451
	codeInsufficient       = 452
	codeSyntax             = 501
	codeMailboxUnavailable = 550
	codeExceededStorage    = 552
	codeMailboxNameInvalid = 553
	codeTransactionFailed  = 554
)

// Predefined replies. Texts are generic on purpose: details are logged.
var (
	errRelayDenied     = &smtp.SMTPError{Code: codeMailboxUnavailable, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Relay access denied"}
	errBadAddress      = &smtp.SMTPError{Code: codeMailboxUnavailable, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Address not accepted here"}
	errBadSender       = &smtp.SMTPError{Code: codeMailboxNameInvalid, EnhancedCode: smtp.EnhancedCode{5, 1, 7}, Message: "Sender address rejected"}
	errTooManyRcpts    = &smtp.SMTPError{Code: codeInsufficient, EnhancedCode: smtp.EnhancedCode{4, 5, 3}, Message: "Too many recipients"}
	errNoOutbound      = &smtp.SMTPError{Code: codeLocalError, EnhancedCode: smtp.EnhancedCode{4, 4, 0}, Message: "No next hop for outbound mail configured"}
	errBareLineEnding  = &smtp.SMTPError{Code: codeTransactionFailed, EnhancedCode: smtp.EnhancedCode{5, 5, 2}, Message: "Bare CR or LF in message not allowed; send CRLF line endings"}
	errTempfail        = &smtp.SMTPError{Code: codeLocalError, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary failure, please try again later"}
	errScanTempfail    = &smtp.SMTPError{Code: codeLocalError, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "Message could not be scanned now, please try again later"}
	errPolicyReject    = &smtp.SMTPError{Code: codeMailboxUnavailable, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Message rejected by content policy"}
	errShuttingDown    = &smtp.SMTPError{Code: codeServiceUnavailable, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "Service shutting down, try again later"}
	errTooLarge        = &smtp.SMTPError{Code: codeExceededStorage, EnhancedCode: smtp.EnhancedCode{5, 3, 4}, Message: "Message exceeds fixed maximum message size"}
	errNULByte         = &smtp.SMTPError{Code: codeTransactionFailed, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "NUL bytes in message not allowed"}
	errMailLoop        = &smtp.SMTPError{Code: codeTransactionFailed, EnhancedCode: smtp.EnhancedCode{5, 4, 6}, Message: "Too many hops, mail loop detected"}
	errBusy            = &smtp.SMTPError{Code: codeLocalError, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "Too busy, please try again later"}
	errUTF8NotPossible = &smtp.SMTPError{Code: codeTransactionFailed, EnhancedCode: smtp.EnhancedCode{5, 6, 7}, Message: "SMTPUTF8 required but next hop does not support it"}
)

// downstreamReply maps an error from the next hop to the reply for our
// client. A permanent refusal by the next hop stays permanent (the sender
// gets a bounce naming the refusal); anything else, including an
// unclassified error, is a temporary failure: failing closed and temporarily
// is safest for a relay without a queue.
func downstreamReply(err error) *smtp.SMTPError {
	var se *smtp.SMTPError
	if errors.As(err, &se) && se.Code >= 500 && se.Code < 600 {
		code := se.EnhancedCode
		if code == smtp.EnhancedCodeNotSet || code == smtp.NoEnhancedCode || code[0] != 5 {
			code = smtp.EnhancedCode{5, 0, 0}
		}
		return &smtp.SMTPError{Code: se.Code, EnhancedCode: code, Message: "Refused by next hop: " + truncate(se.Message, 200)}
	}
	return errTempfail
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
