package web_test

import (
	"context"
	"log"
	"log/slog"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/notify"
	"github.com/lychgate/lychgate/quarantine"
	"github.com/lychgate/lychgate/users"
	"github.com/lychgate/lychgate/web"
)

// ExampleNew starts the review UI next to the relay, as `lychgate serve`
// does when [web] listen is set, and stops it on shutdown.
func ExampleNew() {
	cfg, err := config.Load("/etc/lychgate/lychgate.toml")
	if err != nil {
		log.Fatal(err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", ContextTimeoutEnabled: true})
	mailer := &notify.Mailer{Hostname: cfg.Relay.Hostname, Inbound: cfg.NextHop.Inbound, Outbound: cfg.NextHop.Outbound}
	srv, err := web.New(web.Options{
		Config:  cfg,
		Store:   quarantine.New(rdb, quarantine.Options{Prefix: cfg.Redis.KeyPrefix}),
		Users:   users.New(rdb, users.Options{Prefix: cfg.Redis.KeyPrefix}),
		Redis:   rdb,
		Deliver: mailer.Send,
		Logger:  slog.Default(),
	})
	if err != nil {
		log.Fatal(err)
	}
	go func() {
		if err := srv.ListenAndServe(); err != nil && err != http.ErrServerClosed {
			log.Print(err)
		}
	}()
	// ... on SIGTERM:
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx)
}
