package relay

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/redis/go-redis/v9"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/internal/smtpsink"
	"github.com/lychgate/lychgate/internal/testutil/redistest"
	"github.com/lychgate/lychgate/live"
	"github.com/lychgate/lychgate/quarantine"
	"github.com/lychgate/lychgate/scanners"
)

const (
	school   = "school.example.sch.uk"
	pupil    = "pupil1@school.example.sch.uk"
	teacher  = "teacher@school.example.sch.uk"
	outsider = "someone@example.com"
)

// baseTOML is a one-school config; {{...}} are filled in by newEnv.
const baseTOML = `
[relay]
hostname = "relay.test"
listen = "127.0.0.1:0"
trusted_networks = [{{TRUSTED}}]
max_message_bytes = 65536
max_recipients = 5
{{RELAY}}
[next_hop]
inbound = "{{HOP}}"
outbound = "{{HOP}}"
tls = "none"
dial_timeout = "2s"
command_timeout = "5s"

[redis]
url = "redis://127.0.0.1:1/0"

[[school]]
id = "stlaurence"
name = "St Laurence"
domains = ["school.example.sch.uk"]
dsl = ["dsl@school.example.sch.uk"]
[school.groups]
pupils = ["pupil*@school.example.sch.uk"]
staff = ["teacher@school.example.sch.uk"]

[[rule]]
id = "test-phrase"
field = "body"
pattern = "(?i)example phrase"
category = "safeguarding"
severity = "critical"
score = 10.0

[[rule]]
id = "mild-word"
field = "subject"
words = ["bother"]
category = "profanity"
severity = "low"
score = 1.0

[[rule]]
id = "refuse-me"
field = "subject"
words = ["refuse-this-message"]
category = "spam"
severity = "high"
score = 5.0

[[policy]]
id = "staff-see-it-tagged"
categories = ["safeguarding"]
recipient_groups = ["staff"]
action = "tag"

[[policy]]
id = "reject-spam"
categories = ["spam"]
min_severity = "high"
action = "reject"
`

type env struct {
	t     testing.TB
	cfg   *config.Config
	sink  *smtpsink.Sink
	redis *redistest.Server
	store *quarantine.Store
	// holder publishes the relay's runtime; tests swap in a new one to
	// reload.
	holder *live.Holder
	srv    *Server
	addr   string
}

type envOpts struct {
	relayTOML   string // extra [relay] keys
	trusted     bool   // treat 127.0.0.1 as the school's server
	noRedis     bool
	extra       []scanners.Scanner
	deadNextHop bool
	quiet       bool   // log warnings only (benchmarks)
	trustedNets string // trusted_networks list items, instead of trusted
}

func writeConfig(t testing.TB, toml string) *config.Config {
	t.Helper()
	path := filepath.Join(t.TempDir(), "lychgate.toml")
	if err := os.WriteFile(path, []byte(toml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return cfg
}

func newEnv(t testing.TB, o envOpts) *env {
	t.Helper()
	sink, err := smtpsink.Start(smtpsink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sink.Close() })
	hop := sink.Addr
	if o.deadNextHop {
		hop = deadAddr(t)
	}
	trusted := `"10.99.0.0/16"`
	if o.trusted {
		trusted = `"127.0.0.0/8"`
	}
	if o.trustedNets != "" {
		trusted = o.trustedNets
	}
	cfg := writeConfig(t, strings.NewReplacer("{{TRUSTED}}", trusted, "{{RELAY}}", o.relayTOML, "{{HOP}}", hop).Replace(baseTOML))
	return startRelay(t, cfg, sink, o)
}

// startRelay runs a relay for cfg in-process on a free port.
func startRelay(t testing.TB, cfg *config.Config, sink *smtpsink.Sink, opts ...envOpts) *env {
	t.Helper()
	var o envOpts
	if len(opts) > 0 {
		o = opts[0]
	}
	e := &env{t: t, cfg: cfg, sink: sink}
	level := slog.LevelDebug
	if o.quiet {
		level = slog.LevelWarn
	}
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: level}))
	lo := live.Options{Logger: log, Extra: o.extra}
	if !o.noRedis {
		e.redis = redistest.Start(t)
		lo.Redis = e.redis.Client(t)
	}
	rt, err := live.Build(cfg, lo)
	if err != nil {
		t.Fatal(err)
	}
	e.store = rt.Store
	e.holder = live.NewHolder(rt)
	t.Cleanup(e.holder.Close)
	srv, err := New(cfg, Options{Runtime: e.holder, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	})
	e.srv, e.addr = srv, l.Addr().String()
	return e
}

// deadAddr returns a loopback address nothing listens on.
func deadAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// send delivers one message through the relay with go-smtp's client and
// returns the final reply's error (nil for 250).
func (e *env) send(from string, to []string, data string) error {
	e.t.Helper()
	c, err := smtp.Dial(e.addr)
	if err != nil {
		e.t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		return err
	}
	if err := c.Mail(from, nil); err != nil {
		return err
	}
	for _, r := range to {
		if err := c.Rcpt(r, nil); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(data)); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

func code(err error) int {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code
	}
	if err == nil {
		return 250
	}
	return -1
}

func msg(subject, body string) string {
	return "From: Someone <someone@example.com>\r\nTo: pupil1@school.example.sch.uk\r\nSubject: " + subject +
		"\r\nMessage-ID: <" + subject + "@example.com>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\n" + body + "\r\n"
}

// entries lists every quarantine entry of the test school.
func (e *env) entries() []quarantine.Entry {
	e.t.Helper()
	got, _, err := e.store.List(context.Background(), quarantine.ListOptions{School: "stlaurence", Limit: 100})
	if err != nil {
		e.t.Fatal(err)
	}
	return got
}

// stripPrefix returns data after the lines lychgate prepends (Received and
// X-Lychgate-*), and those lines.
func stripPrefix(data []byte) (added string, rest []byte) {
	var b strings.Builder
	for {
		i := bytes.Index(data, []byte("\r\n"))
		if i < 0 {
			return b.String(), data
		}
		line := data[:i+2]
		isOurs := bytes.HasPrefix(line, []byte("Received: from client.test")) || bytes.HasPrefix(line, []byte("X-Lychgate-")) ||
			bytes.HasPrefix(line, []byte("Authentication-Results: relay.test;")) ||
			(b.Len() > 0 && (line[0] == '\t' || line[0] == ' '))
		if !isOurs {
			return b.String(), data
		}
		b.Write(line)
		data = data[i+2:]
	}
}

func TestMain(m *testing.M) {
	// go-redis logs dial failures through a package logger; the Redis-down
	// tests provoke them on purpose.
	redis.SetLogger(quietRedis{})
	os.Exit(m.Run())
}

type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}
