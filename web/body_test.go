package web

import (
	"strings"
	"testing"

	"github.com/lychgate/lychgate/message"
)

func TestHighlight(t *testing.T) {
	t.Parallel()
	join := func(segs []segment) string {
		var b strings.Builder
		for _, s := range segs {
			if s.Mark {
				b.WriteString("[" + s.Text + "]")
			} else {
				b.WriteString(s.Text)
			}
		}
		return b.String()
	}
	tests := []struct {
		name, text string
		marks      []string
		want       string
	}{
		{"none", "hello", nil, "hello"},
		{"case", "Meet ME secretly, meet me", []string{"meet me"}, "[Meet ME] secretly, [meet me]"},
		{"overlap", "abcdef", []string{"abcd", "cdef"}, "[abcd][ef]"},
		{"length-changing case", "İstanbul meet me İ", []string{"meet me"}, "İstanbul [meet me] İ"},
		{"unicode mark", "ça va ÇA", []string{"ça"}, "[ça] va ÇA"},
		{"missing", "nothing here", []string{"absent"}, "nothing here"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := join(highlight(tc.text, tc.marks)); got != tc.want {
				t.Errorf("highlight(%q, %q) = %q, want %q", tc.text, tc.marks, got, tc.want)
			}
		})
	}
	m := &message.Message{Texts: []message.Text{{Content: "İİİİ then meet me by the gate, ok"}}}
	if got := join(evidenceContext(m, "MEET ME", 5)); got != "…then [meet me] by t…" {
		t.Errorf("evidenceContext = %q", got)
	}
}

// FuzzHighlight: never panics, and the segments put together are the text.
func FuzzHighlight(f *testing.F) {
	f.Add("İstanbul meet me", "meet me")
	f.Add("abc", "")
	f.Fuzz(func(t *testing.T, text, mark string) {
		var b strings.Builder
		for _, s := range highlight(text, []string{mark}) {
			b.WriteString(s.Text)
		}
		if b.String() != text {
			t.Fatalf("highlight(%q, %q) lost text: %q", text, mark, b.String())
		}
		_ = evidenceContext(&message.Message{Texts: []message.Text{{Content: text}}}, mark, 7)
	})
}
