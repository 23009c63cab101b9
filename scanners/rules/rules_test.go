package rules

import (
	"context"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/scannertest"
)

func mustNew(t *testing.T, rs ...config.Rule) *Scanner {
	t.Helper()
	s, err := New(rs)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestScan(t *testing.T) {
	t.Parallel()
	m := &message.Message{
		Subject:     "Class trip to Scunthorpe",
		Headers:     []message.Header{{Name: "X-Mailer", Value: "BulkBlaster 3"}},
		Texts:       []message.Text{{PartID: "1", Content: "Bring an assessment sheet. Don't tell your mum."}},
		Attachments: []message.Attachment{{PartID: "2", Filename: "invoice.pdf.exe"}},
	}
	env := &scanners.Envelope{Recipients: []scanners.Recipient{{Addr: "a@s.test", Direction: scanners.Inbound, School: "s1"}}}
	cases := []struct {
		name     string
		rule     config.Rule
		wantText []string // evidence texts; nil means no finding
	}{
		{"body pattern", config.Rule{Field: "body", Pattern: `(?i)don'?t tell your (mum|dad)`}, []string{"Don't tell your mum"}},
		{"words need boundaries", config.Rule{Field: "any", Words: []string{"ass", "cunt"}}, nil},
		{"words case-insensitive", config.Rule{Field: "subject", Words: []string{"CLASS TRIP"}}, []string{"Class trip"}},
		{"header", config.Rule{Field: "header:x-mailer", Pattern: `Bulk\w+`}, []string{"BulkBlaster"}},
		{"filename", config.Rule{Field: "filename", Pattern: `\.exe$`}, []string{".exe"}},
		{"subject only", config.Rule{Field: "subject", Words: []string{"assessment"}}, nil},
		{"any field", config.Rule{Field: "any", Words: []string{"assessment", "trip"}}, []string{"trip", "assessment"}},
		{"school filter miss", config.Rule{Field: "any", Words: []string{"trip"}, Schools: []string{"other"}}, nil},
		{"school filter hit", config.Rule{Field: "any", Words: []string{"trip"}, Schools: []string{"s1"}}, []string{"trip"}},
		{"direction filter miss", config.Rule{Field: "any", Words: []string{"trip"}, Directions: []string{"outbound"}}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.rule.ID, tc.rule.Category, tc.rule.Severity = "r", "safeguarding", "high"
			fs, err := mustNew(t, tc.rule).Scan(context.Background(), m, env)
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantText == nil {
				if len(fs) != 0 {
					t.Errorf("Scan() = %+v, want nothing", fs)
				}
				return
			}
			if len(fs) != 1 {
				t.Fatalf("Scan() = %+v, want one finding", fs)
			}
			f := fs[0]
			if f.Scanner != Name || f.Rule != "r" || f.Category != scanners.Safeguarding || f.Severity != scanners.High {
				t.Errorf("Scan() finding = %+v", f)
			}
			if len(f.Evidence) != len(tc.wantText) {
				t.Fatalf("evidence = %+v, want %v", f.Evidence, tc.wantText)
			}
			for i, ev := range f.Evidence {
				if ev.Text != tc.wantText[i] {
					t.Errorf("evidence[%d] = %q, want %q", i, ev.Text, tc.wantText[i])
				}
			}
			scannertest.CheckFinding(t, m, f)
		})
	}
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		rule config.Rule
	}{
		{"no pattern or words", config.Rule{ID: "x", Category: "spam"}},
		{"both", config.Rule{ID: "x", Pattern: "a", Words: []string{"b"}, Category: "spam"}},
		{"bad regexp", config.Rule{ID: "x", Pattern: "(", Category: "spam"}},
		{"bad field", config.Rule{ID: "x", Field: "footer", Pattern: "a", Category: "spam"}},
		{"bad category", config.Rule{ID: "x", Pattern: "a", Category: "rude"}},
		{"bad severity", config.Rule{ID: "x", Pattern: "a", Category: "spam", Severity: "dire"}},
		{"empty words", config.Rule{ID: "x", Words: []string{" "}, Category: "spam"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := New([]config.Rule{tc.rule}); err == nil {
				t.Errorf("New(%+v) = nil error, want one", tc.rule)
			}
		})
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	s := mustNew(t, config.Rule{ID: "phrase", Field: "any", Pattern: "(?i)example phrase", Category: "safeguarding", Severity: "critical"})
	scannertest.Conformance(t, s, &scanners.Envelope{},
		[]byte("From: a@example.com\r\nSubject: an Example Phrase\r\n\r\nthe example phrase is here\r\n"),
		[]byte("Subject: =?UTF-8?B?ZXhhbXBsZSBwaHJhc2U=?=\r\nContent-Type: text/html\r\n\r\n<p>example&nbsp;phrase</p>\r\n"),
	)
}

func TestExcerpt(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"abcdef", 3, "abc…"},
		{"ééé", 3, "é…"},
	}
	for _, tc := range cases {
		if got := Excerpt(tc.in, tc.n); got != tc.want {
			t.Errorf("Excerpt(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

func TestAdversarial(t *testing.T) {
	t.Parallel()
	s := mustNew(t,
		config.Rule{ID: "words", Field: "any", Words: []string{"example"}, Category: "profanity", Severity: "medium", Score: 2},
		config.Rule{ID: "pattern", Field: "body", Pattern: `(?i)ex\w+ple`, Category: "spam", Severity: "low", Score: 1},
		config.Rule{ID: "scoped", Field: "body", Words: []string{"example"}, Category: "spam", Severity: "low", Schools: []string{"s1"}},
	)
	scannertest.Adversarial(t, s, &scanners.Envelope{}, "example")
}

func TestSchoolsAndExplanation(t *testing.T) {
	t.Parallel()
	s := mustNew(t,
		config.Rule{ID: "scoped", Field: "body", Pattern: `(?i)(nobody|no_one|noone) likes`, Category: "safeguarding", Severity: "high", Schools: []string{"north", "south", "east"}},
		config.Rule{ID: "global", Field: "body", Words: []string{"likes"}, Category: "spam", Explanation: "likes found"},
	)
	m := &message.Message{Texts: []message.Text{{PartID: "1", Content: "Nobody likes you, noone likes them"}}}
	env := &scanners.Envelope{SenderSchool: "north", Recipients: []scanners.Recipient{
		{Addr: "a@south.test", School: "south"}, {Addr: "b@west.test", School: "west"}}}
	fs, err := s.Scan(t.Context(), m, env)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		got = append(got, f.Rule+"@"+f.School+": "+f.Explanation)
	}
	// Never the pattern, never the matched text (evidence).
	want := []string{
		"scoped@north: custom rule scoped matched",
		"scoped@south: custom rule scoped matched",
		"global@: likes found",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Scan() =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
