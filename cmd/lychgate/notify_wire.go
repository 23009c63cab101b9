package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/nexthop"
	"github.com/lychgate/lychgate/notify"
	"github.com/lychgate/lychgate/quarantine"
	"github.com/lychgate/lychgate/relay"
	"github.com/lychgate/lychgate/scanners"
)

// newMailer returns the SMTP client notifications and releases use: the
// relay's next hops through package nexthop (school addresses through
// next_hop.inbound), with its connection pool.
func newMailer(cfg *config.Config) *notify.Mailer {
	return &notify.Mailer{Client: nexthop.New(cfg.NextHop, nexthop.Options{
		Hostname: cfg.Relay.Hostname,
		IsLocal:  func(addr string) bool { return cfg.SchoolForAddress(addr) != nil },
	})}
}

// newStore builds the quarantine store with the configured retention.
func newStore(rdb redis.UniversalClient, cfg *config.Config, log *slog.Logger) *quarantine.Store {
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

// notifyWiring is the notifier the relay calls and the worker that sends.
type notifyWiring struct {
	notifier *notify.Notifier
	worker   *notify.Worker
	store    *quarantine.Store
	cfg      *config.Config
	log      *slog.Logger
}

func newNotifyWiring(rdb redis.UniversalClient, cfg *config.Config, store *quarantine.Store, log *slog.Logger) (*notifyWiring, error) {
	ob := notify.NewOutbox(rdb, notify.OutboxOptions{Prefix: cfg.Redis.KeyPrefix, Logger: log})
	n, err := notify.New(cfg, ob, notify.Options{Logger: log})
	if err != nil {
		return nil, err
	}
	w := notify.NewWorker(ob, newMailer(cfg).Send, notify.WorkerOptions{
		MaxAttempts: cfg.Notify.MaxAttempts, RetryMin: cfg.Notify.RetryMin.Duration, RetryMax: cfg.Notify.RetryMax.Duration,
		DigestEvery: cfg.Notify.DigestInterval.Duration, Digest: n.FlushDigests, Logger: log,
	})
	return &notifyWiring{notifier: n, worker: w, store: store, cfg: cfg, log: log}, nil
}

// relayNotify adapts the notifier to relay.Options.Notify.
func (nw *notifyWiring) relayNotify(ctx context.Context, h relay.Handled) error {
	return nw.notifier.Notify(ctx, notify.Event{Verdict: h.Verdict, Quarantined: h.Quarantined, Received: h.Received, Hash: h.Hash})
}

// run runs the worker and, every hour, the quarantine expiry sweep, until
// ctx is done.
func (nw *notifyWiring) run(ctx context.Context) {
	go func() {
		t := time.NewTicker(time.Hour)
		defer t.Stop()
		for {
			for _, s := range nw.cfg.Schools {
				if n, err := nw.store.Sweep(ctx, s.ID); err != nil && ctx.Err() == nil {
					nw.log.Warn("quarantine sweep failed", "school", s.ID, "err", err)
				} else if n > 0 {
					nw.log.Info("quarantine entries expired", "school", s.ID, "n", n)
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	_ = nw.worker.Run(ctx)
}
