package relay

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

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
	// Observer, when set, counts replies, analysed messages and next-hop
	// failures (metrics).
	Observer Observer
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
	obs     Observer
	hops    *nextHops
	baseCtx context.Context
	cancel  context.CancelFunc

	tlsConfig                  *tls.Config
	readTimeout, writeTimeout  time.Duration
	stressTimeout, dataTimeout time.Duration
	analysisWait               time.Duration
	limits                     *connLimits
	inflight                   *byteSem

	// sizeKeyword is the EHLO keyword for relay.max_message_bytes
	// (RFC 1870), worked out once.
	sizeKeyword string

	// stamp is the date of the last Received line written (see
	// appendDate).
	stamp atomic.Pointer[dateStamp]

	connSeq   atomic.Uint64
	draining  atomic.Bool
	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[*conn]struct{}
	wg        sync.WaitGroup
	workers   *connWorkers
}

// New builds a relay from the configuration. Nothing listens until Serve.
func New(cfg *config.Config, opts Options) (*Server, error) {
	if opts.Runtime == nil || opts.Runtime.Current() == nil {
		return nil, errors.New("relay: no runtime")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	opts.Logger = slog.New(newLazyHandler(opts.Logger.Handler()))
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Observer == nil {
		opts.Observer = nopObserver{}
	}
	r := &cfg.Relay
	s := &Server{
		cfg:           cfg,
		rt:            opts.Runtime,
		notify:        opts.Notify,
		log:           opts.Logger,
		now:           opts.Now,
		obs:           opts.Observer,
		readTimeout:   orDuration(r.ReadTimeout.Duration, defaultReadTimeout),
		writeTimeout:  orDuration(r.WriteTimeout.Duration, defaultWriteTimeout),
		stressTimeout: orDuration(r.StressReadTimeout.Duration, defaultStressReadTimeout),
		analysisWait:  orDuration(r.AnalysisWait.Duration, defaultAnalysisWait),
		limits:        newConnLimits(r.MaxConnections, r.MaxConnectionsPerIP, r.MaxConnectionsPerUntrustedIP, r.TrustedReservedConnections),
		listeners:     map[net.Listener]struct{}{},
		conns:         map[*conn]struct{}{},
		workers:       newConnWorkers(maxIdleWorkers),
	}
	s.sizeKeyword = "SIZE"
	if r.MaxMessageBytes > 0 {
		s.sizeKeyword = "SIZE " + strconv.FormatInt(r.MaxMessageBytes, 10)
	}
	s.dataTimeout = r.DataTimeout.Duration
	if s.dataTimeout <= 0 {
		s.dataTimeout = defaultDataTimeoutBase + time.Duration(max(r.MaxMessageBytes, 0)/dataTimeoutBytesPerSecond)*time.Second
	}
	inflight := r.MaxBytesInFlight
	if inflight <= 0 {
		inflight = defaultMaxBytesInFlight
	}
	s.inflight = newByteSem(inflight)
	s.baseCtx, s.cancel = context.WithCancel(context.Background())
	s.hops = newNextHops(s.log)
	if r.SpoolThreshold >= 0 {
		// Now, not at the first large message: files a crashed relay left.
		if err := prepareSpoolDir(spoolDirFor(cfg.Path(r.SpoolDir))); err != nil {
			s.log.Warn("spool directory unusable: large messages will be answered 451", "err", err)
		}
	}
	if r.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.Path(r.TLSCert), cfg.Path(r.TLSKey))
		if err != nil {
			return nil, fmt.Errorf("relay: load tls_cert/tls_key: %w", err)
		}
		s.tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	return s, nil
}

