package nexthop

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/lychgate/lychgate/config"
)

// TLS modes of next_hop.tls.
const (
	TLSOpportunistic = "opportunistic"
	TLSRequired      = "required"
	TLSNone          = "none"
)

// Defaults for zero Options and config values.
const (
	DefaultDialTimeout    = 30 * time.Second
	DefaultCommandTimeout = 5 * time.Minute
	DefaultMaxIdlePerHop  = 16
	DefaultIdleTimeout    = 30 * time.Second
	DefaultMaxUses        = 100
	// DefaultMaxLineLength is RFC 5322 §2.1.1's limit on a line, without
	// its CRLF.
	DefaultMaxLineLength = 998
	// minLineLength keeps folding able to make progress (see FoldWriter).
	minLineLength = 16
	quitTimeout   = 5 * time.Second
)

// Options are the parts of a Client that do not come from [next_hop].
type Options struct {
	// Hostname is the EHLO name (relay.hostname); "" means "localhost".
	Hostname string
	// IsLocal reports whether an address belongs to one of the schools;
	// Send routes those to next_hop.inbound. nil: every address is
	// outside.
	IsLocal func(addr string) bool
	// Logger receives debug lines about the pool; nil discards them.
	Logger *slog.Logger
	// TLSConfig is the base TLS configuration (RootCAs, for example);
	// ServerName is set per hop and InsecureSkipVerify from
	// next_hop.tls_skip_verify. nil: system roots.
	TLSConfig *tls.Config
	// MaxIdlePerHop is how many idle connections are kept per hop (0:
	// DefaultMaxIdlePerHop; negative: none, every transaction ends with
	// QUIT).
	MaxIdlePerHop int
	// IdleTimeout closes a pooled connection unused this long (0:
	// DefaultIdleTimeout).
	IdleTimeout time.Duration
	// MaxUses is how many transactions one connection carries before it is
	// closed (0: DefaultMaxUses).
	MaxUses int
	// MaxLineLength is the longest line written in DATA, without CRLF;
	// longer ones are folded (0: DefaultMaxLineLength; negative: lines are
	// written as they are).
	MaxLineLength int
}

// Client sends mail to the next hops. Create with New; Close releases the
// pooled connections.
type Client struct {
	cfg    config.NextHop
	o      Options
	dialer net.Dialer
	log    *slog.Logger

	mu     sync.Mutex
	idle   map[string][]*conn
	closed bool
}

