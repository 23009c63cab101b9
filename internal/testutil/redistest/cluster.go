package redistest

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// clusterNodeTimeout is cluster-node-timeout: short, so that a failover
// is agreed on quickly.
const clusterNodeTimeout = 2 * time.Second

// failoverTimeout bounds a failover and the wait for everyone to agree.
const failoverTimeout = 45 * time.Second

// Cluster is a Redis Cluster of three masters with one replica each, every
// node a redis-server started by StartCluster.
type Cluster struct {
	// Nodes are the six nodes, in the order given to redis-cli --cluster
	// create (which makes the first three the masters).
	Nodes []*Server
	// Addrs are the nodes' addresses, for a cluster client's seed list.
	Addrs []string
}

// StartCluster starts six cluster nodes on free loopback ports (each with
// its data under t.TempDir(); opts apply to every node), joins them with
// `redis-cli --cluster create ... --cluster-replicas 1`, waits until every
// node reports cluster_state:ok and knows all six nodes and every replica
// is in sync, and stops them all in t.Cleanup.
func StartCluster(t testing.TB, opts ...Option) *Cluster {
	t.Helper()
	cli := findCLI(t)
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	cfg.cluster = true
	c := &Cluster{}
	for range 6 {
		s := start(t, cfg, nil)
		c.Nodes = append(c.Nodes, s)
		c.Addrs = append(c.Addrs, s.Addr)
	}
	args := append([]string{"--cluster", "create"}, c.Addrs...)
	args = append(args, "--cluster-replicas", "1", "--cluster-yes")
	ctx, cancel := context.WithTimeout(context.Background(), failoverTimeout)
	defer cancel()
	if out, err := exec.CommandContext(ctx, cli, args...).CombinedOutput(); err != nil {
		t.Fatalf("redistest: redis-cli %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	if err := c.waitConsistent(ctx, ""); err != nil {
		t.Fatalf("redistest: cluster did not form: %v", err)
	}
	return c
}

// Client returns a cluster client seeded with every node, closed in
// t.Cleanup.
func (c *Cluster) Client(t testing.TB) *redis.ClusterClient {
	t.Helper()
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs, ContextTimeoutEnabled: true})
	t.Cleanup(func() {
		if err := cc.Close(); err != nil && !errors.Is(err, redis.ErrClosed) {
			t.Errorf("redistest: close cluster client: %v", err)
		}
	})
	return cc
}

// Failover makes the replica of the master that owns key's slot the new
// master with `redis-cli -p <replica> CLUSTER FAILOVER` (a coordinated
// manual failover: the replica catches up with the master before the
// switch, so no acknowledged write is lost), and waits until every node
// agrees and reports cluster_state:ok. It returns the new master's address.
func (c *Cluster) Failover(t testing.TB, key string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), failoverTimeout)
	defer cancel()
	master, replica, err := c.ownerOf(ctx, key)
	if err != nil {
		t.Fatalf("redistest: failover %q: %v", key, err)
	}
	_, port, _ := strings.Cut(replica, "127.0.0.1:")
	// A manual failover that does not complete in time (the master was too
	// busy to pause) is aborted by Redis; ask again.
	for attempt := 1; ; attempt++ {
		out, err := exec.CommandContext(ctx, findCLI(t), "-p", port, "CLUSTER", "FAILOVER").CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "OK" {
			t.Fatalf("redistest: redis-cli -p %s CLUSTER FAILOVER: %v %s", port, err, out)
		}
		actx, cancel := context.WithTimeout(ctx, failoverTimeout/3)
		err = c.waitConsistent(actx, replica)
		cancel()
		if err == nil {
			if attempt > 1 {
				t.Logf("redistest: failover of %s to %s took %d CLUSTER FAILOVER attempts", master, replica, attempt)
			}
			return replica
		}
		if attempt == 3 || ctx.Err() != nil {
			t.Fatalf("redistest: failover of %s to %s (%d attempts): %v", master, replica, attempt, err)
		}
	}
}

