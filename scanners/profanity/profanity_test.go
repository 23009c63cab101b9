package profanity_test

import (
	"context"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/profanity"
)

func newScanner(t *testing.T, opts profanity.Options) *profanity.Scanner {
	t.Helper()
	s, err := profanity.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestMatchText(t *testing.T) {
	t.Parallel()
	s := newScanner(t, profanity.Options{})
	tests := []struct {
		name, in string
		tier     profanity.Tier
		quote    string // the original text the evidence must quote
	}{
		{"plain", "you fucking idiot", profanity.Strong, "fucking"},
		{"british", "oi you wanker", profanity.Strong, "wanker"},
		{"bellend", "what a bellend", profanity.Strong, "bellend"},
		{"knobhead", "you knobhead", profanity.Strong, "knobhead"},
		{"mild arse", "get your arse here", profanity.Mild, "arse"},
		{"leet", "this is sh1t", profanity.Strong, "sh1t"},
		{"dots", "you F.U.C.K.", profanity.Strong, "F.U.C.K"},
		{"repeats", "fuuuuuck", profanity.Strong, "fuuuuuck"},
		{"stretched double", "bollllocks", profanity.Strong, "bollllocks"},
		{"cyrillic", "you \u0441unt", profanity.Strong, "\u0441unt"},
		{"zero width", "wan\u200bker", profanity.Strong, "wan\u200bker"},
		{"fullwidth", "ｔｗａｔ", profanity.Strong, "ｔｗａｔ"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hits := s.MatchText(tt.in, nil)
			if len(hits) == 0 {
				t.Fatalf("MatchText(%q) = no hits, want %s", tt.in, tt.tier)
			}
			h := hits[0]
			if h.Tier != tt.tier {
				t.Errorf("MatchText(%q) tier = %s, want %s", tt.in, h.Tier, tt.tier)
			}
			if got := tt.in[h.Start:h.End]; got != tt.quote {
				t.Errorf("MatchText(%q) quotes %q, want %q", tt.in, got, tt.quote)
			}
		})
	}
}

func TestLookAlikes(t *testing.T) {
	t.Parallel()
	s := newScanner(t, profanity.Options{})
	for _, in := range []string{
		"Scunthorpe", "Penistone", "Sussex", "Essex", "Middlesex", "Arsenal", "arsenic",
		"assessment", "classic", "cocktail", "shiitake", "therapist", "Hitchcock",
		"scrapbook", "analysis", "cumulative", "a blue tit", "Wankel engine",
		"Cumbria", "cucumber", "document", "passage", "grasshopper", "Dickens",
		"who're you", "the slag heap", "prick up your ears", "as well as",
		"hello shell", "title", "Matsushita", "cockpit", "peacock",
	} {
		t.Run(in, func(t *testing.T) {
			t.Parallel()
			if hits := s.MatchText(in, nil); len(hits) > 0 {
				t.Errorf("MatchText(%q) = %+v, want none", in, hits)
			}
		})
	}
}

func TestScanEvidenceAndSeverity(t *testing.T) {
	t.Parallel()
	s := newScanner(t, profanity.Options{})
	m := &message.Message{
		Subject: "hello",
		From:    []message.Address{{Name: "Mr W4nker", Addr: "x@example.com"}},
		Texts:   []message.Text{{PartID: "1", Content: "the fucking bus is late"}},
	}
	pupil := &scanners.Envelope{SenderGroups: []string{scanners.PupilGroup}}
	tests := []struct {
		name string
		env  *scanners.Envelope
	}{
		{"no envelope", nil},
		// The envelope does not change findings: policy weighs them.
		{"pupil sender", pupil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fs, err := s.Scan(context.Background(), m, tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if len(fs) != 1 || fs[0].Rule != "profanity_strong" {
				t.Fatalf("findings = %+v, want one profanity_strong", fs)
			}
			f := fs[0]
			if f.Severity != scanners.Medium || len(f.Tags) != 0 {
				t.Errorf("severity, tags = %s, %q, want medium (base), no tags", f.Severity, f.Tags)
			}
			var fields []string
			for _, e := range f.Evidence {
				fields = append(fields, e.Field+"="+e.Text)
				src := m.Texts[0].Content
				if e.Field == "header:From" {
					src = m.From[0].Name
				} else if e.Part != "1" {
					t.Errorf("evidence part = %q, want 1", e.Part)
				}
				if src[e.Offset:e.Offset+e.Length] != e.Text {
					t.Errorf("evidence %+v does not quote the original", e)
				}
			}
			if got := strings.Join(fields, ","); got != "header:From=W4nker,body=fucking" {
				t.Errorf("evidence = %s", got)
			}
		})
	}
	for _, text := range []string{"fuck you", "you twat", "ur a wanker", "shit, you lot"} {
		fs, _ := s.Scan(context.Background(), &message.Message{Texts: []message.Text{{Content: text}}}, nil)
		if len(fs) != 1 || fs[0].Severity != scanners.Medium || !fs[0].HasTag(profanity.TagDirected) {
			t.Errorf("Scan(%q) = %+v, want medium tagged directed", text, fs)
		}
	}
	fs, _ := s.Scan(context.Background(), &message.Message{Texts: []message.Text{{Content: "the fucking build broke, you know"}}}, nil)
	if len(fs) != 1 || fs[0].HasTag(profanity.TagDirected) {
		t.Errorf("undirected: %+v, want no directed tag", fs)
	}
}

