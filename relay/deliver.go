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

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/nexthop"
)

// nextHops is the relay's side of the next-hop client (package nexthop:
// dialling, STARTTLS, pooling, typed errors): it opens the transactions of
// one message and keeps the recipient verification cache.
type nextHops struct {
	c   *nexthop.Client
	log *slog.Logger

	mu       sync.Mutex
	verified map[string]time.Time // hop+rcpt -> until when its acceptance is cached
}

// newNextHops builds the relay's own client from [next_hop].
func newNextHops(cfg *config.Config, log *slog.Logger) *nextHops {
	c := nexthop.New(cfg.NextHop, nexthop.Options{
		Hostname: cfg.Relay.Hostname,
		IsLocal:  func(addr string) bool { return cfg.SchoolForAddress(addr) != nil },
		Logger:   log,
	})
	return newNextHopsFrom(c, log)
}

// newNextHopsFrom uses a client shared with others (notifications and
// releases), so all of them draw on one pool.
func newNextHopsFrom(c *nexthop.Client, log *slog.Logger) *nextHops {
	return &nextHops{c: c, log: log, verified: map[string]time.Time{}}
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
func (h *nextHops) open(ctx context.Context, hop string, p mailParams, rcpts []string) (*txn, error) {
	t, err := h.c.Begin(ctx, hop, nexthop.Mail{From: p.from, UTF8: p.utf8, Body: p.body, Size: p.size}, rcpts)
	if errors.Is(err, nexthop.ErrNoSMTPUTF8) {
		return nil, errUTF8NotPossible
	}
	if err != nil {
		return nil, err
	}
	return &txn{t: t}, nil
}

// closeIdle closes every pooled connection (shutdown).
func (h *nextHops) closeIdle() {
	if err := h.c.Close(); err != nil {
		h.log.Debug("closing next hop connections", "err", err)
	}
}

// send transmits header (this copy's own lines) followed by body (the
// message bytes shared by every copy, not copied) and waits for the hop's
// final reply.
func (t *txn) send(header, body []byte) error {
	if err := t.t.Data(header, io.NewSectionReader(bytesReaderAt(body), 0, int64(len(body)))); err != nil {
		return fmt.Errorf("deliver: %w", err)
	}
	return nil
}

// abort resets a transaction that will not be completed; the connection is
// reused when the reset succeeds.
func (t *txn) abort() { t.t.Abort() }

// bytesReaderAt reads a byte slice without copying it.
type bytesReaderAt []byte

func (b bytesReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// isTemporary reports whether a next-hop failure may succeed later; an
// unclassified error is temporary (fail closed, temporarily).
func isTemporary(err error) bool { return !nexthop.Permanent(err) }
