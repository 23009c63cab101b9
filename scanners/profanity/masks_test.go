package profanity_test

import (
	"testing"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/profanity"
)

// TestMasked checks masked swear words both ways: a word of a letter or
// two and several stars is found in the original text; exponents, bold
// markup and ordinary stars are not.
func TestMasked(t *testing.T) {
	t.Parallel()
	s := newScanner(t, profanity.Options{})
	tests := []struct {
		text string
		want string // the evidence, "" for no finding
	}{
		{"what the f*** is this", "f***"},
		{"F***ING hell", "F***ING"},
		{"this b**** is the worst", "b****"},
		{"you a**hole", "a**hole"},
		{"oh sh** I forgot", "sh**"},
		{"the word n***** is vile", "n*****"},
		{"stop being a c***.", "c***"},
		{"a**2 + b**2 = c**2", ""},
		{"x = a**b", ""},
		{"def f(**kwargs): pass", ""},
		{"**Note** the deadline", ""},
		{"rated ***** five stars", ""},
		{"s***s and ladders", ""},
		{"offset 0x**ff", ""},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			t.Parallel()
			fs, err := s.Scan(t.Context(), &message.Message{Texts: []message.Text{{PartID: "1", Content: tc.text}}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			var got *scanners.Finding
			for i := range fs {
				if fs[i].Rule == profanity.MaskedRule {
					got = &fs[i]
				}
			}
			switch {
			case tc.want == "" && got != nil:
				t.Errorf("Scan(%q) = %+v, want no masked finding", tc.text, got.Evidence)
			case tc.want == "":
			case got == nil:
				t.Errorf("Scan(%q) = %+v, want masked %q", tc.text, fs, tc.want)
			case got.Severity != scanners.Low || got.Evidence[0].Text != tc.want || tc.text[got.Evidence[0].Offset:][:got.Evidence[0].Length] != tc.want:
				t.Errorf("Scan(%q) = %s %+v, want low with evidence %q", tc.text, got.Severity, got.Evidence, tc.want)
			}
		})
	}
}