// New builds a client from the [next_hop] configuration. It opens nothing
// until the first transaction.
func New(cfg config.NextHop, o Options) *Client {
	if cfg.DialTimeout.Duration <= 0 {
		cfg.DialTimeout.Duration = DefaultDialTimeout
	}
	if cfg.CommandTimeout.Duration <= 0 {
		cfg.CommandTimeout.Duration = DefaultCommandTimeout
	}
	if cfg.TLS == "" {
		cfg.TLS = TLSOpportunistic
	}
	if o.Hostname == "" {
		o.Hostname = "localhost"
	}
	if o.MaxIdlePerHop == 0 {
		o.MaxIdlePerHop = DefaultMaxIdlePerHop
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.MaxUses <= 0 {
		o.MaxUses = DefaultMaxUses
	}
	if o.MaxLineLength == 0 {
		o.MaxLineLength = DefaultMaxLineLength
	}
	if o.MaxLineLength > 0 && o.MaxLineLength < minLineLength {
		o.MaxLineLength = minLineLength
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Client{cfg: cfg, o: o, log: log, dialer: net.Dialer{Timeout: cfg.DialTimeout.Duration}, idle: map[string][]*conn{}}
}

// Route returns the hop for rcpt: next_hop.inbound for the schools'
// addresses, next_hop.outbound for all others.
func (c *Client) Route(rcpt string) (string, error) {
	hop := c.cfg.Outbound
	if c.o.IsLocal != nil && c.o.IsLocal(rcpt) {
		hop = c.cfg.Inbound
	}
	if hop == "" {
		return "", fmt.Errorf("nexthop: route %s: %w", rcpt, ErrNoRoute)
	}
	return hop, nil
}

// Close closes every idle connection (with QUIT). Connections in use are
// closed when their transaction ends; the client stays usable, without
// pooling.
func (c *Client) Close() error {
	c.mu.Lock()
	c.closed = true
	all := c.idle
	c.idle = map[string][]*conn{}
	c.mu.Unlock()
	for _, list := range all {
		for _, cn := range list {
			cn.timer.Stop()
			cn.quit()
		}
	}
	return nil
}

// conn is one SMTP session with a hop.
type conn struct {
	hop   string
	sc    *smtp.Client
	raw   net.Conn // the TCP connection
	w     net.Conn // what sc writes to: raw, or the TLS connection over it
	tls   bool
	utf8  bool // the hop offers SMTPUTF8 (from the last EHLO)
	uses  int
	timer *time.Timer // closes it when idle too long
}

// quit ends the session politely, with a short deadline.
func (cn *conn) quit() {
	cn.sc.CommandTimeout = quitTimeout
	if err := cn.sc.Quit(); err != nil {
		_ = cn.sc.Close()
	}
}

// get returns a pooled connection that looks alive, or dials a new one.
// reused tells the caller a failure without a reply may be a stale
// connection worth one more try.
func (c *Client) get(ctx context.Context, hop string) (cn *conn, reused bool, err error) {
	if cn := c.take(hop); cn != nil {
		return cn, true, nil
	}
	cn, err = c.dial(ctx, hop)
	return cn, false, err
}

func (c *Client) take(hop string) *conn {
	for {
		c.mu.Lock()
		list := c.idle[hop]
		if len(list) == 0 {
			c.mu.Unlock()
			return nil
		}
		cn := list[len(list)-1]
		list[len(list)-1] = nil
		c.idle[hop] = list[:len(list)-1]
		c.mu.Unlock()
		// If the timer fired meanwhile, expire finds cn gone and does nothing.
		cn.timer.Stop()
		if alive(cn.raw) {
			return cn
		}
		c.log.Debug("next hop connection closed by peer", "hop", hop)
		_ = cn.sc.Close()
	}
}

// put returns cn to the pool after a completed transaction or RSET.
func (c *Client) put(cn *conn) {
	cn.uses++
	if c.o.MaxIdlePerHop < 0 || cn.uses >= c.o.MaxUses {
		cn.quit()
		return
	}
	c.mu.Lock()
	if c.closed || len(c.idle[cn.hop]) >= c.o.MaxIdlePerHop {
		c.mu.Unlock()
		cn.quit()
		return
	}
	c.idle[cn.hop] = append(c.idle[cn.hop], cn)
	cn.timer = time.AfterFunc(c.o.IdleTimeout, func() { c.expire(cn) })
	c.mu.Unlock()
}

// expire closes cn if it is still idle in the pool.
func (c *Client) expire(cn *conn) {
	c.mu.Lock()
	list := c.idle[cn.hop]
	found := false
	for i, x := range list {
		if x == cn {
			c.idle[cn.hop] = append(list[:i], list[i+1:]...)
			found = true
			break
		}
	}
	c.mu.Unlock()
	if found {
		cn.quit()
	}
}

// IdleConns returns how many idle connections are pooled for hop.
func (c *Client) IdleConns(hop string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.idle[hop])
}

// fail builds the *Error for err at stage.
func fail(ctx context.Context, hop string, st Stage, rcpt string, err error) *Error {
	e := &Error{Hop: hop, Stage: st, Rcpt: rcpt, Err: err}
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		e.Code, e.Enhanced, e.Msg = se.Code, se.EnhancedCode, se.Message
	} else if err != nil {
		e.Msg = err.Error()
	}
	if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
		e.Err = errors.Join(err, ctx.Err())
	}
	return e
}

// dial connects to hop, greets it and, as next_hop.tls says, starts TLS.
func (c *Client) dial(ctx context.Context, hop string) (*conn, error) {
	raw, err := c.dialer.DialContext(ctx, "tcp", hop)
	if err != nil {
		return nil, fail(ctx, hop, StageDial, "", err)
	}
	stop := context.AfterFunc(ctx, func() { _ = raw.Close() })
	defer stop()
	cn, err := c.greet(ctx, hop, raw)
	if err != nil {
		_ = raw.Close()
		return nil, err
	}
	return cn, nil
}

func (c *Client) newSMTP(nc net.Conn) *smtp.Client {
	sc := smtp.NewClient(nc)
	sc.CommandTimeout = c.cfg.CommandTimeout.Duration
	sc.SubmissionTimeout = c.cfg.CommandTimeout.Duration
	return sc
}

