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

// TestRedisCluster is the README's Redis Cluster set-up: three primaries,
// lychgate given two of them. A held message, its alert and its release
// land in the cluster (the keys that change together share a hash slot, or
// Redis would refuse the multi-key commands with CROSSSLOT).
func TestRedisCluster(t *testing.T) {
	t.Parallel()
	needTool(t, "swaks")
	hop, dumpDir := postfixSink(t)
	nodes := startCluster(t, 3)

	addr := freePort(t)
	config := writeE2EConfig(t, addr, hop, "redis://unused.invalid:1/0")
	b, err := os.ReadFile(config)
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(string(b), `url = "redis://unused.invalid:1/0"`,
		fmt.Sprintf("cluster_addrs = [%q, %q]", nodes[0], nodes[1]), 1)
	if err := os.WriteFile(config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, config, addr)

	out, err := swaks(t, addr, "stranger@example.com", "pupil1@stlaurence.example.sch.uk", "hi", "the example phrase, in a cluster")
	if err != nil {
		t.Fatalf("swaks: %v\n%s", err, out)
	}
	list, err := d.run("quarantine", "list", "--config", config, "--json")
	if err != nil || len(strings.Split(strings.TrimSpace(list), "\n")) != 1 || !strings.Contains(list, `"status":"held"`) {
		t.Fatalf("quarantine list = %v\n%s", err, list)
	}
	// The DSL's alert leaves through the outbox in the cluster.
	waitDump(t, dumpDir, "X-Lychgate-Notification: alert")
	// Releasing it (several keys changed at once) works too.
	var id string
	if i := strings.Index(list, `"id":"`); i >= 0 {
		id = list[i+6:]
		id = id[:strings.IndexByte(id, '"')]
	}
	if out, err := d.run("quarantine", "release", "--config", config, "--by", "e2e", id); err != nil {
		t.Fatalf("quarantine release %s: %v\n%s", id, err, out)
	}
	waitDump(t, dumpDir, "the example phrase, in a cluster")
	if strings.Contains(d.log.String(), "CROSSSLOT") {
		t.Errorf("lychgate hit CROSSSLOT errors:\n%s", d.log.String())
	}
}

// startCluster runs n Redis Cluster primaries on free ports (and free
// cluster bus ports), joined with redis-cli --cluster create, and returns
// their addresses once the cluster is ok.
func startCluster(t *testing.T, n int) []string {
	t.Helper()
	bin := needTool(t, "redis-server")
	cli := needTool(t, "redis-cli")
	var addrs []string
	for i := range n {
		dir := filepath.Join(t.TempDir(), fmt.Sprint(i))
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		addr, bus := freePort(t), freePort(t)
		cmd := exec.Command(bin, "--port", port(addr), "--cluster-port", port(bus), "--bind", "127.0.0.1",
			"--cluster-enabled", "yes", "--cluster-config-file", filepath.Join(dir, "nodes.conf"),
			"--dir", dir, "--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
			"--logfile", filepath.Join(dir, "redis.log"), "--daemonize", "no")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		})
		waitListening(t, addr)
		addrs = append(addrs, addr)
	}
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.Command(cli, args...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	for _, a := range addrs {
		eventually(t, func() (string, bool) {
			out, err := exec.Command(cli, "-h", "127.0.0.1", "-p", port(a), "cluster", "info").Output()
			return string(out), err == nil && strings.Contains(string(out), "cluster_state:ok")
		})
	}
	return addrs
}
