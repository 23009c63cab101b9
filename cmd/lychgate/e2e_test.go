package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lychgate/lychgate/internal/testutil/redistest"
)

// The black-box tests build the real binary and drive it with real peers:
// swaks as the sending MTA, Postfix's smtp-sink as the school mail server,
// and a real redis-server.

var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lychgate-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binPath = filepath.Join(dir, "lychgate")
	out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build lychgate: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func needTool(t *testing.T, name string) string {
	t.Helper()
	for _, p := range []string{name, "/usr/sbin/" + name, "/usr/bin/" + name} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	t.Fatalf("%s is not installed: `make test` installs it (scripts/install-test-deps.sh)", name)
	return ""
}

// postfixSink runs Postfix's smtp-sink, dumping each transaction into a
// file under the returned directory.
func postfixSink(t *testing.T) (addr, dir string) {
	t.Helper()
	bin := needTool(t, "smtp-sink")
	// smtp-sink drops to nobody, which cannot enter t.TempDir()'s 0700
	// parent, so the dump directory lives directly under the system temp.
	dir, err := os.MkdirTemp("", "lychgate-smtp-sink")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil { //nolint:gosec // see above
		t.Fatal(err)
	}
	addr = freePort(t)
	args := []string{"-d", dir + "/%M.", addr, "20"}
	if os.Geteuid() == 0 {
		args = append([]string{"-u", "nobody"}, args...)
	}
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	waitListening(t, addr)
	return addr, dir
}

// eventually polls cond until it reports true or 15 seconds pass.
func eventually[T any](t *testing.T, cond func() (T, bool)) T {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		v, ok := cond()
		if ok {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 15s")
		}
		time.Sleep(20 * time.Millisecond) // polling an external process's output
	}
}

func waitListening(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond) // polling a port that is coming up
	}
	t.Fatalf("nothing listening on %s", addr)
}

// dumps returns the contents of every message smtp-sink wrote.
func dumps(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	return out
}

// writeFiles writes each file (a path under dir, folders made as needed)
// with its contents.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// waitDump waits until smtp-sink has written a message holding want to
// dir and returns it.
func waitDump(t *testing.T, dir, want string) string {
	t.Helper()
	return eventually(t, func() (string, bool) {
		for _, m := range dumps(t, dir) {
			if strings.Contains(m, want) {
				return m, true
			}
		}
		return "", false
	})
}

type daemon struct {
	t      *testing.T
	cmd    *exec.Cmd
	addr   string
	config string
	log    *syncBuffer
}

// syncBuffer collects a child process's output while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// writeE2EConfig writes the black-box tests' configuration: a relay on
// listen handing all mail to hop, with the test-phrase rule.
func writeE2EConfig(t *testing.T, listen, hop, redisURL string) string {
	t.Helper()
	cfg := fmt.Sprintf(`
[relay]
hostname = "mx.e2e.test"
listen = %q
trusted_networks = ["10.98.0.0/16"]
max_message_bytes = 1048576
max_recipients = 50
shutdown_timeout = "5s"
`, listen) + hopTOML(hop, hop, redisURL) + `
[[school]]
id = "stlaurence"
name = "St Laurence Church Infant School"
domains = ["stlaurence.example.sch.uk"]
dsl = ["dsl@stlaurence.example.sch.uk"]
[school.groups]
staff = ["*@staff.stlaurence.example.sch.uk"]
pupils = ["pupil*@stlaurence.example.sch.uk"]
` + testPhraseRule
	return writeTOML(t, t.TempDir(), cfg)
}

// startE2ERelay starts the usual black-box relay: smtp-sink as the school
// mail server (both next hops), a redis-server started with opts, and
// `lychgate serve` on writeE2EConfig. It returns the daemon (its addr and
// config), the sink's dump directory and the Redis.
func startE2ERelay(t *testing.T, opts ...redistest.Option) (*daemon, string, *redistest.Server) {
	t.Helper()
	hop, dumpDir := postfixSink(t)
	rs := redistest.Start(t, opts...)
	addr := freePort(t)
	config := writeE2EConfig(t, addr, hop, rs.URL())
	return startDaemon(t, config, addr), dumpDir, rs
}