func orDuration(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

func orInt(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
}

// current is the runtime for a step outside a transaction (connection
// limits, AUTH); a transaction captures its own at MAIL.
func (s *Server) current() *live.Runtime { return s.rt.Current() }

// ListenAndServe listens on relay.listen (see Listen) and serves until
// Shutdown.
func (s *Server) ListenAndServe() error {
	l, err := Listen(s.cfg.Relay.Listen)
	if err != nil {
		return err
	}
	return s.Serve(l)
}

// Listen opens the relay's TCP listener on addr. Accepted connections get
// no TCP keep-alive: every read and write of a session has its own
// deadline (relay.read_timeout, write_timeout, data_timeout), which finds
// a vanished client sooner, and the keep-alive settings cost four system
// calls per connection, which with one message per connection is per
// message.
func Listen(addr string) (net.Listener, error) {
	lc := net.ListenConfig{KeepAlive: -1}
	l, err := lc.Listen(context.Background(), "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("relay: listen %s: %w", addr, err)
	}
	return l, nil
}

// Serve accepts connections on l until Shutdown, then returns nil.
// Connections over the global, per-IP or untrusted limits are answered 421
// and closed. Accept errors that are temporary are retried with back-off.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.draining.Load() {
		s.mu.Unlock()
		_ = l.Close()
		return nil
	}
	s.listeners[l] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
	}()
	var backoff time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			if s.draining.Load() {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || isTemporaryAccept(err) {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.log.Warn("accept failed, retrying", "err", err, "backoff", backoff)
				time.Sleep(backoff)
				continue
			}
			return fmt.Errorf("relay: accept: %w", err)
		}
		backoff = 0
		s.accept(nc)
	}
}

func isTemporaryAccept(err error) bool {
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}

// accept starts a connection's goroutine, or refuses it over the limits.
func (s *Server) accept(nc net.Conn) {
	ip := remoteAddr(nc)
	trusted := s.trusted(ip)
	s.mu.Lock()
	if s.draining.Load() {
		s.mu.Unlock()
		_ = nc.Close()
		return
	}
	s.wg.Add(1)
	s.mu.Unlock()
	if !s.limits.acquire(ip, trusted) {
		s.log.Info("connection refused: limit reached", "remote_ip", ip.String(), "trusted", trusted)
		go func() {
			defer s.wg.Done()
			_ = nc.SetWriteDeadline(time.Now().Add(2 * time.Second))
			_, _ = fmt.Fprintf(nc, "421 4.7.0 %s Too many connections, try again later\r\n", s.cfg.Relay.Hostname)
			s.obs.Reply(codeServiceUnavailable)
			_ = nc.Close()
		}()
		return
	}
	c := s.newConn(nc, ip, trusted)
	s.mu.Lock()
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	s.workers.run(c)
}

// serveConn runs c to its end (on a worker goroutine).
func (s *Server) serveConn(c *conn) {
	defer s.wg.Done()
	defer s.limits.release(c.ip)
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
	}()
	c.serve()
}

// Shutdown stops accepting connections and closes idle ones with 421. It
// lets transactions in flight finish until ctx is done; then it cancels
// what is left (a message being scanned or forwarded is answered 4xx, a
// message still being received 421) and waits for every connection
// handler to return. When Shutdown returns, no handler is running, so the
// caller may close what the handlers use (Redis, the engine).
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.draining.Store(true)
	for l := range s.listeners {
		_ = l.Close()
	}
	s.mu.Unlock()
	s.kick(false)
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = ctx.Err()
		s.log.Warn("shutdown deadline reached: cancelling transactions in flight")
		s.cancel()
		s.kick(true)
		<-done
	}
	s.cancel()
	s.workers.close()
	if err != nil {
		return fmt.Errorf("relay: shutdown: %w", err)
	}
	return nil
}

// kick interrupts the reads of connections without a transaction (all,
// when all is set); they answer 421 and close.
func (s *Server) kick(all bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if all || !c.inTxn.Load() {
			c.kick()
		}
	}
}

func (s *Server) trusted(ip netip.Addr) bool { return s.current().Config.IsTrusted(ip) }

func remoteAddr(c net.Conn) netip.Addr {
	if ta, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		if a, ok := netip.AddrFromSlice(ta.IP); ok {
			return a.Unmap()
		}
	}
	return netip.Addr{}
}
