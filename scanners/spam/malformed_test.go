package spam

import (
	"context"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/message"
)

// TestMalformedHeaderRules: date_zone_absurd, date_no_zone and
// html_no_mime_version fire on the headers they describe and not on
// well-formed ones.
func TestMalformedHeaderRules(t *testing.T) {
	s := newScanner(t, Options{})
	for _, tc := range []struct {
		hdr  string
		want []string // rules among the three that fire
	}{
		{"Date: Thu, 19 Sep 2002 02:29:10 -1600\nMIME-Version: 1.0\nContent-Type: text/plain", []string{"date_zone_absurd"}},
		{"Date: Thu, 19 Sep 2002 02:29:10 +0575\nMIME-Version: 1.0", []string{"date_zone_absurd"}},
		{"Date: Thu, 19 Sep 2002 02:29:10 +1400\nMIME-Version: 1.0", nil},
		{"Date: Thu, 19 Sep 2002 02:29:10 -0500 (EST)\nMIME-Version: 1.0", nil},
		{"Date: Sat, 7 Sep 2002 17:58:28\nMIME-Version: 1.0", []string{"date_no_zone"}},
		{"Date: Mon, 16 Sep 2002 03:27:38 (GMT)\nMIME-Version: 1.0", nil},
		{"Date: Mon, 16 Sep 2002 03:27:38 GMT\nMIME-Version: 1.0", nil},
		{"MIME-Version: 1.0", nil}, // no Date at all is missing_date's
		{"Date: Mon, 16 Sep 2002 03:27:38 +0100\nContent-Type: text/html; charset=us-ascii", []string{"html_no_mime_version"}},
		{"Date: Mon, 16 Sep 2002 03:27:38 +0100\nMIME-Version: 1.0\nContent-Type: text/html", nil},
		{"Date: Mon, 16 Sep 2002 03:27:38 +0100\nContent-Type: text/plain", nil},
		{"Date: Sat, 7 Sep 2002 17:58:28 +2500\nContent-Type: TEXT/HTML", []string{"date_zone_absurd", "html_no_mime_version"}},
	} {
		raw := "From: A Sender <a@example.org>\nTo: b@example.org\nSubject: hello\nMessage-ID: <1@example.org>\n" + tc.hdr + "\n\n<p>Hello there, a few words.</p>\n"
		fs, err := s.Scan(t.Context(), message.Parse(context.Background(), crlf(raw), message.Limits{}), inbound)
		if err != nil {
			t.Fatal(err)
		}
		got := rulesOf(fs)
		for _, id := range []string{"date_zone_absurd", "date_no_zone", "html_no_mime_version"} {
			want := false
			for _, w := range tc.want {
				want = want || w == id
			}
			if _, hit := got[id]; hit != want {
				t.Errorf("%q: %s fired %v, want %v (rules %v)", tc.hdr, id, hit, want, got)
			}
		}
	}
}

// TestLowerPrefixContainsEqualToLower: hasLowerPrefix and containsLower
// give what strings.HasPrefix and strings.Contains of strings.ToLower
// give, for ASCII and non-ASCII values, U+0130 and U+212A, and values
// around the 256-byte stack buffer.
func TestLowerPrefixContainsEqualToLower(t *testing.T) {
	long := strings.Repeat("x", 250)
	for _, s := range []string{"", "BASE64", "base6", "Base64 ", "TEXT/PLAIN; charset=x", "text/plaİn", "Text/HTML", "\u212aase64",
		"Undisclosed-Recipients:;", "UNDISCLOSED", "undİsclosed", "recipients", long + "UNDIS", long + "UNDISCLOSED", long + "undisclosedX",
		strings.Repeat("Y", 300) + "Undisclosed", "ünd undisclosed"} {
		for _, p := range []string{"base64", "text/plain", "text/html", "undisclosed"} {
			if got, want := hasLowerPrefix(s, p), strings.HasPrefix(strings.ToLower(s), p); got != want {
				t.Errorf("hasLowerPrefix(%q, %q) = %v, want %v", s, p, got, want)
			}
			if got, want := containsLower(s, p), strings.Contains(strings.ToLower(s), p); got != want {
				t.Errorf("containsLower(%q, %q) = %v, want %v", s, p, got, want)
			}
		}
	}
}
