package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"

	"github.com/lychgate/lychgate/live"
	"github.com/lychgate/lychgate/metrics"
	"github.com/lychgate/lychgate/notify"
	"github.com/lychgate/lychgate/quarantine"
)

// ops is serve's instrumentation: the metrics (hooked into the relay, the
// Redis client and the senders) and the handler of /metrics, /healthz and
// /readyz.
type ops struct {
	metrics *metrics.Metrics
	handler http.Handler
	// stopping makes /readyz answer 503 from SIGTERM on, so a load
	// balancer stops sending new connections while the relay drains.
	stopping atomic.Bool
}

// newOps builds the registry (lychgate's collectors plus the Go runtime's
// and the process's), hooks the Redis client, and reads the outbox and
// quarantine gauges and the readiness checks through the current runtime.
func newOps(rdb redis.UniversalClient, ob *notify.Outbox, holder *live.Holder, log *slog.Logger) (*ops, error) {
	reg := prometheus.NewRegistry()
	if err := reg.Register(collectors.NewGoCollector()); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	if err := reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	m, err := metrics.New(reg)
	if err != nil {
		return nil, err
	}
	rdb.AddHook(m.RedisHook())
	timeout := holder.Current().Config.Redis.Timeout.Duration
	err = m.WatchState(metrics.StateOptions{
		Redis: rdb, Outbox: ob, Timeout: timeout,
		Quarantine: func() (*quarantine.Store, []string) {
			rt := holder.Current()
			if rt == nil {
				return nil, nil
			}
			ids := make([]string, 0, len(rt.Config.Schools))
			for _, s := range rt.Config.Schools {
				ids = append(ids, s.ID)
			}
			return rt.Store, ids
		},
	})
	if err != nil {
		return nil, err
	}
	ready := metrics.Readiness{
		Redis:   rdb,
		Timeout: 2 * time.Second,
		Hops: func() []string {
			rt := holder.Current()
			if rt == nil {
				return nil
			}
			return []string{rt.Config.NextHop.Inbound, rt.Config.NextHop.Outbound}
		},
	}
	o := &ops{metrics: m}
	check := func(ctx context.Context) error {
		if o.stopping.Load() {
			return &metrics.ReadyError{Parts: []string{"shutting down"}, Causes: []error{errShuttingDown}}
		}
		return ready.Check(ctx)
	}
	o.handler = metrics.Handler(metrics.HandlerOptions{Gatherer: reg, Ready: check, Logger: log})
	return o, nil
}

var errShuttingDown = errors.New("serve is shutting down")

// startOpsListener serves h on addr ([metrics] listen) when it is set. The
// port is bound before it returns. The channel receives the server's error
// if it stops by itself and is closed when it has stopped.
func startOpsListener(addr string, h http.Handler, log *slog.Logger) (*http.Server, <-chan error, error) {
	if addr == "" {
		return nil, nil, nil
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("metrics: listen %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 16 << 10,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("metrics listening", "addr", l.Addr().String())
	ch := make(chan error, 1)
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			ch <- fmt.Errorf("metrics: %w", err)
		}
		close(ch)
	}()
	return srv, ch, nil
}
