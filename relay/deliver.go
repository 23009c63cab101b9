package relay

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/lychgate/lychgate/config"
)

// nextHops opens transactions to the next hops (RFC 5321 client side).
// TLS is opportunistic by default: STARTTLS is used when the hop offers it;
// with next_hop.tls = "required" a hop without it is a temporary failure.
type nextHops struct {
	cfg    config.NextHop
	helo   string
	log    *slog.Logger
	mu     sync.Mutex
	noTLS  map[string]time.Time // hop -> until when we know it offers no STARTTLS
	dialer net.Dialer
}

func newNextHops(cfg *config.Config, log *slog.Logger) *nextHops {
	d := cfg.NextHop.DialTimeout.Duration
	if d <= 0 {
		d = 30 * time.Second
	}
	return &nextHops{cfg: cfg.NextHop, helo: cfg.Relay.Hostname, log: log, noTLS: map[string]time.Time{}, dialer: net.Dialer{Timeout: d}}
}

// errNoSTARTTLS is go-smtp's refusal when the server lacks STARTTLS.
const errNoSTARTTLSText = "doesn't support STARTTLS"

// txn is one open downstream transaction after MAIL and RCPT.
type txn struct {
	hop   string
	c     *smtp.Client
	rcpts []string
	stop  func() bool
}

type mailParams struct {
	from string
	utf8 bool
	body smtp.BodyType
	size int64
}

// open connects to hop, greets, and sends MAIL and every RCPT. Any refusal
// closes the connection and is returned (as *smtp.SMTPError when the hop
// answered).
func (h *nextHops) open(ctx context.Context, hop string, p mailParams, rcpts []string) (*txn, error) {
	c, stop, err := h.connect(ctx, hop)
	if err != nil {
		return nil, err
	}
	t := &txn{hop: hop, c: c, rcpts: rcpts, stop: stop}
	if p.utf8 {
		if ok, _ := c.Extension("SMTPUTF8"); !ok {
			t.abort()
			return nil, errUTF8NotPossible
		}
	}
	opts := &smtp.MailOptions{UTF8: p.utf8, Body: p.body}
	if ok, _ := c.Extension("SIZE"); ok {
		opts.Size = p.size
	}
	if err := c.Mail(p.from, opts); err != nil {
		t.abort()
		return nil, fmt.Errorf("next hop %s: MAIL FROM: %w", hop, err)
	}
	for _, r := range rcpts {
		if err := c.Rcpt(r, nil); err != nil {
			t.abort()
			return nil, fmt.Errorf("next hop %s: RCPT TO %s: %w", hop, r, err)
		}
	}
	return t, nil
}

func (h *nextHops) connect(ctx context.Context, hop string) (*smtp.Client, func() bool, error) {
	mode := h.cfg.TLS
	wantTLS := mode != "none"
	if wantTLS && mode != "required" {
		h.mu.Lock()
		until, known := h.noTLS[hop]
		h.mu.Unlock()
		if known && time.Now().Before(until) {
			wantTLS = false
		}
	}
	c, stop, err := h.dial(ctx, hop, wantTLS)
	if err != nil && wantTLS && mode != "required" && strings.Contains(err.Error(), errNoSTARTTLSText) {
		h.mu.Lock()
		h.noTLS[hop] = time.Now().Add(10 * time.Minute)
		h.mu.Unlock()
		c, stop, err = h.dial(ctx, hop, false)
	}
	return c, stop, err
}

func (h *nextHops) dial(ctx context.Context, hop string, startTLS bool) (*smtp.Client, func() bool, error) {
	conn, err := h.dialer.DialContext(ctx, "tcp", hop)
	if err != nil {
		return nil, nil, fmt.Errorf("next hop %s: %w", hop, err)
	}
	// Abort blocked I/O when the message's context ends (shutdown, budget).
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	var c *smtp.Client
	if startTLS {
		host, _, _ := net.SplitHostPort(hop)
		tc := &tls.Config{ServerName: host, InsecureSkipVerify: h.cfg.TLSSkipVerify, MinVersion: tls.VersionTLS12} //nolint:gosec // operator's choice for internal hops
		c, err = smtp.NewClientStartTLS(conn, tc)
		if err == nil {
			// The pre-TLS EHLO used "localhost"; greet properly now.
			err = c.Hello(h.helo)
		}
	} else {
		c = smtp.NewClient(conn)
		err = c.Hello(h.helo)
	}
	if err != nil {
		stop()
		_ = conn.Close()
		return nil, nil, fmt.Errorf("next hop %s: greeting: %w", hop, err)
	}
	if d := h.cfg.CommandTimeout.Duration; d > 0 {
		c.CommandTimeout = d
		c.SubmissionTimeout = d
	}
	return c, stop, nil
}

// send transmits data and waits for the hop's final reply.
func (t *txn) send(data []byte) error {
	defer t.close()
	w, err := t.c.Data()
	if err != nil {
		return fmt.Errorf("next hop %s: DATA: %w", t.hop, err)
	}
	if _, err := w.Write(data); err != nil {
		_ = w.Close()
		return fmt.Errorf("next hop %s: write: %w", t.hop, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("next hop %s: end of data: %w", t.hop, err)
	}
	return nil
}

// abort resets and closes a transaction that will not be completed.
func (t *txn) abort() {
	_ = t.c.Reset()
	t.close()
}

func (t *txn) close() {
	t.stop()
	if err := t.c.Quit(); err != nil {
		_ = t.c.Close()
	}
}

func isTemporary(err error) bool {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Temporary()
	}
	return true
}
