package web

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/quarantine"
	"github.com/lychgate/lychgate/users"
)

// Options are what a Server needs.
type Options struct {
	// Config is the loaded configuration: [web], the schools, notify.from.
	Config *config.Config
	// Store is the quarantine.
	Store *quarantine.Store
	// Users are the accounts.
	Users *users.Store
	// Redis keeps the sessions.
	Redis redis.UniversalClient
	// Deliver sends released messages and copies (the next-hop mailer).
	Deliver quarantine.Deliverer
	// Feedback, if set, is called after a reviewer marks an entry "not a
	// problem", with the raw message when it is still held: where a scanner
	// learns (the spam classifier learns it as ham). An error is logged;
	// the mark stands.
	Feedback func(ctx context.Context, e *quarantine.Entry, raw []byte) error
	// Logger; discarded if nil.
	Logger *slog.Logger
	// Ops, when set, serves GET /metrics, /healthz and /readyz (package
	// metrics' Handler). These answer without a session, CSRF token or
	// sign-in, so firewall [web] listen: only the review page's users and
	// the monitoring system should reach it.
	Ops http.Handler
	// Now returns the current time (tests); nil means time.Now.
	Now func() time.Time
}

// Server is the review UI. Create it with New.
type Server struct {
	cfg      atomic.Pointer[config.Config]
	web      config.Web
	store    atomic.Pointer[quarantine.Store]
	users    *users.Store
	rdb      redis.UniversalClient
	deliver  quarantine.Deliverer
	feedback func(ctx context.Context, e *quarantine.Entry, raw []byte) error
	log      *slog.Logger
	now      func() time.Time
	prefix   string
	idle     time.Duration
	absolute time.Duration
	secure   bool
	tls      *tls.Config
	handler  http.Handler
	ops      http.Handler
	srv      *http.Server
}

