package notify

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lychgate/lychgate/internal/testutil/redistest"
	"github.com/redis/go-redis/v9"
)

// readOne enqueues one notification and reads it as consumer, as the
// worker's XREADGROUP does.
func readOne(t *testing.T, ob *Outbox, consumer string) redis.XMessage {
	t.Helper()
	ctx := t.Context()
	if err := ob.ensureGroup(ctx); err != nil {
		t.Fatal(err)
	}
	n := &Notification{Key: "k-" + consumer, Kind: KindAlert, School: "st", To: []string{"dsl@school.test"}, Data: []byte("Subject: a\r\n\r\nb\r\n")}
	if _, err := ob.Enqueue(ctx, n, Limit{}); err != nil {
		t.Fatal(err)
	}
	streams, err := ob.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: Group, Consumer: consumer, Streams: []string{ob.stream, ">"}, Count: 1}).Result()
	if err != nil || len(streams) != 1 || len(streams[0].Messages) != 1 {
		t.Fatalf("XReadGroup = %v, %v", streams, err)
	}
	return streams[0].Messages[0]
}

func TestWorkerSkipsAnEntryAnotherWorkerTookOver(t *testing.T) {
	rs := redistest.Start(t)
	ob := NewOutbox(rs.Client(t), OutboxOptions{Prefix: "renew1"})
	m := readOne(t, ob, "a")
	// While a's batch waited, b took the entry over (XAUTOCLAIM after
	// ClaimIdle) and is sending it.
	if err := ob.rdb.XClaim(t.Context(), &redis.XClaimArgs{Stream: ob.stream, Group: Group, Consumer: "b", Messages: []string{m.ID}}).Err(); err != nil {
		t.Fatal(err)
	}
	var sent atomic.Int32
	w := NewWorker(ob, func(context.Context, string, []string, []byte) error { sent.Add(1); return nil }, WorkerOptions{Consumer: "a"})
	w.handle(t.Context(), m)
	if sent.Load() != 0 {
		t.Fatalf("worker a sent an entry worker b owns: %d sends, want 0", sent.Load())
	}
	p, err := ob.rdb.XPendingExt(t.Context(), &redis.XPendingExtArgs{Stream: ob.stream, Group: Group, Start: m.ID, End: m.ID, Count: 1}).Result()
	if err != nil || len(p) != 1 || p[0].Consumer != "b" {
		t.Fatalf("pending = %+v, %v; want still b's", p, err)
	}
}

func TestWorkerRenewsItsEntryBeforeSending(t *testing.T) {
	rs := redistest.Start(t)
	ob := NewOutbox(rs.Client(t), OutboxOptions{Prefix: "renew2"})
	m := readOne(t, ob, "a")
	time.Sleep(300 * time.Millisecond) // the entry waits behind its batch
	var idleAtSend time.Duration
	w := NewWorker(ob, func(ctx context.Context, _ string, _ []string, _ []byte) error {
		p, err := ob.rdb.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: ob.stream, Group: Group, Start: m.ID, End: m.ID, Count: 1}).Result()
		if err != nil || len(p) != 1 {
			t.Errorf("pending while sending = %+v, %v", p, err)
			return nil
		}
		idleAtSend = p[0].Idle
		return nil
	}, WorkerOptions{Consumer: "a"})
	w.handle(t.Context(), m)
	if idleAtSend >= 300*time.Millisecond {
		t.Errorf("idle time while sending %v: the claim was not renewed (another worker could take it over)", idleAtSend)
	}
	if inStream, _, err := ob.Pending(t.Context()); err != nil || inStream != 0 {
		t.Errorf("Pending = %d, %v after a sent notification; want 0", inStream, err)
	}
}
