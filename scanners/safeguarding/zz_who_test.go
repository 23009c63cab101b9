package safeguarding

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/textnorm"
)

func TestZZWho(t *testing.T) {
	s, _ := New(Options{})
	var pats []textnorm.Pattern
	for i := range s.patText {
		pats = append(pats, textnorm.Pattern{Text: s.patText[i]})
	}
	want := strings.Fields(os.Getenv("W"))
	for i := range s.phrases {
		p := &s.phrases[i]
		k := s.anchorIndex(p, pats)
		for _, pi := range s.terms[p.terms[k]].pats {
			for _, w := range want {
				if s.patText[pi] == w {
					fmt.Printf("%-8s %s: %s\n", w, s.topics[p.topic], p.text)
				}
			}
		}
	}
}
