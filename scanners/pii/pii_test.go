package pii_test

import (
	"context"
	"testing"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/pii"
)

func TestScan(t *testing.T) {
	t.Parallel()
	s, err := pii.New(pii.Options{SchoolNames: []string{"St Aidan's"}})
	if err != nil {
		t.Fatal(err)
	}
	out := &scanners.Envelope{SenderGroups: []string{"pupils"}, Recipients: []scanners.Recipient{{Direction: scanners.Outbound}}}
	internal := &scanners.Envelope{SenderGroups: []string{"pupils"}, Recipients: []scanners.Recipient{{Direction: scanners.Internal}}}
	staff := &scanners.Envelope{SenderGroups: []string{"staff"}, Recipients: []scanners.Recipient{{Direction: scanners.Outbound}}}
	tests := []struct {
		name, text string
		env        *scanners.Envelope
		rule       string
		quote      string
	}{
		{"mobile", "text me on 07700 900123 ok", out, "pii_phone", "07700 900123"},
		{"intl", "call +44 7700 900456", out, "pii_phone", "+44 7700 900456"},
		{"postcode", "it's SW1A 1AA", out, "pii_postcode", "SW1A 1AA"},
		{"address", "come to 14 Acacia Avenue", out, "pii_address", "14 Acacia Avenue"},
		{"dob", "my birthday is 12/03/2012", out, "pii_date_of_birth", "my birthday is 12/03/2012"},
		{"school", "My name is Jamie Smith, I go to St Aidan's", out, "pii_school_name", "My name is Jamie Smith"},
		{"internal", "text me on 07700 900123", internal, "", ""},
		{"staff", "office 0161 496 0000", staff, "", ""},
		{"no pii", "I got 17 out of 20 on 12 March", out, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fs, err := s.Scan(context.Background(), &message.Message{Texts: []message.Text{{PartID: "1", Content: tt.text}}}, tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if tt.rule == "" {
				if len(fs) > 0 {
					t.Fatalf("Scan(%q) = %+v, want none", tt.text, fs)
				}
				return
			}
			for _, f := range fs {
				if f.Rule == tt.rule {
					if f.Category != scanners.PII || f.Evidence[0].Text != tt.quote {
						t.Errorf("Scan(%q) = %+v, want evidence %q", tt.text, f, tt.quote)
					}
					return
				}
			}
			t.Errorf("Scan(%q) = %+v, want %s", tt.text, fs, tt.rule)
		})
	}
}
