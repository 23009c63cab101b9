package redistest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// MasterName is the name the sentinels of StartSentinel monitor.
const MasterName = "mymaster"

// Sentinel is a Sentinel set: two data servers (one master, one replica)
// and three sentinels with a quorum of two, started by StartSentinel.
type Sentinel struct {
	// Data are the two data servers; Data[0] is the master at start.
	// After Failover the roles are swapped: ask MasterAddr.
	Data []*Server
	// Sentinels are the three sentinel processes.
	Sentinels []*Server
	// Addrs are the sentinels' addresses, for a failover client.
	Addrs []string
}

// StartSentinel starts a master and a replica (opts apply to both) and
// three `redis-server --sentinel` processes monitoring them as MasterName,
// all on free loopback ports under t.TempDir(). It returns once the replica
// is in sync and every sentinel knows the replica and the other two
// sentinels, so a failover can start at once; everything is stopped in
// t.Cleanup.
func StartSentinel(t testing.TB, opts ...Option) *Sentinel {
	t.Helper()
	findCLI(t)
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	s := &Sentinel{}
	master := start(t, cfg, nil)
	rcfg := cfg
	_, mport, _ := strings.Cut(master.Addr, "127.0.0.1:")
	rcfg.extra = append(append([]string{}, cfg.extra...), "--replicaof", "127.0.0.1", mport)
	replica := start(t, rcfg, nil)
	s.Data = []*Server{master, replica}

	conf := fmt.Sprintf("sentinel monitor %s 127.0.0.1 %s 2\n"+
		"sentinel down-after-milliseconds %[1]s 2000\n"+
		"sentinel failover-timeout %[1]s 10000\n"+
		"sentinel parallel-syncs %[1]s 1\n", MasterName, mport)
	for range 3 {
		sc := config{sentinel: true, conf: "sentinel.conf"}
		sn := start(t, sc, func(srv *Server) error {
			return os.WriteFile(filepath.Join(srv.Dir, sc.conf), []byte(conf), 0o600)
		})
		s.Sentinels = append(s.Sentinels, sn)
		s.Addrs = append(s.Addrs, sn.Addr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), failoverTimeout)
	defer cancel()
	if err := s.waitReady(ctx, master.Addr, replica.Addr); err != nil {
		t.Fatalf("redistest: sentinel set not ready: %v", err)
	}
	return s
}

// Client returns a Sentinel-backed failover client for MasterName, closed
// in t.Cleanup.
func (s *Sentinel) Client(t testing.TB) *redis.Client {
	t.Helper()
	c := redis.NewFailoverClient(&redis.FailoverOptions{
		MasterName:            MasterName,
		SentinelAddrs:         s.Addrs,
		ContextTimeoutEnabled: true,
	})
	t.Cleanup(func() {
		if err := c.Close(); err != nil && !errors.Is(err, redis.ErrClosed) {
			t.Errorf("redistest: close failover client: %v", err)
		}
	})
	return c
}

// MasterAddr asks the first sentinel for the current master.
func (s *Sentinel) MasterAddr(ctx context.Context) (string, error) {
	sc := redis.NewSentinelClient(&redis.Options{Addr: s.Addrs[0], ContextTimeoutEnabled: true})
	defer sc.Close()
	hp, err := sc.GetMasterAddrByName(ctx, MasterName).Result()
	if err != nil {
		return "", err
	}
	if len(hp) != 2 {
		return "", fmt.Errorf("get-master-addr-by-name = %q", hp)
	}
	return hp[0] + ":" + hp[1], nil
}

// Failover runs `redis-cli -p <sentinel> SENTINEL FAILOVER mymaster` and
// waits until every sentinel names the replica as master, the replica
// reports role:master and the old master has been turned into its replica
// and is in sync. It returns the new master's address.
//
// Unlike CLUSTER FAILOVER this is not coordinated: writes the old master
// acknowledged in the instant between the promotion and the clients'
// switch can be lost unless the writer waits for replication (WAIT).
func (s *Sentinel) Failover(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), failoverTimeout)
	defer cancel()
	old, err := s.MasterAddr(ctx)
	if err != nil {
		t.Fatalf("redistest: sentinel failover: %v", err)
	}
	next := s.Data[0].Addr
	if next == old {
		next = s.Data[1].Addr
	}
	_, port, _ := strings.Cut(s.Addrs[0], "127.0.0.1:")
	out, err := exec.CommandContext(ctx, findCLI(t), "-p", port, "SENTINEL", "FAILOVER", MasterName).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "OK" {
		t.Fatalf("redistest: redis-cli -p %s SENTINEL FAILOVER %s: %v %s", port, MasterName, err, out)
	}
	if err := s.waitReady(ctx, next, old); err != nil {
		t.Fatalf("redistest: failover from %s to %s: %v", old, next, err)
	}
	return next
}

// waitReady waits until master is master, replica is its replica in sync,
// and every sentinel names master, knows replica and two other sentinels.
func (s *Sentinel) waitReady(ctx context.Context, master, replica string) error {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		if last = s.ready(ctx, master, replica); last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last: %v)", ctx.Err(), last)
		case <-tick.C:
		}
	}
}

func (s *Sentinel) ready(ctx context.Context, master, replica string) error {
	if err := role(ctx, master, "role:master"); err != nil {
		return err
	}
	if err := role(ctx, replica, "role:slave", "master_link_status:up", "master_port:"+portOf(master)); err != nil {
		return err
	}
	for _, a := range s.Addrs {
		sc := redis.NewSentinelClient(&redis.Options{Addr: a, MaxRetries: -1, ContextTimeoutEnabled: true})
		err := sentinelKnows(ctx, sc, master, replica)
		sc.Close()
		if err != nil {
			return fmt.Errorf("sentinel %s: %w", a, err)
		}
	}
	return nil
}

func sentinelKnows(ctx context.Context, sc *redis.SentinelClient, master, replica string) error {
	hp, err := sc.GetMasterAddrByName(ctx, MasterName).Result()
	if err != nil {
		return err
	}
	if len(hp) != 2 || hp[0]+":"+hp[1] != master {
		return fmt.Errorf("master is %q, want %s", hp, master)
	}
	reps, err := sc.Replicas(ctx, MasterName).Result()
	if err != nil {
		return err
	}
	found := false
	for _, r := range reps {
		if r["ip"]+":"+r["port"] == replica && !strings.Contains(r["flags"], "down") && !strings.Contains(r["flags"], "disconnected") {
			found = true
		}
	}
	if !found {
		return fmt.Errorf("replica %s not known or down: %v", replica, reps)
	}
	m, err := sc.Master(ctx, MasterName).Result()
	if err != nil {
		return err
	}
	if m["num-other-sentinels"] != "2" || m["flags"] != "master" {
		return fmt.Errorf("master state %v", m)
	}
	return nil
}

// role checks INFO replication of addr for every want line.
func role(ctx context.Context, addr string, want ...string) error {
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, PoolSize: 1, ContextTimeoutEnabled: true})
	defer c.Close()
	info, err := c.Info(ctx, "replication").Result()
	if err != nil {
		return fmt.Errorf("%s: %w", addr, err)
	}
	for _, w := range want {
		if !strings.Contains(info, w+"\r\n") {
			return fmt.Errorf("%s: no %q in\n%s", addr, w, info)
		}
	}
	return nil
}

func portOf(addr string) string {
	i := strings.LastIndexByte(addr, ':')
	if _, err := strconv.Atoi(addr[i+1:]); err != nil {
		return addr
	}
	return addr[i+1:]
}
