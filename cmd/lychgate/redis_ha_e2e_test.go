package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/lychgate/lychgate/internal/testutil/redistest"
)

// TestRedisSentinelFailover is the README's Redis Sentinel set-up: lychgate
// names the sentinels, not a Redis server, and keeps quarantining mail
// after the primary dies and Sentinel promotes the replica.
func TestRedisSentinelFailover(t *testing.T) {
	t.Parallel()
	needTool(t, "swaks")
	hop, _ := postfixSink(t)
	primary := redistest.Start(t, redistest.WithAOF())
	replica := redistest.Start(t, redistest.WithAOF())
	ctx := context.Background()
	rc := replica.Client(t)
	if err := rc.Do(ctx, "REPLICAOF", "127.0.0.1", port(primary.Addr)).Err(); err != nil {
		t.Fatal(err)
	}
	sentinel := startSentinel(t, primary.Addr)
	sc := redis.NewSentinelClient(&redis.Options{Addr: sentinel})
	t.Cleanup(func() { _ = sc.Close() })
	// The sentinel has found the replica.
	eventually(t, func() (struct{}, bool) {
		reps, err := sc.Replicas(ctx, "lychgate").Result()
		return struct{}{}, err == nil && len(reps) == 1
	})

	addr := freePort(t)
	config := writeE2EConfig(t, addr, hop, "redis://unused.invalid:1/0")
	b, err := os.ReadFile(config)
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(string(b), `url = "redis://unused.invalid:1/0"`,
		fmt.Sprintf("sentinel_addrs = [%q]\nmaster_name = \"lychgate\"", sentinel), 1)
	if err := os.WriteFile(config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, config, addr)

	held := func(want int) {
		t.Helper()
		eventually(t, func() (string, bool) {
			list, err := d.run("quarantine", "list", "--config", config, "--json")
			return list, err == nil && len(strings.Split(strings.TrimSpace(list), "\n")) == want && strings.TrimSpace(list) != ""
		})
	}
	out, err := swaks(t, addr, "stranger@example.com", "pupil1@stlaurence.example.sch.uk", "before", "the example phrase, before the failover")
	if err != nil {
		t.Fatalf("swaks: %v\n%s", err, out)
	}
	held(1)
	// The entry has reached the replica before the primary dies.
	eventually(t, func() (int, bool) {
		keys, err := rc.Keys(ctx, "lg:*q:*").Result()
		return len(keys), err == nil && len(keys) > 0
	})

	primary.Kill(t)
	eventually(t, func() (string, bool) {
		a, err := sc.GetMasterAddrByName(ctx, "lychgate").Result()
		return strings.Join(a, ":"), err == nil && len(a) == 2 && a[1] == port(replica.Addr)
	})
	// The sender retries a temporary failure during the switch, as an MTA does.
	eventually(t, func() (string, bool) {
		out, err := swaks(t, addr, "stranger@example.com", "pupil1@stlaurence.example.sch.uk", "after", "the example phrase, after the failover")
		return out, err == nil
	})
	held(2)
	if n, err := rc.Exists(ctx, "lg:notify").Result(); err != nil || n != 1 {
		t.Errorf("the new primary has no outbox stream (%d, %v)", n, err)
	}
}

// startSentinel runs one Redis Sentinel watching primary as "lychgate",
// quick to fail over, and returns its address.
func startSentinel(t *testing.T, primary string) string {
	t.Helper()
	bin := needTool(t, "redis-server")
	dir := t.TempDir()
	addr := freePort(t)
	conf := filepath.Join(dir, "sentinel.conf")
	text := fmt.Sprintf(`port %s
bind 127.0.0.1
daemonize no
dir %s
logfile %s
sentinel monitor lychgate 127.0.0.1 %s 1
sentinel down-after-milliseconds lychgate 1000
sentinel failover-timeout lychgate 10000
`, port(addr), dir, filepath.Join(dir, "sentinel.log"), port(primary))
	// Sentinel rewrites its own configuration file.
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, conf, "--sentinel")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, "sentinel.log"))
			t.Logf("sentinel log:\n%s", b)
		}
	})
	waitListening(t, addr)
	return addr
}

