package main

import (
	"io"
	"log/slog"
	"runtime/debug"
	"testing"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/live"
)

// TestBuildRuntimeRestoresGCTarget: building a runtime runs under Go's
// default collector target and puts serve's target back afterwards, so
// the compile garbage does not set the relay's resting RSS and serving
// keeps its own target. GOGC in the environment leaves the target alone.
func TestBuildRuntimeRestoresGCTarget(t *testing.T) {
	cfg, err := config.Load("../../examples/lychgate.toml")
	if err != nil {
		t.Fatal(err)
	}
	opts := live.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	defer debug.SetGCPercent(debug.SetGCPercent(gcPercent))
	for _, env := range []string{"", "250"} {
		t.Setenv("GOGC", env)
		rt, err := buildRuntime(cfg, opts)
		if err != nil {
			t.Fatalf("GOGC=%q: %v", env, err)
		}
		rt.Close()
		if got := debug.SetGCPercent(gcPercent); got != gcPercent {
			t.Errorf("GOGC=%q: after buildRuntime the collector target is %d, want %d", env, got, gcPercent)
		}
	}
}
