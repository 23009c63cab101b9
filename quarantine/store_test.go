package quarantine_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/lychgate/lychgate/internal/testutil/redistest"
	"github.com/lychgate/lychgate/quarantine"
	"github.com/lychgate/lychgate/quarantine/quarantinetest"
)

var prefixes atomic.Int64

// newStore returns a store on rdb with a key prefix no other test uses.
func newStore(t testing.TB, rdb redis.UniversalClient) *quarantine.Store {
	t.Helper()
	return quarantine.New(rdb, quarantine.Options{
		Prefix:    fmt.Sprintf("t%d", prefixes.Add(1)),
		Retention: time.Hour,
		Logger:    slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
}

func TestConformance(t *testing.T) {
	t.Parallel()
	rdb := redistest.Start(t).Client(t)
	quarantinetest.TestStore(t, func(t *testing.T) *quarantine.Store { return newStore(t, rdb) })
}

// TestRedisDown: with Redis gone, Put fails fast (the relay then answers
// 4xx), and nothing of the failed Put exists once Redis is back.
func TestRedisDown(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.WithAOF())
	s := newStore(t, srv.Client(t))
	before := quarantinetest.NewEntry("down", time.Now(), "a@example.com")
	if _, err := s.Put(t.Context(), before, quarantinetest.Message("before")); err != nil {
		t.Fatalf("Put before stop: %v", err)
	}

	srv.Stop(t)
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	e := quarantinetest.NewEntry("down", time.Now(), "a@example.com")
	start := time.Now()
	created, err := s.Put(ctx, e, quarantinetest.Message("during"))
	if err == nil || created {
		t.Fatalf("Put with Redis down = %v, %v; want false, error", created, err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Put with Redis down took %v, want it to give up within the ctx timeout", d)
	}
	if !strings.HasPrefix(err.Error(), "quarantine: put "+e.ID+": ") {
		t.Errorf("Put error = %q, want it wrapped as \"quarantine: put %s: ...\"", err, e.ID)
	}
	if err := s.Ping(ctx); err == nil {
		t.Error("Ping with Redis down succeeded, want an error")
	}

	srv.Restart(t)
	if _, _, err := s.Get(t.Context(), "down", e.ID); !errors.Is(err, quarantine.ErrNotFound) {
		t.Errorf("Get of the failed Put after restart error = %v, want ErrNotFound", err)
	}
	entries, _, err := s.List(t.Context(), quarantine.ListOptions{School: "down"})
	if err != nil || len(entries) != 1 || entries[0].ID != before.ID {
		t.Errorf("List after restart = %d entries, %v; want only the entry put before the stop", len(entries), err)
	}
	// The retry the sending MTA makes succeeds and creates the entry.
	if created, err := s.Put(t.Context(), e, quarantinetest.Message("during")); err != nil || !created {
		t.Errorf("retried Put after restart = %v, %v; want true, nil", created, err)
	}
}

// TestSurvivesCrashWithAOF: an acknowledged Put survives SIGKILL of Redis
// when it runs with appendfsync always.
func TestSurvivesCrashWithAOF(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.WithAOF())
	s := newStore(t, srv.Client(t))
	raw := []byte("Subject: aof\r\n\r\nbinary \x00\xff\r\n")
	e := quarantinetest.NewEntry("aof", time.Now(), "a@example.com")
	if _, err := s.Put(t.Context(), e, raw); err != nil {
		t.Fatalf("Put: %v", err)
	}
	srv.Kill(t)
	srv.Restart(t)
	got, gotRaw, err := s.Get(t.Context(), "aof", e.ID)
	if err != nil {
		t.Fatalf("Get after crash and restart: %v", err)
	}
	if string(gotRaw) != string(raw) || got.Subject != e.Subject {
		t.Errorf("Get after restart = %q, subject %q; want %q, %q", gotRaw, got.Subject, raw, e.Subject)
	}
	if created, err := s.Put(t.Context(), e, raw); err != nil || created {
		t.Errorf("Put again after restart = %v, %v; want false, nil", created, err)
	}
}

func BenchmarkPut(b *testing.B) {
	s := newStore(b, redistest.Start(b).Client(b))
	raw := []byte(strings.Repeat("Some ordinary line of mail text, 64 bytes or so, repeated...\r\n", 800)) // ~50 KB
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		e := quarantinetest.NewEntry("bench", time.Now(), fmt.Sprintf("r%d@example.com", i))
		i++
		if _, err := s.Put(b.Context(), e, raw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkList(b *testing.B) {
	s := newStore(b, redistest.Start(b).Client(b))
	raw := quarantinetest.Message("list")
	for i := range 1000 {
		e := quarantinetest.NewEntry("bench", time.Now().Add(time.Duration(i)*time.Millisecond), fmt.Sprintf("r%d@example.com", i))
		if _, err := s.Put(b.Context(), e, raw); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		entries, _, err := s.List(b.Context(), quarantine.ListOptions{School: "bench", Limit: 50})
		if err != nil || len(entries) != 50 {
			b.Fatalf("List = %d entries, %v", len(entries), err)
		}
	}
}
