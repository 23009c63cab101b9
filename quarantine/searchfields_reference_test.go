package quarantine

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/scanners"
)

// searchFieldsReference is searchFields as it was, with fmt: the reference
// for the one that writes the text in pieces.
func searchFieldsReference(e *Entry) []any {
	var text strings.Builder
	text.WriteString(e.Subject)
	for _, f := range e.Findings {
		fmt.Fprintf(&text, "\n%s %s/%s %s %s", f.Category, f.Scanner, f.Rule, f.Explanation, f.Severity)
		for _, ev := range f.Evidence {
			text.WriteString(" " + ev.Text)
		}
	}
	from := e.From
	if e.HeaderFrom != "" {
		from += "\n" + e.HeaderFrom
	}
	return []any{
		fieldStatus, StatusHeld,
		fieldSeverity, int(e.MaxSeverity),
		fieldDir, string(e.Direction),
		fieldFrom, strings.ToLower(from),
		fieldRcpt, strings.ToLower(strings.Join(e.Recipients, "\n")),
		fieldText, strings.ToLower(text.String()),
	}
}

func TestSearchFieldsEqualsReference(t *testing.T) {
	t.Parallel()
	entries := []*Entry{
		{},
		{Subject: "Hello", From: "A@Example.com", HeaderFrom: "Bob <B@example.com>", Recipients: []string{"P1@School.test", "p2@school.test"}, Direction: "inbound", MaxSeverity: scanners.High},
		{Subject: "Ünïcode SUBJECT", Findings: []scanners.Finding{
			{Scanner: "profanity", Rule: "word", Category: scanners.Profanity, Severity: scanners.Medium, Explanation: "a listed WORD",
				Evidence: []scanners.Evidence{{Text: "Bad"}, {Text: ""}, {Text: "ßtraße"}}},
			{Scanner: "spam", Rule: "score", Category: scanners.Spam, Severity: scanners.Info},
			{Category: "", Severity: scanners.Severity(42), Explanation: "%s %d %!"},
			{Scanner: "links", Rule: "phish/host", Category: scanners.Link, Severity: scanners.Critical, Explanation: "line\nbreak"},
		}},
	}
	for i, e := range entries {
		if got, want := searchFields(e), searchFieldsReference(e); !reflect.DeepEqual(got, want) {
			t.Errorf("searchFields(entries[%d]) = %q, want %q", i, got, want)
		}
	}
}
