package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lychgate/lychgate/quarantine"
)

// chromium returns the browser to drive: $LYCHGATE_CHROMIUM, or Debian's
// chromium on $PATH. Without one the test is skipped on a developer's
// machine and fails in CI (CI set), where scripts/install-test-deps.sh
// installs it.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("LYCHGATE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed; scripts/install-test-deps.sh (run by `make test`) installs it")
	}
	t.Skip("chromium is not installed (apt-get install chromium); the browser tests need it")
	return ""
}

// artefacts is where screenshots go: $LYCHGATE_ARTEFACTS, or _artefacts/web
// at the repository root (ignored by git). t.TempDir would be wiped.
func artefacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("LYCHGATE_ARTEFACTS")
	if dir == "" {
		dir = filepath.Join("..", "_artefacts")
	}
	dir, err := filepath.Abs(filepath.Join(dir, "web"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// browser starts a fresh headless Chromium for the test.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelA := chromedp.NewExecAllocator(t.Context(), opts...)
	t.Cleanup(cancelA)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	ctx, cancelT := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancelT)
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

func shot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	// Grow the viewport to the whole page, then capture it: a full-page
	// capture beyond the viewport leaves out-of-process frames (the
	// sandboxed message body) blank.
	height := eval[int](t, ctx, "Math.max(document.documentElement.scrollHeight, 900)")
	do(t, ctx, "resize for "+name, chromedp.EmulateViewport(1280, int64(min(height, 8000))))
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	do(t, ctx, "reset viewport", chromedp.EmulateReset())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
}

