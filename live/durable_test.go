package live

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/internal/testutil/redistest"
)

var incrScript = redis.NewScript(`return redis.call('INCR', KEYS[1])`)

func TestWaitClientNeedsAReplica(t *testing.T) {
	t.Parallel()
	master := redistest.Start(t)
	replica := redistest.Start(t, redistest.ReplicaOf(master))
	rdb := withWait(master.Client(t), 1, 2*time.Second)
	ctx := t.Context()
	// The replica syncs in the background: wait until a write reaches it.
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, err := incrScript.Run(ctx, rdb, []string{"k"}).Int()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("script with a syncing replica: %v", err)
		}
		time.Sleep(50 * time.Millisecond) // polling the replica's sync
	}
	n, err := incrScript.Run(ctx, rdb, []string{"k"}).Int()
	if err != nil || n < 2 {
		t.Fatalf("script with a replica = %d, %v; want >= 2, nil", n, err)
	}
	if got, err := replica.Client(t).Get(ctx, "k").Int(); err != nil || got != n {
		t.Errorf("replica has k = %d, %v; want %d", got, err, n)
	}

	// Without the replica the write happens but is reported as not
	// replicated, so the caller answers 4xx rather than trusting it.
	replica.Stop(t)
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err = incrScript.Run(wctx, withWait(master.Client(t), 1, 200*time.Millisecond), []string{"k"}).Int()
	if err == nil || !strings.Contains(err.Error(), "not replicated") {
		t.Errorf("script without a replica: err = %v, want \"not replicated\"", err)
	}
}

func TestNewRedisWaitsOnlyWithReplicas(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		set  func(*testing.T, *config.Redis)
		wait bool
	}{
		{"url", func(_ *testing.T, c *config.Redis) { c.URL = "redis://127.0.0.1:1/0" }, false},
		{"sentinel", func(_ *testing.T, c *config.Redis) { c.SentinelAddrs, c.MasterName = []string{"127.0.0.1:1"}, "m" }, false},
		{"sentinel wait", func(_ *testing.T, c *config.Redis) {
			c.SentinelAddrs, c.MasterName, c.WaitReplicas = []string{"127.0.0.1:1"}, "m", 1
		}, true},
		{"cluster", func(_ *testing.T, c *config.Redis) { c.ClusterAddrs = []string{"127.0.0.1:1"} }, false},
		{"cluster wait", func(_ *testing.T, c *config.Redis) { c.ClusterAddrs, c.WaitReplicas = []string{"127.0.0.1:1"}, 1 }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.Default()
			tc.set(t, &cfg.Redis)
			rdb, err := NewRedis(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer rdb.Close()
			if _, ok := rdb.(*waitClient); ok != tc.wait {
				t.Errorf("NewRedis(%s) is a waitClient: %v, want %v", tc.name, ok, tc.wait)
			}
		})
	}
}
