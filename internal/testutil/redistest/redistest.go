// Package redistest starts a real redis-server for tests.
//
// It owns the lifecycle of a throw-away redis-server process: a free port on
// 127.0.0.1, a data directory under t.TempDir(), readiness by PING (never by
// sleeping), and shutdown in t.Cleanup. Stores are never faked in lychgate
// (STYLE.md §8); tests that need Redis call Start and use their own key prefix
// or database.
//
// If redis-server is not installed the test fails; it is never skipped.
// `make test` installs it (apt-get install -y redis-server). Set
// LYCHGATE_REDIS_SERVER to use a binary that is not on $PATH.
//
// StartCluster starts a real Redis Cluster (three masters, three replicas)
// and StartSentinel a real Sentinel set (one master, one replica, three
// sentinels); both can fail their master over on demand. They need
// redis-cli (Debian's redis-tools, a dependency of redis-server).
//
// Non-goals: TLS set-ups and servers shared across packages. A Server's
// methods may be called from several goroutines.
package redistest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// missingHint is part of the failure message when redis-server is absent.
const missingHint = "`make test` installs redis-server (apt-get install -y redis-server)"

// Timeouts for the server's lifecycle. Generous, because CI machines are
// slow under -race; none of them is a sleep.
const (
	readyTimeout = 15 * time.Second
	stopTimeout  = 15 * time.Second
	pollInterval = 5 * time.Millisecond
	portAttempts = 5
	logTailLines = 30
	logFileName  = "redis.log"
)

// Option changes how Start runs redis-server.
type Option func(*config)

type config struct {
	aof bool
	// cluster makes the server a Redis Cluster node whose bus listens on
	// busPort (see StartCluster).
	cluster bool
	busPort int
	// sentinel runs redis-server --sentinel with conf (a file in Dir
	// holding the monitor lines; Sentinel rewrites it).
	sentinel bool
	conf     string
	// extra arguments, e.g. --replicaof.
	extra []string
}

// WithAOF turns on the append-only file with appendfsync always, so every
// acknowledged write survives Kill and Restart.
func WithAOF() Option {
	return func(c *config) { c.aof = true }
}

// ReplicaOf makes the server a replica of master (--replicaof). Start
// returns once it answers PING; it may still be syncing.
func ReplicaOf(master *Server) Option {
	return func(c *config) {
		c.extra = append(c.extra, "--replicaof", "127.0.0.1", strconv.Itoa(master.port))
	}
}

// Server is one redis-server process started by Start.
type Server struct {
	// Addr is "127.0.0.1:<port>".
	Addr string
	// Dir is the server's working directory: data files and redis.log.
	Dir string

	bin  string
	port int
	cfg  config

	mu   sync.Mutex
	proc *exec.Cmd
	done chan struct{} // closed when proc has exited
}

// Start starts redis-server on a free port with its data in a new directory
// under t.TempDir(), waits until it answers PING and registers Stop with
// t.Cleanup. RDB snapshots are off (--save ""). It fails the test if
// redis-server is missing or does not come up.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	return start(t, cfg, nil)
}

// start starts a server with cfg; prepare, if set, runs once the port is
// chosen and before the process starts (it writes config files).
func start(t testing.TB, cfg config, prepare func(s *Server) error) *Server {
	t.Helper()
	bin, err := findBinary()
	if err != nil {
		t.Fatalf("redistest: %v; %s", err, missingHint)
	}
	s := &Server{Dir: t.TempDir(), bin: bin, cfg: cfg}
	// Registered after t.TempDir, so it runs before the directory is removed.
	t.Cleanup(func() { s.Stop(t) })

	var lastErr error
	for range portAttempts {
		port, err := freePort()
		if err != nil {
			t.Fatalf("redistest: find a free port: %v", err)
		}
		if s.cfg.cluster {
			if s.cfg.busPort, err = freePort(); err != nil {
				t.Fatalf("redistest: find a free port: %v", err)
			}
		}
		s.mu.Lock()
		s.port = port
		s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if prepare != nil {
			if err := prepare(s); err != nil {
				s.mu.Unlock()
				t.Fatalf("redistest: prepare %s: %v", s.Addr, err)
			}
		}
		err = s.startLocked()
		s.mu.Unlock()
		if err == nil {
			return s
		}
		lastErr = err
		if !errors.Is(err, errPortInUse) {
			break
		}
	}
	t.Fatalf("redistest: start redis-server: %v", lastErr)
	return nil
}

// URL returns the server's address as a redis:// URL for database 0.
func (s *Server) URL() string {
	return "redis://" + s.Addr + "/0"
}

// Client returns a client for the server, closed in t.Cleanup. Command
// deadlines follow the ctx (ContextTimeoutEnabled), as lychgate's own
// clients do.
func (s *Server) Client(t testing.TB) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{
		Addr:                  s.Addr,
		ContextTimeoutEnabled: true,
	})
	t.Cleanup(func() {
		if err := c.Close(); err != nil && !errors.Is(err, redis.ErrClosed) {
			t.Errorf("redistest: close client: %v", err)
		}
	})
	return c
}

// Stop shuts the server down gracefully (SIGTERM: Redis flushes the AOF and
// exits) and waits for it to exit. It is a no-op if the server is not
// running.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.signalAndWaitLocked(syscall.SIGTERM); err != nil {
		t.Errorf("redistest: stop %s: %v", s.Addr, err)
	}
}

// Kill sends SIGKILL, as a crash would, and waits for the process to exit.
// It is a no-op if the server is not running.
func (s *Server) Kill(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.signalAndWaitLocked(syscall.SIGKILL); err != nil {
		t.Errorf("redistest: kill %s: %v", s.Addr, err)
	}
}

