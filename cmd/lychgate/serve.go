package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/live"
	"github.com/lychgate/lychgate/notify"
	"github.com/lychgate/lychgate/quarantine"
	"github.com/lychgate/lychgate/relay"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/all"
	"github.com/lychgate/lychgate/scanners/spam"
)

func runServe(args []string, _, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
	cfgFlag := fs.String("config", "", "configuration file")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the serving time (from listening to shutdown) to FILE")
	memProfile := fs.String("memprofile", "", "write an allocation profile to FILE at shutdown (and what start-up allocated to FILE.base, for go tool pprof -base)")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if *memProfile != "" {
		runtime.MemProfileRate = 64 << 10 // finer than the default 512 KiB: a small message allocates small objects
	}
	path, _ := configPath(*cfgFlag)
	cfg, err := config.Load(path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return errReported
	}
	if len(cfg.Schools) == 0 {
		// Without a school nothing inbound is accepted and nothing can be
		// quarantined (every entry belongs to a school).
		fmt.Fprintf(stderr, "%s: no [[school]] configured: add one with its id, domains and dsl\n", path)
		return errReported
	}
	log := newLogger(cfg, stderr)
	tuneGC(cfg, log)
	redis.SetLogger(redisLogger{log}) // go-redis' own messages (dial retries) go to our log
	rdb, err := newRedis(cfg)
	if err != nil {
		return err
	}
	defer rdb.Close() //nolint:errcheck // shutdown path
	ob := notify.NewOutbox(rdb, notify.OutboxOptions{Prefix: cfg.Redis.KeyPrefix, Logger: log})
	opts := live.Options{Logger: log, Redis: rdb, Outbox: ob}
	rt, err := buildRuntime(cfg, opts)
	if err != nil {
		return err
	}
	holder := live.NewHolder(rt)
	defer holder.Close()
	obs, err := newOps(rdb, ob, holder, log)
	if err != nil {
		return err
	}
	pingCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	if err := rt.Store.Ping(pingCtx); err != nil {
		// Not fatal: the relay answers 4xx for mail that needs the
		// quarantine until Redis is back.
		log.Warn("redis unreachable at start; quarantine writes will tempfail until it is back", "err", err)
	}
	cancel()
	srv, err := relay.New(cfg, relay.Options{Runtime: holder, Logger: log, Observer: obs.metrics})
	if err != nil {
		return err
	}
	// Bound before anything says it is listening: a port in use is a start
	// error, not a log line after "listening".
	ln, err := relay.Listen(cfg.Relay.Listen)
	if err != nil {
		return err
	}
	defer ln.Close() //nolint:errcheck // Shutdown closes it first
	// Releases from the review page go out through the current runtime's
	// next-hop client.
	deliver := func(ctx context.Context, from string, to []string, raw []byte) error {
		cur, release, err := holder.Acquire()
		if err != nil {
			return err
		}
		defer release()
		return cur.Mailer().Send(ctx, from, to, raw)
	}
	// "Not a problem" on a spam hold teaches the shared Bayes counts that
	// it was ham.
	feedback := func(ctx context.Context, e *quarantine.Entry, raw []byte) error {
		cur := holder.Current().Config
		if !cur.Spam.Bayes.Enabled || !slices.Contains(e.Categories, string(scanners.Spam)) {
			return nil
		}
		cls, err := spam.NewClassifier(cur.Spam.Bayes, rdb, cur.Redis.KeyPrefix, all.Limits(cur))
		if err != nil {
			return err
		}
		return cls.LearnHam(ctx, raw)
	}
	deliver = obs.metrics.CountSend(deliver)
	websrv, webErr, err := startWeb(cfg, rdb, rt.Store, deliver, feedback, obs.handler, log)
	if err != nil {
		return err
	}
	opsrv, opsErr, err := startOpsListener(cfg.Metrics.Listen, obs.handler, log)
	if err != nil {
		if websrv != nil {
			_ = websrv.Shutdown(context.Background())
		}
		return err
	}
	bg := newBackground(ob, holder, log, obs.metrics.NextHopError)
	bgCtx, stopBG := context.WithCancel(context.Background())
	bgDone := make(chan struct{})
	go func() { defer close(bgDone); bg.run(bgCtx) }()
	defer func() { stopBG(); <-bgDone }()

	stopProfile, err := startProfiles(*cpuProfile, *memProfile)
	if err != nil {
		return err
	}
	defer func() {
		if err := stopProfile(); err != nil {
			log.Error("profile not written", "err", err)
		}
	}()

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("lychgate listening", "listen", ln.Addr().String(), "version", version(),
		"next_hop_inbound", cfg.NextHop.Inbound, "next_hop_outbound", cfg.NextHop.Outbound)

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	// Watched files (the TOML, word lists, directory exports, templates)
	// are checked every few seconds; a change reloads as SIGHUP does. A
	// change that fails to load is not retried until the files change again.
	watch := time.NewTicker(watchInterval)
	defer watch.Stop()
	failed := ""
	for {
		select {
		case err := <-errc:
			return err
		case err, ok := <-webErr:
			if ok {
				return err
			}
			webErr = nil
		case err, ok := <-opsErr:
			if ok {
				return err
			}
			opsErr = nil
		case <-watch.C:
			rt := holder.Current()
			if changed := rt.Changed(); len(changed) > 0 {
				if sig := live.Signature(rt.Config); sig != failed {
					log.Info("watched files changed; reloading", "files", strings.Join(changed, ", "))
					failed = ""
					if !reload(path, holder, opts, log) {
						failed = sig
					} else if websrv != nil {
						websrv.SetConfig(holder.Current().Config)
						websrv.SetStore(holder.Current().Store)
					}
				}
			}
		case sig := <-sigs:
			if sig == syscall.SIGHUP {
				if reload(path, holder, opts, log) && websrv != nil {
					websrv.SetConfig(holder.Current().Config)
					websrv.SetStore(holder.Current().Store)
				}
				continue
			}
			drain := holder.Current().Config.Relay.ShutdownTimeout.Duration
			obs.stopping.Store(true)
			log.Info("shutting down", "drain", drain)
			ctx, cancel := context.WithTimeout(context.Background(), drain)
			err := srv.Shutdown(ctx)
			if websrv != nil {
				err = errors.Join(err, websrv.Shutdown(ctx))
			}
			if opsrv != nil {
				err = errors.Join(err, opsrv.Shutdown(ctx))
			}
			cancel()
			if e := <-errc; e != nil && err == nil {
				err = e
			}
			return err
		}
	}
}

