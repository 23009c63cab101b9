package links

import (
	"context"
	"html"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/message"
)

// parseLinkReference is parseLink as it was before plainLinkHost: every
// link through parseURL (url.Parse).
func parseLinkReference(raw string) link {
	var l link
	s := strings.TrimSpace(html.UnescapeString(raw))
	for range 5 {
		u := parseURL(s)
		if u == nil {
			l.host = strings.ToLower(fallbackHost(s))
			return l
		}
		host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
		if inner, ok := unwrap(u, s); ok && inner != s {
			if l.via == "" {
				l.via = host
			}
			s = inner
			continue
		}
		l.host = host
		if u.User != nil {
			l.userinfo = u.User.String()
			if un, err := url.PathUnescape(l.userinfo); err == nil {
				l.userinfo = un
			}
		}
		return l
	}
	l.host = strings.ToLower(fallbackHost(s))
	return l
}

// parseLinkCases probe plainLinkHost's edges: ports, schemes url.Parse
// refuses, scheme-less and "//" links, the rewriters, bytes that send a
// link the long way.
var parseLinkCases = []string{
	"http://a.example/", "HTTPS://WWW.Example.COM./x", "www.example.org", "example.com:8080/p", "//cdn.example.net/i.png",
	"http://a.example:/x", "http://:80/x", "http:///x", "http://", "://a.example", "1http://a.example", "ht tp://a.example",
	"a/b://c.example", "x.example/a://b.example", "http://a.example/%zz", "http://a.example/\x7f", "http://a.example:99999999999/",
	"http://a.example:8a/", "http://user@a.example/", "http://a.example\\@b.example/", `http:\\a.example`, "http://[::1]:80/",
	"http://a.example?q=1", "http://a.example#f", "http://a..example/", "http://-a.example/", "http://a_b.example/",
	"https://www.google.com/url?q=https://evil.example/", "https://google.com./url?q=https://evil.example/",
	"https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Fevil.example%2F",
	"https://urldefense.com/v3/__https://evil.example/__;!!x", "https://urldefense.proofpoint.com/v2/url?u=https-3A__evil.example_",
	"http://a.example&amp;b", " http://a.example/ ", "http://xn--bcher-kva.example/", "http://Bücher.example/",
	"mailto:a@b.example", "javascript:alert(1)", "data:text/html,x",
}

// TestParseLinkEqualsReference compares parseLink with the url.Parse
// only version on written cases and on every link of the corpus.
func TestParseLinkEqualsReference(t *testing.T) {
	t.Parallel()
	check := func(raw string) {
		if got, want := parseLink(raw), parseLinkReference(raw); got != want {
			t.Errorf("parseLink(%q) = %+v, want %+v", raw, got, want)
		}
	}
	for _, c := range parseLinkCases {
		check(c)
	}
	dir := corpusDir()
	if dir == "" {
		t.Log("corpus ../shared/corpus/spamassassin is absent: written cases only")
		return
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*"))
	n := 0
	for i, f := range files {
		if testing.Short() && i%10 != 0 {
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m := message.Parse(context.Background(), raw, message.Limits{})
		for _, u := range m.URLs {
			check(u.Raw)
			n++
		}
		for _, tx := range m.Texts {
			if tx.HTML != "" {
				for _, r := range message.ScanHTML(tx.HTML, 0).Refs {
					check(r.Raw)
					n++
				}
			}
		}
	}
	t.Logf("%d corpus links", n)
}

func FuzzParseLink(f *testing.F) {
	for _, c := range parseLinkCases {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if got, want := parseLink(raw), parseLinkReference(raw); got != want {
			t.Errorf("parseLink(%q) = %+v, want %+v", raw, got, want)
		}
	})
}

// TestCloneHostEqualsHost: the memo's copies read as what analyzeHost
// gave (every field, and the name), for plain, Unicode, punycode, IP and
// odd hosts.
func TestCloneHostEqualsHost(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"www.example.co.uk", "example.com", "bücher.example", "xn--bcher-kva.example", "192.0.2.1",
		"0x7f.1", "localhost", "a", "", "paypa1.com", "xn--pypal-4ve.com", "аpple.com", "mail.google.com."} {
		h := analyzeHost(name)
		key, c := cloneHost(name, h)
		if key != name || c != h {
			t.Errorf("cloneHost(%q) = %q, %+v; want %+v", name, key, c, h)
		}
	}
}
