package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/redis/go-redis/v9"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/quarantine"
	"github.com/lychgate/lychgate/web"
)

// startWeb starts the review UI when [web] listen is set. It returns the
// server (nil when nothing was started: call its Shutdown on stop and its
// SetConfig on reload) and a channel that receives the server's error if
// it stops by itself; it is closed when the server has stopped. ops, when
// set, serves /metrics, /healthz and /readyz on the same listener.
func startWeb(cfg *config.Config, rdb redis.UniversalClient, store *quarantine.Store, deliver quarantine.Deliverer,
	feedback func(context.Context, *quarantine.Entry, []byte) error, ops http.Handler, log *slog.Logger) (srv *web.Server, errc <-chan error, err error) {
	if cfg.Web.Listen == "" {
		return nil, nil, nil
	}
	if deliver == nil {
		deliver = quarantine.Deliverer(newMailer(cfg).Send)
	}
	srv, err = web.New(web.Options{Config: cfg, Store: store, Users: newUsers(rdb, cfg), Redis: rdb,
		Deliver: deliver, Feedback: feedback, Ops: ops, Logger: log})
	if err != nil {
		return nil, nil, fmt.Errorf("web: %w", err)
	}
	ch := make(chan error, 1)
	go func() {
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			ch <- err
		}
		close(ch)
	}()
	return srv, ch, nil
}
