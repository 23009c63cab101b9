package textnorm

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/message"
)

// cancelAfter is a context that reports itself live for its first n
// calls of Err and cancelled after, counting the calls. Its Done channel
// is not nil (a context that can be done), and never closed.
type cancelAfter struct {
	context.Context
	n, calls int
}

var never = make(chan struct{})

func (c *cancelAfter) Done() <-chan struct{} { return never }

func (c *cancelAfter) Err() error {
	c.calls++
	if c.calls > c.n {
		return context.Canceled
	}
	return nil
}

// TestNormalizeContextStops checks that normalising a 4 MB line stops at
// the first check after its context is cancelled instead of reading the
// rest of the line.
func TestNormalizeContextStops(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("kill yourself ", (4<<20)/14)
	ctx := &cancelAfter{Context: context.Background(), n: 1}
	n := NewNormalizer()
	if _, err := n.NormalizeContext(ctx, long); !errors.Is(err, context.Canceled) {
		t.Fatalf("NormalizeContext(cancelled) error = %v, want context.Canceled", err)
	}
	if ctx.calls != 2 {
		t.Errorf("NormalizeContext checked its context %d times, want 2 (stop at the first check after the cancel; %d checks in all)", ctx.calls, len(long)/ctxBytes)
	}
	// The Normalizer still works, and a live context changes nothing.
	want := string(NewNormalizer().Normalize(long).B)
	res, err := n.NormalizeContext(context.Background(), long)
	if err != nil {
		t.Fatal(err)
	}
	if string(res.B) != want {
		t.Error("NormalizeContext(live) differs from Normalize")
	}
}

func TestTextResetContext(t *testing.T) {
	t.Parallel()
	m := &message.Message{Subject: "hello", Texts: []message.Text{{PartID: "1", Content: strings.Repeat("f.u.c.k you ", 1<<17)}}}
	ctx := &cancelAfter{Context: context.Background(), n: 2}
	var tx Text
	err := tx.ResetContext(ctx, m)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("ResetContext(cancelled) error = %v, want context.Canceled", err)
	}
	if len(tx.Fields) != 0 || len(tx.Norm) != 0 {
		t.Errorf("after a cancelled ResetContext: %d fields, %d normalised, want none", len(tx.Fields), len(tx.Norm))
	}
	if err := tx.ResetContext(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	want := NewText(m)
	if len(tx.Norm) != len(want.Norm) {
		t.Fatalf("ResetContext(live): %d fields, want %d", len(tx.Norm), len(want.Norm))
	}
	for i := range want.Norm {
		if string(tx.Norm[i].B) != string(want.Norm[i].B) {
			t.Errorf("field %d: ResetContext(live) differs from Reset", i)
		}
	}
}

// TestNormalizeContextSame checks that a context that can be done, whose
// checks stop the fast path (plainRun) every ctxBytes, changes nothing in
// the result: a varied text longer than several checks, cut in a
// different place each time, with words, one-character streaks, numbers,
// runs and non-ASCII around every cut.
func TestNormalizeContextSame(t *testing.T) {
	t.Parallel()
	piece := "Hello  there, f u c k you!! I a m 2026 sh1t Ünïcode café &amp; <br> don't d.o.n.t aaaah kill yourself "
	for shift := range 7 {
		long := strings.Repeat("x", shift*5) + strings.Repeat(piece, 3*ctxBytes/len(piece)+3)
		want := NewNormalizer().Normalize(long)
		ctx := &cancelAfter{Context: context.Background(), n: 1 << 30}
		got, err := NewNormalizer().NormalizeContext(ctx, long)
		if err != nil {
			t.Fatal(err)
		}
		if ctx.calls < 3 {
			t.Fatalf("shift %d: %d context checks, want at least 3", shift, ctx.calls)
		}
		if string(got.B) != string(want.B) || !slices.Equal(got.Start, want.Start) || !slices.Equal(got.End, want.End) || !slices.Equal(got.Run, want.Run) {
			t.Fatalf("shift %d: NormalizeContext(live, checked) differs from Normalize", shift)
		}
	}
}
