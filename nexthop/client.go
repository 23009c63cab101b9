package nexthop

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
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
	s     *session
	raw   net.Conn // the TCP connection (s reads and writes it, or TLS over it)
	tls   bool
	utf8  bool // the hop offers SMTPUTF8 (from the last EHLO)
	uses  int
	timer *time.Timer // closes it when idle too long (made at the first put, then reset)
	peek  *peeker     // checks the idle connection before reuse
	// idleSince is when it last went back to the pool.
	idleSince time.Time
}

// recentIdle is how long a pooled connection counts as just used: taken
// again within it, it is not peeked at first.
const recentIdle = time.Second

// quit ends the session politely, with a short deadline.
func (cn *conn) quit() { cn.s.quit() }

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
		// A connection pooled moments ago is taken without the peek (a
		// system call): a hop that closed it since shows it at MAIL, and
		// Begin retries on a new connection.
		recent := time.Since(cn.idleSince) < recentIdle
		if cn.s.br.Buffered() == 0 && (recent || cn.peek.alive()) {
			return cn
		}
		c.log.Debug("next hop connection closed by peer", "hop", hop)
		_ = cn.s.close()
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
	cn.idleSince = time.Now()
	if cn.timer == nil {
		cn.timer = time.AfterFunc(c.o.IdleTimeout, func() { c.expire(cn) })
	} else {
		// A run of expire left over from an earlier idle spell finds cn
		// either gone (taken) or idle again: closing an idle connection a
		// little early is harmless, and one in use is never in the list.
		cn.timer.Reset(c.o.IdleTimeout)
	}
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

func (c *Client) greet(ctx context.Context, hop string, raw net.Conn) (*conn, error) {
	s := newSession(raw, c.cfg.CommandTimeout.Duration)
	if err := s.greet(); err != nil {
		return nil, fail(ctx, hop, StageEHLO, "", err)
	}
	if err := s.hello(c.o.Hostname); err != nil {
		return nil, fail(ctx, hop, StageEHLO, "", err)
	}
	offered := s.offers("STARTTLS")
	switch {
	case c.cfg.TLS == TLSNone, !offered && c.cfg.TLS != TLSRequired:
		return &conn{hop: hop, s: s, raw: raw, utf8: s.offers("SMTPUTF8"), peek: newPeeker(raw)}, nil
	case !offered:
		_ = raw.SetDeadline(time.Now().Add(quitTimeout))
		_, _ = raw.Write([]byte("QUIT\r\n"))
		return nil, fail(ctx, hop, StageTLS, "", ErrNoSTARTTLS)
	}
	tc, err := c.startTLS(ctx, hop, s)
	if err != nil {
		return nil, err
	}
	// RFC 3207 §4.2: forget what was learnt before TLS (a new session,
	// nothing buffered kept) and say EHLO again.
	s = newSession(tc, c.cfg.CommandTimeout.Duration)
	if err := s.hello(c.o.Hostname); err != nil {
		return nil, fail(ctx, hop, StageEHLO, "", err)
	}
	return &conn{hop: hop, s: s, raw: raw, tls: true, utf8: s.offers("SMTPUTF8"), peek: newPeeker(raw)}, nil
}

// startTLS sends STARTTLS (RFC 3207) after the EHLO exchange and completes
// the handshake. Bytes the hop sent after its 220 (before our TLS hello)
// stay in the plain-text session's buffer, which is dropped, as RFC 3207
// §4.2 wants.
func (c *Client) startTLS(ctx context.Context, hop string, s *session) (*tls.Conn, error) {
	if _, err := s.cmd(220, "STARTTLS"); err != nil {
		return nil, fail(ctx, hop, StageTLS, "", err)
	}
	ct := c.cfg.CommandTimeout.Duration
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
	tc := tls.Client(s.nc, tcfg)
	hctx, cancel := context.WithTimeout(ctx, ct)
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		return nil, fail(ctx, hop, StageTLS, "", err)
	}
	_ = s.nc.SetDeadline(time.Time{})
	return tc, nil
}
