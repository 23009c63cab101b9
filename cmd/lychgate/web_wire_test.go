package main

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/internal/testutil/redistest"
	"github.com/lychgate/lychgate/users"
)

// TestStartWeb: with [web] listen set, startWeb serves the review UI and
// its API on that address with accounts from `lychgate user`; stop ends it.
func TestStartWeb(t *testing.T) {
	t.Parallel()
	rs := redistest.Start(t)
	addr := freePort(t)
	path := writeE2EConfig(t, freePort(t), freePort(t), rs.URL())
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("\n[web]\nlisten = \"" + addr + "\"\n"); err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	rdb, err := newRedis(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close() //nolint:errcheck // test
	log := slog.New(slog.DiscardHandler)
	us := newUsers(rdb, cfg)
	if err := us.Add(t.Context(), users.User{Name: "ict", Role: users.RoleICT, Schools: []string{"stlaurence"}}, "a long enough password"); err != nil {
		t.Fatal(err)
	}
	tok, err := us.IssueToken(t.Context(), "ict")
	if err != nil {
		t.Fatal(err)
	}
	srv, errc, err := startWeb(cfg, rdb, newStore(rdb, cfg, log), nil, nil, nil, log)
	if err != nil || srv == nil {
		t.Fatalf("startWeb: started %v, %v", srv != nil, err)
	}
	c := &http.Client{Timeout: 5 * time.Second}
	var resp *http.Response
	waitUntil(t, 10*time.Second, "the review UI to answer", func() bool {
		req, _ := http.NewRequestWithContext(t.Context(), "GET", "http://"+addr+"/api/quarantine", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err = c.Do(req)
		return err == nil
	})
	_ = resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Errorf("GET /api/quarantine = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err, ok := <-errc; ok {
		t.Errorf("web server error after stop: %v", err)
	}
}
