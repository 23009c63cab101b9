package safeguarding_test

import (
	"context"
	"testing"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/safeguarding"
)

var (
	pupilOut     = &scanners.Envelope{SenderSchool: "s1", SenderGroups: []string{"pupils"}, Recipients: []scanners.Recipient{{Direction: scanners.Outbound}}}
	pupilToPupil = &scanners.Envelope{SenderSchool: "s1", SenderGroups: []string{"pupils"}, Recipients: []scanners.Recipient{{Direction: scanners.Internal, Groups: []string{"pupils"}}}}
	outsider     = &scanners.Envelope{Recipients: []scanners.Recipient{{Direction: scanners.Inbound, Groups: []string{"pupils"}}}}
	staff        = &scanners.Envelope{SenderSchool: "s1", SenderGroups: []string{"staff"}, Recipients: []scanners.Recipient{{Direction: scanners.Internal, Groups: []string{"staff"}}}}
)

func TestScan(t *testing.T) {
	t.Parallel()
	s, err := safeguarding.New(safeguarding.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		text string
		env  *scanners.Envelope
		rule string // "" = no finding above low
		want scanners.Severity
	}{
		{"pupil self-harm is high", "i want to kill myself", pupilOut, "safeguarding_self_harm", scanners.High},
		{"leet self-harm", "i w4nt t0 k1ll mys3lf", pupilOut, "safeguarding_self_harm", scanners.High},
		{"cutting", "been cutting myself again", pupilOut, "safeguarding_self_harm", scanners.High},
		{"kys", "just kys", pupilToPupil, "safeguarding_bullying", scanners.High},
		{"kill urself", "go kill urself", pupilToPupil, "safeguarding_bullying", scanners.High},
		{"gapped secrecy", "dont you tell ur mum", staff, "safeguarding_grooming", scanners.Medium},
		{"grooming critical", "send me a pic of you and don't tell your mum", outsider, "safeguarding_grooming", scanners.Critical},
		{"grooming flattery+meet", "you're so mature for your age, meet me after school", outsider, "safeguarding_grooming", scanners.Critical - 1},
		{"extremism", "1488 sieg heil", staff, "safeguarding_extremism", scanners.High},
		{"weapons", "im gonna stab you", pupilToPupil, "safeguarding_weapons", scanners.High},
		{"negation", "i will not kill you", staff, "", 0},
		{"hyperbole homework", "this homework is killing me", pupilOut, "", 0},
		{"hyperbole laughing", "I nearly died laughing", pupilOut, "", 0},
		{"hyperbole kill myself laughing", "i could kill myself laughing", pupilOut, "", 0},
		{"hyperbole mum", "my mum will kill me", pupilOut, "", 0},
		{"trip photos", "can you send me the photos from the trip", staff, "", 0},
		{"history", "the rise of extremism in Europe", staff, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := &message.Message{Texts: []message.Text{{PartID: "1", Content: tt.text}}}
			fs, err := s.Scan(context.Background(), m, tt.env)
			if err != nil {
				t.Fatal(err)
			}
			var got *scanners.Finding
			for i := range fs {
				if fs[i].Severity >= scanners.Medium {
					got = &fs[i]
				}
			}
			if tt.rule == "" {
				if got != nil {
					t.Fatalf("Scan(%q) = %s %s, want nothing at medium+", tt.text, got.Rule, got.Severity)
				}
				return
			}
			if got == nil {
				t.Fatalf("Scan(%q) = %+v, want %s %s", tt.text, fs, tt.rule, tt.want)
			}
			if got.Rule != tt.rule || got.Severity != tt.want {
				t.Errorf("Scan(%q) = %s %s, want %s %s", tt.text, got.Rule, got.Severity, tt.rule, tt.want)
			}
			e := got.Evidence[0]
			if e.Part != "1" || e.Field != "body" || tt.text[e.Offset:e.Offset+e.Length] != e.Text {
				t.Errorf("evidence %+v does not quote the original", e)
			}
		})
	}
}

func TestIllegal(t *testing.T) {
	t.Parallel()
	s, err := safeguarding.New(safeguarding.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fs, _ := s.Scan(context.Background(), &message.Message{Subject: "pthc links"}, nil)
	if len(fs) != 1 || fs[0].Category != scanners.Illegal || fs[0].Severity != scanners.Critical {
		t.Errorf("findings = %+v, want one illegal critical", fs)
	}
}
