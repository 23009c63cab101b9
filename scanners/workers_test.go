package scanners_test

import (
	"context"
	"testing"
	"time"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
)

// Scanners run on pooled workers: one that ignores its context and never
// returns keeps only its own worker, so later messages are scanned as
// before, and a stuck run is reported as a timeout.
func TestPipelineStuckScannerKeepsOnlyItsWorker(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	defer close(release)
	stuck := scanners.Func{ID: "stuck", F: func(context.Context, *message.Message, *scanners.Envelope) ([]scanners.Finding, error) {
		<-release // ignores ctx
		return nil, nil
	}}
	fast := scanners.Func{ID: "fast", F: func(context.Context, *message.Message, *scanners.Envelope) ([]scanners.Finding, error) {
		return []scanners.Finding{{Rule: "hit", Category: scanners.Profanity, Severity: scanners.Low}}, nil
	}}
	p := scanners.NewPipeline([]scanners.Scanner{stuck, fast}, scanners.PipelineOptions{
		Timeout: time.Minute, Timeouts: map[string]time.Duration{"stuck": 20 * time.Millisecond},
	})
	for i := range 3 {
		res := p.Run(context.Background(), &message.Message{}, &scanners.Envelope{})
		if res.Runs[0].Status != scanners.StatusTimeout || res.Runs[1].Status != scanners.StatusOK {
			t.Fatalf("run %d: Runs = %+v, want stuck timed out, fast ok", i, res.Runs)
		}
	}
	// Many messages at once, each scanner once per message.
	q := scanners.NewPipeline([]scanners.Scanner{fast, fast, fast}, scanners.PipelineOptions{Timeout: time.Minute})
	done := make(chan int, 50)
	for range cap(done) {
		go func() {
			res := q.Run(context.Background(), &message.Message{}, &scanners.Envelope{})
			done <- len(res.Findings)
		}()
	}
	for range cap(done) {
		if n := <-done; n != 3 {
			t.Fatalf("a concurrent run found %d findings, want 3", n)
		}
	}
}
