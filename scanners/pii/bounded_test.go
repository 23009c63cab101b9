package pii_test

import (
	"testing"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/pii"
	"github.com/lychgate/lychgate/scanners/scannertest"
)

var pupil = &scanners.Envelope{SenderGroups: []string{scanners.PupilGroup}, Recipients: []scanners.Recipient{{Direction: scanners.Outbound}}}

func TestConformance(t *testing.T) {
	t.Parallel()
	s, err := pii.New(pii.Options{SchoolNames: []string{"St Aidan's"}})
	if err != nil {
		t.Fatal(err)
	}
	scannertest.Conformance(t, s, pupil,
		[]byte("From: a@example.com\r\nSubject: call 07700 900123\r\n\r\nMy name is Jamie Smith, I go to St Aidan's. I live at 14 Acacia Avenue, SW1A 1AA\r\n"),
		[]byte("Subject: hi\r\nContent-Type: text/html\r\n\r\n<p>my birthday is 12/03/2012</p>\r\n"),
	)
}

func TestAdversarial(t *testing.T) {
	t.Parallel()
	s, err := pii.New(pii.Options{})
	if err != nil {
		t.Fatal(err)
	}
	scannertest.Adversarial(t, s, pupil, "07700 900123")
}

// BenchmarkScanOrdinaryText is 1 MB of text that passes every cheap
// pre-test (street and birthday words, digits) without personal data: the
// slow path of every expression.
func BenchmarkScanOrdinaryText(b *testing.B) {
	s, err := pii.New(pii.Options{})
	if err != nil {
		b.Fatal(err)
	}
	raw := scannertest.Repeated("Start the Drive at 10, we were born to live at the School", 1<<20, false)
	m := message.Parse(b.Context(), raw, scannertest.Limits)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := s.Scan(b.Context(), m, pupil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScanRepeatedNumber is 1 MB of one repeated phone number.
func BenchmarkScanRepeatedNumber(b *testing.B) {
	s, err := pii.New(pii.Options{})
	if err != nil {
		b.Fatal(err)
	}
	raw := scannertest.Repeated("07700 900123", 1<<20, false)
	m := message.Parse(b.Context(), raw, scannertest.Limits)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := s.Scan(b.Context(), m, pupil); err != nil {
			b.Fatal(err)
		}
	}
}
