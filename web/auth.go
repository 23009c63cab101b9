package web

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/lychgate/lychgate/quarantine"
	"github.com/lychgate/lychgate/users"
)

func equalToken(got, want string) bool {
	return got != "" && want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// localPath returns next if it is a path on this site, else "/".
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\r\n") {
		return "/"
	}
	return next
}

// fail answers an error: JSON {"error": msg} for the API, a page otherwise.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, k kind, code int, msg string) {
	if k == api {
		writeJSON(w, code, map[string]string{"error": msg})
		return
	}
	if code == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="lychgate"`)
	}
	s.render(w, r, code, "error", map[string]any{"Title": http.StatusText(code), "Code": code, "Message": msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

func (s *Server) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteStrictMode}
}

// loginPage shows the sign-in form. The form carries a login CSRF token
// that must match a cookie set here (double submit), so another site
// cannot sign a browser in to an account of its choosing.
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.showLogin(w, r, http.StatusOK, "", "")
}

func (s *Server) showLogin(w http.ResponseWriter, r *http.Request, code int, username, msg string) {
	tok := randomToken()
	http.SetCookie(w, s.cookie(cookieLogin, tok, 600))
	s.render(w, r, code, "login", map[string]any{"Title": "Sign in", "CSRF": tok, "Next": localPath(r.FormValue("next")),
		"Username": username, "Error": msg})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.showLogin(w, r, http.StatusBadRequest, "", "The form could not be read.")
		return
	}
	c, err := r.Cookie(cookieLogin)
	if err != nil || !equalToken(r.PostFormValue("csrf"), c.Value) {
		s.showLogin(w, r, http.StatusForbidden, "", "The sign-in form expired or did not come from this site. Please try again.")
		return
	}
	name := strings.ToLower(strings.TrimSpace(r.PostFormValue("username")))
	u, err := s.users.Authenticate(r.Context(), name, r.PostFormValue("password"), r.PostFormValue("code"))
	var locked *users.LockedError
	switch {
	case err == nil:
	case errors.As(err, &locked):
		s.showLogin(w, r, http.StatusTooManyRequests, name, "Too many failed attempts: this account is locked until "+
			locked.Until.Local().Format("15:04:05")+". Try again then, or ask the administrator.")
		return
	case errors.Is(err, users.ErrTOTPRequired):
		s.showLogin(w, r, http.StatusUnauthorized, name, "Enter the code from your authenticator app as well.")
		return
	case errors.Is(err, users.ErrBadCredentials):
		s.showLogin(w, r, http.StatusUnauthorized, name, "Wrong user name, password or code.")
		return
	default:
		s.log.Error("sign-in failed", "err", err)
		s.showLogin(w, r, http.StatusServiceUnavailable, name, "Sign-in is unavailable right now; try again shortly.")
		return
	}
	if old, err := r.Cookie(cookieSession); err == nil && len(old.Value) == 64 {
		_ = s.rdb.Del(r.Context(), s.sessionKey(old.Value)).Err() // a new sign-in never reuses a session
	}
	id, err := s.newSession(r.Context(), u.Name, u.Generation)
	if err != nil {
		s.log.Error("sign-in failed", "err", err)
		s.showLogin(w, r, http.StatusServiceUnavailable, name, "Sign-in is unavailable right now; try again shortly.")
		return
	}
	p := &principal{user: u}
	for _, sc := range s.config().Schools {
		if u.HasSchool(sc.ID) {
			_ = s.quarantine().Audit(r.Context(), sc.ID, p.actor(r, "").Record(quarantine.ActionSignIn, ""))
		}
	}
	http.SetCookie(w, s.cookie(cookieLogin, "", -1))
	http.SetCookie(w, s.cookie(cookieSession, id, 0))
	http.Redirect(w, r, localPath(r.PostFormValue("next")), http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, p *principal) {
	if p.sess != nil {
		if err := s.endSession(r.Context(), p.sess); err != nil {
			s.log.Error("sign-out failed", "err", err)
		}
	}
	s.auditAll(r, p, quarantine.ActionSignOut, "")
	http.SetCookie(w, s.cookie(cookieSession, "", -1))
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// logoutAll ends every session of the user, on every device.
func (s *Server) logoutAll(w http.ResponseWriter, r *http.Request, p *principal) {
	if err := s.users.SignOutEverywhere(r.Context(), p.user.Name); err != nil {
		s.fail(w, r, page, http.StatusServiceUnavailable, "could not sign out everywhere; try again")
		return
	}
	s.auditAll(r, p, quarantine.ActionSignOut, "everywhere")
	http.SetCookie(w, s.cookie(cookieSession, "", -1))
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// auditAll records an action that concerns no one entry in each of the
// user's schools' audit streams.
func (s *Server) auditAll(r *http.Request, p *principal, action, detail string) {
	s.auditSchools(r, p, p.schools, action, detail)
}

// auditSchools records an action that concerns no one entry in each of
// schools' audit streams.
func (s *Server) auditSchools(r *http.Request, p *principal, schools []string, action, detail string) {
	for _, sc := range schools {
		if err := s.quarantine().Audit(r.Context(), sc, p.actor(r, "").Record(action, detail)); err != nil {
			s.log.Error("audit write failed", "school", sc, "action", action, "err", err)
		}
	}
}

var started = time.Now()

func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/static/")
	b, err := assets.ReadFile("static/" + name)
	if err != nil || strings.Contains(name, "/") {
		http.NotFound(w, r)
		return
	}
	ct := "application/octet-stream"
	switch {
	case strings.HasSuffix(name, ".css"):
		ct = "text/css; charset=utf-8"
	case strings.HasSuffix(name, ".svg"):
		ct = "image/svg+xml"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "public, max-age=3600")
	// The sandboxed message frame has an opaque origin; it may load our
	// (public) stylesheet.
	w.Header().Set("Cross-Origin-Resource-Policy", "cross-origin")
	http.ServeContent(w, r, name, started, strings.NewReader(string(b)))
}
