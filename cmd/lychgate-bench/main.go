// Command lychgate-bench measures the relay end to end: it starts a real
// redis-server, a recording next hop and the lychgate binary, sends N
// messages from the shared corpus with C concurrent SMTP clients, and prints
// messages/s, MB/s, p50/p99 latency of the whole SMTP transaction and the
// relay's peak RSS. `make bench` runs it.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/lychgate/lychgate/internal/smtpsink"
)

func main() {
	n := flag.Int("n", 2000, "messages to send")
	c := flag.Int("c", 16, "concurrent clients")
	corpus := flag.String("corpus", "../shared/corpus", "corpus directory (recursively, every file is a message)")
	bin := flag.String("bin", "bin/lychgate", "lychgate binary")
	disable := flag.String("disable", "", "comma-separated scanner ids to switch off ([scanners.<id>] enabled = false), to measure one scanner's share")
	flag.Parse()
	if err := run(*n, *c, *corpus, *bin, *disable); err != nil {
		fmt.Fprintln(os.Stderr, "lychgate-bench:", err)
		os.Exit(1)
	}
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func waitPort(addr string) error {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			return c.Close()
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("nothing listening on %s", addr)
}

func loadCorpus(dir string, n int) ([][]byte, int64, error) {
	var files [][]byte
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && strings.Contains(p, "spamassassin") && !strings.HasSuffix(p, ".md") && !strings.HasSuffix(p, ".tsv") {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			files = append(files, b)
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	if len(files) == 0 {
		return nil, 0, fmt.Errorf("no messages under %s", dir)
	}
	var out [][]byte
	var total int64
	for i := range n {
		m := files[i%len(files)]
		out = append(out, m)
		total += int64(len(m))
	}
	return out, total, nil
}

func run(n, conc int, corpus, bin, disable string) error {
	msgs, total, err := loadCorpus(corpus, n)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "lychgate-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	redisAddr, err := freeAddr()
	if err != nil {
		return err
	}
	_, port, _ := net.SplitHostPort(redisAddr)
	rcmd := exec.Command("redis-server", "--port", port, "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "yes", "--appendfsync", "everysec")
	if err := rcmd.Start(); err != nil {
		return fmt.Errorf("start redis-server (make test-deps installs it): %w", err)
	}
	defer func() { _ = rcmd.Process.Kill(); _ = rcmd.Wait() }()
	if err := waitPort(redisAddr); err != nil {
		return err
	}
	sink, err := smtpsink.Start(smtpsink.Options{})
	if err != nil {
		return err
	}
	defer sink.Close()
	listen, err := freeAddr()
	if err != nil {
		return err
	}
	cfg := fmt.Sprintf(`[relay]
hostname = "bench.test"
listen = %q
trusted_networks = ["10.97.0.0/16"]
max_message_bytes = 26214400
max_recipients = 100
max_connections_per_ip = 1000
# one loopback address plays every sending server
max_connections_per_untrusted_ip = 1000
[next_hop]
inbound = %q
outbound = %q
tls = "none"
[redis]
url = "redis://%s/0"
[log]
level = "warn"
[[school]]
id = "bench"
name = "Bench School"
domains = ["bench.example.sch.uk"]
dsl = ["dsl@bench.example.sch.uk"]
[school.groups]
pupils = ["pupil*@bench.example.sch.uk"]
`, listen, sink.Addr, sink.Addr, redisAddr)
	for id := range strings.SplitSeq(disable, ",") {
		if id = strings.TrimSpace(id); id != "" {
			cfg += fmt.Sprintf("[scanners.%s]\nenabled = false\n", id)
		}
	}
	cfgPath := filepath.Join(dir, "lychgate.toml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		return err
	}
	var logBuf bytes.Buffer
	lcmd := exec.Command(bin, "serve", "--config", cfgPath)
	lcmd.Stderr = &logBuf
	if err := lcmd.Start(); err != nil {
		return fmt.Errorf("start %s (run make build): %w", bin, err)
	}
	defer func() { _ = lcmd.Process.Kill(); _ = lcmd.Wait() }()
	if err := waitPort(listen); err != nil {
		return fmt.Errorf("%w\n%s", err, logBuf.String())
	}

	lat := make([]time.Duration, len(msgs))
	var next atomic.Int64
	var failures atomic.Int64
	var firstErr error
	var errOnce sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for w := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(msgs) {
					return
				}
				t0 := time.Now()
				err := send(listen, fmt.Sprintf("pupil%d@bench.example.sch.uk", w), msgs[i])
				lat[i] = time.Since(t0)
				if err != nil {
					failures.Add(1)
					errOnce.Do(func() { firstErr = err })
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	rss := peakRSS(lcmd.Process.Pid)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p := func(q float64) time.Duration { return lat[int(q*float64(len(lat)-1))] }
	fmt.Printf("lychgate-bench: %d messages (%.1f MB) from %s, %d clients, relay -> sink, Redis AOF on\n", len(msgs), float64(total)/1e6, corpus, conc)
	fmt.Printf("  throughput: %.0f messages/s, %.2f MB/s\n", float64(len(msgs))/elapsed.Seconds(), float64(total)/1e6/elapsed.Seconds())
	fmt.Printf("  latency:    p50 %s, p99 %s, max %s\n", p(0.5).Round(10*time.Microsecond), p(0.99).Round(10*time.Microsecond), lat[len(lat)-1].Round(10*time.Microsecond))
	fmt.Printf("  relay peak RSS: %s\n", rss)
	fmt.Printf("  delivered to sink: %d, failed sends: %d\n", len(sink.Messages()), failures.Load())
	if failures.Load() > 0 {
		return fmt.Errorf("%d sends failed, first: %w", failures.Load(), firstErr)
	}
	return nil
}

func send(addr, rcpt string, data []byte) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("bench.client"); err != nil {
		return err
	}
	if err := c.Mail("sender@example.com", nil); err != nil {
		return err
	}
	if err := c.Rcpt(rcpt, nil); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	// The corpus uses LF line endings; the client's DATA writer sends CRLF.
	if _, err := w.Write(data); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		var se *smtp.SMTPError
		if errors.As(err, &se) && se.Code >= 500 {
			return nil // a policy refusal is a handled message
		}
		return err
	}
	return c.Quit()
}

func peakRSS(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "VmHWM:"))
		}
	}
	return "unknown"
}
