package metrics

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/lychgate/lychgate/notify"
	"github.com/lychgate/lychgate/quarantine"
)

// StateOptions names what the scrape-time gauges read.
type StateOptions struct {
	// Redis is the shared client (for the outbox's oldest entry).
	Redis redis.UniversalClient
	// Outbox is the notification outbox; nil: no outbox gauges.
	Outbox *notify.Outbox
	// Quarantine returns the current store and the configured school ids
	// (they change on reload); nil, or a nil store: no quarantine gauges.
	Quarantine func() (*quarantine.Store, []string)
	// Timeout bounds the Redis reads of one scrape (default 2s).
	Timeout time.Duration
}

// WatchState registers gauges read from Redis at each scrape: the outbox
// depth (lychgate_outbox_pending{state="stream"|"retry"}), the age of its
// oldest entry (lychgate_outbox_oldest_age_seconds) and the quarantine's
// entries per school and status (lychgate_quarantine_entries). When Redis
// does not answer they are left out of that scrape (the failure counts in
// lychgate_redis_errors_total).
func (m *Metrics) WatchState(o StateOptions) error {
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Second
	}
	if err := m.reg.Register(&stateCollector{o: o}); err != nil {
		return fmt.Errorf("metrics: register state: %w", err)
	}
	return nil
}

var (
	descOutboxPending = prometheus.NewDesc(namespace+"_outbox_pending",
		"Notifications waiting: in the outbox stream (not yet acknowledged) or scheduled for a retry.", []string{"state"}, nil)
	descOutboxAge = prometheus.NewDesc(namespace+"_outbox_oldest_age_seconds",
		"Age of the oldest notification in the outbox stream (0 when it is empty).", nil, nil)
	descQuarantine = prometheus.NewDesc(namespace+"_quarantine_entries",
		"Quarantine entries per school and status (index members; expired entries count until swept).", []string{"school", "status"}, nil)
)

type stateCollector struct{ o StateOptions }

func (s *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descOutboxPending
	ch <- descOutboxAge
	ch <- descQuarantine
}

func (s *stateCollector) Collect(ch chan<- prometheus.Metric) {
	// The registry calls Collect without a context; the scrape's Redis reads
	// get their own deadline.
	ctx, cancel := context.WithTimeout(context.Background(), s.o.Timeout)
	defer cancel()
	if ob := s.o.Outbox; ob != nil {
		if inStream, retrying, err := ob.Pending(ctx); err == nil {
			ch <- prometheus.MustNewConstMetric(descOutboxPending, prometheus.GaugeValue, float64(inStream), "stream")
			ch <- prometheus.MustNewConstMetric(descOutboxPending, prometheus.GaugeValue, float64(retrying), "retry")
		}
		if s.o.Redis != nil {
			if age, err := oldestAge(ctx, s.o.Redis, ob.Stream(), time.Now()); err == nil {
				ch <- prometheus.MustNewConstMetric(descOutboxAge, prometheus.GaugeValue, age.Seconds())
			}
		}
	}
	if s.o.Quarantine == nil {
		return
	}
	store, schools := s.o.Quarantine()
	if store == nil {
		return
	}
	for _, school := range schools {
		c, err := store.Counts(ctx, school, nil)
		if err != nil {
			continue
		}
		for status, n := range c.Status {
			ch <- prometheus.MustNewConstMetric(descQuarantine, prometheus.GaugeValue, float64(n), school, status)
		}
	}
}

// oldestAge is how long ago the first entry of stream was added (its id is
// "<unix ms>-<seq>"); 0 for an empty stream.
func oldestAge(ctx context.Context, rdb redis.UniversalClient, stream string, now time.Time) (time.Duration, error) {
	msgs, err := rdb.XRangeN(ctx, stream, "-", "+", 1).Result()
	if errors.Is(err, redis.Nil) || err == nil && len(msgs) == 0 {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("outbox oldest: %w", err)
	}
	ms, _, _ := strings.Cut(msgs[0].ID, "-")
	n, err := strconv.ParseInt(ms, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("outbox oldest: id %q: %w", msgs[0].ID, err)
	}
	return max(now.Sub(time.UnixMilli(n)), 0), nil
}
