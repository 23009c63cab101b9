package redistest_test

import (
	"fmt"
	"testing"

	"github.com/lychgate/lychgate/internal/testutil/redistest"
)

func TestClusterFailoverKeepsWrites(t *testing.T) {
	t.Parallel()
	c := redistest.StartCluster(t, redistest.WithAOF())
	if len(c.Nodes) != 6 || len(c.Addrs) != 6 {
		t.Fatalf("cluster has %d nodes, want 6", len(c.Nodes))
	}
	cc := c.Client(t)
	ctx := t.Context()
	for i := range 100 {
		if err := cc.Set(ctx, fmt.Sprintf("k%d", i), i, 0).Err(); err != nil {
			t.Fatalf("SET k%d: %v", i, err)
		}
	}
	newMaster := c.Failover(t, "k0")
	if newMaster == "" {
		t.Fatal("Failover returned no address")
	}
	for i := range 100 {
		got, err := cc.Get(ctx, fmt.Sprintf("k%d", i)).Int()
		if err != nil || got != i {
			t.Fatalf("GET k%d after failover = %d, %v; want %d", i, got, err, i)
		}
	}
	// Keys in different slots in one script are refused, as users would see.
	err := cc.Eval(ctx, "return redis.call('MSET', KEYS[1], 1, KEYS[2], 2)", []string{"a", "b"}).Err()
	if err == nil {
		t.Error("EVAL over two slots succeeded, want CROSSSLOT")
	}
}

func TestSentinelFailover(t *testing.T) {
	t.Parallel()
	s := redistest.StartSentinel(t)
	c := s.Client(t)
	ctx := t.Context()
	first, err := s.MasterAddr(ctx)
	if err != nil || first != s.Data[0].Addr {
		t.Fatalf("MasterAddr = %q, %v; want %s", first, err, s.Data[0].Addr)
	}
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatalf("SET: %v", err)
	}
	if got := s.Failover(t); got != s.Data[1].Addr {
		t.Fatalf("Failover = %s, want %s", got, s.Data[1].Addr)
	}
	if got, err := c.Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Fatalf("GET after failover = %q, %v", got, err)
	}
	if err := c.Set(ctx, "k2", "v2", 0).Err(); err != nil {
		t.Fatalf("SET after failover: %v", err)
	}
}
