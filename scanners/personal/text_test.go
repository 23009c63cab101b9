package personal

import (
	"slices"
	"strings"
	"testing"
)

var textSamples = []string{
	"",
	"hello",
	"email me at jo.bloggs@gmail.com or JO@Example.CO.UK, thanks",
	"a@b.c@d.e x@@y.z .@a.b 'o'neil'@x.org",
	"On Mon, 1 Jan 2024, Jo wrote:\n> hi",
	"thanks\n\nOn Mon, 1 Jan 2024 at 10:00, Jo Bloggs <jo@x.test>\nwrote:\n> quoted",
	"text\n----- Original Message -----\nFrom: x",
	"text\n---------- Forwarded message ---------\nFrom: x",
	"text\nBegin forwarded message:\n\nFrom: x",
	"text\nFrom: Jo\nSent: Monday\nTo: x",
	"text\nFrom: Jo\nTo: x\nDate: Monday",
	"text\n____________________\nold",
	"text\nonly on mondays\nbut never wrote: here\n",
	"ON a day\nsomeone WROTE:\n",
	"line\n>quoted\n",
	"no quote here\nfrom the start\n- a list\n-- sig",
	"\u212aelvin@example.test and \u017f@x.test",
	strings.Repeat("lorem ipsum jo@x.test ", 200),
}

func TestQuoteStartIsQuoteRE(t *testing.T) {
	t.Parallel()
	for _, s := range textSamples {
		want := len(s)
		if loc := quoteRE.FindStringIndex(s); loc != nil {
			want = loc[0]
		}
		if got := quoteStart(s); got != want {
			t.Errorf("quoteStart(%q) = %d, want %d (quoteRE)", s, got, want)
		}
	}
}

func TestFindEmailsIsEmailRE(t *testing.T) {
	t.Parallel()
	for _, s := range textSamples {
		want := emailRE.FindAllStringIndex(s, -1)
		if got := findEmails(s); !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("findEmails(%q) = %v, want %v (emailRE)", s, got, want)
		}
	}
}

func FuzzTextHelpers(f *testing.F) {
	for _, s := range textSamples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := len(s)
		if loc := quoteRE.FindStringIndex(s); loc != nil {
			want = loc[0]
		}
		if got := quoteStart(s); got != want {
			t.Errorf("quoteStart(%q) = %d, want %d (quoteRE)", s, got, want)
		}
		if got, want := findEmails(s), emailRE.FindAllStringIndex(s, -1); !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("findEmails(%q) = %v, want %v (emailRE)", s, got, want)
		}
	})
}
