package web_test

import (
	"context"
	"crypto/sha1" //nolint:gosec // TOTP
	"encoding/base32"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/crypto/bcrypt"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/internal/smtpsink"
	"github.com/lychgate/lychgate/internal/testutil/redistest"
	"github.com/lychgate/lychgate/notify"
	"github.com/lychgate/lychgate/policy"
	"github.com/lychgate/lychgate/quarantine"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/users"
	"github.com/lychgate/lychgate/web"
)

const password = "a long enough password"

var prefixes atomic.Int64

// clock is a settable time source shared by the stores and the UI.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// harness is a review UI on a real redis-server, delivering to a real
// SMTP sink, with one account per role for school "a" and a DSL of
// school "b".
type harness struct {
	t     *testing.T
	srv   *httptest.Server
	store *quarantine.Store
	users *users.Store
	sink  *smtpsink.Sink
	clock *clock
	cfg   *config.Config
	rdb   *redis.Client
	ws    *web.Server

	mu       sync.Mutex
	feedback []string // "id raw-present" per not-a-problem
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	rdb := redistest.Start(t).Client(t)
	sink, err := smtpsink.Start(smtpsink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sink.Close() })
	prefix := fmt.Sprint("web", prefixes.Add(1))
	clk := &clock{t: time.Now()}
	cfg := config.Default()
	cfg.Redis.KeyPrefix = prefix
	cfg.Relay.Hostname = "mx.test"
	cfg.Notify.From = "lychgate@mx.test"
	cfg.Schools = []config.School{
		{ID: "a", Name: "School A", Domains: []string{"a.sch.test"}},
		{ID: "b", Name: "School B", Domains: []string{"b.sch.test"}},
	}
	cfg.Web.SessionIdle.Duration = 30 * time.Minute
	cfg.Web.SessionMax.Duration = 2 * time.Hour
	store := quarantine.New(rdb, quarantine.Options{Prefix: prefix, Now: clk.Now})
	us := users.New(rdb, users.Options{Prefix: prefix, BcryptCost: bcrypt.MinCost, Now: clk.Now})
	mailer := &notify.Mailer{Hostname: "mx.test", Inbound: sink.Addr, Outbound: sink.Addr, TLS: "none",
		DialTimeout: 5 * time.Second, CommandTimeout: 10 * time.Second}
	h := &harness{t: t, store: store, users: us, sink: sink, clock: clk, cfg: cfg, rdb: rdb}
	ws, err := web.New(web.Options{Config: cfg, Store: store, Users: us, Redis: rdb, Deliver: mailer.Send, Now: clk.Now,
		Feedback: func(_ context.Context, e *quarantine.Entry, raw []byte) error {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.feedback = append(h.feedback, e.ID+" "+strconv.FormatBool(raw != nil))
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	h.ws = ws
	h.srv = httptest.NewServer(ws.Handler())
	t.Cleanup(h.srv.Close)
	for _, u := range []users.User{
		{Name: "dsl-a", Role: users.RoleDSL, Schools: []string{"a"}, Email: "dsl@a.sch.test"},
		{Name: "deputy-a", Role: users.RoleDeputyDSL, Schools: []string{"a"}},
		{Name: "ict-a", Role: users.RoleICT, Schools: []string{"a"}},
		{Name: "head-a", Role: users.RoleHead, Schools: []string{"a"}},
		{Name: "admin", Role: users.RoleAdmin},
		{Name: "dsl-b", Role: users.RoleDSL, Schools: []string{"b"}},
		{Name: "trust-dsl", Role: users.RoleDSL, Schools: []string{"a", "b"}},
	} {
		if err := us.Add(t.Context(), u, password); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

// put holds a message for school with one finding whose evidence is in the
// body.
func (h *harness) put(school, subject, body string, html bool) *quarantine.Entry {
	h.t.Helper()
	rcpt := "pupil@" + school + ".sch.test"
	ct := "text/plain; charset=utf-8"
	if html {
		ct = "text/html; charset=utf-8"
	}
	raw := "From: Stranger <stranger@example.com>\r\nTo: " + rcpt + "\r\nSubject: " + subject +
		"\r\nMessage-ID: <" + fmt.Sprint(time.Now().UnixNano()) + "@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: " + ct + "\r\n\r\n" + body + "\r\n"
	e := &quarantine.Entry{
		School: school, Direction: scanners.Inbound, From: "stranger@example.com", Recipients: []string{rcpt}, Held: []string{rcpt},
		Subject: subject, HeaderFrom: "Stranger <stranger@example.com>", RemoteIP: "192.0.2.9",
		Findings: []scanners.Finding{{Scanner: "safeguarding", Rule: "meet_secretly", Category: scanners.Safeguarding, Severity: scanners.Critical,
			Score: 10, Explanation: "an adult asks a pupil to meet in secret",
			Evidence: []scanners.Evidence{{Part: "0", Field: "body", Text: "meet me secretly"}}}},
		Decisions: []policy.Decision{{Recipient: rcpt, School: school, Direction: scanners.Inbound, Action: policy.Quarantine, NotifyDSL: true}},
	}
	if _, err := h.store.Put(h.t.Context(), e, []byte(raw)); err != nil {
		h.t.Fatal(err)
	}
	return e
}

// client is a browser-like HTTP client: a cookie jar, no redirects
// followed.
type client struct {
	h    *harness
	c    *http.Client
	csrf string
}

func (h *harness) anon() *client {
	jar, _ := cookiejar.New(nil)
	return &client{h: h, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// login signs name in through the form and returns its client, with the
// session's CSRF token read from the dashboard.
func (h *harness) login(name string) *client {
	h.t.Helper()
	c := h.anon()
	code, body := c.get("/login")
	m := csrfRE.FindStringSubmatch(body)
	if code != http.StatusOK || m == nil {
		h.t.Fatalf("GET /login = %d without a csrf field", code)
	}
	code, body = c.post("/login", url.Values{"csrf": {m[1]}, "username": {name}, "password": {password}})
	if code != http.StatusSeeOther {
		h.t.Fatalf("sign-in of %s = %d, want 303\n%s", name, code, body)
	}
	req, _ := http.NewRequestWithContext(h.t.Context(), http.MethodGet, h.srv.URL+"/", nil)
	code, body, hdr := c.do(req)
	if code == http.StatusSeeOther { // admin: to the users page
		code, body = c.get(hdr.Get("Location"))
	}
	m = csrfRE.FindStringSubmatch(body)
	if code != http.StatusOK || m == nil {
		h.t.Fatalf("dashboard of %s = %d without a csrf field\n%s", name, code, body)
	}
	c.csrf = m[1]
	return c
}

func (c *client) do(req *http.Request) (int, string, http.Header) {
	c.h.t.Helper()
	resp, err := c.c.Do(req)
	if err != nil {
		c.h.t.Fatal(err)
	}
	defer resp.Body.Close() //nolint:errcheck // read fully
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func (c *client) get(path string) (int, string) {
	c.h.t.Helper()
	req, _ := http.NewRequestWithContext(c.h.t.Context(), http.MethodGet, c.h.srv.URL+path, nil)
	code, body, _ := c.do(req)
	return code, body
}

func (c *client) getH(path string, hdr http.Header) (int, string, http.Header) {
	c.h.t.Helper()
	req, _ := http.NewRequestWithContext(c.h.t.Context(), http.MethodGet, c.h.srv.URL+path, nil)
	for k, v := range hdr {
		req.Header[k] = v
	}
	return c.do(req)
}

func (c *client) post(path string, form url.Values) (int, string) {
	c.h.t.Helper()
	req, _ := http.NewRequestWithContext(c.h.t.Context(), http.MethodPost, c.h.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	code, body, _ := c.do(req)
	return code, body
}

// postForm posts with the session's CSRF token.
func (c *client) postForm(path string, form url.Values) (int, string) {
	c.h.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", c.csrf)
	return c.post(path, form)
}

// api calls the JSON API with a bearer token ("" for none) or, with
// csrf set, with the session cookie and the X-CSRF-Token header.
func (c *client) api(method, path, token, body string, csrf bool) (int, string) {
	c.h.t.Helper()
	req, _ := http.NewRequestWithContext(c.h.t.Context(), method, c.h.srv.URL+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if csrf {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	req.Header.Set("Content-Type", "application/json")
	code, b, _ := c.do(req)
	return code, b
}

// totpNow is the current code of an otpauth:// URI.
func totpNow(t *testing.T, uri string, now time.Time) string {
	t.Helper()
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(u.Query().Get("secret"))
	if err != nil {
		t.Fatal(err)
	}
	return users.TOTP(sha1.New, key, now, 30*time.Second, 6)
}

// redisKeys returns the TTL of every key matching pattern.
func redisKeys(t *testing.T, h *harness, pattern string) (map[string]time.Duration, error) {
	t.Helper()
	out := map[string]time.Duration{}
	keys, err := h.rdb.Keys(t.Context(), pattern).Result()
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		d, err := h.rdb.PTTL(t.Context(), k).Result()
		if err != nil {
			return nil, err
		}
		out[k] = d
	}
	return out, nil
}
