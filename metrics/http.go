package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"
)

// The operational endpoints. They are a contract: monitoring and load
// balancers are configured with these paths.
const (
	PathMetrics = "/metrics"
	PathHealth  = "/healthz"
	PathReady   = "/readyz"
)

// Readiness checks what the relay needs to accept mail: Redis answers a
// PING and every next hop accepts a TCP connection.
type Readiness struct {
	// Redis is the shared client; nil skips the check.
	Redis redis.UniversalClient
	// Hops returns the current next hops (host:port; "" entries are
	// skipped). nil skips the check.
	Hops func() []string
	// Timeout bounds each check (default 2s).
	Timeout time.Duration
}

// ReadyError lists the parts that are not ready. Its Error names them
// only ("redis", "next hop 10.0.0.5:25"); Causes has the details for the
// log.
type ReadyError struct {
	Parts  []string
	Causes []error
}

func (e *ReadyError) Error() string { return "not ready: " + strings.Join(e.Parts, ", ") }

// Unwrap returns the causes.
func (e *ReadyError) Unwrap() []error { return e.Causes }

// Check runs every check concurrently and returns a *ReadyError naming
// what failed, or nil.
func (r Readiness) Check(ctx context.Context) error {
	t := r.Timeout
	if t <= 0 {
		t = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, t)
	defer cancel()
	type result struct {
		part string
		err  error
	}
	var checks []func() result
	if r.Redis != nil {
		checks = append(checks, func() result {
			if err := r.Redis.Ping(ctx).Err(); err != nil {
				return result{"redis", fmt.Errorf("redis ping: %w", err)}
			}
			return result{}
		})
	}
	if r.Hops != nil {
		seen := map[string]bool{}
		for _, hop := range r.Hops() {
			if hop == "" || seen[hop] {
				continue
			}
			seen[hop] = true
			checks = append(checks, func() result {
				var d net.Dialer
				c, err := d.DialContext(ctx, "tcp", hop)
				if err != nil {
					return result{"next hop " + hop, fmt.Errorf("next hop %s: %w", hop, err)}
				}
				_ = c.Close()
				return result{}
			})
		}
	}
	results := make(chan result, len(checks))
	for _, c := range checks {
		go func() { results <- c() }()
	}
	var re ReadyError
	for range checks {
		if res := <-results; res.err != nil {
			re.Parts = append(re.Parts, res.part)
			re.Causes = append(re.Causes, res.err)
		}
	}
	if len(re.Parts) == 0 {
		return nil
	}
	return &re
}

// HandlerOptions configures Handler.
type HandlerOptions struct {
	// Gatherer is the registry served on /metrics.
	Gatherer prometheus.Gatherer
	// Ready is /readyz's check; nil means always ready.
	Ready func(ctx context.Context) error
	// Logger receives why /readyz answered 503 (warn) and scrape errors.
	Logger *slog.Logger
}

// Handler serves /metrics (the Prometheus text format), /healthz (200
// while the process runs) and /readyz (200, or 503 naming the parts that
// are not ready). It has no authentication: firewall the listener it is on.
func Handler(o HandlerOptions) http.Handler {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+PathMetrics, promhttp.HandlerFor(o.Gatherer, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError,
		Timeout:       10 * time.Second,
	}))
	mux.HandleFunc("GET "+PathHealth, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET "+PathReady, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if o.Ready != nil {
			if err := o.Ready(r.Context()); err != nil {
				log.Warn("not ready", "err", joinErrs(unwrapAll(err)))
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = fmt.Fprintln(w, readyText(err))
				return
			}
		}
		_, _ = fmt.Fprintln(w, "ready")
	})
	return mux
}

// readyText is what /readyz tells an unauthenticated client: the names of
// the parts only, never the error texts.
func readyText(err error) string {
	var re *ReadyError
	if errors.As(err, &re) {
		return re.Error()
	}
	return "not ready"
}

func joinErrs(errs []error) string {
	s := make([]string, len(errs))
	for i, e := range errs {
		s[i] = e.Error()
	}
	return strings.Join(s, "; ")
}

func unwrapAll(err error) []error {
	var re *ReadyError
	if errors.As(err, &re) {
		return re.Causes
	}
	return []error{err}
}
