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

// Pool limits for next-hop connections kept open between messages.
const (
	maxIdlePerHop = 16
	idleTimeout   = 30 * time.Second
)

// nextHops opens transactions to the next hops (RFC 5321 client side).
// TLS is opportunistic by default: STARTTLS is used when the hop offers it;
// with next_hop.tls = "required" a hop without it is a temporary failure.
// Connections are reused for later messages (RFC 5321 §4.1.4 allows many
// transactions per session) while idle for less than idleTimeout.
type nextHops struct {
	cfg    config.NextHop
	helo   string
	log    *slog.Logger
	dialer net.Dialer

	mu       sync.Mutex
	noTLS    map[string]time.Time // hop -> until when we know it offers no STARTTLS
	idle     map[string][]*hopConn
	verified map[string]time.Time // hop+rcpt -> until when its acceptance is cached
}

// hopConn is one SMTP client connection to a hop.
type hopConn struct {
	hop  string
	c    *smtp.Client
	conn net.Conn
	used time.Time
}

func newNextHops(cfg *config.Config, log *slog.Logger) *nextHops {
	d := cfg.NextHop.DialTimeout.Duration
	if d <= 0 {
		d = 30 * time.Second
	}
	return &nextHops{cfg: cfg.NextHop, helo: cfg.Relay.Hostname, log: log, dialer: net.Dialer{Timeout: d},
		noTLS: map[string]time.Time{}, idle: map[string][]*hopConn{}, verified: map[string]time.Time{}}
}

// errNoSTARTTLSText is go-smtp's refusal when the server lacks STARTTLS.
const errNoSTARTTLSText = "doesn't support STARTTLS"

// txn is one open downstream transaction after MAIL and RCPT.
type txn struct {
	h     *nextHops
	hc    *hopConn
	rcpts []string
	stop  func() bool // unregisters the ctx watchdog
}

type mailParams struct {
	from string
	utf8 bool
	body smtp.BodyType
	size int64
}

// open sends MAIL and every RCPT to hop, on an idle connection when there
// is one (a stale one is replaced by a fresh dial), else on a new one. Any
// refusal is returned (as *smtp.SMTPError when the hop answered).
func (h *nextHops) open(ctx context.Context, hop string, p mailParams, rcpts []string) (*txn, error) {
	if hc := h.takeIdle(hop); hc != nil {
		t, err := h.begin(ctx, hc, p, rcpts)
		var se *smtp.SMTPError
		if err == nil || errors.As(err, &se) || errors.Is(err, errUTF8NotPossible) {
			return t, err
		}
		// The hop closed the idle connection: try once on a new one.
	}
	hc, err := h.connect(ctx, hop)
	if err != nil {
		return nil, err
	}
	return h.begin(ctx, hc, p, rcpts)
}

func (h *nextHops) begin(ctx context.Context, hc *hopConn, p mailParams, rcpts []string) (*txn, error) {
	// Abort blocked I/O when the message's context ends (shutdown, budget).
	stop := context.AfterFunc(ctx, func() { _ = hc.conn.Close() })
	t := &txn{h: h, hc: hc, rcpts: rcpts, stop: stop}
	c := hc.c
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
		t.discard()
		return nil, fmt.Errorf("next hop %s: MAIL FROM: %w", hc.hop, err)
	}
	for _, r := range rcpts {
		if err := c.Rcpt(r, nil); err != nil {
			t.abort()
			return nil, fmt.Errorf("next hop %s: RCPT TO %s: %w", hc.hop, r, err)
		}
	}
	return t, nil
}

func (h *nextHops) takeIdle(hop string) *hopConn {
	h.mu.Lock()
	defer h.mu.Unlock()
	list := h.idle[hop]
	for len(list) > 0 {
		hc := list[len(list)-1]
		list = list[:len(list)-1]
		if time.Since(hc.used) < idleTimeout {
			h.idle[hop] = list
			return hc
		}
		go hc.quit()
	}
	h.idle[hop] = list
	return nil
}

func (h *nextHops) putIdle(hc *hopConn) {
	hc.used = time.Now()
	h.mu.Lock()
	if len(h.idle[hc.hop]) < maxIdlePerHop {
		h.idle[hc.hop] = append(h.idle[hc.hop], hc)
		hc = nil
	}
	h.mu.Unlock()
	if hc != nil {
		hc.quit()
	}
}

// closeIdle closes every pooled connection (shutdown).
func (h *nextHops) closeIdle() {
	h.mu.Lock()
	all := h.idle
	h.idle = map[string][]*hopConn{}
	h.mu.Unlock()
	for _, list := range all {
		for _, hc := range list {
			hc.quit()
		}
	}
}

func (hc *hopConn) quit() {
	_ = hc.conn.SetDeadline(time.Now().Add(5 * time.Second))
	if err := hc.c.Quit(); err != nil {
		_ = hc.c.Close()
	}
}

func (h *nextHops) connect(ctx context.Context, hop string) (*hopConn, error) {
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
	hc, err := h.dial(ctx, hop, wantTLS)
	if err != nil && wantTLS && mode != "required" && strings.Contains(err.Error(), errNoSTARTTLSText) {
		h.mu.Lock()
		h.noTLS[hop] = time.Now().Add(10 * time.Minute)
		h.mu.Unlock()
		hc, err = h.dial(ctx, hop, false)
	}
	return hc, err
}

func (h *nextHops) dial(ctx context.Context, hop string, startTLS bool) (*hopConn, error) {
	conn, err := h.dialer.DialContext(ctx, "tcp", hop)
	if err != nil {
		return nil, fmt.Errorf("next hop %s: %w", hop, err)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
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
		_ = conn.Close()
		return nil, fmt.Errorf("next hop %s: greeting: %w", hop, err)
	}
	if d := h.cfg.CommandTimeout.Duration; d > 0 {
		c.CommandTimeout = d
		c.SubmissionTimeout = d
	}
	return &hopConn{hop: hop, c: c, conn: conn}, nil
}

// send transmits data and waits for the hop's final reply. On success the
// connection goes back to the pool.
func (t *txn) send(data []byte) error {
	w, err := t.hc.c.Data()
	if err != nil {
		t.discard()
		return fmt.Errorf("next hop %s: DATA: %w", t.hc.hop, err)
	}
	if _, err := w.Write(data); err != nil {
		_ = w.Close()
		t.discard()
		return fmt.Errorf("next hop %s: write: %w", t.hc.hop, err)
	}
	if err := w.Close(); err != nil {
		t.discard()
		return fmt.Errorf("next hop %s: end of data: %w", t.hc.hop, err)
	}
	if !t.stop() {
		// The watchdog fired: the connection is closed.
		return nil
	}
	t.h.putIdle(t.hc)
	return nil
}

// abort resets a transaction that will not be completed; the connection is
// reused when the reset succeeds.
func (t *txn) abort() {
	if !t.stop() {
		_ = t.hc.c.Close()
		return
	}
	if err := t.hc.c.Reset(); err != nil {
		_ = t.hc.c.Close()
		return
	}
	t.h.putIdle(t.hc)
}

// discard closes the connection without reuse.
func (t *txn) discard() {
	t.stop()
	t.hc.quit()
}

func isTemporary(err error) bool {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Temporary()
	}
	return true
}
