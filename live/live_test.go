package live

import (
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/lychgate/lychgate/config"
)

func testConfig(t *testing.T) *config.Config {
	t.Helper()
	c := config.Default()
	c.Schools = []config.School{{ID: "north", Domains: []string{"north.test"}, DSL: []string{"dsl@north.test"}}}
	c.NextHop.Inbound = "127.0.0.1:1"
	return c
}

func build(t *testing.T, c *config.Config) *Runtime {
	t.Helper()
	rt, err := Build(c, Options{})
	if err != nil {
		t.Fatalf("Build = %v", err)
	}
	return rt
}

// TestSwapKeepsHeldRuntimeOpen: a transaction that acquired the old runtime
// keeps it until it releases; only then is it closed, and new transactions
// get the new one at once.
func TestSwapKeepsHeldRuntimeOpen(t *testing.T) {
	t.Parallel()
	old := build(t, testConfig(t))
	h := NewHolder(old)
	got, release, err := h.Acquire()
	if err != nil || got != old {
		t.Fatalf("Acquire = %p, %v; want the first runtime", got, err)
	}
	c2 := testConfig(t)
	c2.Relay.TrustedNetworks = []string{"10.0.0.0/8"}
	nw := build(t, c2)
	if prev := h.Swap(nw); prev != 1 {
		t.Errorf("Swap returned generation %d, want 1", prev)
	}
	if nw.Gen != 2 {
		t.Errorf("new runtime generation = %d, want 2", nw.Gen)
	}
	if old.refs.Load() != 1 {
		t.Errorf("old runtime refs = %d while held, want 1", old.refs.Load())
	}
	cur, rel2, _ := h.Acquire()
	if cur != nw {
		t.Errorf("Acquire after Swap = gen %d, want the new runtime", cur.Gen)
	}
	rel2()
	release()
	release() // a second call is harmless
	if old.refs.Load() != 0 {
		t.Errorf("old runtime refs = %d after release, want 0 (closed)", old.refs.Load())
	}
	if nw.refs.Load() != 1 {
		t.Errorf("new runtime refs = %d, want 1 (the holder's)", nw.refs.Load())
	}
}

func TestConcurrentAcquireSwap(t *testing.T) {
	t.Parallel()
	h := NewHolder(build(t, testConfig(t)))
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				rt, rel, err := h.Acquire()
				if err != nil {
					t.Error(err)
					return
				}
				if rt.refs.Load() < 1 {
					t.Error("acquired a closed runtime")
				}
				rel()
			}
		}()
	}
	for range 20 {
		h.Swap(build(t, testConfig(t)))
	}
	wg.Wait()
	h.Close()
	if _, _, err := h.Acquire(); err == nil {
		t.Error("Acquire after Close = nil error, want ErrClosed")
	}
}

func TestNeedsRestart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		change   func(c *config.Config)
		restart  []string
		reloaded []string
	}{
		{"nothing", func(*config.Config) {}, nil, nil},
		{"trusted networks reload", func(c *config.Config) { c.Relay.TrustedNetworks = []string{"10.1.0.0/16"} }, nil, []string{"relay.trusted_networks"}},
		{"listen needs restart", func(c *config.Config) { c.Relay.Listen = "0.0.0.0:25" }, []string{"relay.listen"}, nil},
		{"redis needs restart", func(c *config.Config) { c.Redis.URL = "redis://other:6379/0" }, []string{"redis.url"}, nil},
		{"tls files need restart", func(c *config.Config) { c.Relay.TLSCert, c.Relay.TLSKey = "a.pem", "a.key" }, []string{"relay.tls_cert", "relay.tls_key"}, nil},
		{"school added reloads", func(c *config.Config) {
			c.Schools = append(c.Schools, config.School{ID: "south", Domains: []string{"south.test"}})
		}, nil, []string{"school"}},
		{"policy and limits reload", func(c *config.Config) {
			c.Relay.MaxRecipients = 5
			c.Relay.SubjectPrefix = "[x]"
			c.Policy = append(c.Policy, config.PolicyRule{ID: "p", Action: "tag"})
		}, nil, []string{"relay.max_recipients", "relay.subject_prefix", "policy"}},
		{"log level needs restart", func(c *config.Config) { c.Log.Level = "debug" }, []string{"log.level"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, b := testConfig(t), testConfig(t)
			tc.change(b)
			restart, reloaded := NeedsRestart(a, b)
			if !slices.Equal(restart, tc.restart) || !slices.Equal(reloaded, tc.reloaded) {
				t.Errorf("NeedsRestart = %v, %v; want %v, %v", restart, reloaded, tc.restart, tc.reloaded)
			}
		})
	}
}

func TestChangedWatchesFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	csv := filepath.Join(dir, "staff.csv")
	if err := os.WriteFile(csv, []byte("email,first name,last name\nt@north.test,Tess,Ng\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := testConfig(t)
	c.Dir = dir
	c.Schools[0].Directory.Staff = "staff.csv"
	rt := build(t, c)
	if ch := rt.Changed(); len(ch) != 0 {
		t.Fatalf("Changed right after Build = %v, want none", ch)
	}
	later := time.Now().Add(2 * time.Second)
	if err := os.WriteFile(csv, []byte("email,first name,last name\nt@north.test,Tess,Ng\nu@north.test,Uma,Oke\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(csv, later, later); err != nil {
		t.Fatal(err)
	}
	if ch := rt.Changed(); !slices.Equal(ch, []string{csv}) {
		t.Errorf("Changed after editing the staff export = %v, want [%s]", ch, csv)
	}
}
