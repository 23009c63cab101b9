package profanity_test

import (
	"testing"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/profanity"
	"github.com/lychgate/lychgate/scanners/scannertest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	s := newScanner(t, profanity.Options{})
	scannertest.Conformance(t, s, &scanners.Envelope{},
		[]byte("From: \"Mr W4nker\" <a@example.com>\r\nSubject: f.u.c.k this\r\n\r\nyou twat, the fucking bus, Scunthorpe\r\n"),
		[]byte("Subject: =?UTF-8?B?c2hpdA==?=\r\nContent-Type: text/html\r\n\r\n<p>bloody&nbsp;hell, sh1t</p>\r\n"),
	)
}

func TestAdversarial(t *testing.T) {
	t.Parallel()
	scannertest.Adversarial(t, newScanner(t, profanity.Options{}), &scanners.Envelope{}, "fuck you")
}

// BenchmarkScanRepeatedWord is 1 MB of one repeated swear word.
func BenchmarkScanRepeatedWord(b *testing.B) {
	s, err := profanity.New(profanity.Options{})
	if err != nil {
		b.Fatal(err)
	}
	raw := scannertest.Repeated("fuck", 1<<20, false)
	m := message.Parse(b.Context(), raw, scannertest.Limits)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := s.Scan(b.Context(), m, nil); err != nil {
			b.Fatal(err)
		}
	}
}
