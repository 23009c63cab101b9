// Command lychgate-bench measures the relay end to end and prints one table
// (issue 16): on loopback, with the same concurrency for every row, it times
//
//  1. Postfix smtp-source → smtp-sink (the raw SMTP limit of the machine),
//  2. smtp-source → lychgate → smtp-sink with 10 KB messages,
//  3. the shared corpus sent by a lean Go SMTP client → lychgate → smtp-sink
//     (-gosmtp: the go-smtp client and sink, which cost the shared cores
//     more than lychgate's own work per message),
//  4. large mail: concurrent 10 MB messages with an attachment.
//
// Each lychgate row starts a fresh lychgate (every scanner on, clamd off)
// with a real redis-server (AOF on), and reports messages/s, MB/s, latency,
// CPU seconds per message of the lychgate process (utime+stime from
// /proc/<pid>/stat), heap allocations per message (the Go runtime's
// counters on its /metrics) and its peak RSS (VmHWM). `make bench` runs it.
package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/lychgate/lychgate/internal/smtpsink"
)

// rspamdRate is rspamd 3.4's offline scan rate on the shared corpus on this
// machine, from issue 16; row 3 is compared with it.
const rspamdRate = 695.0

type options struct {
	c          int
	rawN       int
	srcN       int
	srcLen     int
	corpusN    int
	corpus     string
	bin        string
	disable    string
	largeN     int
	largeBytes int
	source     string
	sinkBin    string
	rows       string
	profile    string
	goSMTP     bool
}

func main() {
	var o options
	flag.IntVar(&o.c, "c", 20, "concurrent sessions for every row")
	flag.IntVar(&o.rawN, "raw-n", 20000, "messages smtp-source sends straight to smtp-sink (row 1; more than row 2 so its short run time is not noise)")
	flag.IntVar(&o.srcN, "source-n", 4000, "messages smtp-source sends through lychgate (row 2)")
	flag.IntVar(&o.srcLen, "source-len", 10240, "smtp-source message length in bytes (rows 1 and 2)")
	flag.IntVar(&o.corpusN, "n", 0, "corpus messages the Go client sends (row 3); 0 sends every corpus message once")
	flag.StringVar(&o.corpus, "corpus", "../shared/corpus", "corpus directory (its spamassassin messages are sent in row 3)")
	flag.StringVar(&o.bin, "bin", "bin/lychgate", "lychgate binary")
	flag.StringVar(&o.disable, "disable", "", "comma-separated scanner ids to switch off ([scanners.<id>] enabled = false), to measure one scanner's share")
	flag.IntVar(&o.largeN, "large-n", 50, "large messages, all sent at once (row 4); 0 skips the row")
	flag.IntVar(&o.largeBytes, "large-bytes", 10<<20, "size of each large message")
	flag.StringVar(&o.source, "smtp-source", "/usr/sbin/smtp-source", "Postfix smtp-source binary")
	flag.StringVar(&o.sinkBin, "smtp-sink", "/usr/sbin/smtp-sink", "Postfix smtp-sink binary")
	flag.StringVar(&o.rows, "rows", "1,2,3,4", "which rows to run, comma-separated (ratios need rows 1, 2 and 3)")
	flag.StringVar(&o.profile, "profile", "", "directory for CPU and allocation profiles of lychgate under each row (row<N>.cpu, row<N>.alloc); their top entries are printed after the table")
	flag.BoolVar(&o.goSMTP, "gosmtp", false, "row 3 with the go-smtp client and sink (internal/smtpsink) instead of the lean client and Postfix's smtp-sink")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "lychgate-bench:", err)
		os.Exit(1)
	}
}

// row is one line of the table.
type row struct {
	id         string
	name       string
	msgs       int
	bytes      int64
	elapsed    time.Duration
	lat        string // latency column
	cpuPerMsg  float64
	allocs     allocStats // per message, from lychgate's /metrics
	rss        string
	note       string
	hasLychgat bool
}

