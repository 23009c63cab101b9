package classify

import (
	"context"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
)

func TestWords(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int
	}{
		{"", 0},
		{"see you at the trip", 5},
		{"  see\tyou\r\nthen  ", 3},
		{"Q: are you going to the match<br>A: yes", 7},
		{"Q: are you going to the match\nA: yes", 7},
		{"q: hi<BR/>a: hello <br /> there", 3},
		{"what&#039;s your favourite film", 4},
		{"you &amp; me &#x27; ok", 3},
		{"A: Q: -- ... :) lol", 1},             // labels and punctuation are no words
		{"Aa: b Q:x", 3},                       // only a lone one-letter label is one
		{"5 < 6 and a<b but <br>", 5},          // '<' that starts no tag is text
		{"fish & chips &nbsp no", 4},           // '&' that ends no reference is text
		{"<p>one</p><p>two</p>", 2},            // tags separate words
		{"<a href=\"x\">link</a> text", 2},     // attributes stay inside the tag
		{"unterminated <br and then words", 5}, // no '>': text
	}
	for _, tc := range tests {
		if got := Words(tc.in); got != tc.want {
			t.Errorf("Words(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

// TestScannerQAPost: a copied question-and-answer post is judged by its
// words, not its markup or its Q:/A: labels; one word more and it is.
func TestScannerQAPost(t *testing.T) {
	t.Parallel()
	s, err := New(Options{Model: tinyModel(t)})
	if err != nil {
		t.Fatal(err)
	}
	scan := func(text string) []scanners.Finding {
		t.Helper()
		m := &message.Message{Texts: []message.Text{{PartID: "1", Content: text}}}
		fs, err := s.Scan(context.Background(), m, &scanners.Envelope{})
		if err != nil {
			t.Fatal(err)
		}
		return fs
	}
	seven := "Q: zorblax zorblax zorblax&#039;s zorblax<br>A: zorblax zorblax zorblax"
	if fs := scan(seven); len(fs) != 0 {
		t.Errorf("Scan(%q) = %+v, want nothing (7 words)", seven, fs)
	}
	eight := strings.Replace(seven, "<br>A:", " zorblax<br>A:", 1)
	if fs := scan(eight); len(fs) != 1 || fs[0].Severity != scanners.Medium {
		t.Errorf("Scan(%q) = %+v, want one medium finding (8 words)", eight, fs)
	}
}

func BenchmarkWords(b *testing.B) {
	s := strings.Repeat("Q: are you going to the match<br>A: what&#039;s it to you ", 20)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		Words(s)
	}
}
