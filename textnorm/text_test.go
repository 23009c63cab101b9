package textnorm

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/lychgate/lychgate/message"
)

// TestTextMatchesNormalize checks that Text, which normalises every field
// in place into shared arrays, gives each field exactly what Normalize
// gives it, including fields whose folded runes outgrow the room.
func TestTextMatchesNormalize(t *testing.T) {
	t.Parallel()
	var long []rune // runes whose fold is longer than their encoding
	for r, f := range folds() {
		if len(f) > utf8.RuneLen(r) {
			long = append(long, r)
		}
	}
	slices.Sort(long)
	if len(long) == 0 {
		t.Fatal("no rune folds to more bytes than it takes; the growth path is untested")
	}
	grow := strings.Repeat(string(long[:min(len(long), 20)]), 50)
	m := &message.Message{
		Subject: "F.u.c.k this ｔｗａｔ",
		From:    []message.Address{{Name: "Mr W4nker", Addr: "a@example.test"}},
		Texts: []message.Text{
			{PartID: "1", Content: "hello " + grow + " world"},
			{PartID: "2", Content: strings.Repeat("sh1t k.i.l.l m.e fuuuck ", 500)},
			{PartID: "3", Content: grow},
		},
		Attachments: []message.Attachment{{PartID: "4", Filename: "wan\u200bker.txt"}},
	}
	// One field of nothing but such runes ("㎉" is "kcal": no runs to
	// collapse) outgrows all the slack.
	if !slices.Contains(long, '\u3389') {
		t.Fatal("U+3389 no longer folds to kcal; pick another rune for the growth path")
	}
	only := &message.Message{Texts: []message.Text{{PartID: "1", Content: strings.Repeat("\u3389", 2000)}}}
	var txt Text
	for _, m := range []*message.Message{only, m, m, only} { // cold, then warm buffers
		txt.Reset(m)
		n := NewNormalizer()
		if len(txt.Norm) != len(txt.Fields) {
			t.Fatalf("%d results for %d fields", len(txt.Norm), len(txt.Fields))
		}
		for i, f := range txt.Fields {
			want := n.Normalize(f.Text)
			got := &txt.Norm[i]
			if !slices.Equal(got.B, want.B) || !slices.Equal(got.Start, want.Start) || !slices.Equal(got.End, want.End) || !slices.Equal(got.Run, want.Run) {
				t.Errorf("field %d (%s): Text differs from Normalize", i, f.Name)
			}
		}
	}
}
