package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/lychgate/lychgate/quarantine"
)

// TestPermissions: every role against every route, for an entry of its
// own school and one of another school. Unauthenticated requests get 401
// (API) or a redirect to sign-in (pages); a role without the right gets
// 403; another school's id is 404, like one that never existed.
func TestPermissions(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	a := h.put("a", "Entry A", "Please meet me secretly after school.", false)
	b := h.put("b", "Entry B", "Please meet me secretly after school.", false)
	htmlA := h.put("a", "HTML A", "<p>Please <b>meet me secretly</b></p>", true)

	clients := map[string]*client{"anon": h.anon()}
	for _, u := range []string{"dsl-a", "deputy-a", "ict-a", "head-a", "admin", "dsl-b"} {
		clients[u] = h.login(u)
	}
	tests := []struct {
		name   string
		method string
		path   string
		want   map[string]int // user -> status; missing users are not tried
	}{
		{"dashboard", "GET", "/", map[string]int{"anon": 303, "dsl-a": 200, "deputy-a": 200, "ict-a": 200, "head-a": 200, "admin": 303}},
		{"list page", "GET", "/quarantine", map[string]int{"anon": 303, "dsl-a": 200, "deputy-a": 200, "ict-a": 200, "head-a": 403, "admin": 403}},
		{"list page of another school", "GET", "/quarantine?school=b", map[string]int{"dsl-a": 404, "dsl-b": 200}},
		{"message page", "GET", "/quarantine/" + a.ID, map[string]int{"anon": 303, "dsl-a": 200, "deputy-a": 200, "ict-a": 200, "head-a": 403, "admin": 403, "dsl-b": 404}},
		{"message page of another school", "GET", "/quarantine/" + b.ID, map[string]int{"dsl-a": 404, "deputy-a": 404, "ict-a": 404, "dsl-b": 200}},
		{"unknown id", "GET", "/quarantine/000000000000000000000000", map[string]int{"dsl-a": 404}},
		{"malformed id", "GET", "/quarantine/..%2f..%2fetc", map[string]int{"dsl-a": 404}},
		{"html body frame", "GET", "/quarantine/" + htmlA.ID + "/body?part=0", map[string]int{"anon": 303, "dsl-a": 200, "deputy-a": 200, "ict-a": 403, "head-a": 403, "admin": 403, "dsl-b": 404}},
		{"raw source", "GET", "/quarantine/" + a.ID + "/raw", map[string]int{"anon": 303, "dsl-a": 200, "deputy-a": 403, "ict-a": 403, "head-a": 403, "dsl-b": 404}},
		{"audit log", "GET", "/audit", map[string]int{"anon": 303, "dsl-a": 200, "deputy-a": 403, "ict-a": 403, "head-a": 200, "admin": 200}},
		{"reports", "GET", "/reports", map[string]int{"anon": 303, "dsl-a": 200, "deputy-a": 200, "ict-a": 403, "head-a": 200, "admin": 403}},
		{"reports csv", "GET", "/reports.csv", map[string]int{"dsl-a": 200, "head-a": 200, "ict-a": 403}},
		{"export csv", "GET", "/export.csv?incidents=1", map[string]int{"anon": 303, "dsl-a": 200, "deputy-a": 200, "ict-a": 403, "head-a": 403}},
		{"users", "GET", "/users", map[string]int{"anon": 303, "dsl-a": 403, "head-a": 403, "admin": 200}},
		{"api list", "GET", "/api/quarantine", map[string]int{"anon": 401, "dsl-a": 200, "deputy-a": 200, "ict-a": 200, "head-a": 403, "admin": 403}},
		{"api list of another school", "GET", "/api/quarantine?school=b", map[string]int{"dsl-a": 404, "dsl-b": 200}},
		{"api get", "GET", "/api/quarantine/" + a.ID, map[string]int{"anon": 401, "dsl-a": 200, "deputy-a": 200, "ict-a": 200, "head-a": 403, "admin": 403, "dsl-b": 404}},
		{"api get of another school", "GET", "/api/quarantine/" + b.ID, map[string]int{"dsl-a": 404, "ict-a": 404}},
		{"api unknown endpoint", "GET", "/api/nothing", map[string]int{"anon": 404}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for user, want := range tc.want {
				code, body := clients[user].get(tc.path)
				if code != want {
					t.Errorf("%s %s as %s = %d, want %d\n%.300s", tc.method, tc.path, user, code, want, body)
				}
			}
		})
	}

	// Actions: only dsl and deputy-dsl; another school's id is 404 (and
	// the entry is untouched).
	t.Run("actions", func(t *testing.T) {
		for _, tc := range []struct {
			user, path string
			want       int
		}{
			{"anon", "/api/quarantine/" + a.ID + "/delete", 401},
			{"head-a", "/api/quarantine/" + a.ID + "/delete", 403},
			{"ict-a", "/api/quarantine/" + a.ID + "/release", 403},
			{"admin", "/api/quarantine/" + a.ID + "/release", 403},
			{"dsl-b", "/api/quarantine/" + a.ID + "/release", 404},
			{"dsl-a", "/api/quarantine/" + b.ID + "/delete", 404},
			{"dsl-a", "/api/quarantine/" + a.ID + "/frobnicate", 404},
		} {
			code, body := clients[tc.user].api("POST", tc.path, "", "", true)
			if code != tc.want {
				t.Errorf("POST %s as %s = %d, want %d\n%s", tc.path, tc.user, code, tc.want, body)
			}
		}
		for _, tc := range []struct {
			user, path string
			want       int
		}{
			{"ict-a", "/quarantine/" + a.ID + "/delete", 403},
			{"head-a", "/quarantine/" + a.ID + "/incident", 403},
			{"dsl-b", "/quarantine/" + a.ID + "/delete", 404},
			{"ict-a", "/quarantine/bulk", 403},
		} {
			code, body := clients[tc.user].postForm(tc.path, url.Values{"id": {a.ID}, "action": {"delete"}})
			if code != tc.want {
				t.Errorf("POST %s as %s = %d, want %d\n%.300s", tc.path, tc.user, code, tc.want, body)
			}
		}
		for _, e := range []*quarantine.Entry{a, b} {
			got, _, err := h.store.Get(t.Context(), e.School, e.ID)
			if err != nil || got.Status != quarantine.StatusHeld {
				t.Errorf("%s after refused actions: %v %v, want still held", e.ID, got, err)
			}
		}
	})

	// Bodies: the message page and the API show the body only to roles
	// that may read it.
	t.Run("bodies", func(t *testing.T) {
		for user, wantBody := range map[string]bool{"dsl-a": true, "deputy-a": true, "ict-a": false} {
			_, page := clients[user].get("/quarantine/" + a.ID)
			if got := strings.Contains(page, "after school"); got != wantBody {
				t.Errorf("message page as %s shows the body: %v, want %v", user, got, wantBody)
			}
			if !strings.Contains(page, "meet_secretly") {
				t.Errorf("message page as %s lacks the finding", user)
			}
			_, js := clients[user].get("/api/quarantine/" + a.ID)
			var m map[string]any
			if err := json.Unmarshal([]byte(js), &m); err != nil {
				t.Fatal(err)
			}
			if _, has := m["body"]; has != wantBody {
				t.Errorf("API entry as %s has body: %v, want %v", user, has, wantBody)
			}
			if f, _ := m["findings"].([]any); len(f) != 1 {
				t.Errorf("API entry as %s has findings %v, want 1", user, m["findings"])
			}
		}
	})
}