// hopTOML is the [next_hop] (plain SMTP), [scanners.spam] (off) and [redis]
// part of the e2e configurations.
func hopTOML(inbound, outbound, redisURL string) string {
	return fmt.Sprintf(`
[next_hop]
inbound = %q
outbound = %q
tls = "none"

# The spam scanner has its own tests; these check the other scanners'
# findings exactly.
[scanners.spam]
enabled = false

[redis]
url = %q
`, inbound, outbound, redisURL)
}

// testPhraseRule is the rule the e2e tests trip on purpose: "example
// phrase" in a body is a critical safeguarding finding.
const testPhraseRule = `
[[rule]]
id = "test-phrase"
field = "body"
pattern = "(?i)example phrase"
category = "safeguarding"
severity = "critical"
score = 10.0
`

// writeTOML writes cfg as dir/lychgate.toml and returns its path.
func writeTOML(t *testing.T, dir, cfg string) string {
	t.Helper()
	path := filepath.Join(dir, "lychgate.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// startDaemon runs `lychgate serve --config config` and waits until it
// listens on addr; env adds environment variables for the process (e.g.
// SSL_CERT_FILE, to trust a test CA).
func startDaemon(t *testing.T, config, addr string, env ...string) *daemon {
	t.Helper()
	d := &daemon{t: t, addr: addr, config: config, log: &syncBuffer{}}
	d.cmd = exec.Command(binPath, "serve", "--config", config)
	if len(env) > 0 {
		d.cmd.Env = append(os.Environ(), env...)
	}
	d.cmd.Stderr = d.log
	d.cmd.Stdout = d.log
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if d.cmd.ProcessState == nil {
			_ = d.cmd.Process.Kill()
			_ = d.cmd.Wait()
		}
		t.Logf("lychgate log:\n%s", d.log.String())
	})
	waitListening(t, addr)
	return d
}

