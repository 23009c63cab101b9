package pii_test

import (
	"context"
	"strings"
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
	out := &scanners.Envelope{SenderGroups: []string{scanners.PupilGroup}, Recipients: []scanners.Recipient{{Direction: scanners.Outbound}}}
	internal := &scanners.Envelope{SenderGroups: []string{scanners.PupilGroup}, Recipients: []scanners.Recipient{{Direction: scanners.Internal}}}
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
		// Direction is for policy: the finding says it applies to outbound copies only.
		{"internal", "text me on 07700 900123", internal, "pii_phone", "07700 900123"},
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
					if f.Category != scanners.PII || f.Evidence[0].Text != tt.quote || !f.HasTag(pii.TagOutboundOnly) {
						t.Errorf("Scan(%q) = %+v, want evidence %q, tag outbound_only", tt.text, f, tt.quote)
					}
					return
				}
			}
			t.Errorf("Scan(%q) = %+v, want %s", tt.text, fs, tt.rule)
		})
	}
}

func TestLongLineWindows(t *testing.T) {
	t.Parallel()
	s, err := pii.New(pii.Options{MaxEvidence: 3})
	if err != nil {
		t.Fatal(err)
	}
	env := &scanners.Envelope{SenderGroups: []string{scanners.PupilGroup}}
	// One line far longer than a window, with numbers on both sides of
	// every window cut, and a multi-line text.
	long := strings.Repeat("text me on 07700 900123 ok ", 20000)
	lines := strings.Repeat("nothing here\n", 20000) + "my postcode is SW1A 1AA\n"
	for name, text := range map[string]string{"long line": long, "many lines": lines} {
		m := &message.Message{Texts: []message.Text{{PartID: "1", Content: text}}}
		fs, err := s.Scan(t.Context(), m, env)
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) != 1 || len(fs[0].Evidence) == 0 || len(fs[0].Evidence) > 3 {
			t.Fatalf("%s: findings = %+v, want one with 1 to 3 evidence items", name, fs)
		}
		for _, e := range fs[0].Evidence {
			if got := text[e.Offset : e.Offset+e.Length]; got != e.Text {
				t.Errorf("%s: evidence %+v quotes %q", name, e, got)
			}
		}
	}
}