// reload builds a complete new runtime from the file and swaps it in whole;
// on any error the running one stays. Messages in flight finish on the
// runtime they started with, which is closed once the last one is done.
// Keys that need a restart are logged, not silently ignored.
func reload(path string, holder *live.Holder, opts live.Options, log *slog.Logger) bool {
	cfg, err := config.Load(path)
	if err != nil {
		log.Error("config reload failed; keeping the running configuration", "err", err)
		return false
	}
	if len(cfg.Schools) == 0 {
		log.Error("config reload failed; keeping the running configuration", "err", fmt.Sprintf("%s: no [[school]] configured", path))
		return false
	}
	rt, err := buildRuntime(cfg, opts)
	if err != nil {
		log.Error("config reload failed; keeping the running configuration", "err", err)
		return false
	}
	old := holder.Current()
	restart, reloaded := live.NeedsRestart(old.Config, cfg)
	if len(restart) > 0 {
		log.Warn("configuration changes need a restart to take effect", "keys", strings.Join(restart, ", "))
	}
	prev := holder.Swap(rt)
	log.Info("configuration reloaded", "file", path, "generation", rt.Gen, "previous", prev, "changed", strings.Join(reloaded, ", "))
	return true
}

// GC defaults of serve, unless GOGC or GOMEMLIMIT say otherwise.
const (
	// gcPercent lets the heap grow to five times what is live before a
	// collection: with small mail the live heap is small (tens of MB),
	// and Go's default of 100 collected several times a second under load,
	// which cost about a tenth of the CPU and showed in the p99 latency
	// (lychgate-bench rows 2 and 3).
	gcPercent = 400
	// gcLimitBase plus gcLimitPerInflight × relay.max_bytes_in_flight is
	// the soft memory limit: near it the collector runs as often as it
	// must, so large mail (the live heap a few times the bytes in flight)
	// is held to about what the default would have used.
	gcLimitBase        = 128 << 20
	gcLimitPerInflight = 4
)

// buildRuntime is live.Build under Go's default collector target, with
// what the build left behind returned to the OS afterwards. Compiling the
// word lists and lexicons into automata makes several times the live
// heap in garbage (the example config: 76 MB of heap for 19 MB live):
// under gcPercent the heap would reach five times the live set first,
// and the relay's resting RSS and its high-water mark would start at the
// compiler's peak. Start and reload are rare; the forced collection costs
// nothing that matters. GOGC in the environment still wins.
func buildRuntime(cfg *config.Config, opts live.Options) (*live.Runtime, error) {
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(100))
	}
	rt, err := live.Build(cfg, opts)
	debug.FreeOSMemory()
	return rt, err
}

// tuneGC sets the collector's defaults for serving (see gcPercent); GOGC
// and GOMEMLIMIT in the environment win.
func tuneGC(cfg *config.Config, log *slog.Logger) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
		log.Debug("garbage collector target set", "gc_percent", gcPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		inflight := cfg.Relay.MaxBytesInFlight
		if inflight <= 0 {
			inflight = relay.DefaultMaxBytesInFlight
		}
		limit := int64(gcLimitBase) + gcLimitPerInflight*inflight
		debug.SetMemoryLimit(limit)
		log.Debug("garbage collector memory limit set", "memory_limit", limit)
	}
}

// watchInterval is how often serve looks for changed watched files.
const watchInterval = 3 * time.Second

// newRedis is live.NewRedis (serve, quarantine and user share it).
func newRedis(cfg *config.Config) (redis.UniversalClient, error) { return live.NewRedis(cfg) }

// redisLogger routes go-redis' internal messages to slog at warn level.
type redisLogger struct{ l *slog.Logger }

func (r redisLogger) Printf(ctx context.Context, format string, v ...any) {
	r.l.WarnContext(ctx, "redis: "+strings.TrimPrefix(fmt.Sprintf(format, v...), "redis: "))
}