func (d *daemon) run(args ...string) (string, error) {
	d.t.Helper()
	cmd := exec.Command(binPath, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if err != nil {
		return out.String() + errb.String(), err
	}
	return out.String(), nil
}

func swaks(t *testing.T, addr, from, to, subject, body string) (string, error) {
	t.Helper()
	return swaksFrom(t, "", addr, from, to, subject, body)
}

func TestEndToEndSwaksPostfixSink(t *testing.T) {
	t.Parallel()
	d, dumpDir, _ := startE2ERelay(t, redistest.WithAOF())
	addr, config := d.addr, d.config

	// A clean message is delivered to the school server.
	out, err := swaks(t, addr, "parent@example.com", "head@stlaurence.example.sch.uk", "Sports day", "See you at sports day.")
	if err != nil {
		t.Fatalf("swaks clean: %v\n%s", err, out)
	}
	got := dumps(t, dumpDir)
	if len(got) != 1 || !strings.Contains(got[0], "See you at sports day.") || !strings.Contains(got[0], "X-Lychgate-Verdict: deliver") {
		t.Fatalf("smtp-sink dumps = %q, want the clean message with verdict header", got)
	}

	// A safeguarding hit is quarantined and nothing reaches the school server.
	out, err = swaks(t, addr, "stranger@example.com", "pupil1@stlaurence.example.sch.uk", "hi", "this has the example phrase in it")
	if err != nil {
		t.Fatalf("swaks quarantine: %v\n%s", err, out)
	}
	// Nothing reaches the pupil; the DSL gets an alert.
	alert := eventually(t, func() (string, bool) {
		for _, d := range dumps(t, dumpDir) {
			if strings.Contains(d, "dsl@stlaurence.example.sch.uk") && strings.Contains(d, "X-Lychgate-Notification: alert") {
				return d, true
			}
		}
		return "", false
	})
	if strings.Contains(alert, "this has the example phrase in it") {
		t.Errorf("the DSL alert quotes the whole message: %q", alert)
	}
	for _, d := range dumps(t, dumpDir) {
		if strings.Contains(d, "this has the example phrase in it") {
			t.Errorf("the quarantined message reached the mail server: %q", d)
		}
	}
	list, err := d.run("quarantine", "list", "--config", config, "--json")
	if err != nil {
		t.Fatalf("quarantine list: %v\n%s", err, list)
	}
	var entry struct {
		ID         string   `json:"id"`
		School     string   `json:"school"`
		Status     string   `json:"status"`
		From       string   `json:"from"`
		Recipients []string `json:"recipients"`
		Subject    string   `json:"subject"`
		Categories []string `json:"categories"`
	}
	lines := strings.Split(strings.TrimSpace(list), "\n")
	if len(lines) != 1 {
		t.Fatalf("quarantine list = %q, want one line", list)
	}
	if err := json.Unmarshal([]byte(lines[0]), &entry); err != nil {
		t.Fatalf("quarantine list line %q: %v", lines[0], err)
	}
	if entry.ID == "" || entry.School != "stlaurence" || entry.Status != "held" || entry.From != "stranger@example.com" ||
		len(entry.Recipients) != 1 || entry.Subject != "hi" || len(entry.Categories) != 1 || entry.Categories[0] != "safeguarding" {
		t.Errorf("quarantine entry = %+v", entry)
	}
	show, err := d.run("quarantine", "show", "--config", config, entry.ID)
	if err != nil || !strings.Contains(show, "test-phrase") || !strings.Contains(show, "this has the example phrase in it") {
		t.Errorf("quarantine show = %v\n%s", err, show)
	}

	// SIGTERM drains and exits cleanly.
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := d.cmd.Wait(); err != nil {
		t.Errorf("lychgate serve after SIGTERM: %v", err)
	}
}

// Killing the relay in the middle of DATA leaves the client with a failure
// (so the sending MTA retries) and nothing stored or delivered half.
func TestKilledMidDataLosesNothing(t *testing.T) {
	t.Parallel()
	d, dumpDir, rs := startE2ERelay(t)
	addr := d.addr

	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	r := bufio.NewReader(c)
	expect := func(prefix string) {
		t.Helper()
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			if len(line) >= 4 && line[3] == '-' {
				continue
			}
			if !strings.HasPrefix(line, prefix) {
				t.Fatalf("reply %q, want %s", line, prefix)
			}
			return
		}
	}
	expect("220")
	for _, step := range []struct{ cmd, want string }{
		{"EHLO client.test", "250"},
		{"MAIL FROM:<stranger@example.com>", "250"},
		{"RCPT TO:<pupil1@stlaurence.example.sch.uk>", "250"},
		{"DATA", "354"},
	} {
		fmt.Fprintf(c, "%s\r\n", step.cmd)
		expect(step.want)
	}
	fmt.Fprintf(c, "Subject: half\r\n\r\nthe example phrase and then the relay dies")
	if err := d.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = d.cmd.Wait()
	line, err := r.ReadString('\n')
	if err == nil && strings.HasPrefix(line, "250") {
		t.Fatalf("client got %q after the relay died, want a failure", line)
	}
	if n := len(dumps(t, dumpDir)); n != 0 {
		t.Errorf("smtp-sink has %d messages, want 0", n)
	}
	rdb := rs.Client(t)
	keys, err := rdb.Keys(context.Background(), "*:q:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 0 {
		t.Errorf("redis has quarantine keys %v, want none", keys)
	}
	// The notification worker creates its stream at start; nothing may
	// have been queued for the half message.
	if n, err := rdb.XLen(context.Background(), "lg:notify").Result(); err != nil || n != 0 {
		t.Errorf("outbox holds %d notifications (%v), want 0", n, err)
	}
}

func TestConfigCheck(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.toml")
	if err := os.WriteFile(bad, []byte("[relay]\nhostname = \"x\"\nmax_message_bytes = -1\nbogus = 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(binPath, "config", "check", bad).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitConfig {
		t.Fatalf("config check bad = %v, want exit 3 (configuration error)\n%s", err, out)
	}
	for _, want := range []string{bad + ":3: relay.max_message_bytes:", bad + ":4: relay.bogus:"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("config check output %q lacks %q", out, want)
		}
	}
	out, err = exec.Command(binPath, "config", "check", "../../examples/lychgate.toml").CombinedOutput()
	if err != nil {
		t.Errorf("config check examples/lychgate.toml = %v\n%s", err, out)
	}
}

func TestCheckCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := writeE2EConfig(t, "127.0.0.1:2525", "127.0.0.1:2626", "redis://127.0.0.1:1/0")
	msgs := map[string]string{
		"clean.eml":   "From: parent@example.com\r\nTo: head@stlaurence.example.sch.uk\r\nSubject: Trip\r\n\r\nSee you at sports day.\r\n",
		"sub/hit.eml": "From: stranger@example.com\r\nTo: pupil1@stlaurence.example.sch.uk\r\nSubject: hi\r\n\r\nsay the example phrase\r\n",
	}
	writeFiles(t, dir, msgs)
	out, err := exec.Command(binPath, "check", "--config", cfg, "--json", dir).Output()
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	got := parseCheckJSON(t, out)
	if r := got["clean.eml"]; len(r.Findings) != 0 || len(r.Decisions) != 1 || r.Decisions[0].Action != "deliver" {
		t.Errorf("clean.eml = %+v, want no findings and deliver", r)
	}
	r := got["hit.eml"]
	if len(r.Findings) != 1 || r.Findings[0].Rule != "test-phrase" || r.Findings[0].Severity != "critical" || r.Findings[0].Evidence[0].Text != "example phrase" {
		t.Errorf("hit.eml findings = %+v", r.Findings)
	}
	if len(r.Decisions) != 1 || r.Decisions[0].Action != "quarantine" || !r.Decisions[0].NotifyDSL || r.Decisions[0].Recipient != "pupil1@stlaurence.example.sch.uk" {
		t.Errorf("hit.eml decisions = %+v", r.Decisions)
	}
	// Without --config and with an explicit envelope: built-in defaults.
	cmd := exec.Command(binPath, "check", "--from", "a@example.com", "--to", "b@example.net", "--direction", "outbound", filepath.Join(dir, "clean.eml"))
	cmd.Env = append(os.Environ(), "LYCHGATE_CONFIG=")
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "b@example.net [outbound]: deliver") {
		t.Errorf("check with defaults = %v\n%s", err, out)
	}
	// A missing file is an I/O error: non-zero exit.
	if err := exec.Command(binPath, "check", filepath.Join(dir, "nope.eml")).Run(); err == nil {
		t.Error("check of a missing file exited 0, want non-zero")
	}
}

// Postfix's smtp-source sends 200 messages over 8 parallel sessions, some
// sessions reusing their connection (-d): every one must arrive downstream,
// once. (8, not 10: 127.0.0.1 is untrusted here and may hold 10
// connections; a session that has just QUIT holds its slot until the relay
// sees the close, so 10 sessions could be refused 421 at the banner.)
func TestSMTPSourceLoad(t *testing.T) {
	t.Parallel()
	src := needTool(t, "smtp-source")
	d, dumpDir, _ := startE2ERelay(t)
	const n = 200
	cmd := exec.Command(src, "-s", "8", "-m", fmt.Sprint(n), "-d", "-l", "2048",
		"-f", "load@example.com", "-t", "pupil1@stlaurence.example.sch.uk", "-M", "source.example.com", d.addr)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("smtp-source: %v\n%s", err, out)
	}
	got := eventually(t, func() (int, bool) {
		d := len(dumps(t, dumpDir))
		return d, d >= n
	})
	if got != n {
		t.Errorf("smtp-sink received %d messages, want %d", got, n)
	}
}

// checkResult is one line of `lychgate check --json`.
type checkResult struct {
	File     string `json:"file"`
	Findings []struct {
		Scanner, Rule, Category, Severity, Explanation string
		Score                                          float64
		Evidence                                       []struct{ Text string }
	} `json:"findings"`
	Decisions []struct {
		Recipient  string `json:"recipient"`
		Action     string `json:"action"`
		NotifyDSL  bool   `json:"notify_dsl"`
		WarnSender bool   `json:"warn_sender"`
	} `json:"decisions"`
}

// parseCheckJSON reads `check --json` output, keyed by file base name.
func parseCheckJSON(t *testing.T, out []byte) map[string]checkResult {
	t.Helper()
	got := map[string]checkResult{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var r checkResult
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		got[filepath.Base(r.File)] = r
	}
	return got
}
