package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/lychgate/lychgate/config"
)

// Exit codes, the same for every command (printed by `lychgate help`).
const (
	exitOK = 0
	// exitFailure: the command ran and the answer is no: findings errors
	// in `check`, an entry not found or not held, a file unreadable.
	exitFailure = 1
	// exitUsage: wrong flags or arguments.
	exitUsage = 2
	// exitConfig: the configuration file is missing or invalid.
	exitConfig = 3
	// exitUnavailable: Redis (or a next hop) cannot be reached.
	exitUnavailable = 4
)

const exitCodesHelp = `exit codes:
  0  success
  1  failure: the command ran but did not succeed (an entry not found or not
     held, an unreadable file, a failed send)
  2  usage error: unknown command, flag or argument
  3  configuration error: the file is missing or invalid (file:line: key: problem)
  4  service unavailable: Redis or a next hop cannot be reached`

// exitError carries an exit code with an error that is printed as is.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// errConfigReported means the command printed the configuration's
// problems already; exit 3.
var errConfigReported = &exitError{code: exitConfig, err: errors.New("configuration error")}

// usageError is a usage error of a named (sub)command: a bad flag.
type usageError struct {
	name string
	err  error
}

func (e *usageError) Error() string { return errUsage.Error() + ": " + e.err.Error() }
func (e *usageError) Unwrap() error { return errUsage }

// loadConfigStrict loads the configuration named by the flag,
// $LYCHGATE_CONFIG or the system default; problems are a config error
// (exit 3) with every "file:line: key: problem" line.
func loadConfigStrict(flagValue string) (*config.Config, error) {
	path, explicit := configPath(flagValue)
	cfg, err := config.Load(path)
	if err == nil {
		return cfg, nil
	}
	if errors.Is(err, os.ErrNotExist) && !explicit {
		return nil, &exitError{code: exitConfig, err: fmt.Errorf("no configuration file: %s does not exist (give --config FILE or set LYCHGATE_CONFIG)", path)}
	}
	return nil, &exitError{code: exitConfig, err: err}
}

// openRedis connects to the configured Redis and checks that it answers,
// so a command says "cannot reach Redis at ..." once instead of failing
// later with the client's internals.
//
// It silences go-redis' own log lines (dial retries): a one-shot command
// reports the failure itself, once.
func openRedis(cfg *config.Config) (redis.UniversalClient, error) {
	redis.SetLogger(quietRedis{})
	rdb, err := newRedis(cfg)
	if err != nil {
		return nil, &exitError{code: exitConfig, err: err}
	}
	t := cfg.Redis.Timeout.Duration
	if t <= 0 {
		t = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), t)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		_ = rdb.Close()
		return nil, &exitError{code: exitUnavailable, err: fmt.Errorf("cannot reach Redis at %s: %s", redisWhere(cfg), netReason(err))}
	}
	return rdb, nil
}

type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}

// redisWhere names the Redis server without its password.
func redisWhere(cfg *config.Config) string {
	rc := cfg.Redis
	switch {
	case len(rc.ClusterAddrs) > 0:
		return "cluster " + strings.Join(rc.ClusterAddrs, ", ")
	case len(rc.SentinelAddrs) > 0:
		return "sentinels " + strings.Join(rc.SentinelAddrs, ", ")
	}
	if opt, err := redis.ParseURL(rc.URL); err == nil {
		return opt.Addr
	}
	return "redis.url"
}

// netReason is the short reason of a network error: "connection
// refused", "timed out", "no such host".
func netReason(err error) string {
	var dnsErr *net.DNSError
	var errno syscall.Errno
	switch {
	case errors.As(err, &dnsErr):
		return "no such host " + dnsErr.Name
	case errors.As(err, &errno):
		return errno.Error()
	case errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		return "timed out"
	}
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		s = s[i+2:]
	}
	return s
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// unreachable returns the sentence for a dial failure anywhere in err's
// chain ("cannot reach 127.0.0.1:25: connection refused"), or "".
func unreachable(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		where := ""
		if op.Addr != nil {
			where = " " + op.Addr.String()
		}
		return "cannot reach" + where + ": " + netReason(err)
	}
	return ""
}

// packagePrefixes are the "pkg: " prefixes library errors start with;
// one sentence shows none of them.
var packagePrefixes = []string{"quarantine: ", "notify: ", "users: ", "report: ", "nexthop: ", "live: "}

// exitCode prints err as one sentence after "lychgate CMD: " and returns
// the exit code for it.
func exitCode(cmd, usage string, err error, stderr io.Writer) int {
	var ee *exitError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errReported):
		return exitFailure
	case errors.Is(err, errConfigReported):
		return exitConfig
	case errors.Is(err, errUsage):
		msg := strings.TrimPrefix(err.Error(), errUsage.Error()+": ")
		name := cmd
		var ue *usageError
		if errors.As(err, &ue) {
			name = ue.name
		}
		if text, ok := helpTexts[name]; ok {
			usage, _, _ = strings.Cut(strings.TrimPrefix(strings.TrimLeft(text, "\n"), "usage: lychgate "), "\n")
		}
		fmt.Fprintf(stderr, "lychgate %s: %s\nusage: lychgate %s\nRun 'lychgate help %s' for details.\n", name, msg, usage, name)
		return exitUsage
	case errors.As(err, &ee):
		if ee.code == exitConfig {
			// "file:line: key: problem" lines stand on their own.
			fmt.Fprintln(stderr, ee.err)
		} else {
			fmt.Fprintf(stderr, "lychgate %s: %s\n", cmd, sentence(ee.err))
		}
		return ee.code
	}
	if s := unreachable(err); s != "" {
		fmt.Fprintf(stderr, "lychgate %s: %s\n", cmd, s)
		return exitUnavailable
	}
	fmt.Fprintf(stderr, "lychgate %s: %s\n", cmd, sentence(err))
	return exitFailure
}

// sentence is err's text without the package prefixes repeated along its
// chain ("quarantine: find X: quarantine: entry not found" becomes "find X:
// entry not found").
func sentence(err error) string {
	s := err.Error()
	for _, p := range packagePrefixes {
		s = strings.ReplaceAll(s, p, "")
	}
	return s
}
