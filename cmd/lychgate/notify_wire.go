package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/live"
	"github.com/lychgate/lychgate/nexthop"
	"github.com/lychgate/lychgate/notify"
	"github.com/lychgate/lychgate/quarantine"
	"github.com/lychgate/lychgate/report"
)

// newMailer returns the SMTP client notifications and releases use: the
// relay's next hops through package nexthop (school addresses through
// next_hop.inbound), with its connection pool.
func newMailer(cfg *config.Config) *notify.Mailer {
	return &notify.Mailer{Client: nexthop.New(cfg.NextHop, nexthop.Options{
		Hostname: cfg.Relay.Hostname,
		IsLocal:  func(addr string) bool { return cfg.SchoolForAddress(addr) != nil },
		// Released copies are folded as the relay folds delivered mail.
		MaxLineLength: cfg.Relay.ForwardLineBytes,
	})}
}

// newStore builds the quarantine store with the configured retention.
func newStore(rdb redis.UniversalClient, cfg *config.Config, log *slog.Logger) *quarantine.Store {
	return live.NewStore(rdb, cfg, log)
}

// background is the notification worker and the retention sweep, both
// reading the current runtime each time they act, so a school added on
// reload gets its digests sent and its expired entries swept.
type background struct {
	rt     *live.Holder
	worker *notify.Worker
	log    *slog.Logger
	// reports queues the head teacher's reports.
	reports *report.Scheduler
}

// sendErr, when set, is told of every failed send (metrics).
func newBackground(ob *notify.Outbox, rt *live.Holder, log *slog.Logger, sendErr func(error)) *background {
	cfg := rt.Current().Config
	send := func(ctx context.Context, from string, to []string, data []byte) error {
		cur, release, err := rt.Acquire()
		if err != nil {
			return err
		}
		defer release()
		err = cur.Mailer().Send(ctx, from, to, data)
		if err != nil && sendErr != nil {
			sendErr(err)
		}
		return err
	}
	w := notify.NewWorker(ob, send, notify.WorkerOptions{
		MaxAttempts: cfg.Notify.MaxAttempts, RetryMin: cfg.Notify.RetryMin.Duration, RetryMax: cfg.Notify.RetryMax.Duration,
		DigestEvery: cfg.Notify.DigestInterval.Duration,
		Digest:      func(ctx context.Context) error { return rt.Current().Notifier.FlushDigests(ctx) },
		Logger:      log,
	})
	return &background{rt: rt, worker: w, log: log, reports: &report.Scheduler{Outbox: ob, Logger: log}}
}

// reportDelay is how long after start the first report check waits.
const reportDelay = 5 * time.Minute

// reportTick queues the head teacher's reports that are due.
func (b *background) reportTick(ctx context.Context) {
	rt := b.rt.Current()
	if err := b.reports.Tick(ctx, rt.Config, rt.Store, time.Now()); err != nil && ctx.Err() == nil {
		b.log.Warn("head teacher's report not queued", "err", err)
	}
}

// run runs the worker and, every hour, the quarantine expiry sweep and the
// head teacher's reports due, until ctx is done; it returns once both have
// stopped.
func (b *background) run(ctx context.Context) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(time.Hour)
		defer t.Stop()
		// The first report check waits a few minutes, so a relay that is
		// restarted (or a test run) does not mail last week's report at once.
		first := time.NewTimer(reportDelay)
		defer first.Stop()
		for {
			rt := b.rt.Current()
			for _, s := range rt.Config.Schools {
				if n, err := rt.Store.Sweep(ctx, s.ID); err != nil && ctx.Err() == nil {
					b.log.Warn("quarantine sweep failed", "school", s.ID, "err", err)
				} else if n > 0 {
					b.log.Info("quarantine entries expired", "school", s.ID, "n", n)
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-first.C:
				b.reportTick(ctx)
			case <-t.C:
				b.reportTick(ctx)
			}
		}
	}()
	_ = b.worker.Run(ctx)
	<-done
}
