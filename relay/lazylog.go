package relay

import (
	"context"
	"log/slog"
	"slices"
	"sync"
)

// lazyHandler defers a logger's With attributes until a record is
// actually written. Every connection and message derives a child logger
// (conn_id, remote_ip, helo, msg_id, ...), but at the usual level (warn)
// almost none of them ever writes a line; building the child handlers
// eagerly (each pre-formats its attributes) cost more than any line
// logged. The attributes given to With are kept as they are and handed to
// the underlying handler in one WithAttrs call, once, at the first record,
// so what is written is the same.
type lazyHandler struct {
	base  slog.Handler
	attrs []slog.Attr

	once  sync.Once
	built slog.Handler
}

func newLazyHandler(h slog.Handler) *lazyHandler { return &lazyHandler{base: h} }

func (h *lazyHandler) handler() slog.Handler {
	h.once.Do(func() {
		h.built = h.base
		if len(h.attrs) > 0 {
			h.built = h.base.WithAttrs(h.attrs)
		}
	})
	return h.built
}

func (h *lazyHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.base.Enabled(ctx, l)
}

func (h *lazyHandler) Handle(ctx context.Context, r slog.Record) error {
	return h.handler().Handle(ctx, r)
}

func (h *lazyHandler) WithAttrs(as []slog.Attr) slog.Handler {
	if len(as) == 0 {
		return h
	}
	return &lazyHandler{base: h.base, attrs: append(slices.Clip(h.attrs), as...)}
}

// WithGroup applies the attributes so far: a group changes how later
// ones are qualified.
func (h *lazyHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return newLazyHandler(h.handler().WithGroup(name))
}

// withAttrs is l.With(attrs...) for attributes the caller built
// (slog.String, slog.Int, ...): unlike With's alternating key/value
// arguments, they are not boxed, and a relay logger (a lazyHandler) takes
// them without another round through slog. A connection and a message
// each derive a logger or two, usually never written to.
func withAttrs(l *slog.Logger, attrs ...slog.Attr) *slog.Logger {
	if len(attrs) == 0 {
		return l
	}
	if h, ok := l.Handler().(*lazyHandler); ok {
		// One allocation for the logger, its handler and (usually) its
		// attributes, instead of three.
		ll := &lazyLogger{}
		ll.h.base = h.base
		if n := len(h.attrs) + len(attrs); n <= len(ll.inline) {
			ll.h.attrs = append(append(ll.inline[:0:n], h.attrs...), attrs...)
		} else {
			ll.h.attrs = append(slices.Clip(h.attrs), attrs...)
		}
		ll.l = *slog.New(&ll.h)
		return &ll.l
	}
	return slog.New(l.Handler().WithAttrs(attrs))
}

// lazyLogger is what withAttrs allocates: a logger over its own lazy
// handler, whose attributes fit in inline when there are few (a
// connection's, then a message's, loggers hold two to eight).
type lazyLogger struct {
	l      slog.Logger
	h      lazyHandler
	inline [8]slog.Attr
}
