package spam

import (
	"context"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lychgate/lychgate/message"
)

// sourceMessage is a message as make bench's row 2 sends it: smtp-source's
// 10 KB body of numbered lines of capital X.
func sourceMessage() []byte {
	var b strings.Builder
	b.WriteString("Received: from vm ([127.0.0.1])\r\n\tby relay.example with SMTP id 14c662b3;\r\n\tTue,  1 Dec 2026 21:32:57 +0000 (UTC)\r\n")
	b.WriteString("From: <foo@vm>\r\nTo: <foo@vm>\r\nDate: Tue,  1 Dec 2026 21:32:57 +0000 (UTC)\r\nMessage-Id: <69c0.0003.0000@vm>\r\n\r\n")
	for n, line := 0, 1; n < 10240; line++ {
		l := strconv.Itoa(line) + strings.Repeat("X", 79-len(strconv.Itoa(line))) + "\r\n"
		b.WriteString(l)
		n += len(l)
	}
	return []byte(b.String())
}

// BenchmarkScanSource scans row 2's message with the rules only (as the
// relay runs the scanner when the classifier is off).
func BenchmarkScanSource(b *testing.B) {
	s, err := New(Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	m := message.Parse(context.Background(), sourceMessage(), message.Limits{})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Scan(b.Context(), m, inbound); err != nil {
			b.Fatal(err)
		}
	}
}

// benchTexts are the rule texts firstAt and lowerCount read: row 2's body
// and, when the corpus is present, the rule text of 300 corpus messages.
func benchTexts(b *testing.B) (source string, corpus []string) {
	m := message.Parse(context.Background(), sourceMessage(), message.Limits{})
	source = newCheckCtx(m, inbound, time.Unix(1700000000, 0), nil).rawText()
	files := corpusFiles(b)
	for i := 0; i < len(files) && len(corpus) < 300; i += max(len(files)/300, 1) {
		raw, err := os.ReadFile(files[i])
		if err != nil {
			b.Fatal(err)
		}
		m := message.Parse(context.Background(), raw, message.Limits{})
		corpus = append(corpus, newCheckCtx(m, inbound, time.Unix(1700000000, 0), nil).rawText())
	}
	return source, corpus
}

func BenchmarkFirstAt(b *testing.B) { benchFirstAt(b, (*phraseMatcher).firstAt) }

func BenchmarkFirstAtOneWalk(b *testing.B) { benchFirstAt(b, (*phraseMatcher).firstAtOneWalk) }

// benchFirstAt runs first over the body phrases on row 2's text and on the
// corpus's rule texts, lower-cased beforehand.
func benchFirstAt(b *testing.B, first func(*phraseMatcher, string, []int)) {
	source, corpus := benchTexts(b)
	at := make([]int, len(phraseList))
	b.Run("source", func(b *testing.B) {
		s := lowerASCII(source)
		b.SetBytes(int64(len(s)))
		for b.Loop() {
			first(bodyPhrases, s, at)
		}
	})
	if len(corpus) == 0 {
		return
	}
	b.Run("corpus", func(b *testing.B) {
		low := make([]string, len(corpus))
		n := 0
		for i, s := range corpus {
			low[i] = lowerASCII(s)
			n += len(s)
		}
		b.SetBytes(int64(n / len(corpus)))
		i := 0
		for b.Loop() {
			first(bodyPhrases, low[i%len(low)], at)
			i++
		}
	})
}

func BenchmarkLowerCount(b *testing.B) {
	source, corpus := benchTexts(b)
	for _, fn := range []struct {
		name string
		f    func(string)
	}{
		{"swar", func(s string) { _, _ = lowerCount(s) }},
		{"bytewise", func(s string) { _, _ = lowerASCIIBytewise(s), textCounts(s) }},
	} {
		b.Run(fn.name+"/source", func(b *testing.B) {
			b.SetBytes(int64(len(source)))
			for b.Loop() {
				fn.f(source)
			}
		})
		if len(corpus) == 0 {
			continue
		}
		b.Run(fn.name+"/corpus", func(b *testing.B) {
			i := 0
			for b.Loop() {
				fn.f(corpus[i%len(corpus)])
				i++
			}
		})
	}
}

// relayTextMessage is a message as smtp-source sends it in make bench's
// row 2 now: "La de da de da N." lines, about 10 KB.
func relayTextMessage() []byte {
	var b strings.Builder
	b.WriteString("Received: from vm ([127.0.0.1])\r\n\tby relay.example with SMTP id 14c662b3;\r\n\tTue,  1 Dec 2026 21:32:57 +0000 (UTC)\r\n")
	b.WriteString("From: <foo@vm>\r\nTo: <foo@vm>\r\nDate: Tue,  1 Dec 2026 21:32:57 +0000 (UTC)\r\nMessage-Id: <69c0.0003.0000@vm>\r\n\r\n")
	for n := 1; b.Len() < 10<<10; n++ {
		b.WriteString("La de da de da " + strconv.Itoa(n) + ".\r\n")
	}
	return []byte(b.String())
}

// BenchmarkScanRelayText scans row 2's message with the rules only (the
// relay runs the scanner so when the classifier is off).
func BenchmarkScanRelayText(b *testing.B) {
	s, err := New(Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	m := message.Parse(context.Background(), relayTextMessage(), message.Limits{})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Scan(b.Context(), m, inbound); err != nil {
			b.Fatal(err)
		}
	}
}
