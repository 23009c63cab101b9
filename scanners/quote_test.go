package scanners

import "testing"

func TestQuoteWords(t *testing.T) {
	for _, c := range []struct {
		in   []string
		want string
	}{
		{nil, ""},
		{[]string{"one"}, "“one”"},
		{[]string{"kill myself", "end it"}, "“kill myself”, “end it”"},
	} {
		if got := QuoteWords(c.in); got != c.want {
			t.Errorf("QuoteWords(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
