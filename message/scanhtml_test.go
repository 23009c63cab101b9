package message

import (
	"os"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// scanHTMLReference is ScanHTML as it was on x/net/html's Tokenizer
// (before htmlScanner, and before attribute values were copied only for
// the attributes it reads); the reference of TestScanHTMLEqualsReference.
func scanHTMLReference(src string, maxRefs int) HTMLInfo {
	if maxRefs <= 0 {
		maxRefs = maxURLs
	}
	var (
		info     HTMLInfo
		anchor   strings.Builder
		inAnchor = -1 // index in info.Refs of the open <a>, or -1
		inStyle  bool
		form     = -1 // index in info.Forms of the open form, or -1
	)
	add := func(r HTMLRef) int {
		r.Raw = strings.TrimSpace(r.Raw)
		if r.Raw == "" {
			return -1
		}
		if len(info.Refs) >= maxRefs {
			info.Truncated = true
			return -1
		}
		if len(r.Raw) > 4096 {
			r.Raw = truncateUTF8(r.Raw, 4096)
		}
		info.Refs = append(info.Refs, r)
		return len(info.Refs) - 1
	}
	endAnchor := func() {
		if inAnchor >= 0 {
			info.Refs[inAnchor].Anchor = strings.Join(strings.Fields(anchor.String()), " ")
		}
		inAnchor = -1
		anchor.Reset()
	}
	z := html.NewTokenizer(strings.NewReader(src))
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			endAnchor()
			return info
		case html.TextToken:
			switch {
			case inStyle:
				for _, u := range cssURLs(string(z.Text())) {
					add(HTMLRef{Raw: u, Tag: "style", Attr: "css"})
				}
			case inAnchor >= 0 && anchor.Len() < maxAnchorBytes:
				t := string(z.Text())
				if anchor.Len()+len(t) > maxAnchorBytes {
					t = truncateUTF8(t, maxAnchorBytes-anchor.Len())
				}
				anchor.WriteString(t)
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			tag := string(name)
			if a != 0 {
				tag = a.String()
			}
			if a == atom.A {
				endAnchor()
			}
			if a == atom.Style && tt == html.StartTagToken {
				inStyle = true
			}
			if a == atom.Form {
				info.Forms = append(info.Forms, HTMLForm{})
				form = len(info.Forms) - 1
			}
			var typ, refreshContent string
			var refresh bool
			for hasAttr {
				k, v, more := z.TagAttr()
				hasAttr = more
				key, val := string(k), string(v)
				switch key {
				case "href", "src", "action", "background", "formaction", "poster", "data", "lowsrc", "dynsrc", "longdesc", "cite", "ping", "xlink:href":
					i := add(HTMLRef{Raw: val, Tag: tag, Attr: key})
					if a == atom.A && key == "href" && i >= 0 {
						inAnchor = i
					}
					if a == atom.Form && key == "action" {
						info.Forms[form].Action = strings.TrimSpace(val)
					}
				case "srcset", "imagesrcset":
					for _, c := range strings.Split(val, ",") {
						if f := strings.Fields(c); len(f) > 0 {
							add(HTMLRef{Raw: f[0], Tag: tag, Attr: key})
						}
					}
				case "style":
					for _, u := range cssURLs(val) {
						add(HTMLRef{Raw: u, Tag: tag, Attr: "css"})
					}
				case "type":
					typ = strings.ToLower(strings.TrimSpace(val))
				case "method":
					if a == atom.Form {
						info.Forms[form].Method = strings.ToLower(strings.TrimSpace(val))
					}
				case "http-equiv":
					refresh = strings.EqualFold(strings.TrimSpace(val), "refresh")
				case "content":
					refreshContent = val
				}
			}
			if a == atom.Meta && refresh {
				if i := indexFoldASCII(refreshContent, "url="); i >= 0 {
					add(HTMLRef{Raw: strings.Trim(strings.TrimSpace(refreshContent[i+4:]), `'"`), Tag: tag, Attr: "refresh"})
				}
			}
			if a == atom.Input || a == atom.Select || a == atom.Textarea {
				if form < 0 {
					// A field outside any form still collects what is
					// typed (scripts post it); count it as a form of its
					// own.
					info.Forms = append(info.Forms, HTMLForm{})
					form = len(info.Forms) - 1
				}
				info.Forms[form].Inputs++
				if a == atom.Input && typ == "password" {
					info.Forms[form].Password = true
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch atom.Lookup(name) {
			case atom.A:
				endAnchor()
			case atom.Style:
				inStyle = false
			case atom.Form:
				form = -1
			}
		}
	}
}

var scanHTMLCases = []string{
	"",
	`<a HREF="http://a.example/x" class=c style="background:url(http://b.example/i.png)">text</a>`,
	`<img src=x.png srcset="a.png 1x, b.png 2x" lowsrc=l.png data-x=1>`,
	`<form action="https://c.example/login" METHOD=Post><input type=PASSWORD name=p><input type=text></form>`,
	`<meta http-equiv=Refresh content="0; URL='http://d.example/'">`,
	`<input type=password>`,
	`<a href=javascript:alert(1)>x</a><a href="data:text/html,<b>">y</a>`,
	`<div style="x" style="background:url(e.png)" href=dup href=dup2>`,
	"<a\x00href=x>",
	`<style>p{background:url(http://f.example/)}</style>`,
}

func TestScanHTMLEqualsReference(t *testing.T) {
	t.Parallel()
	check := func(name, src string) {
		got, want := ScanHTML(src, 0), scanHTMLReference(src, 0)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: ScanHTML %+v, reference %+v", name, got, want)
		}
	}
	for _, c := range scanHTMLCases {
		check(c, c)
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
			if tx.HTML != "" {
				n++
				check(f, tx.HTML)
			}
		}
	}
	t.Logf("%d corpus HTML texts", n)
}

