package message

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// checkTagName runs two tokenizers over src in step and fails when
// tagName on one differs from TagName on the other: the name, and
// hasAttr false where TagName says true.
func checkTagName(t *testing.T, src string) {
	t.Helper()
	za, zb := html.NewTokenizer(strings.NewReader(src)), html.NewTokenizer(strings.NewReader(src))
	var buf []byte
	for {
		ta, tb := za.Next(), zb.Next()
		if ta != tb {
			t.Fatalf("tokenizers disagree on %q: %v and %v", src, ta, tb)
		}
		switch ta {
		case html.ErrorToken:
			return
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			raw := string(za.Raw())
			got, gotAttr := tagName(za, ta == html.EndTagToken, &buf)
			want, wantAttr := zb.TagName()
			if !bytes.Equal(got, want) || wantAttr && !gotAttr && ta != html.EndTagToken {
				t.Errorf("tagName of %q in %.60q = %q, %v; TagName %q, %v", raw, src, got, gotAttr, want, wantAttr)
			}
		}
	}
}

var tagNameCases = []string{
	`<p>x</p>`, `<P CLASS=a>x</P >`, `<br/>`, `<br />`, `<img src=x>`, `<A HREF="y">t</a>`, "<a\x00b>", "</a\x00>",
	`<div\tid=1>`, "<div\nid=1>", "<div\rid=1>", "<div\fid=1>", `<o:p></o:p>`, `<my-el x>`, `<é>`, `<a`, `</a`, `</>`,
	`<script>if (a<b) {}</script><p>`, `<style>p{}</style>`, `<textarea><b></textarea>`, `<title>x</title>`, `<plaintext><a>`,
	`text<b>bold</b>`, `<a/b>`, `<a / >`, `<a =x>`, `<a x=">">`, `</p foo=bar>`, `<!-- <a> -->`, `<!doctype html><html>`,
	`<?xml?><x>`, `<table><tr><td>1</td></tr></table>`, `<iframe src=a></iframe>`, `<xmp><a></xmp>`, `<noscript><p></noscript>`,
}

// TestTagNameEqualsTokenizer compares tagName with the tokenizer's
// TagName on written cases and on the HTML of every corpus message.
func TestTagNameEqualsTokenizer(t *testing.T) {
	t.Parallel()
	for _, c := range tagNameCases {
		checkTagName(t, c)
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
		for _, tx := range Parse(t.Context(), raw, Limits{}).Texts {
			if tx.HTML != "" {
				checkTagName(t, tx.HTML)
				n++
			}
		}
	}
	t.Logf("%d corpus HTML parts", n)
}

func FuzzTagName(f *testing.F) {
	for _, c := range tagNameCases {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkTagName(t, s)
		checkTagName(t, "<"+s)
		checkTagName(t, "</"+s)
	})
}
