package message

import (
	"net/mail"
	"testing"
)

var dateCases = []string{
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Tue, 03 Dec 2002 10:00:00 -0500 (EST)",
	"  Wed, 4 Dec 2002 10:00:00 +0000 (GMT) trailing",
	"Wed, 4 Dec 2002 10:00:00 +0000 (unbalanced",
	"Wed, 4 Dec 2002 10:00:00 +0000 (a\\) (b (c)) )",
	"Wed, 4 Dec 2002 10:00 +0000",
	"Wed, 4 Dec 02 10:00:00 +0000",
	"4 Dec 2002 10:00:00 +0000",
	"Thu, 20 Nov 1997 09:55:06 MDT",
	"Fri, 31 Feb 2002 10:00:00 +0000",
	"Fri, 1 Mar 2002 25:00:00 +0000",
	"Sat, 1 Mar 2002 10:00:00 -05",
	"Sun, 1 Mar 2002 10:00:00 +0000\r\n (x)",
	"Xyz, 1 Mar 2002 10:00:00 +0000",
	"Monday, 1 Mar 2002 10:00:00 +0000",
	"-0000",
	"",
}

// TestParseMailDate checks the shortcut against mail.ParseDate.
func TestParseMailDate(t *testing.T) {
	t.Parallel()
	for _, d := range dateCases {
		checkMailDate(t, d)
	}
}

func checkMailDate(t *testing.T, d string) {
	got, gerr := parseMailDate(d)
	want, werr := mail.ParseDate(d)
	if (gerr == nil) != (werr == nil) || !got.Equal(want) || got.String() != want.String() {
		t.Errorf("parseMailDate(%q) = %v, %v; mail.ParseDate = %v, %v", d, got, gerr, want, werr)
	}
}

func FuzzParseMailDate(f *testing.F) {
	for _, d := range dateCases {
		f.Add(d)
	}
	f.Fuzz(checkMailDate)
}
