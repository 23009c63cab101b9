package message

import (
	"os"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// tagAttrsCases are written cases for TestTagAttrsEqualTokenizer: the
// tokenizer's corners (keys starting with '=', '/' between attributes,
// unquoted values ending at '>', duplicates in other cases, empty values)
// and the bytes that make tagAttrs give the tag to TagAttr.
var tagAttrsCases = []string{
	`<a href="http://a.example/">x</a>`,
	`<A HREF=http://b.example/ Target=_blank>`,
	`<img src = 'c.png' alt="" width=1 height=1/>`,
	`<br/>`, `<p>`, `<p a=/>`, `<p a/b>`, `<p a / b = c>`,
	`<div =x =y==z>`, `<div ==x>`, `<div a= >`, `<div a=>`, `<div a=b=c>`,
	`<div style="x" STYLE="y" Style=z href=1 HREF=2>`,
	`<a href="x>y">`, `<a href='x"y'>`, `<a title=a'b"c>`,
	"<a\thref=x\nsrc=y\fdata=z>",
	"<a href=x\r\n>", "<a href=\"a&amp;b\">", "<a\x00href=x>", "<a href=\"\x00\">",
	`<meta http-equiv="refresh" content="0; url=http://d.example/">`,
	`<input type=password name=p><form action=/x method=POST>`,
	`<a ` + strings.Repeat(`k=v `, 40) + `>`,
	`<a ` + strings.Repeat(`a=1 `, 40) + `>`,
	`<x-y:z q:r="s">`, `<svg xlink:href="#a">`,
	`<a href="unterminated`, `<a href=x`, `<a`,
}

// checkTagAttrs tokenizes src and compares tagAttrs with TagAttr at every
// start and self-closing tag; it returns how many tags tagAttrs read.
func checkTagAttrs(t *testing.T, name, src string) int {
	t.Helper()
	var ar attrReader
	z := html.NewTokenizer(strings.NewReader(src))
	read := 0
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return read
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		raw := string(z.Raw())
		got, ok := ar.tagAttrs(z)
		var gotS []string
		for _, a := range got {
			gotS = append(gotS, string(a.key)+"="+string(a.val))
		}
		var want []string
		for {
			k, v, more := z.TagAttr()
			if k == nil && v == nil && !more {
				break
			}
			want = append(want, string(k)+"="+string(v))
			if !more {
				break
			}
		}
		if !ok {
			continue
		}
		read++
		if strings.Join(gotS, "\x01") != strings.Join(want, "\x01") || len(gotS) != len(want) {
			t.Errorf("%s: tag %q: tagAttrs %q, TagAttr %q", name, raw, gotS, want)
		}
	}
}

func TestTagAttrsEqualTokenizer(t *testing.T) {
	t.Parallel()
	for _, c := range tagAttrsCases {
		checkTagAttrs(t, c, c)
	}
	tags, texts := 0, 0
	for _, f := range corpusFiles(t, corpusDir) {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, tx := range Parse(t.Context(), raw, Limits{}).Texts {
			if tx.HTML != "" {
				texts++
				tags += checkTagAttrs(t, f, tx.HTML)
			}
		}
	}
	t.Logf("%d corpus HTML texts, %d tags read by tagAttrs", texts, tags)
}

func FuzzTagAttrs(f *testing.F) {
	for _, c := range tagAttrsCases {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, src string) {
		checkTagAttrs(t, "fuzz", src)
	})
}
