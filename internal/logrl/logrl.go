// Package logrl rate-limits repeated log lines: a slog.Handler in front of
// another that passes the first record of a kind, drops the repeats for a
// while, and then passes the next one with a "repeated" count of what it
// dropped. With Redis down, serve would otherwise log the same warning
// several times a second.
//
// A record's kind is its level, message and attributes (those added with
// With included): the same warning about the same thing. Only records at or above
// Options.Level (warn by default) are limited, and never those about one
// connection or message (carrying a conn_id or msg_id attribute, from
// With or the record): each message keeps its own log line.
//
// Safe for concurrent use; handlers derived with WithAttrs and WithGroup
// share one limiter.
package logrl

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// Options configure the limiter.
type Options struct {
	// Every is how long repeats are dropped after a record is passed
	// (default 10s).
	Every time.Duration
	// Level is the lowest level limited (default warn); records below it
	// always pass.
	Level slog.Leveler
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

// maxKinds bounds the limiter's memory; past it, kinds not seen for Every
// are forgotten.
const maxKinds = 1024

// New returns a handler that limits repeats before next.
func New(next slog.Handler, o Options) slog.Handler {
	if o.Every <= 0 {
		o.Every = 10 * time.Second
	}
	if o.Level == nil {
		o.Level = slog.LevelWarn
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &handler{next: next, sh: &shared{o: o, kinds: map[string]*kind{}}}
}

type shared struct {
	o     Options
	mu    sync.Mutex
	kinds map[string]*kind
}

type kind struct {
	passed  time.Time // when a record of this kind was last passed
	dropped int       // dropped since then
}

type handler struct {
	next   slog.Handler
	sh     *shared
	prefix string // groups and attributes added with WithGroup and WithAttrs
	scoped bool   // has a conn_id or msg_id attribute: never limited
}

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *handler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.next = h.next.WithAttrs(as)
	c.scoped = h.scoped || hasScope(as)
	var b strings.Builder
	b.WriteString(h.prefix)
	for _, a := range as {
		writeAttr(&b, a)
	}
	c.prefix = b.String()
	return &c
}

func (h *handler) WithGroup(name string) slog.Handler {
	c := *h
	c.next = h.next.WithGroup(name)
	c.prefix = h.prefix + "\x00group=" + name
	return &c
}

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	if h.scoped || r.Level < h.sh.o.Level.Level() || recordScoped(r) {
		return h.next.Handle(ctx, r)
	}
	var b strings.Builder
	b.WriteString(r.Level.String())
	b.WriteString("\x00")
	b.WriteString(r.Message)
	b.WriteString(h.prefix)
	r.Attrs(func(a slog.Attr) bool {
		writeAttr(&b, a)
		return true
	})
	n, ok := h.sh.admit(b.String())
	if !ok {
		return nil
	}
	if n > 0 {
		r = r.Clone()
		r.AddAttrs(slog.Int("repeated", n))
	}
	return h.next.Handle(ctx, r)
}

// admit reports whether a record of kind k passes now, and how many of its
// kind were dropped since the last one passed.
func (s *shared) admit(k string) (dropped int, ok bool) {
	now := s.o.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.kinds[k]
	if e == nil {
		if len(s.kinds) >= maxKinds {
			s.forget(now)
		}
		s.kinds[k] = &kind{passed: now}
		return 0, true
	}
	if now.Sub(e.passed) < s.o.Every {
		e.dropped++
		return 0, false
	}
	dropped = e.dropped
	e.passed, e.dropped = now, 0
	return dropped, true
}

// forget drops kinds not passed for Every (all of them if that is not
// enough). Called with mu held.
func (s *shared) forget(now time.Time) {
	for k, e := range s.kinds {
		if now.Sub(e.passed) >= s.o.Every {
			delete(s.kinds, k)
		}
	}
	if len(s.kinds) >= maxKinds {
		clear(s.kinds)
	}
}

// writeAttr appends one attribute to a kind key.
func writeAttr(b *strings.Builder, a slog.Attr) {
	b.WriteString("\x00")
	b.WriteString(a.Key)
	b.WriteString("=")
	b.WriteString(a.Value.Resolve().String())
}

func hasScope(as []slog.Attr) bool {
	for _, a := range as {
		if a.Key == "conn_id" || a.Key == "msg_id" {
			return true
		}
	}
	return false
}

func recordScoped(r slog.Record) bool {
	scoped := false
	r.Attrs(func(a slog.Attr) bool {
		scoped = a.Key == "conn_id" || a.Key == "msg_id"
		return !scoped
	})
	return scoped
}
