package safeguarding_test

import (
	"testing"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners/safeguarding"
	"github.com/lychgate/lychgate/scanners/scannertest"
)

func newScanner(t testing.TB) *safeguarding.Scanner {
	t.Helper()
	s, err := safeguarding.New(safeguarding.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	t.Parallel()
	scannertest.Conformance(t, newScanner(t), pupilToPupil,
		[]byte("From: a@example.com\r\nSubject: go kill urself\r\n\r\nsend me a pic of you and don't tell your mum\r\n"),
		[]byte("Subject: homework\r\nContent-Type: text/html\r\n\r\n<p>this homework is killing me; nobody&nbsp;likes you</p>\r\n"),
	)
}

func TestAdversarial(t *testing.T) {
	t.Parallel()
	scannertest.Adversarial(t, newScanner(t), pupilToPupil, "nobody likes you")
}

// BenchmarkScanRepeatedPhrase is 1 MB of one repeated phrase.
func BenchmarkScanRepeatedPhrase(b *testing.B) {
	s := newScanner(b)
	raw := scannertest.Repeated("kill yourself", 1<<20, false)
	m := message.Parse(b.Context(), raw, scannertest.Limits)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := s.Scan(b.Context(), m, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScanRepeatedWord is 1 MB of one repeated anchor word.
func BenchmarkScanRepeatedWord(b *testing.B) {
	s := newScanner(b)
	raw := scannertest.Repeated("kill", 1<<20, false)
	m := message.Parse(b.Context(), raw, scannertest.Limits)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := s.Scan(b.Context(), m, nil); err != nil {
			b.Fatal(err)
		}
	}
}
