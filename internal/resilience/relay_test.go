package resilience

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/internal/smtpsink"
	"github.com/lychgate/lychgate/live"
	"github.com/lychgate/lychgate/relay"
)

// startRelay runs relay.New in-process with a live runtime on cfg's Redis
// (built as serve builds it) and a sink as the next hop.
func startRelay(t *testing.T, cfg *config.Config) *relayLoad {
	t.Helper()
	sink, err := smtpsink.Start(smtpsink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sink.Close() })
	cfg.NextHop.Inbound, cfg.NextHop.Outbound = sink.Addr, sink.Addr
	log := testLogger(t)
	rt, err := live.Build(cfg, live.Options{Logger: log, Redis: newClient(t, cfg)})
	if err != nil {
		t.Fatal(err)
	}
	holder := live.NewHolder(rt)
	t.Cleanup(holder.Close)
	srv, err := relay.New(cfg, relay.Options{Runtime: holder, Logger: log})
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
	return &relayLoad{t: t, addr: l.Addr().String(), sink: sink, store: rt.Store}
}
