package profanity

import (
	"testing"

	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/textnorm"
)

func TestGestureFinding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
		n    int
	}{
		{"none", "see you later 👍", 0},
		{"one", "ok 🖕", 1},
		{"skin tone and two", "🖕🏽 and 🖕", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, ok := gestureFinding([]textnorm.Field{{Name: "body", Text: tc.text}}, 20)
			if ok != (tc.n > 0) || len(f.Evidence) != tc.n {
				t.Fatalf("gestureFinding(%q) = %+v, %v; want %d evidence", tc.text, f, ok, tc.n)
			}
			for _, e := range f.Evidence {
				if tc.text[e.Offset:e.Offset+e.Length] != middleFinger {
					t.Errorf("evidence at %d does not quote the emoji", e.Offset)
				}
			}
			if ok && (f.Rule != GestureRule || f.Severity != scanners.Low) {
				t.Errorf("finding = %+v, want %s low", f, GestureRule)
			}
		})
	}
}
