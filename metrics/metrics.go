// Package metrics owns lychgate's Prometheus instrumentation: the
// collectors (messages by direction, school and decision; findings by
// category and severity; scanner latency; SMTP replies by code; next-hop
// and Redis errors; outbox depth and age; quarantine size) and the
// operational HTTP endpoints /metrics, /healthz and /readyz.
//
// Nothing here registers with Prometheus' global default registry: New
// takes the registry to use, and the caller (cmd/lychgate) serves it.
// Other packages do not import metrics; they expose small hooks (the
// relay's Observer, a go-redis hook, the send functions of the outbox
// worker) that *Metrics satisfies or is wrapped into.
//
// Label values are bounded sets: directions, school ids from the
// configuration, policy actions, finding categories and severities,
// scanner ids, SMTP reply codes, next-hop stages, Redis command names.
// No address, subject or message content ever becomes a label.
//
// A *Metrics is safe for concurrent use.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/lychgate/lychgate/engine"
	"github.com/lychgate/lychgate/nexthop"
)

// namespace prefixes every metric name.
const namespace = "lychgate"

// Metrics holds the event collectors. Create with New.
type Metrics struct {
	messages     *prometheus.CounterVec
	findings     *prometheus.CounterVec
	scanDuration *prometheus.HistogramVec
	replies      *prometheus.CounterVec
	nextHopErrs  *prometheus.CounterVec
	redisErrs    *prometheus.CounterVec
	reg          prometheus.Registerer

	// The children counted for every message, looked up once: a label
	// lookup hashes its values under a lock, several times per message.
	replyByCode [600]atomic.Pointer[prometheus.Counter]
	scanByRun   children[[2]string, prometheus.Observer]
	findingsBy  children[[2]string, prometheus.Counter]
	messagesBy  children[[3]string, prometheus.Counter]
}

// children caches the children of a metric vector by label values. The
// label combinations are few (schools × directions × decisions, categories
// × severities, scanners × statuses), so a new one copies the map and
// every lookup after it reads without a lock: twenty sessions on two cores
// contended on the read lock that was here before.
type children[K comparable, V any] struct {
	mk func(K) V  // makes the child for new label values
	mu sync.Mutex // serialises adding
	m  atomic.Pointer[map[K]V]
}

// get returns the child for k, made by mk the first time.
func (c *children[K, V]) get(k K) V {
	if m := c.m.Load(); m != nil {
		if v, ok := (*m)[k]; ok {
			return v
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.m.Load()
	if old != nil {
		if v, ok := (*old)[k]; ok {
			return v
		}
	}
	n := make(map[K]V, 1)
	if old != nil {
		n = make(map[K]V, len(*old)+1)
		for ok, ov := range *old {
			n[ok] = ov
		}
	}
	v := c.mk(k)
	n[k] = v
	c.m.Store(&n)
	return v
}

// New creates the collectors and registers them with reg.
func New(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		reg: reg,
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "messages_total",
			Help: "Recipient copies analysed, by direction, school and the policy's decision (a retried message counts again).",
		}, []string{"direction", "school", "decision"}),
		findings: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "findings_total",
			Help: "Scanner findings, by category and severity.",
		}, []string{"category", "severity"}),
		scanDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "scanner_duration_seconds",
			Help:    "Time each scanner took on one message, by scanner and status (ok, error, timeout).",
			Buckets: prometheus.ExponentialBucketsRange(0.0005, 60, 14),
		}, []string{"scanner", "status"}),
		replies: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "smtp_replies_total",
			Help: "Replies the relay's SMTP server sent, by reply code.",
		}, []string{"code"}),
		nextHopErrs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "next_hop_errors_total",
			Help: "Failed next-hop transactions (relay copies, notifications, releases), by stage and whether the failure is temporary.",
		}, []string{"stage", "kind"}),
		redisErrs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "redis_errors_total",
			Help: "Redis commands that failed (a missing key or a cancelled wait is not a failure), by command.",
		}, []string{"command"}),
	}
	m.messagesBy.mk = func(k [3]string) prometheus.Counter { return m.messages.WithLabelValues(k[:]...) }
	m.findingsBy.mk = func(k [2]string) prometheus.Counter { return m.findings.WithLabelValues(k[:]...) }
	m.scanByRun.mk = func(k [2]string) prometheus.Observer { return m.scanDuration.WithLabelValues(k[:]...) }
	for _, c := range []prometheus.Collector{m.messages, m.findings, m.scanDuration, m.replies, m.nextHopErrs, m.redisErrs} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("metrics: register: %w", err)
		}
	}
	return m, nil
}

