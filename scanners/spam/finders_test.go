package spam

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lychgate/lychgate/message"
)

// refParseDate is parseDate as it was, trying every layout in turn: the
// reference of TestParseDateEqualsReference.
func refParseDate(s string) (time.Time, error) {
	var err error
	for _, l := range dateLayouts {
		var t time.Time
		if t, err = time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, err
}

// checkParseDate fails when parseDate(s) differs from the reference:
// success, instant, zone name and offset.
func checkParseDate(t *testing.T, s string) {
	t.Helper()
	got, gerr := parseDate(s)
	want, werr := refParseDate(s)
	if (gerr == nil) != (werr == nil) || !got.Equal(want) || got.String() != want.String() {
		t.Errorf("parseDate(%q) = %v, %v; the reference %v, %v", s, got, gerr, want, werr)
	}
}

// checkSubjectFinders fails when a subject or From-name finder differs
// from the regexp it stands in for on s.
func checkSubjectFinders(t *testing.T, s string) {
	t.Helper()
	if got, ok := findSubjectMoney(s); ok {
		if want := subjectMoneyRe.FindStringIndex(s); !slices.Equal(got, want) {
			t.Errorf("findSubjectMoney(%q) = %v, the regexp %v", s, got, want)
		}
	}
	low := strings.ToLower(s)
	if got, want := findTracking(low), trackRe.FindStringIndex(low); !slices.Equal(got, want) {
		t.Errorf("findTracking(%q) = %v, the regexp %v", low, got, want)
	}
	if got, want := findAddrInName(s), addrInNameRe.FindString(s); got != want {
		t.Errorf("findAddrInName(%q) = %q, the regexp %q", s, got, want)
	}
}

var dateCases = []string{
	"Mon, 2 Jan 2006 15:04:05 -0700", "Mon, 02 Jan 2006 15:04:05 -0700", "Tue, 3 Dec 2002 10:00:00 -0500 (EST)",
	"Tue, 03 Dec 2002 10:00:00 -0500 (EST)", "Tue, 3 Dec 2002 10:00:00 EST", "Tue, 03 Dec 2002 10:00:00 GMT",
	"3 Dec 2002 10:00:00 +0000", "03 Dec 2002 10:00:00 +0000", "Tue, 3 Dec 2002 10:00 +0100", "Tue,  3 Dec 2002 10:00:00 +0100",
	"Tue,3 Dec 2002 10:00:00 +0100", "tue, 3 dec 2002 10:00:00 +0100", "Tue, 3 Dec 2002 10:00:00 +01000", "Tue, 3 Dec 2002 10:00:00 +01",
	"Tue, 3 Dec 2002 10:00:00 -0500 (EST", "Tue, 3 Dec 2002 10:00:00 (EST)", "Tue, 3 Dec 2002 10:00:00 GMT+1", "Tue, 3 Dec 2002 10:00:00 ChST",
	"Tue, 3 Dec 2002 10:00:00 UTC", "Tue, 3 Dec 2002 10:00:00 -0500 (Eastern Standard Time)", "Tue, 31 Feb 2002 10:00:00 -0500",
	"Tue, 3 Dec 2002 25:00:00 -0500", "Tuesday, 3 Dec 2002 10:00:00 -0500", "Xyz, 3 Dec 2002 10:00:00 -0500", "3 Dec 2002", "",
	"Tue", "Tue, ", "1234)", "-0500", "Tue, 3 Dec 2002 10:00:00 -05:00", "Tue, 3 Dec 2002 10:00:00 Z", "Tue, 3 Dec 02 10:00:00 -0500",
}

var subjectCases = []string{
	"FREE money!!!", "free", "freely", "a free b", "$5", "x$5", "x$50", "win $5 now", "a$5!", "save 50% today", "save 50%off",
	"save 50% off", "50% off", "x50% off", "50% offer", "SAVE 10%x", "pills", "pill", "pillsx", "pillx", "PILLS!", "Pills4u",
	"You WON a prize", "wonder", "credit-card", "refinance_now", "_free", "free_", "Investment ", "Rolex.", "casino-royale",
	"Re: meeting", "", "é free", "caſh", "Your order         ab1234", "Hello   12", "Hello  12", "Hi   x1y  ", "Hi   xy",
	"order #12345", "order (ab1234cd)", "order [1234]", "order -abcd1234abcd]  ", "order -abcde1234", "order x1234", "order 123",
	"order\t1234", "order 1234abcde", "a   1   ", "   1", "x (12345) ", "re: 2002-1234", "#1234", "a #1234 b",
	"\"Bob bob@example.com\"", "Bob <bob@example.com>", "a@b.cc", "a@b.c", "@b.com", "a@.com", "a@b..com", "x.y+z@a-b.c.de-f",
	"a@b.com@c.org", "a@@b.com", "a@b.c1om", "a@b.co.uk.x", "a_b@c.de", "é@b.com", "a@b.cOm9", "mail a@b at c@d.ef",
}

// TestParseDateEqualsReference compares parseDate, which skips layouts
// that cannot fit, with the reference that tries them all, on written
// cases and on every Received and Date header of the corpus.
func TestParseDateEqualsReference(t *testing.T) {
	t.Parallel()
	for _, s := range dateCases {
		checkParseDate(t, s)
	}
	n := 0
	for _, f := range corpusFiles(t) {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m := message.Parse(t.Context(), raw, message.Limits{})
		for _, v := range m.HeaderValues("Received") {
			if i := strings.LastIndexByte(v, ';'); i >= 0 {
				checkParseDate(t, strings.TrimSpace(v[i+1:]))
				n++
			}
		}
		checkParseDate(t, strings.TrimSpace(m.Header("Date")))
	}
	t.Logf("%d corpus Received dates", n)
}

// TestSubjectFindersEqualRegexps compares findSubjectMoney,
// findTracking and findAddrInName with their regexps on written cases
// and on every header value of the corpus.
func TestSubjectFindersEqualRegexps(t *testing.T) {
	t.Parallel()
	for _, s := range subjectCases {
		checkSubjectFinders(t, s)
	}
	for _, f := range corpusFiles(t) {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m := message.Parse(t.Context(), raw, message.Limits{})
		for _, h := range m.Headers {
			checkSubjectFinders(t, h.Value)
		}
		for _, a := range m.From {
			checkSubjectFinders(t, a.Name)
		}
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range dateCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkParseDate(t, s)
		checkParseDate(t, "Tue, "+s)
		checkParseDate(t, "Tue, 3 Dec 2002 10:00:00 "+s)
	})
}