// ownerOf finds the master serving key's slot and one of its replicas.
func (c *Cluster) ownerOf(ctx context.Context, key string) (master, replica string, err error) {
	n := c.node(c.Addrs[0])
	defer n.Close()
	slot, err := n.ClusterKeySlot(ctx, key).Result()
	if err != nil {
		return "", "", err
	}
	nodes, err := n.ClusterNodes(ctx).Result()
	if err != nil {
		return "", "", err
	}
	ids := map[string]string{} // master node id -> addr
	type row struct{ id, addr, flags, master string }
	var rows []row
	for line := range strings.SplitSeq(strings.TrimSpace(nodes), "\n") {
		f := strings.Fields(line)
		if len(f) < 8 {
			continue
		}
		addr, _, _ := strings.Cut(f[1], "@")
		r := row{f[0], addr, f[2], f[3]}
		rows = append(rows, r)
		for _, rg := range f[8:] {
			lo, hi, ok := strings.Cut(rg, "-")
			if !ok {
				hi = lo
			}
			l, err1 := strconv.ParseInt(lo, 10, 64)
			h, err2 := strconv.ParseInt(hi, 10, 64)
			if err1 == nil && err2 == nil && slot >= l && slot <= h {
				master = addr
				ids[r.id] = addr
			}
		}
	}
	for _, r := range rows {
		if _, ok := ids[r.master]; ok && strings.Contains(r.flags, "slave") && !strings.Contains(r.flags, "fail") {
			replica = r.addr
		}
	}
	if master == "" || replica == "" {
		return "", "", fmt.Errorf("slot %d: master %q, replica %q in\n%s", slot, master, replica, nodes)
	}
	return master, replica, nil
}

// waitConsistent waits until every node reports cluster_state:ok, knows six
// connected nodes and, if master is set, sees master as a master, and
// every replica is in sync with its master (so WAIT 1 succeeds).
func (c *Cluster) waitConsistent(ctx context.Context, master string) error {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		if last = c.consistent(ctx, master); last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last: %v)", ctx.Err(), last)
		case <-tick.C:
		}
	}
}

func (c *Cluster) consistent(ctx context.Context, master string) error {
	for _, a := range c.Addrs {
		n := c.node(a)
		info, err := n.ClusterInfo(ctx).Result()
		if err != nil {
			n.Close()
			return err
		}
		if !strings.Contains(info, "cluster_state:ok") || !strings.Contains(info, "cluster_known_nodes:6") {
			n.Close()
			return fmt.Errorf("%s: %s", a, info)
		}
		repl, err := n.Info(ctx, "replication").Result()
		if err != nil {
			n.Close()
			return err
		}
		if strings.Contains(repl, "role:slave") && !strings.Contains(repl, "master_link_status:up") {
			n.Close()
			return fmt.Errorf("replica %s not in sync", a)
		}
		nodes, err := n.ClusterNodes(ctx).Result()
		n.Close()
		if err != nil {
			return err
		}
		masters := 0
		for line := range strings.SplitSeq(strings.TrimSpace(nodes), "\n") {
			f := strings.Fields(line)
			if len(f) < 8 {
				continue
			}
			if strings.Contains(f[2], "fail") || f[7] != "connected" {
				return fmt.Errorf("%s sees %s", a, line)
			}
			if strings.Contains(f[2], "master") {
				masters++
				if addr, _, _ := strings.Cut(f[1], "@"); addr == master && len(f) < 9 {
					return fmt.Errorf("%s sees the new master %s without slots", a, master)
				}
			} else if addr, _, _ := strings.Cut(f[1], "@"); addr == master {
				return fmt.Errorf("%s does not see %s as master yet", a, master)
			}
		}
		if masters != 3 {
			return fmt.Errorf("%s sees %d masters", a, masters)
		}
	}
	return nil
}

func (c *Cluster) node(addr string) *redis.Client {
	return redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, PoolSize: 1, ContextTimeoutEnabled: true})
}

// findCLI finds redis-cli or fails the test.
func findCLI(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath("redis-cli"); err == nil {
		return p
	}
	t.Fatalf("redistest: redis-cli not found; `make test` installs it (apt-get install -y redis-tools)")
	return ""
}