func (r row) rate() float64 { return float64(r.msgs) / r.elapsed.Seconds() }

func run(o options) error {
	dir, err := os.MkdirTemp("", "lychgate-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if o.profile != "" {
		if err := os.MkdirAll(o.profile, 0o755); err != nil {
			return err
		}
	}
	redisAddr, stopRedis, err := startRedis(dir)
	if err != nil {
		return err
	}
	defer stopRedis()

	want := map[string]bool{}
	for r := range strings.SplitSeq(o.rows, ",") {
		want[strings.TrimSpace(r)] = true
	}
	if o.largeN <= 0 {
		delete(want, "4")
	}
	var rows []row
	var r1, r2, r3 row
	steps := []struct {
		id   string
		name string
		f    func() (row, error)
		keep *row
	}{
		{"1", "smtp-source → smtp-sink", func() (row, error) { return rowRaw(o) }, &r1},
		{"2", "smtp-source → lychgate → smtp-sink", func() (row, error) { return rowSourceRelay(o, dir, redisAddr) }, &r2},
		{"3", "corpus", func() (row, error) { return rowCorpus(o, dir, redisAddr) }, &r3},
		{"4", "large mail", func() (row, error) { return rowLarge(o, dir, redisAddr) }, nil},
	}
	for _, st := range steps {
		if !want[st.id] {
			continue
		}
		r, err := st.f()
		if err != nil {
			return fmt.Errorf("row %s (%s): %w", st.id, st.name, err)
		}
		r.id = st.id
		if st.keep != nil {
			*st.keep = r
		}
		rows = append(rows, r)
	}

	fmt.Printf("\nlychgate-bench: loopback, %d concurrent sessions, every scanner on (clamd off)%s, Redis AOF everysec\n\n", o.c, disabledNote(o.disable))
	fmt.Printf("(MB = 10^6 bytes; latency columns are percentiles of the transaction time through lychgate minus those of the same client straight to the sink)\n\n")
	fmt.Printf("%-42s %7s %9s %9s %8s  %-40s %10s %18s %10s\n", "row", "msgs", "msg/s", "MB/s", "time", "latency (added by lychgate)", "CPU ms/msg", "allocs/msg", "peak RSS")
	for _, r := range rows {
		cpu, allocs, rss := "-", "-", "-"
		if r.hasLychgat {
			cpu = fmt.Sprintf("%.3f", r.cpuPerMsg*1000)
			allocs = r.allocs.String()
			rss = r.rss
		}
		fmt.Printf("%-42s %7d %9.1f %9.2f %7.2fs  %-40s %10s %18s %10s\n", r.id+". "+r.name, r.msgs, r.rate(), float64(r.bytes)/1e6/r.elapsed.Seconds(), r.elapsed.Seconds(), r.lat, cpu, allocs, rss)
	}
	fmt.Println()
	for _, r := range rows {
		if r.note != "" {
			fmt.Printf("  row %s: %s\n", r.id, r.note)
		}
	}
	if r1.msgs > 0 && r2.msgs > 0 {
		fmt.Printf("  ratio row 2 / row 1 (relay vs raw SMTP limit, target ≥ 0.50): %.2f\n", r2.rate()/r1.rate())
	}
	if r3.msgs > 0 {
		fmt.Printf("  ratio row 3 / rspamd offline scan rate %.0f msg/s (target ≥ 3×): %.2f×\n", rspamdRate, r3.rate()/rspamdRate)
	}
	if o.profile != "" {
		for _, r := range rows {
			if r.hasLychgat {
				printProfiles(o, r.id)
			}
		}
	}
	return nil
}

// profileArgs are the serve flags that write row id's profiles.
func profileArgs(o options, id string) []string {
	if o.profile == "" {
		return nil
	}
	return []string{"--cpuprofile", filepath.Join(o.profile, "row"+id+".cpu"), "--memprofile", filepath.Join(o.profile, "row"+id+".alloc")}
}

