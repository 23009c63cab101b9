package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"strconv"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/redis/go-redis/v9"
)

// SendFunc delivers one message: envelope sender from ("" for <>), the
// recipients and the data. It returns nil only when the SMTP server
// accepted it for every recipient; an *smtp.SMTPError with a 5xx code is
// permanent.
type SendFunc func(ctx context.Context, from string, to []string, data []byte) error

// WorkerOptions configures a Worker.
type WorkerOptions struct {
	// Consumer names this worker in the consumer group (default:
	// hostname-pid). It must be stable across restarts only if pending
	// entries should be resumed without waiting ClaimIdle.
	Consumer string
	// ClaimIdle is how long another consumer's unacknowledged entry waits
	// before this worker takes it over (default 5 minutes).
	ClaimIdle time.Duration
	// MaxAttempts before a notification is given up (default 20).
	MaxAttempts int
	// RetryMin and RetryMax bound the exponential back-off (30s, 1h).
	RetryMin, RetryMax time.Duration
	// SendTimeout bounds one delivery (default 2 minutes).
	SendTimeout time.Duration
	// StopGrace is how long a delivery already in progress when Run's ctx
	// is cancelled may take to finish (default 10s, at most SendTimeout).
	// Cutting the connection mid-transaction would leave the outcome
	// unknown: the server may have accepted the message and the entry,
	// left pending, would be sent again.
	StopGrace time.Duration
	// Block is how long one read waits for new entries (default 1s); also
	// the period of retry promotion.
	Block time.Duration
	// DigestEvery, when set with Digest, calls Digest this often.
	DigestEvery time.Duration
	Digest      func(ctx context.Context) error
	Logger      *slog.Logger
}

// Worker delivers the outbox. Run it in one goroutine per process; any
// number of processes may share one outbox.
type Worker struct {
	ob   *Outbox
	send SendFunc
	o    WorkerOptions
	log  *slog.Logger

	// afterAccept, in tests, runs after the SMTP server accepted a
	// notification and before it is acknowledged.
	afterAccept func(*Notification)
}

// NewWorker returns a worker that delivers ob's notifications with send.
func NewWorker(ob *Outbox, send SendFunc, o WorkerOptions) *Worker {
	if o.Consumer == "" {
		host, _ := os.Hostname()
		o.Consumer = host + "-" + strconv.Itoa(os.Getpid())
	}
	if o.ClaimIdle <= 0 {
		o.ClaimIdle = 5 * time.Minute
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 20
	}
	if o.RetryMin <= 0 {
		o.RetryMin = 30 * time.Second
	}
	if o.RetryMax <= 0 {
		o.RetryMax = time.Hour
	}
	if o.SendTimeout <= 0 {
		o.SendTimeout = 2 * time.Minute
	}
	if o.Block <= 0 {
		o.Block = time.Second
	}
	if o.StopGrace <= 0 {
		o.StopGrace = 10 * time.Second
	}
	o.StopGrace = min(o.StopGrace, o.SendTimeout)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Worker{ob: ob, send: send, o: o, log: o.Logger.With("consumer", o.Consumer)}
}

// Run delivers notifications until ctx is done; it then returns nil. Redis
// errors are logged and retried, never fatal.
func (w *Worker) Run(ctx context.Context) error {
	var lastClaim, lastDigest time.Time
	for ctx.Err() == nil {
		if err := w.ob.ensureGroup(ctx); err != nil {
			w.pause(ctx, "outbox unavailable", err)
			continue
		}
		if time.Since(lastClaim) >= w.o.ClaimIdle/2 {
			lastClaim = time.Now()
			w.claimStale(ctx)
		}
		if w.o.Digest != nil && w.o.DigestEvery > 0 && time.Since(lastDigest) >= w.o.DigestEvery {
			if !lastDigest.IsZero() {
				if err := w.o.Digest(ctx); err != nil && ctx.Err() == nil {
					w.log.Warn("digest failed; retried next interval", "err", err)
				}
			}
			lastDigest = time.Now()
		}
		if n, err := w.ob.promote(ctx, time.Now()); err != nil && ctx.Err() == nil {
			w.log.Warn("retry promotion failed", "err", err)
		} else if n > 0 {
			w.log.Debug("retries due", "n", n)
		}
		streams, err := w.ob.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
			Group: Group, Consumer: w.o.Consumer, Streams: []string{w.ob.stream, ">"}, Count: 10, Block: w.o.Block,
		}).Result()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			w.pause(ctx, "outbox read failed", err)
			continue
		}
		for _, s := range streams {
			for _, m := range s.Messages {
				w.handle(ctx, m)
			}
		}
	}
	return nil
}

