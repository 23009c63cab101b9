package redistest_test

import (
	"context"
	"errors"
	"fmt"
	"net"
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
	s.Stop(t)
	s.Stop(t) // and once more from t.Cleanup

	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err == nil {
		t.Fatal("PING after Stop succeeded, want an error")
	}
	// Nothing listens on the port any more.
	if conn, err := net.DialTimeout("tcp", s.Addr, time.Second); err == nil {
		conn.Close()
		t.Errorf("dial %s after Stop succeeded, want refused", s.Addr)
	}
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
