package safeguarding_test

import (
	"context"
	"reflect"
	"strings"
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
	// Base severities: the envelope never changes them (policy weighs who
	// writes to whom), so every case runs with every envelope.
	envs := []*scanners.Envelope{nil, pupilOut, pupilToPupil, outsider, staff}
	tests := []struct {
		name string
		text string
		rule string // "" = no finding above low
		want scanners.Severity
		tags string
	}{
		{"self-harm", "i want to kill myself", "safeguarding_self_harm", scanners.High, ""},
		{"leet self-harm", "i w4nt t0 k1ll mys3lf", "safeguarding_self_harm", scanners.High, ""},
		{"cutting", "been cutting myself again", "safeguarding_self_harm", scanners.High, ""},
		{"kys", "just kys", "safeguarding_bullying", scanners.High, ""},
		{"kill urself", "go kill urself", "safeguarding_bullying", scanners.High, ""},
		{"gapped secrecy", "dont you tell ur mum", "safeguarding_grooming", scanners.Medium, "secrecy"},
		// Policy makes this critical from an outside adult to a pupil.
		{"grooming image+secrecy", "send me a pic of you and don't tell your mum", "safeguarding_grooming", scanners.High, "secrecy,image,several_signals"},
		{"grooming flattery+meet", "you're so mature for your age, meet me after school", "safeguarding_grooming", scanners.High, "meet,flattery,several_signals"},
		{"extremism", "1488 sieg heil", "safeguarding_extremism", scanners.High, ""},
		{"weapons", "im gonna stab you", "safeguarding_weapons", scanners.High, ""},
		{"negation", "i will not kill you", "", 0, ""},
		{"hyperbole homework", "this homework is killing me", "", 0, ""},
		{"hyperbole laughing", "I nearly died laughing", "", 0, ""},
		{"hyperbole kill myself laughing", "i could kill myself laughing", "", 0, ""},
		{"hyperbole mum", "my mum will kill me", "", 0, ""},
		{"trip photos", "can you send me the photos from the trip", "", 0, ""},
		{"history", "the rise of extremism in Europe", "", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := &message.Message{Texts: []message.Text{{PartID: "1", Content: tt.text}}}
			first, err := s.Scan(context.Background(), m, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, env := range envs[1:] {
				fs, err := s.Scan(context.Background(), m, env)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(fs, first) {
					t.Errorf("Scan(%q) with %+v = %+v, want %+v as without an envelope", tt.text, env, fs, first)
				}
			}
			var got *scanners.Finding
			for i := range first {
				if first[i].Severity >= scanners.Medium {
					got = &first[i]
				}
			}
			if tt.rule == "" {
				if got != nil {
					t.Fatalf("Scan(%q) = %s %s, want nothing at medium+", tt.text, got.Rule, got.Severity)
				}
				return
			}
			if got == nil {
				t.Fatalf("Scan(%q) = %+v, want %s %s", tt.text, first, tt.rule, tt.want)
			}
			if got.Rule != tt.rule || got.Severity != tt.want || strings.Join(got.Tags, ",") != tt.tags {
				t.Errorf("Scan(%q) = %s %s %q, want %s %s %q", tt.text, got.Rule, got.Severity, got.Tags, tt.rule, tt.want, tt.tags)
			}
			e := got.Evidence[0]
			if e.Part != "1" || e.Field != "body" || tt.text[e.Offset:e.Offset+e.Length] != e.Text {
				t.Errorf("evidence %+v does not quote the original", e)
			}
			if !strings.Contains(got.Explanation, "\u201c") || strings.ContainsAny(got.Explanation, "|_*") || strings.Contains(got.Explanation, "...") {
				t.Errorf("explanation %q: want quoted matched words, no lexicon syntax", got.Explanation)
			}
		})
	}
}

func TestHyperboleTag(t *testing.T) {
	t.Parallel()
	s, err := safeguarding.New(safeguarding.Options{School: "north"})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := s.Scan(t.Context(), &message.Message{Texts: []message.Text{{PartID: "1", Content: "this homework is killing me"}}}, pupilOut)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if f.Severity != scanners.Low || !f.HasTag(safeguarding.TagHyperbole) || f.School != "north" {
			t.Errorf("finding %+v, want low, tagged hyperbole, school north", f)
		}
	}
}

func TestExplanationQuotesWords(t *testing.T) {
	t.Parallel()
	s, err := safeguarding.New(safeguarding.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// The explanation names the lexicon words that matched (the
	// alternative of each term), not the phrase syntax and not the
	// message's own spelling, which is evidence.
	tests := []struct{ text, want string }{
		{"Nobody   LOVES u", "bullying: 1 phrase match(es): \u201cnobody loves u\u201d"},
		{"i want to hang myself", "\u201chang myself\u201d"},
		{"no one likes you", "\u201cno one likes you\u201d"},
	}
	for _, tt := range tests {
		fs, err := s.Scan(t.Context(), &message.Message{Texts: []message.Text{{PartID: "1", Content: tt.text}}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) == 0 {
			t.Errorf("Scan(%q) = nothing, want a finding", tt.text)
			continue
		}
		if !strings.Contains(fs[0].Explanation, tt.want) {
			t.Errorf("Scan(%q) explanation = %q, want it to contain %q", tt.text, fs[0].Explanation, tt.want)
		}
	}
}