// printProfiles prints the top of row id's CPU profile (flat and
// cumulative) and of its allocations while serving (start-up subtracted).
func printProfiles(o options, id string) {
	cpu := filepath.Join(o.profile, "row"+id+".cpu")
	alloc := filepath.Join(o.profile, "row"+id+".alloc")
	views := []struct {
		title string
		args  []string
	}{
		{"CPU, flat", []string{"-top", "-nodecount=15", o.bin, cpu}},
		{"CPU, cumulative", []string{"-top", "-cum", "-nodecount=25", o.bin, cpu}},
		{"allocated bytes while serving", []string{"-top", "-sample_index=alloc_space", "-nodecount=15", "-base", alloc + ".base", o.bin, alloc}},
		{"allocated objects while serving", []string{"-top", "-sample_index=alloc_objects", "-nodecount=15", "-base", alloc + ".base", o.bin, alloc}},
	}
	for _, v := range views {
		out, err := exec.Command("go", append([]string{"tool", "pprof"}, v.args...)...).CombinedOutput()
		fmt.Printf("\nrow %s profile: %s (go tool pprof %s)\n", id, v.title, strings.Join(v.args, " "))
		if err != nil {
			fmt.Printf("  go tool pprof failed: %v\n", err)
		}
		fmt.Print(string(out))
	}
}

func disabledNote(d string) string {
	if strings.TrimSpace(d) == "" {
		return ""
	}
	return ", disabled: " + d
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
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			return c.Close()
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("nothing listening on %s", addr)
}

func startRedis(dir string) (string, func(), error) {
	addr, err := freeAddr()
	if err != nil {
		return "", nil, err
	}
	_, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command("redis-server", "--port", port, "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "yes", "--appendfsync", "everysec")
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("start redis-server (make test-deps installs it): %w", err)
	}
	stop := func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
	if err := waitPort(addr); err != nil {
		stop()
		return "", nil, err
	}
	return addr, stop, nil
}

// startPostfixSink starts Postfix's smtp-sink on a free loopback port with
// its delivery counter on; stop ends it and returns how many messages it took.
func startPostfixSink(o options) (string, func() int, error) {
	addr, err := freeAddr()
	if err != nil {
		return "", nil, err
	}
	args := []string{"-c"}
	if os.Geteuid() == 0 {
		args = append(args, "-u", "nobody")
	}
	args = append(args, addr, "1000")
	cmd := exec.Command(o.sinkBin, args...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("start %s (make test-deps installs postfix): %w", o.sinkBin, err)
	}
	stop := func() int {
		time.Sleep(200 * time.Millisecond) // let the last deliveries finish
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		// The counter is rewritten in place: "\rsess=N quit=N mesg=N".
		s := out.String()
		i := strings.LastIndex(s, "mesg=")
		if i < 0 {
			return 0
		}
		n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimRight(s[i+len("mesg="):], "\r\n")))
		return n
	}
	if err := waitPort(addr); err != nil {
		stop()
		return "", nil, fmt.Errorf("%w\n%s", err, out.String())
	}
	return addr, stop, nil
}

// smtpSource runs smtp-source against addr and returns its wall time.
func smtpSource(o options, n int, addr, rcpt string) (time.Duration, error) {
	cmd := exec.Command(o.source, "-s", strconv.Itoa(o.c), "-m", strconv.Itoa(n), "-l", strconv.Itoa(o.srcLen),
		"-f", "sender@example.com", "-t", rcpt, addr)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	t0 := time.Now()
	err := cmd.Run()
	el := time.Since(t0)
	if err != nil {
		return el, fmt.Errorf("%s: %w\n%s", o.source, err, out.String())
	}
	if s := strings.TrimSpace(out.String()); s != "" {
		return el, fmt.Errorf("%s reported errors: %s", o.source, firstLines(s, 5))
	}
	return el, nil
}

func firstLines(s string, n int) string {
	ls := strings.SplitN(s, "\n", n+1)
	if len(ls) > n {
		ls = ls[:n]
	}
	return strings.Join(ls, "\n")
}