func (c *Client) greet(ctx context.Context, hop string, raw net.Conn) (*conn, error) {
	sc := c.newSMTP(raw)
	if err := sc.Hello(c.o.Hostname); err != nil {
		return nil, fail(ctx, hop, StageEHLO, "", err)
	}
	offered, _ := sc.Extension("STARTTLS")
	switch {
	case c.cfg.TLS == TLSNone, !offered && c.cfg.TLS != TLSRequired:
		utf8, _ := sc.Extension("SMTPUTF8")
		return &conn{hop: hop, sc: sc, raw: raw, w: raw, utf8: utf8}, nil
	case !offered:
		_ = raw.SetDeadline(time.Now().Add(quitTimeout))
		_, _ = raw.Write([]byte("QUIT\r\n"))
		return nil, fail(ctx, hop, StageTLS, "", ErrNoSTARTTLS)
	}
	tc, err := c.startTLS(ctx, hop, raw)
	if err != nil {
		return nil, err
	}
	// RFC 3207 §4.2: forget what was learnt before TLS and say EHLO again.
	// The old client is dropped (not closed: it would close raw).
	gc := &greetedConn{Conn: tc, pending: []byte("220 " + hop + " TLS\r\n")}
	sc = c.newSMTP(gc)
	if err := sc.Hello(c.o.Hostname); err != nil {
		return nil, fail(ctx, hop, StageEHLO, "", err)
	}
	utf8, _ := sc.Extension("SMTPUTF8")
	return &conn{hop: hop, sc: sc, raw: raw, w: gc, tls: true, utf8: utf8}, nil
}

// startTLS sends STARTTLS (RFC 3207) on raw, after the EHLO exchange, and
// completes the handshake. go-smtp decides STARTTLS by itself only inside
// NewClientStartTLS, which greets as "localhost" and reports a missing
// STARTTLS as bare text; so the command is written here. Nothing can be
// buffered ahead of it: the server sends nothing between the EHLO reply
// and our command, and bytes it sends after its 220 (before our TLS hello)
// are discarded with the plain-text reader, as RFC 3207 §4.2 wants.
func (c *Client) startTLS(ctx context.Context, hop string, raw net.Conn) (*tls.Conn, error) {
	ct := c.cfg.CommandTimeout.Duration
	_ = raw.SetDeadline(time.Now().Add(ct))
	if _, err := raw.Write([]byte("STARTTLS\r\n")); err != nil {
		return nil, fail(ctx, hop, StageTLS, "", err)
	}
	code, msg, err := textproto.NewReader(bufio.NewReader(raw)).ReadResponse(220)
	if err != nil {
		var pe *textproto.Error
		if errors.As(err, &pe) {
			err = replyError(code, msg)
		}
		return nil, fail(ctx, hop, StageTLS, "", err)
	}
	host, _, _ := net.SplitHostPort(hop)
	var tcfg *tls.Config
	if c.o.TLSConfig != nil {
		tcfg = c.o.TLSConfig.Clone()
	} else {
		tcfg = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if tcfg.ServerName == "" {
		tcfg.ServerName = host
	}
	if c.cfg.TLSSkipVerify {
		tcfg.InsecureSkipVerify = true //nolint:gosec // operator's choice for internal hops (next_hop.tls_skip_verify)
	}
	tc := tls.Client(raw, tcfg)
	hctx, cancel := context.WithTimeout(ctx, ct)
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		return nil, fail(ctx, hop, StageTLS, "", err)
	}
	_ = raw.SetDeadline(time.Time{})
	return tc, nil
}

// replyError turns a reply read here into go-smtp's error type, with its
// RFC 3463 code when the text starts with one.
func replyError(code int, msg string) *smtp.SMTPError {
	se := &smtp.SMTPError{Code: code, Message: msg}
	first, rest, ok := strings.Cut(msg, " ")
	parts := strings.Split(first, ".")
	if !ok || len(parts) != 3 {
		return se
	}
	var ec smtp.EnhancedCode
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return se
		}
		ec[i] = n
	}
	se.EnhancedCode, se.Message = ec, rest
	return se
}

// greetedConn replays a greeting before the TLS stream: go-smtp's client
// expects to read one before its EHLO, and after STARTTLS none comes.
type greetedConn struct {
	net.Conn
	pending []byte
}

func (g *greetedConn) Read(p []byte) (int, error) {
	if len(g.pending) > 0 {
		n := copy(p, g.pending)
		g.pending = g.pending[n:]
		return n, nil
	}
	return g.Conn.Read(p)
}
