package textnorm

import (
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

// Reset makes t the normalised text of m, reusing t's buffers.
func (t *Text) Reset(m *message.Message) {
	if t.n == nil {
		t.n = NewNormalizer()
	}
	t.m = m
	t.ngroups = 0
	t.Fields = MessageFields(m, t.Fields[:0])
	t.b, t.st, t.en, t.ru, t.off = t.b[:0], t.st[:0], t.en[:0], t.ru[:0], t.off[:0]
	for _, f := range t.Fields {
		r := t.n.Normalize(f.Text)
		t.off = append(t.off, len(t.b))
		t.b = append(t.b, r.B...)
		t.st = append(t.st, r.Start...)
		t.en = append(t.en, r.End...)
		t.ru = append(t.ru, r.Run...)
	}
	t.off = append(t.off, len(t.b))
	t.Norm = t.Norm[:0]
	for i := range t.Fields {
		a, b := t.off[i], t.off[i+1]
		t.Norm = append(t.Norm, Result{B: t.b[a:b:b], Start: t.st[a:b:b], End: t.en[a:b:b], Run: t.ru[a:b:b]})
	}
}