func rowRaw(o options) (row, error) {
	sink, stop, err := startPostfixSink(o)
	if err != nil {
		return row{}, err
	}
	el, err := smtpSource(o, o.rawN, sink, "b@bench.example.sch.uk")
	got := stop()
	if err != nil {
		return row{}, err
	}
	return row{name: "smtp-source → smtp-sink (raw)", msgs: o.rawN, bytes: int64(o.rawN) * int64(o.srcLen), elapsed: el,
		lat:  "n/a (smtp-source: run time only)",
		note: fmt.Sprintf("%d messages of %d bytes, a new connection each; smtp-sink counted %d", o.rawN, o.srcLen, got)}, nil
}

// lychgate is a running relay started from the bench's own TOML.
type lychgate struct {
	cmd     *exec.Cmd
	listen  string
	metrics string // the [web] listener that serves /metrics
	log     bytes.Buffer
}

// allocStats are heap allocations: objects and bytes.
type allocStats struct{ objects, bytes float64 }

// allocs reads the Go runtime's cumulative heap allocations of lychgate
// (go_memstats_mallocs_total and go_memstats_alloc_bytes_total on its
// /metrics); zero when they cannot be read.
func (l *lychgate) allocs() allocStats {
	resp, err := http.Get("http://" + l.metrics + "/metrics")
	if err != nil {
		return allocStats{}
	}
	defer resp.Body.Close()
	var a allocStats
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, v, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			continue
		}
		switch name {
		case "go_memstats_mallocs_total":
			a.objects = f
		case "go_memstats_alloc_bytes_total":
			a.bytes = f
		}
	}
	return a
}

// perMessage is the allocation between a0 and a1 for each of n messages.
func perMessage(a0, a1 allocStats, n int) allocStats {
	if n == 0 || a1.objects == 0 {
		return allocStats{}
	}
	return allocStats{(a1.objects - a0.objects) / float64(n), (a1.bytes - a0.bytes) / float64(n)}
}

func (a allocStats) String() string {
	if a.objects == 0 {
		return "-"
	}
	switch {
	case a.bytes >= 1e6:
		return fmt.Sprintf("%.0f / %.1f MB", a.objects, a.bytes/1e6)
	default:
		return fmt.Sprintf("%.0f / %.0f KB", a.objects, a.bytes/1e3)
	}
}

