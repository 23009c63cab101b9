package message

import (
	"net/url"
	"os"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// checkHostURLs fails when hostURLs claims an answer for w that differs
// from the relaxed regexp's (the reference it stands in for).
func checkHostURLs(t *testing.T, w string) (answered bool) {
	t.Helper()
	spans, ok := hostURLs(w, nil)
	if !ok {
		return false
	}
	got := make([]string, 0, len(spans))
	for _, sp := range spans {
		got = append(got, w[sp[0]:sp[1]])
	}
	want := textURLRe.FindAllString(w, 100)
	if strings.Join(got, "\n") != strings.Join(want, "\n") || len(got) != len(want) {
		t.Errorf("hostURLs(%q) gives %q, the regexp %q", w, got, want)
	}
	return true
}

var hostURLCases = []string{
	"sf.net", "www.example.org,", "fuchsia.cs.mu.OZ.AU", "UNFORTU.NET,", "NET.WORKS", "glibc.so", "boot.zip",
	"listbot.org,", "www.bbc.co.uk", "www.ibphoenix.com.", "(www.example.com)", "\"example.com\"", "example.com:",
	"example.com/", "example.com/a.html", "example.com/a.", "example.com/a/b?c=d&e=f#g", "example.com/a,b;", "example.com/~u/%41",
	"example.com/a(b)", "example.com/a)", "example.com/a{", "example.com//x", "example.com/a\\b", "example.com/a:",
	".mh_profile", "*.zip", "alsa-driver-0.9.0rc3-fr6.src.rpm", "2.4.18.", "...It", ".NET", "a.b.c.d.e.f",
	"1.2.3.4", "1.2.3.4.", "1.2.3.4.com", "01.2.3.4", "1.2.3.456", "255.255.255.255", "256.1.1.1", "1.2.3.4x", "1.2.3.4_",
	"x1.2.3.4", "-1.2.3.4", "1.2.3.4/p", "1.2.3.4-5", "10.0.0.1:", "192.168.2.90", "1.2.3", "1.2.3.4.5.6.7.8",
	"foo.com-bar", "foo.com_bar", "foo.-bar.com", "-foo.com", "foo-.com", "a--b.com", "foo..com", "foo.com..org",
	"foo.xn--p1ai", "foo.XN--P1AI-", "foo.xn--", "foo.xn--a.com", "xn--abc.xn--def", "foo.com.xn--x_", "foo.bar_baz.com",
	"a.co-m", "foo.example", "foo.LOCALHOST", "foo.test/x", "foo.invalid.", "foo.comcom", "foo.c", "a.b", "a.io",
	"foo.com/a.bar.org", "foo.com/(x", "foo.com!bar.org", "foo.com'bar.org", "foo.com,bar.org,baz.net", "foo.com/a|b.org",
	"foo.com/a^b", "foo.com/a`b", "foo.com/\x01x", "foo.com\x7f", "foo.com=bar.org", "foo.com+bar.org", "foo.com%bar.org",
	"a@b.com", "http://x.com", "foo.com:80", "foo.com::", "[::1]", "é.com", "foo.com/é", "foo.com:/x", "::1.com",
	"www.x.com/" + strings.Repeat("a", 40), strings.Repeat("a.", 60) + "com", strings.Repeat("a.com,", 120),
}

// TestHostURLs compares the hand-written host matcher with the relaxed
// regexp on edge cases and on every candidate word of the corpus.
func TestHostURLs(t *testing.T) {
	t.Parallel()
	for _, w := range hostURLCases {
		checkHostURLs(t, w)
	}
	for _, w := range []string{"a@b.com", "http://x.com", "foo.com:80", "[::1]", "é.com", "foo.com/(x", "foo.com/a)", strings.Repeat("a.", 300) + "com"} {
		if _, ok := hostURLs(w, nil); ok {
			t.Errorf("hostURLs(%q) answers, want it left to the regexp", w)
		}
	}
	files := corpusFiles(t, corpusDir)
	words, answered := 0, 0
	for i, f := range files {
		if i%corpusStride() != 0 {
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatalf("read %s: %v", f, err)
		}
		m := Parse(t.Context(), raw, Limits{})
		for _, tx := range m.Texts {
			for _, w := range strings.FieldsFunc(tx.Content, isBreakRune) {
				if !urlCandidate(w) {
					continue
				}
				if _, _, ok := webURL(w); ok {
					continue
				}
				words++
				if checkHostURLs(t, w) {
					answered++
				}
			}
		}
	}
	t.Logf("%d of %d corpus candidate words past webURL took the hand-written host path", answered, words)
}

func FuzzHostURLs(f *testing.F) {
	for _, s := range hostURLCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkHostURLs(t, s)
		checkHostURLs(t, "www."+s)
		checkHostURLs(t, s+".com")
		checkHostURLs(t, "a.com/"+s)
		checkHostURLs(t, "1.2."+s)
	})
}

