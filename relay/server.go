package relay

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/engine"
	"github.com/lychgate/lychgate/live"
)

// Options are the relay's collaborators.
type Options struct {
	// Runtime publishes the current configuration, engine, quarantine
	// store and notifier (package live). Required. Each transaction
	// captures the runtime at MAIL and keeps it to its end; a reload swaps
	// it for the next transaction. A runtime with no Store answers 4xx for
	// a message that must be quarantined (never delivered, never dropped).
	Runtime *live.Holder
	// Notify, when set, replaces the runtime's notifier (tests): it queues
	// the notifications a message calls for (DSL alert, warning bounce). It
	// is called after the quarantine writes and before any copy is
	// transmitted; an error answers 4xx, so a notification is never lost.
	// It must be idempotent on Handled.Hash: a retried message calls it
	// again.
	Notify func(ctx context.Context, h Handled) error
	// Logger receives one line per connection and per message.
	Logger *slog.Logger
	// Now returns the current time (tests); nil means time.Now.
	Now func() time.Time
}

// Handled describes a message whose copies are being made safe.
type Handled struct {
	// Runtime is the runtime the message was handled with.
	Runtime *live.Runtime
	Verdict *engine.Verdict
	// Quarantined maps a school id to the quarantine entry id written.
	Quarantined map[string]string
	// Received is when the relay got the end of DATA.
	Received time.Time
	// MsgID is the relay's id for this delivery attempt (in Received).
	MsgID string
	// Hash is the hex SHA-256 of the message as the client sent it: the
	// same for every retry of one message.
	Hash string
}

// Server is a running relay. Create with New, run with Serve or
// ListenAndServe, stop with Shutdown.
type Server struct {
	cfg     *config.Config // as at start: listener, TLS and protocol timeouts
	rt      *live.Holder
	notify  func(context.Context, Handled) error
	log     *slog.Logger
	now     func() time.Time
	smtp    *smtp.Server
	hops    *nextHops
	baseCtx context.Context
	cancel  context.CancelFunc

	connSeq   atomic.Uint64
	mu        sync.Mutex
	conns     int
	perIP     map[netip.Addr]int
	draining  atomic.Bool
	inflightN int
}

// New builds a relay from the configuration. Nothing listens until Serve.
func New(cfg *config.Config, opts Options) (*Server, error) {
	if opts.Runtime == nil || opts.Runtime.Current() == nil {
		return nil, errors.New("relay: no runtime")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{
		cfg:    cfg,
		rt:     opts.Runtime,
		notify: opts.Notify,
		log:    opts.Logger,
		now:    opts.Now,
		perIP:  map[netip.Addr]int{},
	}
	s.baseCtx, s.cancel = context.WithCancel(context.Background())
	s.hops = newNextHops(s.log)

	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Addr = cfg.Relay.Listen
	srv.Domain = cfg.Relay.Hostname
	srv.MaxMessageBytes = cfg.Relay.MaxMessageBytes
	srv.MaxRecipients = cfg.Relay.MaxRecipients
	srv.ReadTimeout = cfg.Relay.ReadTimeout.Duration
	srv.WriteTimeout = cfg.Relay.WriteTimeout.Duration
	srv.EnableSMTPUTF8 = true
	srv.ErrorLog = slogLogger{s.log}
	if srv.ReadTimeout <= 0 {
		srv.ReadTimeout = 5 * time.Minute
	}
	if srv.WriteTimeout <= 0 {
		srv.WriteTimeout = 5 * time.Minute
	}
	if cfg.Relay.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.Path(cfg.Relay.TLSCert), cfg.Path(cfg.Relay.TLSKey))
		if err != nil {
			return nil, fmt.Errorf("relay: load tls_cert/tls_key: %w", err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	s.smtp = srv
	return s, nil
}

// current is the runtime for a step outside a transaction (connection
// limits, AUTH); a transaction captures its own at MAIL.
func (s *Server) current() *live.Runtime { return s.rt.Current() }

// ListenAndServe listens on relay.listen and serves until Shutdown.
func (s *Server) ListenAndServe() error {
	l, err := net.Listen("tcp", s.cfg.Relay.Listen)
	if err != nil {
		return fmt.Errorf("relay: listen %s: %w", s.cfg.Relay.Listen, err)
	}
	return s.Serve(l)
}

// Serve accepts connections on l until Shutdown. Connections over the
// global or per-IP limit are answered 421 and closed.
func (s *Server) Serve(l net.Listener) error {
	err := s.smtp.Serve(&limitListener{Listener: l, s: s})
	if errors.Is(err, smtp.ErrServerClosed) || s.draining.Load() {
		return nil
	}
	return err
}

// Shutdown stops accepting connections, lets in-flight messages finish until
// ctx is done, then cancels whatever is left (those answer 4xx) and closes
// every connection.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.draining.Store(true)
	s.mu.Unlock()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for s.inflightCount() > 0 {
		select {
		case <-tick.C:
			continue
		case <-ctx.Done():
		}
		break
	}
	s.cancel()
	err := s.smtp.Close()
	return err
}

// limitListener enforces relay.max_connections and max_connections_per_ip.
type limitListener struct {
	net.Listener
	s *Server
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := remoteAddr(c)
		if ok := l.s.acquire(ip); !ok {
			l.s.log.Info("connection refused: limit reached", "remote_ip", ip.String())
			_ = c.SetWriteDeadline(time.Now().Add(5 * time.Second))
			_, _ = fmt.Fprintf(c, "421 4.7.0 %s Too many connections, try again later\r\n", l.s.cfg.Relay.Hostname)
			_ = c.Close()
			continue
		}
		return &limitConn{Conn: c, release: func() { l.s.release(ip) }}, nil
	}
}

func (s *Server) acquire(ip netip.Addr) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	rc := s.current().Config.Relay
	maxAll, maxIP := rc.MaxConnections, rc.MaxConnectionsPerIP
	if (maxAll > 0 && s.conns >= maxAll) || (maxIP > 0 && s.perIP[ip] >= maxIP) {
		return false
	}
	s.conns++
	s.perIP[ip]++
	return true
}

func (s *Server) release(ip netip.Addr) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conns--
	if s.perIP[ip]--; s.perIP[ip] <= 0 {
		delete(s.perIP, ip)
	}
}

type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}

func remoteAddr(c net.Conn) netip.Addr {
	if ta, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		if a, ok := netip.AddrFromSlice(ta.IP); ok {
			return a.Unmap()
		}
	}
	return netip.Addr{}
}

// slogLogger adapts slog to go-smtp's Logger (internal errors, panics).
type slogLogger struct{ l *slog.Logger }

func (l slogLogger) Printf(format string, v ...any) { l.log(fmt.Sprintf(format, v...)) }
func (l slogLogger) Println(v ...any)               { l.log(fmt.Sprint(v...)) }

// log picks the level: a client that hung up is routine (debug), a handler
// panic needs an operator (error), anything else is degraded (warn).
func (l slogLogger) log(msg string) {
	switch {
	case strings.Contains(msg, "panic"):
		l.l.Error(msg)
	case strings.Contains(msg, "connection reset"), strings.Contains(msg, "EOF"),
		strings.Contains(msg, "closed network connection"), strings.Contains(msg, "broken pipe"),
		strings.Contains(msg, "i/o timeout"):
		l.l.Debug(msg)
	default:
		l.l.Warn(msg)
	}
}
