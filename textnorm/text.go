package textnorm

import (
	"context"
	"fmt"
	"sync"

	"github.com/lychgate/lychgate/message"
)

// Text is the normalised text of one message: every field that content
// scanners read (MessageFields), normalised once, so that several scanners
// can share the work. Build it with Reset; a Text reuses its buffers and is
// not safe for concurrent use, but once built it may be read by many
// goroutines.
type Text struct {
	// Fields are the message's fields.
	Fields []Field
	// Norm[i] is Fields[i] normalised.
	Norm []Result

	m      *message.Message
	n      *Normalizer
	b      []byte
	st, en []int32
	ru     []uint8
	off    []int

	mu      sync.Mutex   // guards groups[:ngroups] (Hits)
	groups  []*groupHits // per Group matched, in use first, reused
	ngroups int
}

// NewText returns the normalised text of m.
func NewText(m *message.Message) *Text {
	t := &Text{}
	t.Reset(m)
	return t
}

// Message returns the message t was built from.
func (t *Text) Message() *message.Message { return t.m }

// Reset makes t the normalised text of m, reusing t's buffers. Every field
// is normalised straight into one set of arrays shared by all of t.Norm
// (no per-field copy).
func (t *Text) Reset(m *message.Message) {
	_ = t.reset(context.Background(), m) // cannot fail: never done
}

// ResetContext is Reset that checks ctx as it normalises (every 64 KB of
// text) and stops with ctx's error once it is done; t then holds no
// fields.
func (t *Text) ResetContext(ctx context.Context, m *message.Message) error {
	if err := t.reset(ctx, m); err != nil {
		t.Fields, t.Norm = t.Fields[:0], t.Norm[:0]
		return fmt.Errorf("textnorm: normalise message: %w", err)
	}
	return nil
}

// reset is Reset, checking ctx when it can be done.
func (t *Text) reset(ctx context.Context, m *message.Message) error {
	if t.n == nil {
		t.n = NewNormalizer()
	}
	t.m = m
	t.ngroups = 0
	t.Fields = MessageFields(m, t.Fields[:0])
	// Room for every field as Normalizer.normalize needs it in place.
	need := 0
	for _, f := range t.Fields {
		need += len(f.Text) + 16
	}
	if cap(t.b) < need {
		need += need / 4
		t.b, t.st, t.en, t.ru = make([]byte, 0, need), make([]int32, 0, need), make([]int32, 0, need), make([]uint8, 0, need)
	}
	t.b, t.st, t.en, t.ru, t.off = t.b[:0], t.st[:0], t.en[:0], t.ru[:0], t.off[:0]
	for _, f := range t.Fields {
		at := len(t.b)
		t.off = append(t.off, at)
		r := Result{B: t.b[at:at], Start: t.st[at:at], End: t.en[at:at], Run: t.ru[at:at]}
		inPlace, err := t.n.normalize(ctx, f.Text, &r)
		if err != nil {
			return err
		}
		if inPlace {
			// written in place: extend the shared arrays over it
			t.b, t.st, t.en, t.ru = t.b[:at+len(r.B)], t.st[:at+len(r.B)], t.en[:at+len(r.B)], t.ru[:at+len(r.B)]
			continue
		}
		// Folded runes outgrew the room (rare): append the copy, which
		// moves the arrays if it must; t.off keeps the offsets valid.
		t.b, t.st, t.en, t.ru = append(t.b, r.B...), append(t.st, r.Start...), append(t.en, r.End...), append(t.ru, r.Run...)
	}
	t.off = append(t.off, len(t.b))
	t.Norm = t.Norm[:0]
	for i := range t.Fields {
		a, b := t.off[i], t.off[i+1]
		t.Norm = append(t.Norm, Result{B: t.b[a:b:b], Start: t.st[a:b:b], End: t.en[a:b:b], Run: t.ru[a:b:b]})
	}
	return nil
}