func FuzzSubjectFinders(f *testing.F) {
	for _, s := range subjectCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkSubjectFinders(t, s)
		checkSubjectFinders(t, "Re: "+s+"   ab1234")
	})
}

// refRuleHTML is how newCheckCtx built checkCtx.html before: the HTML
// pieces, then strings.ToLower of the whole.
func refRuleHTML(m *message.Message) string {
	var h strings.Builder
	for _, t := range m.Texts {
		if t.PartID != "" && strings.Contains(t.PartID, "/") || !t.FromHTML {
			continue
		}
		if h.Len() < maxRuleText {
			h.WriteString(t.HTML[:min(len(t.HTML), maxRuleText-h.Len())])
		}
	}
	return strings.ToLower(h.String())
}

// TestCheckCtxHTMLEqualsReference compares the lower-cased HTML the
// rules read with the reference, and isASCII with a byte loop, on
// written cases and the corpus.
func TestCheckCtxHTMLEqualsReference(t *testing.T) {
	t.Parallel()
	refASCII := func(s string) bool {
		for i := 0; i < len(s); i++ {
			if s[i] >= 0x80 {
				return false
			}
		}
		return true
	}
	check := func(name string, m *message.Message) {
		t.Helper()
		if got, want := newCheckCtx(m, inbound, time.Unix(0, 0), nil).html, refRuleHTML(m); got != want {
			t.Errorf("%s: the rules' HTML differs from the reference (%d and %d bytes)", name, len(got), len(want))
		}
		for _, x := range m.Texts {
			if got, want := isASCII(x.HTML), refASCII(x.HTML); got != want {
				t.Errorf("%s: isASCII = %v, want %v", name, got, want)
			}
		}
	}
	big := strings.Repeat("<P>Ab</P>", maxRuleText/9+3)
	for i, html := range [][]string{
		{"<P>HELLO</P>"}, {"<p>ÀÉ</p>"}, {"<B>x</B>", "<I>É</I>"}, {big, "<B>É</B>"}, {big[:maxRuleText-1] + "É"}, {"\xff<A>"},
		{"<P>" + strings.Repeat("x", 7) + "é"}, {strings.Repeat("a", 15) + "\x80"},
	} {
		m := &message.Message{}
		for j, s := range html {
			m.Texts = append(m.Texts, message.Text{PartID: string(rune('1' + j)), FromHTML: true, HTML: s, Content: "x"})
		}
		m.Texts = append(m.Texts, message.Text{PartID: "9/a", FromHTML: true, HTML: "<B>É</B>"})
		check("case "+string(rune('a'+i)), m)
	}
	for _, f := range corpusFiles(t) {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		check(f, message.Parse(t.Context(), raw, message.Limits{}))
	}
}