// TestCSRF: a state-changing request with a session but without its CSRF
// token (form field or header) is refused; a login form without its
// double-submit token too.
func TestCSRF(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	e := h.put("a", "CSRF", "Please meet me secretly.", false)
	c := h.login("dsl-a")
	for _, tc := range []struct {
		name string
		form url.Values
	}{
		{"no token", url.Values{"reason": {"x"}}},
		{"wrong token", url.Values{"csrf": {strings.Repeat("0", 64)}}},
		{"empty token", url.Values{"csrf": {""}}},
	} {
		code, _ := c.post("/quarantine/"+e.ID+"/delete", tc.form)
		if code != http.StatusForbidden {
			t.Errorf("%s: form POST delete = %d, want 403", tc.name, code)
		}
	}
	if code, _ := c.api("POST", "/api/quarantine/"+e.ID+"/delete", "", "", false); code != http.StatusForbidden {
		t.Errorf("API POST with the cookie but no X-CSRF-Token = %d, want 403", code)
	}
	if code, _ := c.post("/logout", nil); code != http.StatusForbidden {
		t.Errorf("sign-out without a token = %d, want 403", code)
	}
	got, _, err := h.store.Get(t.Context(), "a", e.ID)
	if err != nil || got.Status != quarantine.StatusHeld {
		t.Fatalf("after CSRF-less posts: %v %v, want held", got, err)
	}
	// The login form: without the double-submit cookie's value.
	anon := h.anon()
	if code, _ := anon.post("/login", url.Values{"username": {"dsl-a"}, "password": {password}}); code != http.StatusForbidden {
		t.Errorf("login without its CSRF token = %d, want 403", code)
	}
	// With the token the same request works.
	if code, body := c.api("POST", "/api/quarantine/"+e.ID+"/delete", "", `{"reason":"spam"}`, true); code != http.StatusOK {
		t.Errorf("API POST with X-CSRF-Token = %d, want 200\n%s", code, body)
	}
}