// startLychgate starts lychgate for row id.
func startLychgate(o options, id, dir, redisAddr, nextHop string) (*lychgate, error) {
	listen, err := freeAddr()
	if err != nil {
		return nil, err
	}
	web, err := freeAddr()
	if err != nil {
		return nil, err
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
[web]
listen = %q
[[school]]
id = "bench"
name = "Bench School"
domains = ["bench.example.sch.uk"]
dsl = ["dsl@bench.example.sch.uk"]
[school.groups]
pupils = ["pupil*@bench.example.sch.uk"]
`, listen, nextHop, nextHop, redisAddr, web)
	for id := range strings.SplitSeq(o.disable, ",") {
		if id = strings.TrimSpace(id); id != "" {
			cfg += fmt.Sprintf("[scanners.%s]\nenabled = false\n", id)
		}
	}
	cfgPath := filepath.Join(dir, "lychgate.toml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		return nil, err
	}
	l := &lychgate{listen: listen, metrics: web}
	l.cmd = exec.Command(o.bin, append([]string{"serve", "--config", cfgPath}, profileArgs(o, id)...)...)
	l.cmd.Stderr = &l.log
	if err := l.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s (run make build): %w", o.bin, err)
	}
	if err := waitPort(listen); err != nil {
		l.stop()
		return nil, fmt.Errorf("%w\n%s", err, l.log.String())
	}
	return l, nil
}

// stop ends lychgate: SIGTERM and a wait, so profiles get written (a
// SIGKILL after 30 s).
func (l *lychgate) stop() {
	if l.cmd.ProcessState != nil {
		return
	}
	_ = l.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = l.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = l.cmd.Process.Kill()
		<-done
	}
}

// cpuSeconds is utime+stime of pid from /proc/<pid>/stat.
func cpuSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	// Fields after the parenthesised command name; utime and stime are 14 and 15.
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (u + st) / 100 // USER_HZ is 100 on Linux
}

// ioCalls is the read and write system calls pid made so far (syscr and
// syscw of /proc/<pid>/io: reads that found nothing yet count too), zero
// when unknown.
func ioCalls(pid int) (reads, writes float64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", pid))
	if err != nil {
		return 0, 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		k, v, _ := strings.Cut(line, ": ")
		n, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
		switch k {
		case "syscr":
			reads = n
		case "syscw":
			writes = n
		}
	}
	return reads, writes
}

// ioCallsNote describes the read and write system calls per message
// between two ioCalls readings.
func ioCallsNote(r0, w0, r1, w1 float64, n int) string {
	if r1 == 0 && w1 == 0 {
		return ""
	}
	return fmt.Sprintf("; lychgate made %.1f reads and %.1f writes (system calls) per message", (r1-r0)/float64(n), (w1-w0)/float64(n))
}

// peakRSSBytes is VmHWM of pid from /proc/<pid>/status, 0 when unknown.
func peakRSSBytes(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest)
			if len(f) == 0 {
				return 0
			}
			kb, _ := strconv.ParseFloat(f[0], 64)
			return kb * 1024
		}
	}
	return 0
}

func peakRSS(pid int) string {
	b := peakRSSBytes(pid)
	if b == 0 {
		return "unknown"
	}
	return fmt.Sprintf("%.0f MB", b/1e6)
}

func rowSourceRelay(o options, dir, redisAddr string) (row, error) {
	sink, stop, err := startPostfixSink(o)
	if err != nil {
		return row{}, err
	}
	l, err := startLychgate(o, "2", dir, redisAddr, sink)
	if err != nil {
		stop()
		return row{}, err
	}
	defer l.stop()
	pid := l.cmd.Process.Pid
	c0, a0 := cpuSeconds(pid), l.allocs()
	r0, w0 := ioCalls(pid)
	el, err := smtpSource(o, o.srcN, l.listen, "pupil1@bench.example.sch.uk")
	cpu, a1 := cpuSeconds(pid)-c0, l.allocs()
	r1, w1 := ioCalls(pid)
	got := stop()
	if err != nil {
		return row{}, fmt.Errorf("%w\nlychgate log:\n%s", err, firstLines(l.log.String(), 10))
	}
	return row{name: "smtp-source → lychgate → smtp-sink", msgs: o.srcN, bytes: int64(o.srcN) * int64(o.srcLen), elapsed: el,
		lat: "n/a (smtp-source: run time only)", cpuPerMsg: cpu / float64(o.srcN), allocs: perMessage(a0, a1, o.srcN), rss: peakRSS(pid), hasLychgat: true,
		note: fmt.Sprintf("smtp-source saw every message accepted; smtp-sink counted %d relayed", got) + ioCallsNote(r0, w0, r1, w1, o.srcN)}, nil
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
	if n <= 0 {
		n = len(files)
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

// blast sends msgs to addr with conc clients and returns each message's
// transaction time (connect to QUIT), the wall time and the failures.
// sender sends one message to addr for rcpt; newSender makes one per
// client goroutine (its buffers are not shared).
type sender func(addr, rcpt string, data []byte) error

// goSMTPSender is send, the go-smtp client.
func goSMTPSender() sender { return send }

// leanSender is leanSend; its messages must be in wire form (wireMessage).
func leanSender() sender {
	lc := newLeanConn()
	return func(addr, rcpt string, wire []byte) error { return leanSend(lc, addr, rcpt, wire) }
}

func blast(addr string, conc int, msgs [][]byte, newSender func() sender) ([]time.Duration, time.Duration, error) {
	lat := make([]time.Duration, len(msgs))
	var next, failures atomic.Int64
	var firstErr error
	var errOnce sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for w := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			send := newSender()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(msgs) {
					return
				}
				t0 := time.Now()
				err := send(addr, fmt.Sprintf("pupil%d@bench.example.sch.uk", w), msgs[i])
				lat[i] = time.Since(t0)
				if err != nil {
					failures.Add(1)
					errOnce.Do(func() { firstErr = err })
				}
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if failures.Load() > 0 {
		return lat, el, fmt.Errorf("%d of %d sends failed, first: %w", failures.Load(), len(msgs), firstErr)
	}
	return lat, el, nil
}

func pct(lat []time.Duration, q float64) time.Duration { return lat[int(q*float64(len(lat)-1))] }

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }

func rowCorpus(o options, dir, redisAddr string) (row, error) {
	msgs, total, err := loadCorpus(o.corpus, o.corpusN)
	if err != nil {
		return row{}, err
	}
	// The client and the sink share the two cores with lychgate, so their
	// CPU comes out of its rate: by default the lean client (client.go;
	// the same commands in the same lock step as the go-smtp client, its
	// messages converted to wire form here, once) and Postfix's smtp-sink,
	// as in rows 1 and 2 (it answers pipelined commands in one write, as
	// Postfix's smtpd does). -gosmtp sends with the go-smtp client to the
	// go-smtp sink (internal/smtpsink), as before.
	newSender, sinks := leanSender, postfixSinks(o)
	if o.goSMTP {
		newSender, sinks = goSMTPSender, goSMTPSinks
	} else {
		for i, m := range msgs {
			msgs[i] = wireMessage(m)
		}
	}
	// The baseline: the same client and messages straight to a sink, so the
	// latency columns are what lychgate adds.
	baseAddr, baseStop, err := sinks()
	if err != nil {
		return row{}, err
	}
	base, _, err := blast(baseAddr, o.c, msgs, newSender)
	baseStop()
	if err != nil {
		return row{}, fmt.Errorf("baseline straight to the sink: %w", err)
	}
	sinkAddr, sinkStop, err := sinks()
	if err != nil {
		return row{}, err
	}
	relayed := -1
	defer func() {
		if relayed < 0 {
			sinkStop()
		}
	}()
	l, err := startLychgate(o, "3", dir, redisAddr, sinkAddr)
	if err != nil {
		return row{}, err
	}
	defer l.stop()
	pid := l.cmd.Process.Pid
	c0, a0 := cpuSeconds(pid), l.allocs()
	r0, w0 := ioCalls(pid)
	lat, el, err := blast(l.listen, o.c, msgs, newSender)
	if err != nil {
		return row{}, err
	}
	cpu, a1 := cpuSeconds(pid)-c0, l.allocs()
	r1, w1 := ioCalls(pid)
	rss := peakRSS(pid)
	relayed = sinkStop()
	added := func(q float64) string { return ms(pct(lat, q) - pct(base, q)) }
	client := "lean client, smtp-sink"
	if o.goSMTP {
		client = "go-smtp client and sink"
	}
	return row{name: "corpus, Go client → lychgate → sink", msgs: len(msgs), bytes: total, elapsed: el,
		lat:       fmt.Sprintf("p50 %s p99 %s p99.9 %s ms", added(0.5), added(0.99), added(0.999)),
		cpuPerMsg: cpu / float64(len(msgs)), allocs: perMessage(a0, a1, len(msgs)), rss: rss, hasLychgat: true,
		note: fmt.Sprintf("%d messages (%.1f MB, %s; %s); transaction p50/p99/p99.9 %s/%s/%s ms through lychgate, %s/%s/%s ms straight to the sink; %d delivered, the rest refused or quarantined by policy",
			len(msgs), float64(total)/1e6, o.corpus, client, ms(pct(lat, 0.5)), ms(pct(lat, 0.99)), ms(pct(lat, 0.999)),
			ms(pct(base, 0.5)), ms(pct(base, 0.99)), ms(pct(base, 0.999)), relayed) + ioCallsNote(r0, w0, r1, w1, len(msgs))}, nil
}

// postfixSinks starts Postfix's smtp-sink; stop returns how many messages
// it took.
func postfixSinks(o options) func() (addr string, stop func() int, err error) {
	return func() (string, func() int, error) { return startPostfixSink(o) }
}

// goSMTPSinks starts the go-smtp sink. A few corpus messages have lines
// over go-smtp's 2,000-byte limit: lychgate folds them before they reach
// the sink, but sent straight to it (the baseline) they ended the session
// with a reset. The sink takes them, so both runs send the same messages.
func goSMTPSinks() (string, func() int, error) {
	sink, err := smtpsink.Start(smtpsink.Options{MaxLineLength: 1 << 20})
	if err != nil {
		return "", nil, err
	}
	return sink.Addr, func() int {
		n := len(sink.Messages())
		_ = sink.Close()
		return n
	}, nil
}

// largeMessage is a text part and a base64 attachment of random bytes,
// about size bytes in all.
func largeMessage(i, size int) []byte {
	raw := make([]byte, size*3/4)
	_, _ = rand.Read(raw)
	enc := base64.StdEncoding.EncodeToString(raw)
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: Sender <sender@example.com>\nTo: pupil%d@bench.example.sch.uk\nSubject: term report %d\nMessage-ID: <large%d@example.com>\nDate: Tue, 01 Dec 2026 10:00:00 +0000\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b0\"\n\n", i, i, i)
	b.WriteString("--b0\nContent-Type: text/plain; charset=utf-8\n\nPlease find the report attached.\n\n")
	b.WriteString("--b0\nContent-Type: application/octet-stream; name=\"report.bin\"\nContent-Disposition: attachment; filename=\"report.bin\"\nContent-Transfer-Encoding: base64\n\n")
	for len(enc) > 76 {
		b.WriteString(enc[:76])
		b.WriteByte('\n')
		enc = enc[76:]
	}
	b.WriteString(enc)
	b.WriteString("\n--b0--\n")
	return b.Bytes()
}

func rowLarge(o options, dir, redisAddr string) (row, error) {
	msgs := make([][]byte, o.largeN)
	var total int64
	for i := range msgs {
		msgs[i] = largeMessage(i, o.largeBytes)
		total += int64(len(msgs[i]))
	}
	sink, err := smtpsink.Start(smtpsink.Options{Dir: filepath.Join(dir, "large-sink")})
	if err != nil {
		return row{}, err
	}
	defer sink.Close()
	l, err := startLychgate(o, "4", dir, redisAddr, sink.Addr)
	if err != nil {
		return row{}, err
	}
	defer l.stop()
	pid := l.cmd.Process.Pid
	c0, a0 := cpuSeconds(pid), l.allocs()
	lat, el, err := blast(l.listen, len(msgs), msgs, goSMTPSender) // all at once: every byte in flight together
	if err != nil {
		return row{}, err
	}
	cpu, a1 := cpuSeconds(pid)-c0, l.allocs()
	rss := peakRSSBytes(pid)
	return row{name: fmt.Sprintf("large: %d × %.0f MB at once → lychgate", o.largeN, float64(o.largeBytes)/(1<<20)), msgs: len(msgs), bytes: total, elapsed: el,
		lat:       fmt.Sprintf("transaction p50 %s max %s ms", ms(pct(lat, 0.5)), ms(lat[len(lat)-1])),
		cpuPerMsg: cpu / float64(len(msgs)), allocs: perMessage(a0, a1, len(msgs)), rss: peakRSS(pid), hasLychgat: true,
		note: fmt.Sprintf("peak RSS %.0f MB vs %.0f MB in flight = %.2f× (target ≤ 3×)", rss/1e6, float64(total)/1e6, rss/float64(total))}, nil
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
