package message

import (
	"bytes"
	"os"
	"testing"

	"golang.org/x/net/html"
)

// linkAttrs are the attribute names mayLink looks for.
var linkAttrs = [][]byte{[]byte("href"), []byte("src"), []byte("action"), []byte("background"), []byte("poster"), []byte("data")}

// mayLinkReference is mayLink as it was: the whole tag lower-cased into
// scratch, then one search per attribute name.
func mayLinkReference(raw []byte, scratch *[]byte) bool {
	low := (*scratch)[:0]
	for _, c := range raw {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		low = append(low, c)
	}
	*scratch = low
	for _, a := range linkAttrs {
		if bytes.Contains(low, a) {
			return true
		}
	}
	return false
}

// corpusTags returns the raw start tags of the corpus's HTML (up to max).
func corpusTags(tb testing.TB, max int) [][]byte {
	tb.Helper()
	var tags [][]byte
	for _, f := range corpusFiles(tb, corpusDir) {
		raw, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		if !bytes.Contains(raw, []byte("<")) {
			continue
		}
		z := html.NewTokenizer(bytes.NewReader(raw))
		for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
			if tt == html.StartTagToken || tt == html.SelfClosingTagToken {
				tags = append(tags, bytes.Clone(z.Raw()))
				if len(tags) >= max {
					return tags
				}
			}
		}
	}
	return tags
}

// TestMayLinkEqualsReference: the one-pass mayLink answers as the
// lower-case-then-search one did, on every start tag of the corpus and
// on tags built to probe letter case and near misses.
func TestMayLinkEqualsReference(t *testing.T) {
	t.Parallel()
	tags := [][]byte{
		[]byte(`<a HREF="x">`), []byte(`<img SrC=x>`), []byte(`<form ACTION=x>`), []byte(`<td BACKGROUND=x>`),
		[]byte(`<video POSTER=x>`), []byte(`<object DATA=x>`), []byte(`<p hre="x" sr=1 actio=2 backgroun=3 poste=4 dat=5>`),
		[]byte(`<x data`), []byte(`<x dat`), []byte("<x h\x00ref>"), []byte("<x \xc8REF>"), []byte(`<p class=x>`), nil,
	}
	tags = append(tags, corpusTags(t, 200000)...)
	var scratch []byte
	for _, tag := range tags {
		if got, want := mayLink(tag), mayLinkReference(tag, &scratch); got != want {
			t.Errorf("mayLink(%q) = %v, want %v", tag, got, want)
		}
	}
}

func BenchmarkMayLink(b *testing.B) {
	tags := corpusTags(b, 50000)
	b.Run("reference", func(b *testing.B) {
		var scratch []byte
		i := 0
		for b.Loop() {
			mayLinkReference(tags[i%len(tags)], &scratch)
			i++
		}
	})
	b.Run("onepass", func(b *testing.B) {
		i := 0
		for b.Loop() {
			mayLink(tags[i%len(tags)])
			i++
		}
	})
}