// TestAPI: the contract of the JSON API with a personal token, a release
// that arrives at the sink exactly once, and the audit trail.
func TestAPI(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var ids []string
	for i := range 3 {
		ids = append(ids, h.put("a", "API "+string(rune('A'+i)), "Please meet me secretly.", false).ID)
	}
	bID := h.put("b", "API B", "Please meet me secretly.", false).ID
	tok, err := h.users.IssueToken(t.Context(), "trust-dsl")
	if err != nil {
		t.Fatal(err)
	}
	c := h.anon()
	if code, _ := c.api("GET", "/api/quarantine", "lgt_"+strings.Repeat("0", 64), "", false); code != http.StatusUnauthorized {
		t.Errorf("wrong token = %d, want 401", code)
	}

	// Pages of 2 over both schools.
	var seen []string
	cursor := ""
	for range 5 {
		code, body := c.api("GET", "/api/quarantine?limit=2&cursor="+url.QueryEscape(cursor), tok, "", false)
		if code != http.StatusOK {
			t.Fatalf("list = %d\n%s", code, body)
		}
		var page struct {
			Items []map[string]any `json:"items"`
			Next  *string          `json:"next"`
		}
		if err := json.Unmarshal([]byte(body), &page); err != nil || page.Next == nil {
			t.Fatalf("list body %s: %v", body, err)
		}
		for _, it := range page.Items {
			for _, k := range []string{"id", "school", "status", "from", "recipients", "subject", "categories", "severity"} {
				if _, ok := it[k]; !ok {
					t.Errorf("item lacks %q: %v", k, it)
				}
			}
			if it["severity"] != "critical" || it["status"] != "held" {
				t.Errorf("item %v, want held and critical", it)
			}
			seen = append(seen, it["id"].(string))
		}
		if *page.Next == "" {
			break
		}
		cursor = *page.Next
	}
	want := append(slices.Clone(ids), bID)
	slices.Sort(want)
	slices.Sort(seen)
	if !slices.Equal(seen, want) {
		t.Errorf("listed %v, want %v", seen, want)
	}

	// Release once; the second is refused with 409.
	code, body := c.api("POST", "/api/quarantine/"+ids[0]+"/release", tok, `{"reason":"false alarm: a parent"}`, false)
	if code != http.StatusOK || !strings.Contains(body, `"status":"released"`) {
		t.Fatalf("release = %d %s", code, body)
	}
	if code, _ := c.api("POST", "/api/quarantine/"+ids[0]+"/release", tok, "", false); code != http.StatusConflict {
		t.Errorf("second release = %d, want 409", code)
	}
	msgs := h.sink.Messages()
	if len(msgs) != 1 || !slices.Equal(msgs[0].To, []string{"pupil@a.sch.test"}) || !strings.Contains(string(msgs[0].Data), "meet me secretly") {
		t.Errorf("sink got %d messages %+v, want the release once", len(msgs), msgs)
	}
	if code, _ := c.api("POST", "/api/quarantine/"+ids[1]+"/delete", tok, `{"reason":"spam"}`, false); code != http.StatusOK {
		t.Errorf("delete = %d", code)
	}
	if code, _ := c.api("POST", "/api/quarantine/"+ids[2]+"/release", tok, `{"to":["a, b"]}`, false); code != http.StatusBadRequest {
		t.Errorf("release to a malformed address = %d, want 400", code)
	}
	// The next hop refuses: 502, and the message stays held.
	h.sink.RefuseRcpt("pupil@a.sch.test", &smtp.SMTPError{Code: 450, EnhancedCode: smtp.EnhancedCode{4, 2, 0}, Message: "mailbox busy"})
	if code, body := c.api("POST", "/api/quarantine/"+ids[2]+"/release", tok, "", false); code != http.StatusBadGateway || !strings.Contains(body, "still held") {
		t.Errorf("release with the next hop refusing = %d %s, want 502", code, body)
	}
	if got, _, _ := h.store.Get(t.Context(), "a", ids[2]); got == nil || got.Status != quarantine.StatusHeld {
		t.Errorf("after a failed release: %+v, want held", got)
	}
	audit, err := h.store.AuditSearch(t.Context(), quarantine.AuditQuery{School: "a", Who: "trust-dsl"})
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]string{}
	for _, r := range audit {
		if r.ID != "" {
			reasons[r.Action+" "+r.ID] = r.Reason
		}
		if !strings.HasPrefix(r.From, "api ") {
			t.Errorf("audit from %q, want api <ip>", r.From)
		}
	}
	if reasons["release "+ids[0]] != "false alarm: a parent" || reasons["delete "+ids[1]] != "spam" {
		t.Errorf("audit reasons %v", reasons)
	}
}

