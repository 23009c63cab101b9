package live

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// waitClient makes every script (EVAL/EVALSHA, which is how the quarantine
// and the outbox write) wait, on the same connection, until the write has
// reached replicas replicas (WAIT). Without it a Sentinel failover loses
// writes the old master acknowledged in the second between the replica's
// promotion and the clients' switch (internal/resilience measured hundreds
// of acknowledged messages lost per failover): with it such a write fails,
// the relay answers 4xx and the sender retries.
//
// Only *redis.Client (standalone, Sentinel) and *redis.ClusterClient are
// supported; other clients are used as they are.
type waitClient struct {
	redis.UniversalClient
	replicas int
	timeout  time.Duration
}

// withWait wraps rdb so that scripts wait for replicas (see waitClient).
func withWait(rdb redis.UniversalClient, replicas int, timeout time.Duration) redis.UniversalClient {
	switch rdb.(type) {
	case *redis.Client, *redis.ClusterClient:
		return &waitClient{UniversalClient: rdb, replicas: replicas, timeout: timeout}
	}
	return rdb
}

// EvalSha runs the script and waits for its replication.
func (w *waitClient) EvalSha(ctx context.Context, sha1 string, keys []string, args ...any) *redis.Cmd {
	return w.durable(ctx, keys, func(c *redis.Conn) *redis.Cmd { return c.EvalSha(ctx, sha1, keys, args...) })
}

// Eval runs the script and waits for its replication.
func (w *waitClient) Eval(ctx context.Context, script string, keys []string, args ...any) *redis.Cmd {
	return w.durable(ctx, keys, func(c *redis.Conn) *redis.Cmd { return c.Eval(ctx, script, keys, args...) })
}

// redirects is how often durable follows a slot that moved.
const redirects = 3

func (w *waitClient) durable(ctx context.Context, keys []string, run func(*redis.Conn) *redis.Cmd) *redis.Cmd {
	cc, cluster := w.UniversalClient.(*redis.ClusterClient)
	for attempt := 0; ; attempt++ {
		cmd, moved := w.once(ctx, keys, run)
		if !cluster || !moved || attempt == redirects {
			return cmd
		}
		// The slot has moved (a failover): the script did not run. Learn
		// the new owner and run it there.
		cc.ReloadState(ctx)
		select {
		case <-ctx.Done():
			return cmd
		case <-time.After(time.Duration(attempt+1) * 50 * time.Millisecond):
		}
	}
}

// once runs the script on the key's master and waits for a replica;
// moved reports a refusal because the slot is elsewhere (or the cluster
// is reconfiguring), in which case nothing was written.
func (w *waitClient) once(ctx context.Context, keys []string, run func(*redis.Conn) *redis.Cmd) (_ *redis.Cmd, moved bool) {
	var conn *redis.Conn
	switch c := w.UniversalClient.(type) {
	case *redis.ClusterClient:
		key := ""
		if len(keys) > 0 {
			key = keys[0]
		}
		node, err := c.MasterForKey(ctx, key)
		if err != nil {
			cmd := redis.NewCmd(ctx)
			cmd.SetErr(fmt.Errorf("redis: master for %q: %w", key, err))
			return cmd, false
		}
		conn = node.Conn()
	case *redis.Client:
		conn = c.Conn()
	}
	defer conn.Close() //nolint:errcheck // returns the connection to the pool
	cmd := run(conn)
	if err := cmd.Err(); err != nil && !errors.Is(err, redis.Nil) {
		msg := err.Error()
		for _, p := range []string{"MOVED ", "ASK ", "TRYAGAIN", "CLUSTERDOWN", "READONLY"} {
			if strings.HasPrefix(msg, p) {
				return cmd, true
			}
		}
		return cmd, false
	}
	n, err := conn.Wait(ctx, w.replicas, w.timeout).Result()
	if err == nil && n < int64(w.replicas) {
		err = fmt.Errorf("%d of %d replicas within %v", n, w.replicas, w.timeout)
	}
	if err != nil {
		cmd.SetErr(fmt.Errorf("redis: write not replicated: %w", err))
	}
	return cmd, false
}
