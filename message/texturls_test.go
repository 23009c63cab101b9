package message

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// textURLsReference is textURLs as it was before it jumped from '.' to
// ':' (every word split out from the start and tested): the reference of
// TestTextURLsEqualsReference and FuzzTextURLs.
func (p *parser) textURLsReference(partID, s string) {
	const window, overlap = 16 << 10, 4 << 10
	var seen map[string]struct{}
	for len(s) > 0 && len(p.m.URLs) < maxURLs {
		i := nextBreak(s, false)
		if i < 0 {
			return
		}
		s = s[i:]
		j := nextBreak(s, true)
		if j < 0 {
			j = len(s)
		}
		word := s[:j]
		s = s[j:]
		if !urlCandidate(word) {
			continue
		}
		if seen == nil {
			seen = map[string]struct{}{}
		}
		if _, ok := seen[word]; ok {
			continue
		}
		seen[word] = struct{}{}
		if i, j, ok := webURL(word); ok {
			p.addURL(partID, word[i:j], "")
			continue
		}
		if spans, ok := hostURLs(word, p.spans[:0]); ok {
			p.spans = spans
			for _, sp := range spans {
				p.addURL(partID, word[sp[0]:sp[1]], "")
			}
			continue
		}
		if len(word) <= memoWordMax {
			for _, raw := range memoURLs(word) {
				p.addURL(partID, raw, "")
			}
			continue
		}
		for off := 0; off < len(word); off += window - overlap {
			chunk := word[off:min(off+window, len(word))]
			for _, raw := range textURLRe.FindAllString(chunk, 100) {
				p.addURL(partID, raw, "")
			}
			if off+window >= len(word) {
				break
			}
		}
	}
}

var textURLsCases = []string{
	"", "no links here", "see http://a.example/x, and www.b.example.org.",
	"a.b\u00a0c.example.com\u3000d.example.net e:f",
	"x\xe3\x80\x80www.e.example\xc2\xa0f.example.org\xe3\xc2\xa0g.example.com",
	"\xe3\x80http://h.example/\x80\x80 \xff.i.example.com",
	"mail me: a@b.example or ftp://c.example:21/x;y \"d.example.com\"<e.example.com>",
	"1.2.3.4 and 10.0.0.1:8080 and ::1 and :.:.:",
	strings.Repeat("word ", 2000) + "end.example.com " + strings.Repeat("x.", 3000),
	strings.Repeat("https://j.example/", 200),
	"…www.k.example… «l.example.com» 例え.jp http://例え.テスト/",
}

// checkTextURLs compares textURLs with textURLsReference on s.
func checkTextURLs(t *testing.T, name, s string) {
	t.Helper()
	a := &parser{lim: Limits{}.WithDefaults(), m: &Message{}, seen: map[problemKey]struct{}{}}
	b := &parser{lim: Limits{}.WithDefaults(), m: &Message{}, seen: map[problemKey]struct{}{}}
	a.textURLs("1", s)
	b.textURLsReference("1", s)
	if !reflect.DeepEqual(a.m.URLs, b.m.URLs) {
		t.Errorf("%s: textURLs %v, reference %v", name, a.m.URLs, b.m.URLs)
	}
}

func TestTextURLsEqualsReference(t *testing.T) {
	t.Parallel()
	for _, c := range textURLsCases {
		checkTextURLs(t, c, c)
	}
	stride := corpusStride()
	n := 0
	for i, f := range corpusFiles(t, corpusDir) {
		if i%stride != 0 {
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, tx := range Parse(t.Context(), raw, Limits{}).Texts {
			n++
			checkTextURLs(t, f, tx.Content)
			if tx.HTML != "" {
				checkTextURLs(t, f+" (HTML)", tx.HTML)
			}
		}
	}
	t.Logf("%d corpus texts", n)
}

func FuzzTextURLs(f *testing.F) {
	for _, c := range textURLsCases {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkTextURLs(t, "fuzz", s)
	})
}