// New returns a Server for opts. It loads the TLS certificate when
// [web] tls_cert and tls_key are set.
func New(o Options) (*Server, error) {
	if o.Config == nil || o.Store == nil || o.Users == nil || o.Redis == nil || o.Deliver == nil {
		return nil, errors.New("web: config, store, users, redis and deliver are required")
	}
	w := o.Config.Web.WithDefaults()
	s := &Server{web: w, users: o.Users, rdb: o.Redis, deliver: o.Deliver, feedback: o.Feedback,
		log: o.Logger, now: o.Now, ops: o.Ops, prefix: o.Config.Redis.KeyPrefix, idle: w.SessionIdle.Duration, absolute: w.SessionMax.Duration}
	s.cfg.Store(o.Config)
	s.store.Store(o.Store)
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.prefix == "" {
		s.prefix = quarantine.DefaultPrefix
	}
	if w.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(o.Config.Path(w.TLSCert), o.Config.Path(w.TLSKey))
		if err != nil {
			return nil, fmt.Errorf("web: tls: %w", err)
		}
		s.tls = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	s.secure = s.tls != nil || strings.HasPrefix(w.BaseURL, "https://")
	if err := parseTemplates(); err != nil {
		return nil, err
	}
	s.handler = s.routes()
	s.srv = &http.Server{
		Handler: s.handler, TLSConfig: s.tls,
		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 2 * time.Minute,
		IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	return s, nil
}

func (s *Server) config() *config.Config { return s.cfg.Load() }

// quarantine is the current quarantine store (SetRuntime swaps it).
func (s *Server) quarantine() *quarantine.Store { return s.store.Load() }

// SetConfig swaps in a reloaded configuration: the schools and their
// names, and the sender of copies. [web] listen, TLS and the session and
// lock-out settings keep their values until a restart.
func (s *Server) SetConfig(cfg *config.Config) {
	if cfg != nil {
		s.cfg.Store(cfg)
	}
}

// SetStore swaps in the quarantine store of a reloaded runtime, so a
// retention change in the TOML applies to what the review page keeps,
// releases and deletes from then on.
func (s *Server) SetStore(st *quarantine.Store) {
	if st != nil {
		s.store.Store(st)
	}
}

// Handler returns the UI's HTTP handler (for tests and embedding).
func (s *Server) Handler() http.Handler { return s.handler }

// ListenAndServe listens on [web] listen and serves until Shutdown; it
// returns http.ErrServerClosed after Shutdown.
func (s *Server) ListenAndServe() error {
	l, err := net.Listen("tcp", s.web.Listen)
	if err != nil {
		return fmt.Errorf("web: listen: %w", err)
	}
	return s.Serve(l)
}

// Serve serves on l (HTTPS when a certificate is configured).
func (s *Server) Serve(l net.Listener) error {
	s.log.Info("review UI listening", "addr", l.Addr().String(), "tls", s.tls != nil)
	if s.tls != nil {
		return s.srv.ServeTLS(l, "", "")
	}
	return s.srv.Serve(l)
}

// Shutdown stops accepting and waits for requests in flight until ctx
// ends.
func (s *Server) Shutdown(ctx context.Context) error {
	if err := s.srv.Shutdown(ctx); err != nil {
		return fmt.Errorf("web: shutdown: %w", err)
	}
	return nil
}

const (
	cookieSession = "lg_session"
	cookieLogin   = "lg_login"
	headerCSRF    = "X-CSRF-Token"
)

// pageCSP is the policy of every page: nothing but our own stylesheet,
// images as data: (the chart is inline SVG), frames from us (the message
// body), forms to us.
const pageCSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// bodyCSP is the policy of a sanitised message body: inline styles and
// data: images only; sandboxed (no scripts, no forms, no top navigation,
// an opaque origin).
const bodyCSP = "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src data:; font-src 'none'; form-action 'none'; base-uri 'none'; frame-ancestors 'self'; sandbox"

func (s *Server) headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", pageCSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
		h.Set("Cache-Control", "no-store")
		if s.tls != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("web handler panic", "path", r.URL.Path, "panic", v)
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// principal is who makes a request.
type principal struct {
	user  *users.User
	sess  *session // nil for an API token
	token bool
	// schools are the user's schools that are configured, in config
	// order.
	schools []string
}

func (p *principal) actor(r *http.Request, reason string) quarantine.Actor {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	via := "web "
	if p.token {
		via = "api "
	}
	return quarantine.Actor{Who: p.user.Name, From: via + host, Reason: reason}
}

type ctxKey struct{}

func who(r *http.Request) *principal {
	p, _ := r.Context().Value(ctxKey{}).(*principal)
	return p
}

// authenticate finds the principal of r: a bearer token, or a session
// cookie whose user still exists, is enabled and has not signed out
// everywhere since.
func (s *Server) authenticate(r *http.Request) (*principal, error) {
	ctx := r.Context()
	var (
		u   *users.User
		err error
		p   = &principal{}
	)
	if a := r.Header.Get("Authorization"); a != "" {
		tok, ok := strings.CutPrefix(a, "Bearer ")
		if !ok {
			return nil, errNoSession
		}
		u, err = s.users.ByToken(ctx, strings.TrimSpace(tok))
		if err != nil {
			if errors.Is(err, users.ErrNotFound) {
				return nil, errNoSession
			}
			return nil, err
		}
		p.token = true
	} else {
		c, cerr := r.Cookie(cookieSession)
		if cerr != nil {
			return nil, errNoSession
		}
		sess, err := s.loadSession(ctx, c.Value)
		if err != nil {
			return nil, err
		}
		u, err = s.users.Get(ctx, sess.User)
		if errors.Is(err, users.ErrNotFound) {
			return nil, errNoSession
		}
		if err != nil {
			return nil, err
		}
		if u.Disabled || u.Generation != sess.Gen {
			_ = s.endSession(ctx, sess)
			return nil, errNoSession
		}
		p.sess = sess
	}
	p.user = u
	for _, sc := range s.config().Schools {
		if u.HasSchool(sc.ID) {
			p.schools = append(p.schools, sc.ID)
		}
	}
	return p, nil
}

// kind is what a route answers with when the request is refused.
type kind int

const (
	page kind = iota
	api
)

// authed wraps h: unauthenticated requests get 401 (API) or a redirect to
// the sign-in page; state-changing requests made with a session need its
// CSRF token.
func (s *Server) authed(k kind, h func(http.ResponseWriter, *http.Request, *principal)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := s.authenticate(r)
		if err != nil {
			if !errors.Is(err, errNoSession) {
				s.log.Error("web authentication failed", "err", err)
				s.fail(w, r, k, http.StatusServiceUnavailable, "the store is unavailable; try again shortly")
				return
			}
			if k == api || r.Method != http.MethodGet {
				s.fail(w, r, k, http.StatusUnauthorized, "sign in first")
				return
			}
			http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && p.sess != nil {
			tok := r.Header.Get(headerCSRF)
			if tok == "" {
				r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
				tok = r.PostFormValue("csrf")
			}
			if !equalToken(tok, p.sess.CSRF) {
				s.fail(w, r, k, http.StatusForbidden, "the form has expired or did not come from this site (missing or wrong CSRF token); reload the page and try again")
				return
			}
		}
		h(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, p)), p)
	}
}

