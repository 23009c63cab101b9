package pii_test

import (
	"testing"

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
