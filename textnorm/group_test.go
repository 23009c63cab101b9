package textnorm_test

import (
	"slices"
	"sync"
	"testing"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/textnorm"
)

// TestTextHitsConcurrent reads a Group's hits from one Text in several
// goroutines (run with -race) and checks them against Match.
func TestTextHitsConcurrent(t *testing.T) {
	a, err := textnorm.Compile([]textnorm.Pattern{{Text: "fuck*"}, {Text: "kill yourself"}, {Text: "you"}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := textnorm.Compile([]textnorm.Pattern{{Text: "*ss*"}, {Text: "yourself"}})
	if err != nil {
		t.Fatal(err)
	}
	g, err := textnorm.NewGroup(a, b)
	if err != nil {
		t.Fatal(err)
	}
	m := &message.Message{Subject: "go kill yourself", Texts: []message.Text{{Content: "fuuuck you, a$$ and more grass"}}}
	var text textnorm.Text
	for range 2 { // the second time reuses the slot
		text.Reset(m)
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for i := range text.Norm {
					for _, p := range []*textnorm.Matcher{a, b} {
						if got, want := text.Hits(g, p, i), p.Match(&text.Norm[i], nil); !slices.Equal(got, want) {
							t.Errorf("field %d: Hits = %v, Match = %v", i, got, want)
						}
					}
				}
			})
		}
		wg.Wait()
	}
}