// refBigProvider is bigProvider as it was (the reference).
func refBigProvider(host string) string {
	for _, d := range bigProviders {
		if host == d || strings.HasSuffix(host, "."+d) {
			return d
		}
	}
	return ""
}

func TestBigProviderEqualsReference(t *testing.T) {
	t.Parallel()
	hosts := []string{"", "gmail.com", "mx.gmail.com", "xgmail.com", ".gmail.com", "gmail.com.", "a.b.yahoo.com", "yahoo.co",
		"com", "aol.comm", "mail.earthlink.net", "earthlink.net.evil", "m"}
	for _, f := range corpusFiles(t) {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range message.Parse(t.Context(), raw, message.Limits{}).HeaderValues("Received") {
			if helo, rdns, _, ok := parseReceivedFrom(v); ok {
				hosts = append(hosts, strings.ToLower(helo), strings.ToLower(rdns))
			}
		}
	}
	for _, h := range hosts {
		if got, want := bigProvider(h), refBigProvider(h); got != want {
			t.Errorf("bigProvider(%q) = %q, the reference %q", h, got, want)
		}
	}
}

// refRuleCJK is ruleCJKCharset as it was: one lower-cased join of the
// two headers (the reference).
func refRuleCJK(m *message.Message) bool {
	ct := strings.ToLower(m.Header("Content-Type") + " " + m.Header("Subject"))
	for _, cs := range cjkCharsets {
		if strings.Contains(ct, cs) {
			return true
		}
	}
	return false
}

func TestCJKCharsetEqualsReference(t *testing.T) {
	t.Parallel()
	var msgs []*message.Message
	for _, h := range [][2]string{{"text/plain; charset=GB2312", ""}, {"", "=?big5?b?x?="}, {"text/plain; charset=\"ks_c_5601-1987\"", "x"},
		{"text/plain; charset=gb", "2312"}, {"euc", "-kr"}, {"", ""}, {"TEXT/PLAIN; CHARSET=SHIFT_JIS", "Ünï"},
		{"text/plain; charset=\"" + strings.Repeat("x", 250) + "EUC-JP\"", ""}, {"", "Re: \u212aS_C_5601"}, {"", "ISO-2022-JP"}} {
		msgs = append(msgs, &message.Message{Headers: []message.Header{{Name: "Content-Type", Value: h[0]}, {Name: "Subject", Value: h[1]}}})
	}
	for _, f := range corpusFiles(t) {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, message.Parse(t.Context(), raw, message.Limits{}))
	}
	hits := 0
	for i, m := range msgs {
		got, _ := ruleCJKCharset(&checkCtx{m: m})
		if want := refRuleCJK(m); got != want {
			t.Errorf("message %d: charset_cjk = %v, the reference %v", i, got, want)
		}
		if got {
			hits++
		}
	}
	if hits == 0 {
		t.Error("no case hit charset_cjk")
	}
}

func TestHeaderFieldEqualsConcatenation(t *testing.T) {
	for _, n := range []string{"Date", "From", "Received", "Reply-To", "To", "X-MSMail-Priority", "X-Priority", "Subject", "Content-Type", "", "date"} {
		if got, want := headerField(n), "header:"+n; got != want {
			t.Errorf("headerField(%q) = %q, want %q", n, got, want)
		}
	}
}