func (w *Worker) pause(ctx context.Context, msg string, err error) {
	if ctx.Err() != nil {
		return
	}
	w.log.Warn(msg, "err", err)
	t := time.NewTimer(w.o.Block)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// claimStale takes over entries other consumers read but never
// acknowledged (they crashed) and delivers them.
func (w *Worker) claimStale(ctx context.Context) {
	start := "0-0"
	for ctx.Err() == nil {
		msgs, next, err := w.ob.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{
			Stream: w.ob.stream, Group: Group, Consumer: w.o.Consumer, MinIdle: w.o.ClaimIdle, Start: start, Count: 50,
		}).Result()
		if err != nil {
			if ctx.Err() == nil {
				w.log.Warn("claiming stale notifications failed", "err", err)
			}
			return
		}
		for _, m := range msgs {
			w.log.Info("notification taken over from a stopped worker", "id", m.ID)
			w.handle(ctx, m)
		}
		if next == "0-0" || next == "" {
			return
		}
		start = next
	}
}

func (w *Worker) handle(ctx context.Context, m redis.XMessage) {
	// Bookkeeping after a send must happen even if ctx was just cancelled.
	bg := func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	}
	n, err := parseNotification(m)
	if err != nil {
		w.log.Error("unreadable notification dropped", "id", m.ID, "err", err)
		c, cancel := bg()
		defer cancel()
		_ = w.ob.dead(c, n, err.Error())
		return
	}
	log := w.log.With("notification", n.Key, "kind", n.Kind, "attempt", n.Attempt+1)
	if ctx.Err() != nil {
		// Stopping before this one started (the rest of a batch): leave it
		// pending; this or another worker resumes it.
		return
	}
	// The entry may have waited behind the rest of its batch: make sure it
	// is still ours and restart its idle clock before sending it.
	rc, rcancel := bg()
	mine, err := w.ob.renew(rc, m.ID, w.o.Consumer)
	rcancel()
	switch {
	case err != nil:
		// Still pending: this or another worker resumes it after ClaimIdle.
		log.Warn("could not renew the claim on a notification; left pending", "err", err)
		return
	case !mine:
		log.Info("notification taken over by another worker or already sent; skipped")
		return
	}
	err = w.sendOne(ctx, n)
	if err == nil {
		if w.afterAccept != nil {
			w.afterAccept(n)
		}
		c, cancel := bg()
		defer cancel()
		if err := w.ob.ack(c, n.StreamID); err != nil {
			log.Error("notification sent but not acknowledged; it may be sent again", "err", err)
			return
		}
		log.Info("notification sent", "to", n.To)
		return
	}
	if ctx.Err() != nil {
		// Stopping: leave it pending; this or another worker resumes it.
		log.Info("notification interrupted by shutdown; left pending", "err", err)
		return
	}
	c, cancel := bg()
	defer cancel()
	var se *smtp.SMTPError
	permanent := errors.As(err, &se) && se.Code >= 500
	if permanent || n.Attempt+1 >= w.o.MaxAttempts {
		log.Error("notification given up", "err", err, "permanent", permanent)
		if err := w.ob.dead(c, n, err.Error()); err != nil {
			log.Error("could not record the failed notification", "err", err)
		}
		return
	}
	delay := w.backoff(n.Attempt)
	n.Attempt++
	if err := w.ob.retry(c, n, time.Now().Add(delay)); err != nil {
		// Still pending: XAUTOCLAIM brings it back after ClaimIdle.
		log.Warn("could not schedule a retry; the notification stays pending", "err", err)
		return
	}
	log.Warn("notification failed; will retry", "err", err, "in", delay)
}

// sendOne delivers n. The transaction is not tied to ctx directly: when
// ctx is cancelled (shutdown) it still gets StopGrace to finish, so the
// worker learns whether the server accepted the message instead of
// abandoning a transaction whose data was already sent (which the server
// may accept after the client hung up: a duplicate on resumption).
func (w *Worker) sendOne(ctx context.Context, n *Notification) error {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.o.SendTimeout)
	defer cancel()
	stop := context.AfterFunc(ctx, func() {
		t := time.NewTimer(w.o.StopGrace)
		defer t.Stop()
		select {
		case <-t.C:
			cancel()
		case <-sctx.Done():
		}
	})
	defer stop()
	return w.send(sctx, n.From, n.To, n.Data)
}

// backoff is RetryMin * 2^attempt, at most RetryMax, with ±20% jitter.
func (w *Worker) backoff(attempt int) time.Duration {
	d := w.o.RetryMin
	for range min(attempt, 30) {
		d *= 2
		if d >= w.o.RetryMax {
			d = w.o.RetryMax
			break
		}
	}
	j := time.Duration(float64(d) * (0.8 + 0.4*rand.Float64())) //nolint:gosec // jitter
	return j
}

// String describes the worker for logs.
func (w *Worker) String() string { return fmt.Sprintf("notify worker %s", w.o.Consumer) }
