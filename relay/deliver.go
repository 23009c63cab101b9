package relay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/lychgate/lychgate/nexthop"
)

// nextHops is the relay's side of the next-hop client (package nexthop:
// dialling, STARTTLS, pooling, typed errors): it opens the transactions of
// one message with the client of the transaction's runtime (shared with
// notifications and releases, one pool) and keeps the recipient
// verification cache.
type nextHops struct {
	log *slog.Logger

	mu       sync.Mutex
	verified map[string]time.Time // hop+rcpt -> until when its acceptance is cached
}

func newNextHops(log *slog.Logger) *nextHops {
	return &nextHops{log: log, verified: map[string]time.Time{}}
}

// txn is one open downstream transaction after MAIL and RCPT.
type txn struct {
	t *nexthop.Txn
}

type mailParams struct {
	from string
	utf8 bool
	body smtp.BodyType
	size int64
}

// open sends MAIL and every RCPT to hop (on a pooled connection when one is
// alive). Any refusal aborts the transaction and is returned as a
// *nexthop.Error; a hop without SMTPUTF8 for an SMTPUTF8 message is
// errUTF8NotPossible.
func (h *nextHops) open(ctx context.Context, c *nexthop.Client, hop string, p mailParams, rcpts []string) (*txn, error) {
	// DATA goes with the RCPTs (one round trip less per copy); only a
	// copy aborted after a later failure pays for it, with its connection.
	t, err := c.Begin(ctx, hop, nexthop.Mail{From: p.from, UTF8: p.utf8, Body: p.body, Size: p.size, PipelineData: true}, rcpts)
	if errors.Is(err, nexthop.ErrNoSMTPUTF8) {
		return nil, errUTF8NotPossible
	}
	if err != nil {
		return nil, err
	}
	return &txn{t: t}, nil
}

// send transmits header (this copy's own lines) followed by body (the
// message bytes shared by every copy, not copied) and waits for the hop's
// final reply.
func (t *txn) send(header, body []byte) error {
	if err := t.t.Data(header, io.NewSectionReader(nexthop.Bytes(body), 0, int64(len(body)))); err != nil {
		return fmt.Errorf("deliver: %w", err)
	}
	return nil
}

// abort resets a transaction that will not be completed; the connection is
// reused when the reset succeeds.
func (t *txn) abort() { t.t.Abort() }

// isTemporary reports whether a next-hop failure may succeed later; an
// unclassified error is temporary (fail closed, temporarily).
func isTemporary(err error) bool { return !nexthop.Permanent(err) }