// Reply counts one SMTP reply sent by the relay (relay.Observer).
func (m *Metrics) Reply(code int) {
	if code < 0 || code >= len(m.replyByCode) {
		m.replies.WithLabelValues(strconv.Itoa(code)).Inc()
		return
	}
	if c := m.replyByCode[code].Load(); c != nil {
		(*c).Inc()
		return
	}
	c := m.replies.WithLabelValues(strconv.Itoa(code))
	m.replyByCode[code].Store(&c)
	c.Inc()
}

// Analyzed counts one analysed message: each recipient's decision, each
// finding, and each scanner's run time (relay.Observer).
func (m *Metrics) Analyzed(v *engine.Verdict) {
	if v == nil {
		return
	}
	for _, d := range v.Decisions {
		school := d.School
		if school == "" {
			school = "none"
		}
		k := [3]string{string(d.Direction), school, string(d.Action)}
		m.messagesBy.get(k).Inc()
	}
	for _, f := range v.Result.Findings {
		k := [2]string{string(f.Category), f.Severity.String()}
		m.findingsBy.get(k).Inc()
	}
	for _, r := range v.Result.Runs {
		k := [2]string{r.Scanner, string(r.Status)}
		m.scanByRun.get(k).Observe(r.Duration.Seconds())
	}
}

// NextHopError counts a failed next-hop transaction (relay.Observer, and
// the send functions of notifications and releases). A *nexthop.Error is
// counted by its stage; any other error as stage "other".
func (m *Metrics) NextHopError(err error) {
	if err == nil {
		return
	}
	stage := "other"
	var e *nexthop.Error
	if errors.As(err, &e) {
		stage = string(e.Stage)
	}
	kind := "temporary"
	if nexthop.Permanent(err) {
		kind = "permanent"
	}
	m.nextHopErrs.WithLabelValues(stage, kind).Inc()
}

// CountSend wraps a send function (notify.SendFunc's shape) so its
// failures are counted as next-hop errors.
func (m *Metrics) CountSend(send func(ctx context.Context, from string, to []string, data []byte) error) func(ctx context.Context, from string, to []string, data []byte) error {
	return func(ctx context.Context, from string, to []string, data []byte) error {
		err := send(ctx, from, to, data)
		m.NextHopError(err)
		return err
	}
}

// RedisHook returns a go-redis hook that counts failed commands; add it
// with AddHook on the shared client. redis.Nil (no such key) is an answer,
// not a failure.
func (m *Metrics) RedisHook() redis.Hook { return redisHook{m} }

type redisHook struct{ m *Metrics }

func (h redisHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h redisHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		h.count(cmd, err)
		return err
	}
}

func (h redisHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		if !failure(err) || len(cmds) == 0 || setupCommand(cmds[0].Name()) {
			return err
		}
		// One failed round trip is one error, named by its first command.
		h.m.redisErrs.WithLabelValues(strings.ToLower(cmds[0].Name())).Inc()
		return err
	}
}

func (h redisHook) count(cmd redis.Cmder, err error) {
	if !failure(err) || setupCommand(cmd.Name()) {
		return
	}
	h.m.redisErrs.WithLabelValues(strings.ToLower(cmd.Name())).Inc()
}

// failure reports whether err is Redis failing: not an answer (redis.Nil,
// no such key) and not our own cancellation (a blocking read ended by
// shutdown).
func failure(err error) bool {
	return err != nil && !errors.Is(err, redis.Nil) && !errors.Is(err, context.Canceled)
}

// setupCommand reports whether name is one go-redis sends when it opens a
// connection and whose refusal it tolerates (CLIENT SETINFO on an older
// server, HELLO): not a failure of ours.
func setupCommand(name string) bool {
	switch strings.ToLower(name) {
	case "client", "hello":
		return true
	}
	return false
}