func TestRepetitionIsBounded(t *testing.T) {
	t.Parallel()
	s := newScanner(t, profanity.Options{MaxEvidence: 5, School: "north"})
	m := &message.Message{Texts: []message.Text{{PartID: "1", Content: strings.Repeat("shit bugger ", 20000)}}}
	fs, err := s.Scan(t.Context(), m, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 2 {
		t.Fatalf("findings = %+v, want strong and mild", fs)
	}
	for _, f := range fs {
		weight := map[string]float64{"profanity_strong": 3, "profanity_mild": 1}[f.Rule]
		if f.Score != weight*profanity.ScoreCap {
			t.Errorf("%s score = %v, want %v (saturated)", f.Rule, f.Score, weight*profanity.ScoreCap)
		}
		if len(f.Evidence) != 5 {
			t.Errorf("%s evidence = %d items, want the cap of 5", f.Rule, len(f.Evidence))
		}
		if !strings.Contains(f.Explanation, "20000 match(es)") || strings.Count(f.Explanation, "\u201c") != 1 {
			t.Errorf("%s explanation = %q, want the real count and one quoted word", f.Rule, f.Explanation)
		}
		if f.School != "north" {
			t.Errorf("%s school = %q, want north", f.Rule, f.School)
		}
	}
}

func TestOverlapsAndAllowList(t *testing.T) {
	t.Parallel()
	s := newScanner(t, profanity.Options{})
	tests := []struct {
		in   string
		want []string // quoted words, in order
	}{
		{"Scunthorpe fuck Scunthorpe", []string{"fuck"}},
		{"fucking fuck", []string{"fucking", "fuck"}},
		{"motherfucker", []string{"motherfucker"}},
		{"Arsenal arse Arsenal", []string{"arse"}},
	}
	for _, tt := range tests {
		var got []string
		for _, h := range s.MatchText(tt.in, nil) {
			got = append(got, tt.in[h.Start:h.End])
		}
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("MatchText(%q) quotes %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestOptions(t *testing.T) {
	t.Parallel()
	add, err := profanity.ReadList(strings.NewReader("# school list\nslur: zorgon\nblimey\n"), profanity.Mild)
	if err != nil {
		t.Fatal(err)
	}
	s := newScanner(t, profanity.Options{Add: add, Remove: []string{"sodding"}, Allow: []string{"zorgonville"}})
	tests := []struct {
		in   string
		want int
	}{
		{"zorgon", 1}, {"blimey", 1}, {"sodding", 0}, {"zorgonville", 0},
	}
	for _, tt := range tests {
		if got := len(s.MatchText(tt.in, nil)); got != tt.want {
			t.Errorf("MatchText(%q) = %d hits, want %d", tt.in, got, tt.want)
		}
	}
	if h := s.MatchText("zorgon", nil); len(h) == 1 && h[0].Tier != profanity.Slur {
		t.Errorf("tier = %s, want slur", h[0].Tier)
	}
}

func TestExplanationQuotesWords(t *testing.T) {
	t.Parallel()
	s := newScanner(t, profanity.Options{Add: []profanity.Entry{{Text: "b_0_l_l_0_c_k_s*", Tier: profanity.Strong}}})
	m := &message.Message{Texts: []message.Text{{PartID: "1", Content: "you F.U.C.K.I.N.G twat, fucking hell, FUCKING, b0ll0cksy"}}}
	fs, err := s.Scan(t.Context(), m, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 {
		t.Fatalf("findings = %+v, want one", fs)
	}
	// List words in plain spelling, never the list syntax or the message's
	// own spelling (that is evidence).
	want := "strong profanity: 5 match(es): \u201cfucking\u201d, \u201ctwat\u201d, \u201cfucking hell\u201d, \u201cbollocks\u201d"
	if fs[0].Explanation != want {
		t.Errorf("explanation = %q, want %q", fs[0].Explanation, want)
	}
}