// Restart stops the server if it is running and starts it again on the same
// port and directory. With WithAOF the data written before is still there.
// It fails the test if the port has been taken in the meantime.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.signalAndWaitLocked(syscall.SIGTERM); err != nil {
		t.Fatalf("redistest: restart %s: stop: %v", s.Addr, err)
	}
	if err := s.startLocked(); err != nil {
		t.Fatalf("redistest: restart %s: %v", s.Addr, err)
	}
}

var errPortInUse = errors.New("port in use")

// startLocked starts the process on s.port and waits until it is ready.
func (s *Server) startLocked() error {
	var args []string
	if s.cfg.sentinel {
		args = append(args, filepath.Join(s.Dir, s.cfg.conf), "--sentinel")
	}
	args = append(args,
		"--port", strconv.Itoa(s.port),
		"--bind", "127.0.0.1",
		"--dir", s.Dir,
		"--logfile", logFileName,
		"--daemonize", "no",
		"--loglevel", "notice",
	)
	switch {
	case s.cfg.sentinel:
		// Sentinel keeps no data.
	case s.cfg.aof:
		args = append(args, "--save", "", "--appendonly", "yes", "--appendfsync", "always")
	default:
		args = append(args, "--save", "", "--appendonly", "no")
	}
	if s.cfg.cluster {
		args = append(args,
			"--cluster-enabled", "yes",
			"--cluster-config-file", "nodes.conf",
			"--cluster-port", strconv.Itoa(s.cfg.busPort),
			"--cluster-node-timeout", strconv.Itoa(int(clusterNodeTimeout/time.Millisecond)))
	}
	args = append(args, s.cfg.extra...)
	logPath := filepath.Join(s.Dir, logFileName)
	// Output before the log file is open (bad arguments) goes there too.
	out, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer out.Close() // the child has its own copy

	cmd := exec.Command(s.bin, args...) //nolint:gosec,noctx // the binary is redis-server, and its lifetime is managed by Stop/Kill, not a ctx
	cmd.Dir = s.Dir
	cmd.Stdout = out
	cmd.Stderr = out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("run %s: %w", s.bin, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait() // the exit status is reported through the log
		close(done)
	}()
	s.proc, s.done = cmd, done

	if err := s.waitReady(cmd.Process.Pid, done); err != nil {
		_ = s.signalAndWaitLocked(syscall.SIGKILL)
		tail := logTail(logPath)
		if strings.Contains(tail, "Address already in use") {
			err = fmt.Errorf("%w: %v", errPortInUse, err)
		}
		return fmt.Errorf("%s: %w\n--- tail of %s ---\n%s", s.Addr, err, logPath, tail)
	}
	return nil
}

// waitReady polls PING until the server answers, and checks that the server
// answering is ours (another test may have grabbed the port first).
func (s *Server) waitReady(pid int, exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	c := redis.NewClient(&redis.Options{
		Addr:                  s.Addr,
		MaxRetries:            -1,
		DialTimeout:           time.Second,
		ReadTimeout:           time.Second,
		WriteTimeout:          time.Second,
		PoolSize:              1,
		ContextTimeoutEnabled: true,
	})
	defer c.Close()

	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	var last error
	for {
		last = checkPID(ctx, c, pid)
		if last == nil {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("redis-server exited before it was ready (last PING: %w)", last)
		case <-ctx.Done():
			return fmt.Errorf("not ready after %v: %w", readyTimeout, last)
		case <-tick.C:
		}
	}
}

func checkPID(ctx context.Context, c *redis.Client, pid int) error {
	if err := c.Ping(ctx).Err(); err != nil {
		return err
	}
	info, err := c.Info(ctx, "server").Result()
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(strings.NewReader(info))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "process_id:"); ok {
			if strings.TrimSpace(v) == strconv.Itoa(pid) {
				return nil
			}
			return fmt.Errorf("%w: another redis-server (pid %s) answers", errPortInUse, strings.TrimSpace(v))
		}
	}
	return errors.New("INFO server has no process_id")
}

// signalAndWaitLocked sends sig and waits for the process to exit. After
// SIGTERM it waits stopTimeout, then escalates to SIGKILL.
func (s *Server) signalAndWaitLocked(sig syscall.Signal) error {
	if s.proc == nil {
		return nil
	}
	defer func() { s.proc, s.done = nil, nil }()
	select {
	case <-s.done:
		return nil // already gone (crashed, or killed by someone else)
	default:
	}
	if err := s.proc.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	t := time.NewTimer(stopTimeout)
	defer t.Stop()
	select {
	case <-s.done:
		return nil
	case <-t.C:
	}
	_ = s.proc.Process.Kill()
	<-s.done
	return fmt.Errorf("did not exit within %v of %v; killed\n--- tail of %s ---\n%s",
		stopTimeout, sig, logFileName, logTail(filepath.Join(s.Dir, logFileName)))
}

func findBinary() (string, error) {
	if p := os.Getenv("LYCHGATE_REDIS_SERVER"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("LYCHGATE_REDIS_SERVER: %w", err)
		}
		return p, nil
	}
	if p, err := exec.LookPath("redis-server"); err == nil {
		return p, nil
	}
	const std = "/usr/bin/redis-server"
	if _, err := os.Stat(std); err == nil {
		return std, nil
	}
	return "", errors.New("redis-server not found in $PATH or " + std)
}

// freePort asks the kernel for a free port. Another process may take it
// before redis-server binds it; Start retries in that case.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	return port, l.Close()
}

// logTail returns the last lines of the log file, for error messages.
func logTail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > logTailLines {
		lines = lines[len(lines)-logTailLines:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}