func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// TestBrowserReviewLoop: a DSL signs in with Chromium, finds a quarantined
// message by searching, reads it with the evidence marked, releases it and
// it arrives at the SMTP sink once; records an incident and sees it in the
// report and the audit log. Every page is saved as a screenshot.
func TestBrowserReviewLoop(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := browser(t)
	dir := artefacts(t)
	h.put("a", "Football practice moved", "Practice is on Thursday this week.", false)
	e := h.put("a", "Our little secret", "Hi, don't tell your parents. Please meet me secretly by the gate after school.", false)
	base := h.srv.URL

	do(t, ctx, "open the sign-in page", chromedp.Navigate(base+"/quarantine/"+e.ID), chromedp.WaitVisible(chromedp.CSS("#login")))
	shot(t, ctx, dir, "01-sign-in")
	do(t, ctx, "sign in",
		chromedp.SendKeys(chromedp.CSS("#username"), "dsl-a"),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS("#subject")))
	// Signed in, we land on the page we first asked for.
	if got := eval[string](t, ctx, "document.querySelector('#subject').textContent"); got != "Our little secret" {
		t.Errorf("after sign-in the page shows %q, want the message asked for", got)
	}
	do(t, ctx, "dashboard", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#school-a")))
	if got := eval[string](t, ctx, "document.querySelector('#held-a').textContent"); got != "2" {
		t.Errorf("dashboard: %s held, want 2", got)
	}
	if n := eval[int](t, ctx, "document.querySelectorAll('svg.chart rect').length"); n != 30 {
		t.Errorf("dashboard chart has %d bars, want 30", n)
	}
	shot(t, ctx, dir, "02-dashboard")

	do(t, ctx, "search the quarantine",
		chromedp.Navigate(base+"/quarantine?status=held"), chromedp.WaitVisible(chromedp.CSS("#results")),
		chromedp.SendKeys(chromedp.CSS("#q"), "little secret"),
		chromedp.Click(chromedp.CSS("#search")),
		// The results of this search, not the page before it.
		chromedp.WaitVisible(chromedp.CSS(`#results[data-q="little secret"] a.subject`)))
	if n := eval[int](t, ctx, "document.querySelectorAll('a.subject').length"); n != 1 {
		t.Errorf("search for the subject's words matched %d messages, want 1", n)
	}
	shot(t, ctx, dir, "03-quarantine-list")
	do(t, ctx, "open the message",
		chromedp.Click(chromedp.CSS(`a.subject[href="/quarantine/`+e.ID+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("#findings")))
	if got := eval[[]string](t, ctx, "[...document.querySelectorAll('pre.text mark')].map(m => m.textContent)"); !slices.Contains(got, "meet me secretly") {
		t.Errorf("body marks %q, want the evidence marked", got)
	}
	shot(t, ctx, dir, "04-message")

	do(t, ctx, "release",
		chromedp.SendKeys(chromedp.CSS("#release-reason"), "a parent, checked by phone"),
		chromedp.Click(chromedp.CSS("#release")),
		chromedp.WaitVisible(chromedp.CSS("#done")))
	if got := eval[string](t, ctx, "document.querySelector('#status').textContent"); !strings.HasPrefix(got, "released by dsl-a") {
		t.Errorf("status after release %q", got)
	}
	shot(t, ctx, dir, "05-released")
	wctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	msgs, err := h.sink.Wait(wctx, 1)
	if err != nil {
		t.Fatalf("the released message did not arrive: %v", err)
	}
	if len(msgs) != 1 || !slices.Equal(msgs[0].To, []string{"pupil@a.sch.test"}) || !strings.Contains(string(msgs[0].Data), "meet me secretly") {
		t.Errorf("sink got %+v, want the message once, to its recipient", msgs)
	}

	do(t, ctx, "record an incident",
		chromedp.SendKeys(chromedp.CSS(`input[name="category"]`), "grooming"),
		chromedp.SendKeys(chromedp.CSS(`textarea[name="notes"]`), "Reported to the police liaison."),
		chromedp.Click(chromedp.CSS("#incident-btn")),
		chromedp.WaitVisible(chromedp.CSS("#incident")))
	shot(t, ctx, dir, "06-incident")
	do(t, ctx, "reports", chromedp.Navigate(base+"/reports"), chromedp.WaitVisible(chromedp.CSS("#report")))
	if got := eval[string](t, ctx, "document.querySelector('#report tbody').textContent"); !strings.Contains(got, "grooming") {
		t.Errorf("report %q lacks the incident", got)
	}
	shot(t, ctx, dir, "07-reports")
	do(t, ctx, "audit", chromedp.Navigate(base+"/audit?action=release"), chromedp.WaitVisible(chromedp.CSS("#audit")))
	if got := eval[string](t, ctx, "document.querySelector('#audit tbody').textContent"); !strings.Contains(got, "a parent, checked by phone") {
		t.Errorf("audit %q lacks the release with its reason", got)
	}
	shot(t, ctx, dir, "08-audit")

	got, _, err := h.store.Get(t.Context(), "a", e.ID)
	if err != nil || got.Status != quarantine.StatusReleased || !got.Incident || got.IncidentCategory != "grooming" {
		t.Errorf("entry after the loop: %+v, %v", got, err)
	}
}

// TestBrowserXSS: a quarantined HTML mail full of XSS payloads, opened by
// the DSL in Chromium, runs no script and loads nothing remote: a counting
// server that every payload points at gets no request, and a global the
// payloads set stays unset, in the message page and in the body opened on
// its own.
func TestBrowserXSS(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	var paths atomic.Value
	paths.Store("")
	remote := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		paths.Store(paths.Load().(string) + " " + r.URL.Path)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(remote.Close)
	h := newHarness(t)
	ctx := browser(t)
	dir := artefacts(t)
	e := h.put("a", "Newsletter", xssHTML(remote.URL), true)
	base := h.srv.URL

	do(t, ctx, "sign in",
		chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("#login")),
		chromedp.SendKeys(chromedp.CSS("#username"), "dsl-a"),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS("#school-a")))
	do(t, ctx, "open the XSS message", chromedp.Navigate(base+"/quarantine/"+e.ID), chromedp.WaitVisible(chromedp.CSS("iframe.body")))
	// Navigate returns after the load event, which waits for the frame.
	shot(t, ctx, dir, "09-xss-message")
	if v := eval[string](t, ctx, "typeof window.xssFired"); v != "undefined" {
		t.Errorf("message page: window.xssFired is %s: a payload ran", v)
	}
	if v := eval[string](t, ctx, "document.querySelector('iframe.body').getAttribute('sandbox')"); v != "" {
		t.Errorf("frame sandbox = %q, want \"\" (everything forbidden)", v)
	}
	if v := eval[string](t, ctx, "document.querySelector('iframe.body').getAttribute('srcdoc')"); !strings.Contains(v, "Hello, please meet me secretly.") || strings.Contains(strings.ToLower(v), "<script") {
		t.Errorf("frame srcdoc = %q, want the sanitised text and no script", v)
	}

	// The sanitised body on its own, as a top-level document: still inert.
	do(t, ctx, "open the body alone", chromedp.Navigate(base+"/quarantine/"+e.ID+"/body?part=0"), chromedp.WaitReady(chromedp.CSS("body")))
	shot(t, ctx, dir, "10-xss-body")
	if v := eval[string](t, ctx, "typeof window.xssFired"); v != "undefined" {
		t.Errorf("body document: window.xssFired is %s: a payload ran", v)
	}
	for js, want := range map[string]int{
		"document.scripts.length":                                     0,
		"document.querySelectorAll('[src],[srcset],[poster]').length": 0,
		"[...document.querySelectorAll('a')].filter(a => !/^(https?:|mailto:)/i.test(a.getAttribute('href') || 'https:')).length":                  0,
		"[...document.querySelectorAll('*')].filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length":                             0,
		"document.querySelectorAll('svg,iframe,object,embed,form,base,link:not([href=\"/static/frame.css\"]),meta[http-equiv],body style').length": 0,
	} {
		if got := eval[int](t, ctx, js); got != want {
			t.Errorf("body document: %s = %d, want %d", js, got, want)
		}
	}
	// Try the links and the hover/focus payloads: still nothing.
	do(t, ctx, "click the links", chromedp.Evaluate[chromedp.Void]("document.querySelectorAll('a').forEach(a => a.click()); document.querySelectorAll('p').forEach(p => p.dispatchEvent(new MouseEvent('mouseover')))"))
	if v := eval[string](t, ctx, "typeof window.xssFired"); v != "undefined" {
		t.Errorf("after clicking: window.xssFired is %s", v)
	}
	// A navigation to the remote server would have hit it; load one more
	// page of ours so every request the body page might have made is done.
	do(t, ctx, "dashboard", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#school-a")))
	if n := hits.Load(); n != 0 {
		t.Errorf("the remote server got %d requests (%s): the body loaded something", n, paths.Load())
	}
}

