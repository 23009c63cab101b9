// Package live owns the running configuration: one immutable Runtime (the
// configuration, the engine with its scanners, policy and directory
// snapshot, the notifier, the quarantine store with its retention, and the
// relay's login users) built whole from one configuration file, and a
// Holder that publishes it through an atomic pointer.
//
// A transaction acquires the current Runtime when it starts (at MAIL) and
// releases it when it ends, so a message in flight finishes on the rules it
// started with. A reload builds a complete new Runtime aside; only if that
// succeeds is it swapped in, and the old one is closed once the last
// transaction holding it has released it. A failed build leaves the running
// Runtime untouched.
//
// Keys that cannot change without a restart (listen addresses, TLS files,
// the Redis deployment, logging) are named by NeedsRestart; every other key
// takes effect on reload.
package live

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/engine"
	"github.com/lychgate/lychgate/nexthop"
	"github.com/lychgate/lychgate/notify"
	"github.com/lychgate/lychgate/quarantine"
	"github.com/lychgate/lychgate/scanners"
)

// Runtime is everything one transaction uses, built from one
// configuration. It is never modified after Build.
type Runtime struct {
	// Gen counts the runtimes a Holder has published (1 for the first).
	Gen    uint64
	Config *config.Config
	Engine *engine.Engine
	// Notifier queues DSL alerts and warnings with this configuration's
	// schools, addresses and templates (nil when Options.Outbox is nil).
	Notifier *notify.Notifier
	// Store is the quarantine with this configuration's retention (nil
	// when Options.Redis is nil).
	Store *quarantine.Store
	// NextHop is the one SMTP client of this configuration's [next_hop]
	// (delivery, notifications, releases), with its connection pool.
	NextHop *nexthop.Client
	// AuthUsers are relay.auth_users_file's users and bcrypt hashes.
	AuthUsers map[string][]byte
	// Built is when the runtime was built.
	Built time.Time

	stamps map[string]stamp // WatchedFiles as they were when built
	refs   atomic.Int64     // 1 for the Holder while published, +1 per Acquire
	closed sync.Once
	cerr   error
}

