package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/lychgate/lychgate/scanners"
)

//go:embed templates/*.html static/*
var assets embed.FS

var (
	tmplOnce sync.Once
	tmplErr  error
	pages    map[string]*template.Template
)

var funcs = template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Local().Format("2006-01-02 15:04")
	},
	"join": strings.Join,
	"sevclass": func(s scanners.Severity) string {
		return "sev-" + s.String()
	},
	"add": func(a, b int) int { return a + b },
}

// parseTemplates parses every page with the layout, once.
func parseTemplates() error {
	tmplOnce.Do(func() {
		pages = map[string]*template.Template{}
		names, err := assets.ReadDir("templates")
		if err != nil {
			tmplErr = err
			return
		}
		for _, n := range names {
			name := strings.TrimSuffix(n.Name(), ".html")
			if name == "layout" {
				continue
			}
			files := []string{"templates/layout.html", "templates/" + n.Name()}
			if name == "frame" {
				files = files[1:]
			}
			t, err := template.New(n.Name()).Funcs(funcs).ParseFS(assets, files...)
			if err != nil {
				tmplErr = fmt.Errorf("web: template %s: %w", name, err)
				return
			}
			pages[name] = t
		}
	})
	return tmplErr
}

// can is what the signed-in user's role allows, for the navigation (the
// handlers check again: hiding a link is not security).
type can struct {
	ListMail, ReadBodies, ReadRaw, Act, ReadAudit, ReadReports, ManageUsers bool
}

// render executes page name with data plus the signed-in user, CSRF token
// and permissions, into a buffer first so that an error does not leave
// half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, code int, name string, data map[string]any) {
	if data == nil {
		data = map[string]any{}
	}
	if p := who(r); p != nil {
		data["User"] = p.user
		if p.sess != nil {
			data["CSRF"] = p.sess.CSRF
		}
		ro := p.user.Role
		data["Can"] = can{ro.CanListMail(), ro.CanReadBodies(), ro.CanReadRaw(), ro.CanAct(), ro.CanReadAudit(), ro.CanReadReports(), ro.CanManageUsers()}
		data["Schools"] = p.schools
	}
	t := pages[name]
	if t == nil {
		http.Error(w, "no such page", http.StatusInternalServerError)
		return
	}
	entry := "layout"
	if name == "frame" {
		entry = "frame"
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, entry, data); err != nil {
		s.log.Error("web template failed", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}
