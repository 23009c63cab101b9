package message

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// foldedHeader returns a message whose Subject is folded over n lines.
func foldedHeader(n int) []byte {
	var b strings.Builder
	b.WriteString("From: a@example.test\r\nSubject: start")
	for i := range n {
		fmt.Fprintf(&b, "\r\n x%d", i)
	}
	b.WriteString("\r\n\r\nhello\r\n")
	return []byte(b.String())
}

func TestSplitHeaderUnfolds(t *testing.T) {
	t.Parallel()
	hdr := []byte("Subject: a\r\n b\r\n\tc\r\nnot a field\r\nX-Empty:\r\n  d\r\nTo: x@example.test\r\n")
	got := splitHeader(hdr)
	want := []rawField{{"Subject", "a b c not a field"}, {"X-Empty", " d"}, {"To", "x@example.test"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("splitHeader(%q) = %q, want %q", hdr, got, want)
	}
}

func TestParseLongFoldedHeader(t *testing.T) {
	t.Parallel()
	const n = 20000
	m := Parse(t.Context(), foldedHeader(n), Limits{MaxHeaderBytes: 1 << 20})
	if !strings.HasPrefix(m.Subject, "start x0 x1 ") || !strings.HasSuffix(m.Subject, fmt.Sprintf(" x%d", n-1)) {
		t.Errorf("Subject = %.40q...%q, want every folded line", m.Subject, m.Subject[max(0, len(m.Subject)-20):])
	}
}

func TestParseCancelled(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("From: a@example.test\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n")
	for i := range 50 {
		fmt.Fprintf(&b, "--b\r\nContent-Type: text/plain\r\n\r\npart %d\r\n", i)
	}
	b.WriteString("--b--\r\n")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	m := Parse(ctx, []byte(b.String()), Limits{})
	if !hasProblem(m, "parse_cancelled") {
		t.Errorf("Parse(context.Background(), cancelled) problems = %+v, want parse_cancelled", m.Problems)
	}
	if len(m.Texts) != 0 {
		t.Errorf("Parse(context.Background(), cancelled) read %d texts, want none", len(m.Texts))
	}
	if m.Raw == nil {
		t.Errorf("Parse(context.Background(), cancelled) dropped Raw")
	}
}

// BenchmarkParseFoldedHeader is a 1 MB header folded over 100,000 lines:
// unfolding is linear.
func BenchmarkParseFoldedHeader(b *testing.B) {
	raw := foldedHeader(100000)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		Parse(b.Context(), raw, Limits{MaxHeaderBytes: 2 << 20})
	}
}

func TestHeaderEnd(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in             string
		hdrLen, bodyAt int
	}{
		{"A: b\r\n\r\nbody", 6, 8},
		{"A: b\n\nbody", 5, 6},
		{"\r\nbody", 0, 2},
		{"A: b\r\nC: d", 10, 10},
		{"", 0, 0},
	}
	for _, tt := range tests {
		if h, b := HeaderEnd([]byte(tt.in)); h != tt.hdrLen || b != tt.bodyAt {
			t.Errorf("HeaderEnd(%q) = %d, %d, want %d, %d", tt.in, h, b, tt.hdrLen, tt.bodyAt)
		}
	}
}