// refURLHost is urlHost as it was, always asking net/url first: the
// reference of TestURLHostEqualsReference.
func refURLHost(raw string) string {
	s := raw
	switch {
	case strings.HasPrefix(s, "//"):
		s = "http:" + s
	case !strings.Contains(s, "://"):
		s = "http://" + s
	}
	var host string
	if u, err := url.Parse(s); err == nil && u.Host != "" {
		host = u.Hostname()
	} else {
		host = s[strings.Index(s, "://")+3:]
		if i := strings.IndexAny(host, "/?#\\"); i >= 0 {
			host = host[:i]
		}
		if i := strings.LastIndexByte(host, '@'); i >= 0 {
			host = host[i+1:]
		}
		if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host, "]") {
			host = host[:i]
		}
		host = strings.Trim(host, "[]")
	}
	return strings.TrimSuffix(strings.ToLower(host), ".")
}

var urlHostCases = []string{
	"http://Example.COM/a", "https://ex.com:8080/p?q#f", "ex.com", "//ex.com/x", "http://ex.com:", "http://ex.com:8a/",
	"http://ex.com:1:2/", "http://user@ex.com/", "http://user:pw@ex.com:80/", "http://[::1]:80/", "http://ex.com\\@evil.com/",
	"http://ex.com\\x", "http://ex.com/%zz", "http://ex.com/#%zz", "http://ex.com/\x01", "http://ex.com.", "http://ex_com/",
	"1http://ex.com/", "a/b://ex.com", "a#b://ex.com", "a?b://ex.com", "http:x://ex.com", "://ex.com", "http://", "http:///x",
	"ftp://ex.com?x", "HTTP://EX.COM#x", "http://ex.com:80:80", "http://-.-/", "http://ex%41.com/", "mailto://ex.com",
}

// TestURLHostEqualsReference compares urlHost with the net/url-first
// reference on written cases and every link of the corpus.
func TestURLHostEqualsReference(t *testing.T) {
	t.Parallel()
	check := func(raw string) {
		if got, want := urlHost(raw), refURLHost(raw); got != want {
			t.Errorf("urlHost(%q) = %q, the reference %q", raw, got, want)
		}
	}
	for _, c := range urlHostCases {
		check(c)
	}
	n := 0
	for i, f := range corpusFiles(t, corpusDir) {
		if i%corpusStride() != 0 {
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatalf("read %s: %v", f, err)
		}
		for _, u := range Parse(t.Context(), raw, Limits{}).URLs {
			check(u.Raw)
			n++
		}
	}
	t.Logf("%d corpus links", n)
}

func FuzzURLHost(f *testing.F) {
	for _, c := range urlHostCases {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if got, want := urlHost(raw), refURLHost(raw); got != want {
			t.Errorf("urlHost(%q) = %q, the reference %q", raw, got, want)
		}
	})
}

// refURLCandidate is urlCandidate as it was: the reference of
// TestURLCandidateEqualsReference.
func refURLCandidate(w string) bool {
	if len(w) < 4 {
		return false
	}
	if strings.Contains(w, "://") {
		return true
	}
	if strings.IndexByte(w, '@') >= 0 && strings.IndexByte(w, '/') < 0 {
		return false
	}
	digitsDot := 0
	for i := 0; i < len(w); i++ {
		if w[i] != '.' {
			continue
		}
		if i > 0 && w[i-1] >= '0' && w[i-1] <= '9' {
			digitsDot++
		}
		j := i + 1
		for j < len(w) {
			r, n := utf8.DecodeRuneInString(w[j:])
			if !unicode.IsLetter(r) && r != '-' && !(r >= '0' && r <= '9') {
				break
			}
			j += n
		}
		if j > i+1 && knownTLD(w[i+1:j]) {
			return true
		}
	}
	return digitsDot >= 3
}

// TestURLCandidateEqualsReference compares urlCandidate with the
// reference on written cases and every word of the corpus texts.
func TestURLCandidateEqualsReference(t *testing.T) {
	t.Parallel()
	for _, w := range append(hostURLCases, "a.b", "abc.", ".com", "1.2.3.4", "1.2.3", "x@y.com", "x@y.com/", "é.ü.com", "a.\xffcom",
		"a.c\u00f6m", "a.xn--p1ai", "ab://", "abcd", "a.b-.c", "www.example.COM", "a.b.c.d.e", "1.2.3.x") {
		if got, want := urlCandidate(w), refURLCandidate(w); got != want {
			t.Errorf("urlCandidate(%q) = %v, the reference %v", w, got, want)
		}
	}
	for i, f := range corpusFiles(t, corpusDir) {
		if i%corpusStride() != 0 {
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatalf("read %s: %v", f, err)
		}
		for _, tx := range Parse(t.Context(), raw, Limits{}).Texts {
			for _, w := range strings.FieldsFunc(tx.Content, isBreakRune) {
				if got, want := urlCandidate(w), refURLCandidate(w); got != want {
					t.Errorf("urlCandidate(%q) = %v, the reference %v", w, got, want)
				}
			}
		}
	}
}

func FuzzURLCandidate(f *testing.F) {
	for _, c := range hostURLCases {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, w string) {
		if got, want := urlCandidate(w), refURLCandidate(w); got != want {
			t.Errorf("urlCandidate(%q) = %v, the reference %v", w, got, want)
		}
	})
}
