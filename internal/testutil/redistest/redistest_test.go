package redistest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/lychgate/lychgate/internal/testutil/redistest"
)

func TestStartPingURL(t *testing.T) {
	t.Parallel()
	s := redistest.Start(t)
	if !strings.HasPrefix(s.Addr, "127.0.0.1:") {
		t.Errorf("Addr = %q, want 127.0.0.1:<port>", s.Addr)
	}
	if want := "redis://" + s.Addr + "/0"; s.URL() != want {
		t.Errorf("URL() = %q, want %q", s.URL(), want)
	}
	if _, err := os.Stat(filepath.Join(s.Dir, "redis.log")); err != nil {
		t.Errorf("redis.log in Dir: %v", err)
	}

	opt, err := redis.ParseURL(s.URL())
	if err != nil {
		t.Fatalf("ParseURL(%q): %v", s.URL(), err)
	}
	c := redis.NewClient(opt)
	defer c.Close()
	if err := c.Ping(t.Context()).Err(); err != nil {
		t.Fatalf("PING via URL: %v", err)
	}

	// Snapshots are off by default, and so is the AOF.
	save, err := s.Client(t).ConfigGet(t.Context(), "save").Result()
	if err != nil {
		t.Fatalf("CONFIG GET save: %v", err)
	}
	if save["save"] != "" {
		t.Errorf("save = %q, want empty", save["save"])
	}
}

func TestStopIsIdempotent(t *testing.T) {
	t.Parallel()
	s := redistest.Start(t)
	c := s.Client(t)
	id := runID(t, c)
	s.Stop(t)
	s.Stop(t) // and once more from t.Cleanup

	// Other tests run in parallel and may start a redis-server on the
	// port this one freed, so an answer on it proves nothing by itself:
	// it is a failure only if it comes from the server that was stopped.
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err == nil {
		if got := runID(t, c); got == id {
			t.Fatalf("PING after Stop answered by the stopped server (run_id %s), want an error", id)
		}
	}
}

// runID returns the run_id of the server c talks to, unique to one
// redis-server process.
func runID(t *testing.T, c *redis.Client) string {
	t.Helper()
	info, err := c.Info(t.Context(), "server").Result()
	if err != nil {
		t.Fatalf("INFO server: %v", err)
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "run_id:"); ok {
			return v
		}
	}
	t.Fatalf("INFO server has no run_id: %q", info)
	return ""
}

func TestRestartKeepsDataWithAOF(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		stop func(*redistest.Server, testing.TB)
	}{
		{"after Stop", (*redistest.Server).Stop},
		{"after Kill", (*redistest.Server).Kill},
		{"while running", func(*redistest.Server, testing.TB) {}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := redistest.Start(t, redistest.WithAOF())
			c := s.Client(t)
			addr := s.Addr
			if err := c.Set(t.Context(), "k", "v", 0).Err(); err != nil {
				t.Fatalf("SET: %v", err)
			}
			tc.stop(s, t)
			s.Restart(t)
			if s.Addr != addr {
				t.Errorf("Addr after Restart = %q, want %q", s.Addr, addr)
			}
			got, err := c.Get(t.Context(), "k").Result()
			if err != nil || got != "v" {
				t.Fatalf("GET k after restart = %q, %v; want \"v\", nil", got, err)
			}
		})
	}
}

func TestRestartWithoutAOFLosesData(t *testing.T) {
	t.Parallel()
	s := redistest.Start(t)
	c := s.Client(t)
	if err := c.Set(t.Context(), "k", "v", 0).Err(); err != nil {
		t.Fatalf("SET: %v", err)
	}
	s.Kill(t)
	s.Restart(t)
	if err := c.Get(t.Context(), "k").Err(); !errors.Is(err, redis.Nil) {
		t.Fatalf("GET k after restart without AOF: err = %v, want redis.Nil", err)
	}
}

func TestManyServersInParallel(t *testing.T) {
	t.Parallel()
	for i := range 4 {
		t.Run(string(rune('a'+i)), func(t *testing.T) {
			t.Parallel()
			s := redistest.Start(t)
			if err := s.Client(t).Ping(t.Context()).Err(); err != nil {
				t.Fatalf("PING: %v", err)
			}
		})
	}
}

// fatalTB records Fatalf instead of failing the real test.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper() {}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestMissingBinaryFailsWithHint(t *testing.T) {
	// Not parallel: t.Setenv.
	t.Setenv("LYCHGATE_REDIS_SERVER", filepath.Join(t.TempDir(), "no-such-redis-server"))
	f := &fatalTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		redistest.Start(f)
		t.Error("Start returned, want it to fail the test")
	}()
	<-done
	const want = "`make test` installs redis-server (apt-get install -y redis-server)"
	if !strings.Contains(f.msg, want) {
		t.Errorf("Start with no binary: Fatalf(%q), want it to contain %q", f.msg, want)
	}
}