// allowed checks a permission and answers 403 if it is missing.
func (s *Server) allowed(w http.ResponseWriter, r *http.Request, k kind, ok bool) bool {
	if !ok {
		s.fail(w, r, k, http.StatusForbidden, "your role does not allow this")
	}
	return ok
}

// schoolsFor narrows p's schools to the one asked for ("" for all); an
// unknown or foreign school is an error (404), never an empty answer.
func (s *Server) schoolsFor(w http.ResponseWriter, r *http.Request, k kind, p *principal, school string) ([]string, bool) {
	if school == "" {
		return p.schools, true
	}
	if !slices.Contains(p.schools, school) {
		s.fail(w, r, k, http.StatusNotFound, "no such school")
		return nil, false
	}
	return []string{school}, true
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /static/", s.static)
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("GET /login", s.loginPage)
	if s.ops != nil { // unauthenticated by design (Options.Ops)
		mux.Handle("GET /metrics", s.ops)
		mux.Handle("GET /healthz", s.ops)
		mux.Handle("GET /readyz", s.ops)
	}
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("POST /logout", s.authed(page, s.logout))
	mux.HandleFunc("POST /logout-all", s.authed(page, s.logoutAll))
	mux.HandleFunc("GET /{$}", s.authed(page, s.dashboard))
	mux.HandleFunc("GET /quarantine", s.authed(page, s.listPage))
	mux.HandleFunc("POST /quarantine/bulk", s.authed(page, s.bulk))
	mux.HandleFunc("GET /quarantine/{id}", s.authed(page, s.messagePage))
	mux.HandleFunc("GET /quarantine/{id}/body", s.authed(page, s.bodyFrame))
	mux.HandleFunc("GET /quarantine/{id}/raw", s.authed(page, s.rawSource))
	mux.HandleFunc("GET /quarantine/{id}/attachment/{n}", s.authed(page, s.attachment))
	mux.HandleFunc("POST /quarantine/{id}/{action}", s.authed(page, s.actionForm))
	mux.HandleFunc("GET /audit", s.authed(page, s.auditPage))
	mux.HandleFunc("GET /reports", s.authed(page, s.reportsPage))
	mux.HandleFunc("GET /reports.csv", s.authed(page, s.reportsCSV))
	mux.HandleFunc("GET /export.csv", s.authed(page, s.exportCSV))
	mux.HandleFunc("GET /users", s.authed(page, s.usersPage))

	mux.HandleFunc("GET /api/quarantine", s.authed(api, s.apiList))
	mux.HandleFunc("GET /api/quarantine/{id}", s.authed(api, s.apiGet))
	mux.HandleFunc("POST /api/quarantine/{id}/{action}", s.authed(api, s.apiAction))
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, api, http.StatusNotFound, "no such API endpoint")
	})
	return s.headers(mux)
}