func FuzzScanHTMLEqualsReference(f *testing.F) {
	for _, c := range scanHTMLCases {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if got, want := ScanHTML(src, 0), scanHTMLReference(src, 0); !reflect.DeepEqual(got, want) {
			t.Errorf("ScanHTML %+v, reference %+v", got, want)
		}
	})
}

// cssURLsLower is cssURLs as it was: it searched a lower-cased copy and
// used its offsets in s, which is right only where lower-casing keeps
// every byte offset (FuzzCSSURLs compares there) and panicked elsewhere.
func cssURLsLower(s string) []string {
	var out []string
	low := strings.ToLower(s)
	for {
		i := strings.Index(low, "url(")
		if i < 0 {
			return out
		}
		s, low = s[i+4:], low[i+4:]
		j := strings.IndexByte(s, ')')
		if j < 0 {
			j = len(s)
		}
		v := strings.Trim(strings.TrimSpace(s[:j]), `'"`)
		if v != "" {
			out = append(out, v)
		}
		s, low = s[j:], low[j:]
	}
}

var cssCases = []string{"", "url(a)", "URL( 'b' )", "uRl(\"c\")", "x url(", "url()", "url(a) url(b)", "background:url(http://e.example/i.png) no-repeat",
	"ur l(x)", "urlx(y)", "url(a", "url(url(b))", "ÜRL(a)url(b)", "url(é)", "color:red", "\u212aurl(k)"}

func TestCSSURLsEqualsLower(t *testing.T) {
	t.Parallel()
	for _, c := range cssCases {
		if !lowerKeepsOffsets(c) {
			continue // TestLowerCaseOffsets
		}
		if got, want := cssURLs(c), cssURLsLower(c); !reflect.DeepEqual(got, want) {
			t.Errorf("cssURLs(%q) = %q, want %q", c, got, want)
		}
	}
}

// TestLowerCaseOffsets: text whose lower-cased copy is longer once made
// ScanHTML and htmlToText panic (the offsets of the copy used in the
// text); the values are now found where they are.
func TestLowerCaseOffsets(t *testing.T) {
	t.Parallel()
	if got, want := cssURLs("İurl("), []string(nil); !reflect.DeepEqual(got, want) {
		t.Errorf("cssURLs(İurl() = %q, want %q", got, want)
	}
	if got, want := cssURLs("\u212a\xffİURL(x.png)"), []string{"x.png"}; !reflect.DeepEqual(got, want) {
		t.Errorf("cssURLs = %q, want %q", got, want)
	}
	info := ScanHTML(`<p style="İurl(">x</p><meta http-equiv=refresh content="İİurl=http://r.example/">`, 0)
	if len(info.Refs) != 1 || info.Refs[0].Raw != "http://r.example/" || info.Refs[0].Attr != "refresh" {
		t.Errorf("ScanHTML refs = %+v, want the refresh link", info.Refs)
	}
	p := &parser{lim: DefaultLimits(), m: &Message{}, seen: map[problemKey]struct{}{}}
	p.htmlToText(`<meta http-equiv=refresh content="İİurl=http://r.example/">`, "1")
	if len(p.m.URLs) != 1 || p.m.URLs[0].Raw != "http://r.example/" {
		t.Errorf("htmlToText links = %+v, want the refresh link", p.m.URLs)
	}
}

func FuzzCSSURLs(f *testing.F) {
	for _, c := range cssCases {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !lowerKeepsOffsets(s) {
			t.Skip("lower-casing moves offsets: cssURLsLower is wrong here")
		}
		if got, want := cssURLs(s), cssURLsLower(s); !reflect.DeepEqual(got, want) {
			t.Errorf("cssURLs(%q) = %q, want %q", s, got, want)
		}
	})
}

// lowerKeepsOffsets reports whether strings.ToLower(s) has every byte
// where s has it.
func lowerKeepsOffsets(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if utf8.RuneLen(unicode.ToLower(r)) != utf8.RuneLen(r) {
			return false
		}
	}
	return true
}
