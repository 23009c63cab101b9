package resilience

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/lychgate/lychgate/internal/testutil/redistest"
	"github.com/lychgate/lychgate/quarantine"
	"github.com/lychgate/lychgate/quarantine/quarantinetest"
)

func quoted(addrs []string) string {
	return `"` + strings.Join(addrs, `", "`) + `"`
}

// TestClusterFailoverUnderLoad runs the quarantine (put, two instances
// racing to release and delete), the outbox (two workers) and the relay
// against a real three-master Redis Cluster, and fails over the masters of
// the school's slot and of the outbox's slot while they run.
func TestClusterFailoverUnderLoad(t *testing.T) {
	t.Parallel()
	c := redistest.StartCluster(t, redistest.WithAOF())
	cfg := loadConfig(t, "127.0.0.1:1", "cluster_addrs = ["+quoted(c.Addrs)+"]")
	runLoads(t, cfg, func() {
		t.Logf("failover of the school's slot: new master %s", c.Failover(t, "lg:{"+schoolID+"}:q:idx"))
		t.Logf("failover of the outbox's slot: new master %s", c.Failover(t, "lg:notify"))
	})
}

// TestSentinelFailoverUnderLoad is the same against a Sentinel set.
func TestSentinelFailoverUnderLoad(t *testing.T) {
	t.Parallel()
	s := redistest.StartSentinel(t, redistest.WithAOF())
	cfg := loadConfig(t, "127.0.0.1:1", fmt.Sprintf("sentinel_addrs = [%s]\nmaster_name = %q\nwait_replicas = 1", quoted(s.Addrs), redistest.MasterName))
	runLoads(t, cfg, func() {
		t.Logf("sentinel failover: new master %s", s.Failover(t))
	})
}

// TestQuarantineConformanceOnCluster runs the store's conformance suite on
// the cluster client serve builds: any script or transaction whose keys span slots fails
// here with CROSSSLOT.
func TestQuarantineConformanceOnCluster(t *testing.T) {
	t.Parallel()
	c := redistest.StartCluster(t)
	cc := newClient(t, loadConfig(t, "127.0.0.1:1", "cluster_addrs = ["+quoted(c.Addrs)+"]"))
	var n atomic.Int64
	quarantinetest.TestStore(t, func(t *testing.T) *quarantine.Store {
		return quarantine.New(cc, quarantine.Options{Prefix: fmt.Sprintf("c%d", n.Add(1))})
	})
}
