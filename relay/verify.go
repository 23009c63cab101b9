package relay

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
)

// Recipient verification (a "callout" to the next hop, as Postfix's
// reject_unverified_recipient): at RCPT time the relay asks the school mail
// server whether the recipient exists, so an unknown address is refused
// there and can never turn the whole message into a bounce after DATA.
const (
	verifyTimeout  = 10 * time.Second
	verifyCacheTTL = 5 * time.Minute
	verifyCacheMax = 100_000
)

var errUnknownRecipient = &smtp.SMTPError{Code: codeMailboxUnavailable, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "Recipient address rejected: unknown user"}

// verify returns errUnknownRecipient when hop refuses rcpt permanently, and
// nil when it accepts it or cannot answer (the message's own transaction
// decides then). Only acceptances are cached, so a newly created mailbox
// is never refused from a stale cache.
func (h *nextHops) verify(ctx context.Context, hop, rcpt string) error {
	key := hop + "\x00" + strings.ToLower(rcpt)
	h.mu.Lock()
	until, ok := h.verified[key]
	h.mu.Unlock()
	if ok && time.Now().Before(until) {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, verifyTimeout)
	defer cancel()
	t, err := h.open(ctx, hop, mailParams{}, []string{rcpt})
	if err == nil {
		t.abort() // RSET: nothing is sent
		h.mu.Lock()
		if len(h.verified) >= verifyCacheMax {
			clear(h.verified)
		}
		h.verified[key] = time.Now().Add(verifyCacheTTL)
		h.mu.Unlock()
		return nil
	}
	var se *smtp.SMTPError
	if errors.As(err, &se) && se.Code >= 500 && strings.Contains(err.Error(), "RCPT TO") {
		return errUnknownRecipient
	}
	h.log.Debug("recipient verification inconclusive", "rcpt", rcpt, "err", err)
	return nil
}
