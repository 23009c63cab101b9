package relay

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

// TestWithAttrsEqualsWith checks that a chain of withAttrs over a lazy
// handler writes what the same chain of With writes, whether the
// attributes fit in the logger's inline array or not, and that loggers
// derived from one parent do not share attributes.
func TestWithAttrsEqualsWith(t *testing.T) {
	var lazyOut, eagerOut bytes.Buffer
	opts := &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}
	lazy := slog.New(newLazyHandler(slog.NewTextHandler(&lazyOut, opts)))
	eager := slog.New(slog.NewTextHandler(&eagerOut, opts))
	steps := [][]slog.Attr{
		{slog.String("conn_id", "c1"), slog.String("remote_ip", "192.0.2.1")},
		{slog.String("helo", "client.example")},
		{slog.String("msg_id", "m1"), slog.String("mail_from", "a@example.org"), slog.Int("rcpt_count", 2), slog.Int("size", 10)},
		{slog.String("action", "deliver"), slog.Float64("score", 1.5), slog.Int("n", 3), slog.Bool("ok", true)},
	}
	for i, st := range steps {
		lazy = withAttrs(lazy, st...)
		args := make([]any, len(st))
		for j, a := range st {
			args[j] = a
		}
		eager = eager.With(args...)
		// A sibling derived from the same parent must not change it.
		_ = withAttrs(lazy, slog.String("sibling", strings.Repeat("x", i)))
		lazy.Warn("step", "i", i)
		eager.Warn("step", "i", i)
	}
	if lazyOut.String() != eagerOut.String() {
		t.Errorf("withAttrs wrote\n%s\nWith wrote\n%s", lazyOut.String(), eagerOut.String())
	}
}
