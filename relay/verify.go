package relay

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/lychgate/lychgate/nexthop"
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

// verify returns errUnknownRecipient when hop refuses rcpt permanently at
// RCPT, and nil when it accepts it or cannot answer (a refused MAIL FROM:<>,
// a 4xx, a connection failure: the message's own transaction decides
// then). Only acceptances are cached, so a newly created mailbox is never
// refused from a stale cache.
func (h *nextHops) verify(ctx context.Context, c *nexthop.Client, hop, rcpt string) error {
	key := hop + "\x00" + strings.ToLower(rcpt)
	h.mu.Lock()
	until, ok := h.verified[key]
	h.mu.Unlock()
	if ok && time.Now().Before(until) {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, verifyTimeout)
	defer cancel()
	t, err := c.Begin(ctx, hop, nexthop.Mail{}, []string{rcpt})
	if err == nil {
		t.Abort() // RSET: nothing is sent
		h.mu.Lock()
		if len(h.verified) >= verifyCacheMax {
			clear(h.verified)
		}
		h.verified[key] = time.Now().Add(verifyCacheTTL)
		h.mu.Unlock()
		return nil
	}
	if unknownUser(err) {
		return errUnknownRecipient
	}
	h.log.Debug("recipient verification inconclusive", "rcpt", rcpt, "err", err)
	return nil
}

// unknownUser reports whether err is the hop's permanent refusal of the
// recipient itself (RCPT answered 5xx), as opposed to a refused sender or a
// failure to ask.
func unknownUser(err error) bool {
	var e *nexthop.Error
	return errors.As(err, &e) && e.Stage == nexthop.StageRcpt && e.Code >= 500 && e.Code < 600
}