// TestSessions: sign-out, sign-out everywhere, disabled accounts, the
// absolute timeout, the idle timeout as the session key's TTL, lock-out
// after repeated failures; cookie flags and security headers.
func TestSessions(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	t.Run("cookie and headers", func(t *testing.T) {
		c := h.anon()
		code, body, hdr := c.getH("/login", nil)
		if code != 200 {
			t.Fatal(code)
		}
		for k, want := range map[string]string{
			"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY", "Cache-Control": "no-store",
		} {
			if got := hdr.Get(k); got != want {
				t.Errorf("%s = %q, want %q", k, got, want)
			}
		}
		csp := hdr.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'", "form-action 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("CSP %q lacks %q", csp, want)
			}
		}
		if strings.Contains(body, "<script") {
			t.Errorf("the sign-in page has a script")
		}
		req, _ := http.NewRequestWithContext(t.Context(), "POST", h.srv.URL+"/login", strings.NewReader(url.Values{
			"csrf": {csrfRE.FindStringSubmatch(body)[1]}, "username": {"dsl-a"}, "password": {password}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := c.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		var sess *http.Cookie
		for _, ck := range resp.Cookies() {
			if ck.Name == "lg_session" {
				sess = ck
			}
		}
		if sess == nil || !sess.HttpOnly || sess.SameSite != http.SameSiteStrictMode || sess.Path != "/" {
			t.Errorf("session cookie %+v, want HttpOnly, SameSite=Strict, Path=/", sess)
		}
	})

	t.Run("sign out", func(t *testing.T) {
		c := h.login("dsl-a")
		if code, _ := c.postForm("/logout", nil); code != http.StatusSeeOther {
			t.Errorf("sign out = %d", code)
		}
		if code, _ := c.api("GET", "/api/quarantine", "", "", false); code != http.StatusUnauthorized {
			t.Errorf("after sign-out = %d, want 401", code)
		}
	})

	t.Run("sign out everywhere", func(t *testing.T) {
		c1, c2 := h.login("deputy-a"), h.login("deputy-a")
		if code, _ := c1.postForm("/logout-all", nil); code != http.StatusSeeOther {
			t.Errorf("sign out everywhere = %d", code)
		}
		if code, _ := c2.api("GET", "/api/quarantine", "", "", false); code != http.StatusUnauthorized {
			t.Errorf("other session after sign-out everywhere = %d, want 401", code)
		}
	})

	t.Run("disabled", func(t *testing.T) {
		c := h.login("ict-a")
		if err := h.users.SetDisabled(t.Context(), "ict-a", true); err != nil {
			t.Fatal(err)
		}
		if code, _ := c.api("GET", "/api/quarantine", "", "", false); code != http.StatusUnauthorized {
			t.Errorf("disabled user's session = %d, want 401", code)
		}
	})

	t.Run("absolute timeout", func(t *testing.T) {
		c := h.login("head-a")
		if code, _ := c.get("/"); code != 200 {
			t.Fatalf("dashboard = %d", code)
		}
		h.clock.Add(2*time.Hour + time.Second)
		if code, _ := c.api("GET", "/api/quarantine", "", "", false); code != http.StatusUnauthorized {
			t.Errorf("after the absolute timeout = %d, want 401", code)
		}
	})

	t.Run("lock-out", func(t *testing.T) {
		c := h.anon()
		try := func(pw string) int {
			_, body := c.get("/login")
			code, _ := c.post("/login", url.Values{"csrf": {csrfRE.FindStringSubmatch(body)[1]}, "username": {"admin"}, "password": {pw}})
			return code
		}
		for i := range 5 {
			if code := try("wrong wrong wrong"); code != http.StatusUnauthorized {
				t.Fatalf("failure %d = %d, want 401", i, code)
			}
		}
		if code := try(password); code != http.StatusTooManyRequests {
			t.Errorf("right password while locked = %d, want 429", code)
		}
	})
}

// TestSanitize: HTML mail payloads come out of the body frame inert.
func TestSanitize(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	e := h.put("a", "XSS", xssHTML("http://remote.invalid"), true)
	c := h.login("dsl-a")
	code, body, hdr := c.getH("/quarantine/"+e.ID+"/body?part=0", nil)
	if code != 200 {
		t.Fatalf("body frame = %d", code)
	}
	csp := hdr.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "sandbox", "img-src data:"} {
		if !strings.Contains(csp, want) {
			t.Errorf("frame CSP %q lacks %q", csp, want)
		}
	}
	_, low, _ := strings.Cut(strings.ToLower(body), "<body>")
	for _, bad := range []string{"<script", "onerror", "onload", "onclick", "onmouseover", "javascript:", "expression(", "remote.invalid", "<svg", "<iframe", "<object", "<embed", "<form", "<link", "<meta http-equiv", "src=", "@import", "<base"} {
		if strings.Contains(low, bad) {
			t.Errorf("sanitised body contains %q:\n%s", bad, body)
		}
	}
	if !strings.Contains(body, "Hello") {
		t.Errorf("sanitised body lost the text:\n%s", body)
	}
	_, page := c.get("/quarantine/" + e.ID)
	if strings.Contains(strings.ToLower(page), "<script") || !strings.Contains(page, `sandbox=""`) {
		t.Errorf("message page: a script, or no sandboxed frame")
	}
}