// Options are the long-lived resources a Runtime shares with the ones
// before and after it.
type Options struct {
	Logger *slog.Logger
	// Redis is the shared client (nil offline: no store, no notifier).
	Redis redis.UniversalClient
	// Outbox is the shared notification outbox (nil: no notifier).
	Outbox *notify.Outbox
	// Resolver is the DNS server for DNS-based scanners ("" system).
	Resolver string
	// Extra scanners run after the configured ones (tests).
	Extra []scanners.Scanner
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

// Build makes a Runtime from a loaded, validated configuration. Nothing is
// left open when it fails.
func Build(cfg *config.Config, o Options) (*Runtime, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	// Stamped before reading, so a file edited during the build shows as
	// changed and is read again.
	rt := &Runtime{Config: cfg, Built: o.Now(), stamps: stampAll(cfg)}
	users, err := loadAuthUsers(cfg)
	if err != nil {
		return nil, err
	}
	rt.AuthUsers = users
	eng, err := engine.New(cfg, engine.Options{Logger: o.Logger, Extra: o.Extra, Redis: o.Redis, Resolver: o.Resolver})
	if err != nil {
		return nil, err
	}
	rt.Engine = eng
	rt.NextHop = nexthop.New(cfg.NextHop, nexthop.Options{
		Hostname: cfg.Relay.Hostname,
		IsLocal:  func(addr string) bool { return cfg.SchoolForAddress(addr) != nil },
		Logger:   o.Logger,
		// Long lines are folded as they are written to the hop (0: 998).
		MaxLineLength: cfg.Relay.ForwardLineBytes,
	})
	if o.Redis != nil {
		rt.Store = NewStore(o.Redis, cfg, o.Logger)
	}
	if o.Outbox != nil {
		if rt.Notifier, err = notify.New(cfg, o.Outbox, notify.Options{Logger: o.Logger, Now: o.Now}); err != nil {
			_ = eng.Close()
			_ = rt.NextHop.Close()
			return nil, err
		}
	}
	rt.refs.Store(1)
	return rt, nil
}

// Close releases what the runtime holds (the engine's scanners, the
// next-hop connections). A Holder calls it once the runtime is retired and
// no transaction holds it.
func (rt *Runtime) Close() error {
	rt.closed.Do(func() { rt.cerr = errors.Join(rt.Engine.Close(), rt.NextHop.Close()) })
	return rt.cerr
}

// Mailer sends notifications and releases with the runtime's next-hop
// client.
func (rt *Runtime) Mailer() *notify.Mailer { return &notify.Mailer{Client: rt.NextHop} }

func (rt *Runtime) release() {
	if rt.refs.Add(-1) == 0 {
		_ = rt.Close()
	}
}

func loadAuthUsers(cfg *config.Config) (map[string][]byte, error) {
	if cfg.Relay.AuthUsersFile == "" {
		return nil, nil
	}
	data, err := os.ReadFile(cfg.Path(cfg.Relay.AuthUsersFile))
	if err != nil {
		return nil, fmt.Errorf("relay.auth_users_file: %w", err)
	}
	users, err := config.ParseAuthUsers(data)
	if err != nil {
		return nil, fmt.Errorf("relay.auth_users_file %s: %w", cfg.Relay.AuthUsersFile, err)
	}
	return users, nil
}

// NewStore builds the quarantine store over rdb with cfg's retention.
func NewStore(rdb redis.UniversalClient, cfg *config.Config, log *slog.Logger) *quarantine.Store {
	sev := func(m map[string]config.Duration) map[scanners.Severity]time.Duration {
		out := map[scanners.Severity]time.Duration{}
		for name, d := range m {
			if s, err := scanners.ParseSeverity(name); err == nil {
				out[s] = d.Duration
			}
		}
		return out
	}
	schools := map[string]quarantine.Retention{}
	for _, s := range cfg.Schools {
		schools[s.ID] = quarantine.Retention{Held: s.Retention.Held.Duration, Incident: s.Retention.Incident.Duration, Severity: sev(s.Retention.Severity)}
	}
	return quarantine.New(rdb, quarantine.Options{
		Prefix: cfg.Redis.KeyPrefix, Retention: cfg.Quarantine.Retention.Duration,
		SeverityRetention: sev(cfg.Quarantine.SeverityRetention), IncidentRetention: cfg.Quarantine.IncidentRetention.Duration,
		Schools: schools, Logger: log,
	})
}

// Holder publishes the current Runtime. Safe for concurrent use.
type Holder struct {
	p   atomic.Pointer[Runtime]
	gen atomic.Uint64
	mu  sync.Mutex // serialises Swap and Close
}

// NewHolder publishes rt.
func NewHolder(rt *Runtime) *Holder {
	h := &Holder{}
	rt.Gen = h.gen.Add(1)
	h.p.Store(rt)
	return h
}

// ErrClosed is returned by Acquire after Close.
var ErrClosed = errors.New("live: runtime holder closed")

// Acquire returns the current Runtime and a release func that must be
// called exactly once when the caller is done with it (the end of the
// transaction). The Runtime is not closed before release.
func (h *Holder) Acquire() (*Runtime, func(), error) {
	for {
		rt := h.p.Load()
		if rt == nil {
			return nil, nil, ErrClosed
		}
		n := rt.refs.Load()
		if n <= 0 {
			continue // retired meanwhile; the pointer already moved on
		}
		if rt.refs.CompareAndSwap(n, n+1) {
			var once sync.Once
			return rt, func() { once.Do(rt.release) }, nil
		}
	}
}

// Current returns the current Runtime for a quick read that does not
// outlive the caller's step (it may be retired right after). Nil after Close.
func (h *Holder) Current() *Runtime { return h.p.Load() }

// Swap publishes rt and retires the previous Runtime, which is closed once
// no transaction holds it. It returns the previous one's generation.
func (h *Holder) Swap(rt *Runtime) uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	rt.Gen = h.gen.Add(1)
	old := h.p.Swap(rt)
	if old == nil {
		return 0
	}
	old.release()
	return old.Gen
}

// Close retires the current Runtime; later Acquires fail. It is closed once
// the last transaction releases it.
func (h *Holder) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if old := h.p.Swap(nil); old != nil {
		old.release()
	}
}