// signIn signs user in through the form.
func signIn(t *testing.T, ctx context.Context, base, user, waitFor string) {
	t.Helper()
	do(t, ctx, "sign in as "+user,
		chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("#login")),
		chromedp.SendKeys(chromedp.CSS("#username"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS(waitFor)))
}

// TestBrowserRoles: what the other roles see in the browser. ICT opens a
// message and gets the findings but no body; the head teacher's dashboard
// has counts and no message list, and a message is refused; the admin
// sees the accounts; the attachment warning; a wrong password.
func TestBrowserRoles(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	dir := artefacts(t)
	base := h.srv.URL
	e := h.put("a", "Our little secret", "Hi, don't tell your parents. Please meet me secretly by the gate after school.", false)
	raw := "From: s@example.com\r\nTo: pupil@a.sch.test\r\nSubject: Homework\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"homework.exe\"\r\n\r\nMZ\r\n--b--\r\n"
	att := &quarantine.Entry{School: "a", From: "s@example.com", Recipients: []string{"pupil@a.sch.test"}, Held: []string{"pupil@a.sch.test"}, Subject: "Homework"}
	if _, err := h.store.Put(t.Context(), att, []byte(raw)); err != nil {
		t.Fatal(err)
	}

	t.Run("ict", func(t *testing.T) {
		ctx := browser(t)
		signIn(t, ctx, base, "ict-a", "#school-a")
		do(t, ctx, "open", chromedp.Navigate(base+"/quarantine/"+e.ID), chromedp.WaitVisible(chromedp.CSS("#findings")))
		text := eval[string](t, ctx, "document.body.innerText")
		if strings.Contains(text, "after school") || !strings.Contains(text, "meet_secretly") || strings.Contains(text, "Release") {
			t.Errorf("ict message page shows the body or actions, or lacks the finding:\n%s", text)
		}
		shot(t, ctx, dir, "11-ict-message")
	})
	t.Run("head", func(t *testing.T) {
		ctx := browser(t)
		signIn(t, ctx, base, "head-a", "#school-a")
		if n := eval[int](t, ctx, "document.querySelectorAll('a[href^=\"/quarantine/\"]').length"); n != 0 {
			t.Errorf("head dashboard links %d messages, want none", n)
		}
		shot(t, ctx, dir, "12-head-dashboard")
		do(t, ctx, "open a message", chromedp.Navigate(base+"/quarantine/"+e.ID), chromedp.WaitVisible(chromedp.CSS("#error")))
		shot(t, ctx, dir, "13-head-refused")
	})
	t.Run("admin", func(t *testing.T) {
		ctx := browser(t)
		signIn(t, ctx, base, "admin", "table.list")
		shot(t, ctx, dir, "14-admin-users")
	})
	t.Run("attachment warning and wrong password", func(t *testing.T) {
		ctx := browser(t)
		signIn(t, ctx, base, "dsl-a", "#school-a")
		do(t, ctx, "attachment", chromedp.Navigate(base+"/quarantine/"+att.ID+"/attachment/0"), chromedp.WaitVisible(chromedp.CSS("a.button")))
		shot(t, ctx, dir, "15-attachment-warning")
		do(t, ctx, "sign out", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#school-a")),
			chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS("#login")))
		do(t, ctx, "wrong password",
			chromedp.SendKeys(chromedp.CSS("#username"), "dsl-a"),
			chromedp.SendKeys(chromedp.CSS("#password"), "not the password"),
			chromedp.Click(chromedp.CSS("#signin")),
			chromedp.WaitVisible(chromedp.CSS("#error")))
		shot(t, ctx, dir, "16-sign-in-failed")
	})
}