// xssHTML is an HTML mail of XSS payloads; every remote reference points
// at remote.
func xssHTML(remote string) string {
	return `<html><head><base href="` + remote + `/base/"><link rel="stylesheet" href="` + remote + `/css">` +
		`<meta http-equiv="refresh" content="0;url=` + remote + `/refresh">` +
		`<style>@import url(` + remote + `/import); body{background:url(` + remote + `/bg)}</style>` +
		`<script>window.xssFired=1;new Image().src="` + remote + `/script"</script></head>` +
		`<body onload="window.xssFired=2"><p>Hello, please meet me secretly.</p>` +
		`<img src="` + remote + `/pixel.gif" onerror="window.xssFired=3">` +
		`<img src=x onerror=window.xssFired=4>` +
		`<a href="javascript:window.xssFired=5">click</a>` +
		`<a href="JaVaScRiPt:window.xssFired=6">click2</a>` +
		`<div style="width: expression(window.xssFired=7); background-image: url(` + remote + `/divbg)">css</div>` +
		`<svg onload="window.xssFired=8"><image href="` + remote + `/svgimg"/></svg>` +
		`<iframe src="` + remote + `/frame"></iframe><object data="` + remote + `/obj"></object><embed src="` + remote + `/embed">` +
		`<form action="` + remote + `/form"><input name=x autofocus onfocus="window.xssFired=9"></form>` +
		`<video poster="` + remote + `/poster"></video><audio src="` + remote + `/audio"></audio>` +
		`<p onmouseover="window.xssFired=10">hover</p></body></html>`
}

