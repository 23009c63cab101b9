package links

import (
	"testing"

	"github.com/lychgate/lychgate/scanners"
)

// FuzzScan feeds arbitrary HTML and text links to the scanner: no panic,
// bounded findings, every finding with evidence.
func FuzzScan(f *testing.F) {
	f.Add(`<a href="https://urldefense.com/v3/__https://p%61ypal.com__;!!x">www.paypal.com</a>`)
	f.Add(`http://0x7f.1/ https://[::1]/ https://user:pw@xn--80ak6aa92e.com/ data:text/html,<b>`)
	f.Add(`<form action=//x><input type=password></form><div style="url(http://1.2.3.4)">`)
	s, err := New(Options{SchoolDomains: []string{"school.example"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body string) {
		for _, raw := range [][]byte{htmlMail(body), textMail(body)} {
			fs, err := s.Scan(t.Context(), parse(raw), &scanners.Envelope{})
			if err != nil {
				t.Fatal(err)
			}
			if len(fs) > s.maxFindings {
				t.Fatalf("%d findings, want at most %d", len(fs), s.maxFindings)
			}
			for _, x := range fs {
				if len(x.Evidence) == 0 || x.Explanation == "" {
					t.Fatalf("finding %+v without evidence", x)
				}
			}
		}
	})
}