// TestActions: the review actions through the pages: send me a copy (the
// entry stays held; the copy goes to the reviewer), bulk actions, an
// incident with its category in the incidents-only export, the attachment
// download behind a warning, and the open-redirect guard of sign-in.
func TestActions(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.login("dsl-a")
	e := h.put("a", "Copy me", "Please meet me secretly.", false)

	t.Run("send me a copy", func(t *testing.T) {
		code, body := c.postForm("/quarantine/"+e.ID+"/copy", url.Values{"reason": {"evidence for the police"}})
		if code != http.StatusSeeOther {
			t.Fatalf("copy = %d\n%.300s", code, body)
		}
		msgs := h.sink.Messages()
		if len(msgs) != 1 || !slices.Equal(msgs[0].To, []string{"dsl@a.sch.test"}) || msgs[0].From != "lychgate@mx.test" ||
			!strings.Contains(string(msgs[0].Data), "message/rfc822") || !strings.Contains(string(msgs[0].Data), "meet me secretly") {
			t.Fatalf("sink got %+v, want one copy to the DSL", msgs)
		}
		got, raw, err := h.store.Get(t.Context(), "a", e.ID)
		if err != nil || got.Status != quarantine.StatusHeld || raw == nil {
			t.Errorf("after copy: %v %v, want still held", got, err)
		}
		// deputy-a has no address: refused with a clear message.
		code, body = h.login("deputy-a").postForm("/quarantine/"+e.ID+"/copy", nil)
		if code != http.StatusBadRequest || !strings.Contains(body, "no email address") {
			t.Errorf("copy without an address = %d\n%.300s", code, body)
		}
	})

	t.Run("incident and export", func(t *testing.T) {
		code, _ := c.postForm("/quarantine/"+e.ID+"/incident", url.Values{"category": {"grooming"}, "notes": {"=HYPERLINK(\"x\")"}, "reason": {"r"}})
		if code != http.StatusSeeOther {
			t.Fatalf("incident = %d", code)
		}
		h.put("a", "Not an incident", "hello", false)
		code, body := c.get("/export.csv?incidents=1")
		if code != 200 {
			t.Fatalf("export = %d", code)
		}
		rows := strings.Split(strings.TrimSpace(body), "\n")
		if len(rows) != 2 || !strings.HasPrefix(rows[0], "date,school,category,severity,sender,recipients,subject,rule,action,reviewer,id,incident,incident_category,incident_notes") {
			t.Fatalf("export --incidents = %q", rows)
		}
		if !strings.Contains(rows[1], e.ID+",true,grooming,") || !strings.Contains(rows[1], `'=HYPERLINK`) {
			t.Errorf("export row %q, want the id, the incident, its category and the defused notes", rows[1])
		}
		_, all := c.get("/export.csv")
		if n := len(strings.Split(strings.TrimSpace(all), "\n")); n != 3 {
			t.Errorf("full export has %d lines, want 3", n)
		}
		_, rep := c.get("/reports.csv")
		if !strings.Contains(rep, ",grooming,critical,1") {
			t.Errorf("report CSV %q lacks the incident", rep)
		}
	})

	t.Run("bulk", func(t *testing.T) {
		x, y := h.put("a", "Bulk 1", "spam spam", false), h.put("a", "Bulk 2", "spam spam spam", false)
		b := h.put("b", "Bulk B", "spam", false)
		code, _ := c.postForm("/quarantine/bulk", url.Values{"id": {x.ID, y.ID}, "action": {"delete"}, "reason": {"spam"}})
		if code != http.StatusSeeOther {
			t.Fatalf("bulk delete = %d", code)
		}
		for _, id := range []string{x.ID, y.ID} {
			if got, _, _ := h.store.Get(t.Context(), "a", id); got == nil || got.Status != quarantine.StatusDeleted {
				t.Errorf("%s after bulk delete: %+v", id, got)
			}
		}
		if code, _ := c.postForm("/quarantine/bulk", url.Values{"id": {b.ID}, "action": {"delete"}}); code != http.StatusConflict {
			t.Errorf("bulk delete of another school's id = %d, want 409 (not found)", code)
		}
		if got, _, _ := h.store.Get(t.Context(), "b", b.ID); got == nil || got.Status != quarantine.StatusHeld {
			t.Errorf("another school's entry after a bulk delete: %+v", got)
		}
	})

	t.Run("not a problem feeds back", func(t *testing.T) {
		n := h.put("a", "Cake sale", "Cakes on Friday", false)
		if code, _ := c.postForm("/quarantine/"+n.ID+"/not-a-problem", url.Values{"reason": {"a newsletter"}}); code != http.StatusSeeOther {
			t.Fatalf("not a problem = %d", code)
		}
		h.mu.Lock()
		got := slices.Clone(h.feedback)
		h.mu.Unlock()
		if !slices.Equal(got, []string{n.ID + " true"}) {
			t.Errorf("feedback calls %v, want one for %s with its message", got, n.ID)
		}
	})

	t.Run("attachment behind a warning", func(t *testing.T) {
		raw := "From: s@example.com\r\nTo: pupil@a.sch.test\r\nSubject: att\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
			"--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"run\\\".exe\"\r\n\r\nMZ-PROGRAM\r\n--b--\r\n"
		ae := &quarantine.Entry{School: "a", From: "s@example.com", Recipients: []string{"pupil@a.sch.test"}, Held: []string{"pupil@a.sch.test"}, Subject: "att"}
		if _, err := h.store.Put(t.Context(), ae, []byte(raw)); err != nil {
			t.Fatal(err)
		}
		code, body, hdr := c.getH("/quarantine/"+ae.ID+"/attachment/0", nil)
		if code != 200 || !strings.Contains(body, "may be harmful") || hdr.Get("Content-Disposition") != "" {
			t.Fatalf("attachment without confirm = %d %q, want the warning page", code, hdr.Get("Content-Disposition"))
		}
		code, body, hdr = c.getH("/quarantine/"+ae.ID+"/attachment/0?confirm=yes", nil)
		if code != 200 || hdr.Get("Content-Type") != "application/octet-stream" || !strings.HasPrefix(hdr.Get("Content-Disposition"), "attachment;") ||
			!strings.Contains(body, "MZ-PROGRAM") || strings.Contains(hdr.Get("Content-Disposition"), `run".exe`) {
			t.Errorf("download = %d %q %q", code, hdr.Get("Content-Type"), hdr.Get("Content-Disposition"))
		}
		if code, _ := h.login("ict-a").get("/quarantine/" + ae.ID + "/attachment/0?confirm=yes"); code != http.StatusForbidden {
			t.Errorf("ict download = %d, want 403", code)
		}
		audit, _ := h.store.AuditSearch(t.Context(), quarantine.AuditQuery{School: "a", ID: ae.ID})
		if len(audit) == 0 || !strings.Contains(audit[0].Detail, "attachment download") {
			t.Errorf("audit of the download: %+v", audit)
		}
	})

	t.Run("sign-in redirect stays local", func(t *testing.T) {
		anon := h.anon()
		for next, want := range map[string]string{"/quarantine": "/quarantine", "//evil.example/": "/", "https://evil.example/": "/", "/\\evil.example": "/"} {
			_, body := anon.get("/login?next=" + url.QueryEscape(next))
			tok := csrfRE.FindStringSubmatch(body)[1]
			req, _ := http.NewRequestWithContext(t.Context(), "POST", h.srv.URL+"/login", strings.NewReader(url.Values{
				"csrf": {tok}, "username": {"head-a"}, "password": {password}, "next": {next}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			_, _, hdr := anon.do(req)
			if got := hdr.Get("Location"); got != want {
				t.Errorf("next=%q redirects to %q, want %q", next, got, want)
			}
		}
	})

	t.Run("totp sign-in", func(t *testing.T) {
		uri, err := h.users.EnrolTOTP(t.Context(), "head-a")
		if err != nil {
			t.Fatal(err)
		}
		anon := h.anon()
		_, body := anon.get("/login")
		code, body := anon.post("/login", url.Values{"csrf": {csrfRE.FindStringSubmatch(body)[1]}, "username": {"head-a"}, "password": {password}})
		if code != http.StatusUnauthorized || !strings.Contains(body, "authenticator") {
			t.Errorf("sign-in without the code = %d, want 401 asking for it", code)
		}
		code, _ = anon.post("/login", url.Values{"csrf": {csrfRE.FindStringSubmatch(body)[1]}, "username": {"head-a"}, "password": {password},
			"code": {totpNow(t, uri, h.clock.Now())}})
		if code != http.StatusSeeOther {
			t.Errorf("sign-in with the code = %d, want 303", code)
		}
	})

	t.Run("idle timeout is the session TTL", func(t *testing.T) {
		keys, err := redisKeys(t, h, "*:{web}:sess:*")
		if err != nil || len(keys) == 0 {
			t.Fatalf("session keys: %v %v", keys, err)
		}
		for _, ttl := range keys {
			if ttl <= 0 || ttl > 30*time.Minute {
				t.Errorf("session TTL %v, want up to the idle timeout (30m)", ttl)
			}
		}
	})
}

// TestSetConfig: a reloaded configuration that drops a school hides its
// mail at once, from sessions already signed in.
func TestSetConfig(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	e := h.put("b", "Trust", "Please meet me secretly.", false)
	c := h.login("trust-dsl")
	if code, _ := c.get("/quarantine/" + e.ID); code != http.StatusOK {
		t.Fatalf("before reload = %d", code)
	}
	cfg := *h.cfg
	cfg.Schools = cfg.Schools[:1] // only "a"
	h.ws.SetConfig(&cfg)
	if code, _ := c.get("/quarantine/" + e.ID); code != http.StatusNotFound {
		t.Errorf("after dropping school b = %d, want 404", code)
	}
}
