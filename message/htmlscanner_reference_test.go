package message

// The references of htmlScanner (htmltok.go): x/net/html's Tokenizer, and
// htmlToText as it was on it (htmlToTextReference). The scanner must give
// the tokenizer's tokens (kind, raw bytes, Text, TagName, TagAttr) and so
// the same text and links, on written cases, every HTML part of the corpus
// and fuzzed input (FuzzHTMLScannerEqualsTokenizer).
//
// Allowed differences: none are known. The tokenizer's own departures
// from HTML5 are kept on purpose, as our callers were built and tested on
// them, and each is written down here:
//   - after "<" in escaped script data, anything but '/' or a letter
//     returns to plain script data (HTML5 §13.2.5.23 stays escaped);
//   - NUL in ordinary text is kept (HTML5 leaves it too, as a parse error;
//     the tree builder drops it), in raw text it is U+FFFD;
//   - no CDATA sections: "<![CDATA[x]]>" is a bogus comment up to the
//     first '>' (HTML5 allows CDATA only in SVG and MathML);
//   - a tag cut by the end of the input is dropped with everything after
//     its '<' (HTML5 §13.2.5.8 etc.: "eof-in-tag", the same);
//   - a self-closing flag only when the '/' before '>' is not the last
//     byte of the last kept attribute's value (`<a href=x/>` is a start
//     tag whose href is "x/", as in HTML5).

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// htmlToTextReference is htmlToText as it was before htmlScanner, on
// x/net/html's Tokenizer (with TagName and TagAttr in place of the
// copy-saving tagName, attrReader and mayLink it had, which their own
// differential tests showed equal to them).
func htmlToTextReference(p *parser, src, partID string) string {
	z := html.NewTokenizer(strings.NewReader(src))
	var (
		out      strings.Builder
		anchor   strings.Builder
		skip     int
		pend     byte
		anchorSp bool
		inAnchor bool
		href     string
	)
	write := func(s []byte) {
		for i := 0; i < len(s); {
			r, n := rune(s[i]), 1
			if r >= utf8.RuneSelf {
				r, n = utf8.DecodeRune(s[i:])
			}
			i += n
			switch {
			case r == '\u00a0' || unicode.IsSpace(r):
				if pend == 0 {
					pend = ' '
				}
				anchorSp = true
			case invisible(r):
			default:
				if pend != 0 && out.Len() > 0 {
					out.WriteByte(pend)
				}
				pend = 0
				out.WriteRune(r)
				if inAnchor && anchor.Len() < maxAnchorBytes {
					if anchorSp && anchor.Len() > 0 {
						anchor.WriteByte(' ')
					}
					anchorSp = false
					anchor.WriteRune(r)
				}
			}
		}
	}
	endAnchor := func() {
		if inAnchor && href != "" {
			p.addURL(partID, href, anchor.String())
		}
		inAnchor, href, anchorSp = false, "", false
		anchor.Reset()
	}
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			endAnchor()
			return out.String()
		case html.TextToken:
			if skip == 0 {
				write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			if a == atom.A {
				endAnchor()
			}
			if hasAttr {
				tagLinksReference(p, z, a, partID, &href)
			}
			switch {
			case hiddenText(a):
				if tt == html.StartTagToken {
					skip++
				}
			case a == atom.A:
				inAnchor = href != ""
			case a == atom.Br || a == atom.Hr || blockElement(a):
				pend = '\n'
			case a == atom.Td || a == atom.Th || a == atom.Img:
				write([]byte(" "))
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			switch {
			case hiddenText(a):
				if skip > 0 {
					skip--
				}
			case a == atom.A:
				endAnchor()
			case blockElement(a):
				pend = '\n'
			}
		}
	}
}

// tagLinksReference is tagLinks as it was, on the Tokenizer.
func tagLinksReference(p *parser, z *html.Tokenizer, a atom.Atom, partID string, href *string) {
	var refresh bool
	var content string
	for {
		k, v, more := z.TagAttr()
		switch key := string(k); key {
		case "href", "src", "action", "background", "formaction", "poster", "data", "srcset":
			val := strings.TrimSpace(string(v))
			if key == "srcset" {
				for _, c := range strings.Split(val, ",") {
					if f := strings.Fields(c); len(f) > 0 {
						p.addURL(partID, f[0], "")
					}
				}
			} else if a == atom.A && key == "href" {
				*href = val
			} else {
				p.addURL(partID, val, "")
			}
		case "http-equiv":
			refresh = strings.EqualFold(strings.TrimSpace(string(v)), "refresh")
		case "content":
			content = string(v)
		}
		if !more {
			break
		}
	}
	if a == atom.Meta && refresh {
		if i := indexFoldASCII(content, "url="); i >= 0 { // was on strings.ToLower(content): see TestLowerCaseOffsets
			p.addURL(partID, strings.Trim(strings.TrimSpace(content[i+4:]), `'"`), "")
		}
	}
}

// scannerCases are written cases for the differential tests: bad input
// of every kind the brief lists and the tokenizer's corners.
var scannerCases = []string{
	"", "plain text", "a < b", "a <", "<", "</", "a</", "<a", "<a ", "</a", "</a ", "<!", "<!-", "<?", "<?x", "x<?php echo 1 ?>y",
	"<p>x</p>", "<P CLASS=a>x</P >", "<br/>", "<br />", "<img src=x>", `<A HREF="y">t</a>`, "<a\x00b>x</a\x00b>", "</a\x00>",
	"<div\tid=1>", "<div\nid=1>", "<div\rid=1>", "<div\fid=1>", "<o:p></o:p>", "<my-el x>", "<é>", "</>", "</ >", "</1>", "<1>",
	"<a/b>", "<a / >", "<a =x>", `<a x=">">`, "</p foo=bar>", `</a title=">">x`, "<!doctype html><html>", "<!DOCTYPE", "<!DOCTY",
	"<?xml?><x>", "<table><tr><td>1</td><td>2</td></tr></table>",
	// Raw text elements.
	"<script>if (a<b) {}</script><p>x", "<style>p{}</style>y", "<textarea><b>&amp;</textarea>", "<title>a&lt;b\x00</title>",
	"<plaintext><a>&amp;", "<xmp><a></xmp>", "<noscript><p>n</noscript>t", "<iframe src=a>x</iframe>", "<noembed>e</noembed>",
	"<noframes>f</noframes>", "<script>", "<script></script>", "<style/>p{}</style>", "<script/>x</script>y", "<SCRIPT>x</ScRiPt>y",
	"<script>a</scriptx>b</script>c", "<script>a</script", "<style>a</style", "<title>a</title", "<script>\x00</script>",
	"<script><!--<script>x</script>-->y</script>z", "<script><!-- x --></script>y", "<script><!--<a</script>y",
	"<script><!--<script>--></script>y", "<script><!--<script></script>x--></script>y", "<script><!--<scripta></script>y",
	"<script><!--<SCRIPT>x</SCRIPT>--!></script>y", "<script><!-<!--<sc", "<script><!--", "<script><!---->x</script>y",
	"<script><!--<script>-", "<script><!--<script><", "<script><!--<script></", "<script><!--<script></script",
	"<script><!--a--<x</script>y", "<script><!-- <3 --></script>", "<script><!--</scr", "<script><!--<", "<script><!--<1",
	// Comments.
	"a<!-- c -->b", "a<!-- c --!>b", "a<!-->b", "a<!--->b", "a<!---->b", "a<!-- c --!x>b-->c", "a<!-- -- -->b", "a<!--c",
	"a<!--c-", "a<!--c--", "a<!--c--!", "a<!--c--!-->d", "a<!--c--!->d-->e", "a<!->b", "a<!x>b", "a<!>b", "a<![CDATA[<b>x</b>]]>c",
	// Attributes.
	`<a href="http://a.example/">x</a>`, `<A HREF=http://b.example/ Target=_blank>`, `<img src = 'c.png' alt="" width=1 height=1/>`,
	`<p a=/>`, `<p a/b>`, `<p a / b = c>`, `<div =x =y==z>`, `<div ==x>`, `<div a= >`, `<div a=>`, `<div a=b=c>`,
	`<div style="x" STYLE="y" Style=z href=1 HREF=2>`, `<a href="x>y">`, `<a href='x"y'>`, `<a title=a'b"c>`,
	"<a\thref=x\nsrc=y\fdata=z>", "<a href=x\r\n>", "<a href=\"a\r\nb\rc\">", "<a href=\"a&amp;b\">", "<a\x00href=x>",
	"<a href=\"\x00\">", `<a href="unterminated`, `<a href='unterminated>`, `<a href=x`, `<a href=`, `<a href`, `<a b="c"/>`,
	`<a b=c/>`, `<a b/>`, `<a x=1 x=2/>`, `<a x=1 X=2/>`, `<a x=1 y=2 x=3/>`, "<a x=1 \xc3\x89=2 \xc3\xa9=3/>",
	`<a ` + strings.Repeat(`k=v `, 40) + `/>`, `<a ` + strings.Repeat(`a=1 `, 70) + `/>`, `<a ` + strings.Repeat(`a=1 b `, 70) + `b/>`,
	`<meta http-equiv="Refresh" content="0; URL='http://d.example/'">`, `<input type=password name=p><form action=/x method=POST>`,
	`<x-y:z q:r="s">`, `<svg><a xlink:href="#a">x</a></svg>`, `<img srcset=" a.png 1x , b.png 2x,,c.png">`,
	// Entities.
	"&amp", "&amp;", "&ampx", "&amp;x", "&AMP;", "&lt&gt&quot&nbsp&apos&apos;", "&#", "&#;", "&#x", "&#x;", "&#x0;", "&#0;", "&#65",
	"&#x41;", "&#X41", "&#128;&#x9f;&#x81;", "&#xd800;", "&#x110000;", "&#99999999999999999999;", "&#x" + strings.Repeat("f", 40) + ";",
	"&notit;", "&notin;", "&not", "&copy2", "&copy;2", "&fjlig;", "&nvlt;", "&CounterClockwiseContourIntegral;", "&" + strings.Repeat("a", 60),
	"&" + strings.Repeat("a", 60) + ";", "&copy" + strings.Repeat("x", 60), "&;", "& ", "&&amp;", "&eacute", "&Eacute;x", "&zwnj;",
	`<a href="?a=1&b=2&amp;c=3&copy=4&copy;&lt=5&ltx&notin=6&notin;">x</a>`, `<a href="&#x68;ttp://e.example/&nbsp;x&nbsp=">x</a>`,
	`<a href="&fjlig;&nvlt;&amp&ampx&eacute=&eacute;">`, `<a href="&` + strings.Repeat("b", 50) + `;">`,
	// Text.
	"a\u00a0b\u200bc\u00add", "a\r\nb\rc", "\xff\xfe<p>\xc3</p>\xa9", "x\x00y", "<td>a</td><td>b</td>",
	"<a href=http://x.example/>one <b>two</b>  three</a> four", "<a href=x><a href=y>z</a>", "<a>no href</a>",
	strings.Repeat("<div>", 5000) + "deep" + strings.Repeat("</div>", 5000),
}

// tokenString describes the current token of the tokenizer as the
// scanner should give it ("" for the end).
func tokenString(z *html.Tokenizer, tt html.TokenType) string {
	raw := string(z.Raw())
	switch tt {
	case html.ErrorToken:
		return ""
	case html.TextToken:
		return fmt.Sprintf("text %q %q", raw, z.Text())
	case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
		kind := map[html.TokenType]string{html.StartTagToken: "start", html.SelfClosingTagToken: "self", html.EndTagToken: "end"}[tt]
		name, more := z.TagName()
		s := fmt.Sprintf("%s %q %q", kind, raw, name)
		for more {
			var k, v []byte
			k, v, more = z.TagAttr()
			s += fmt.Sprintf(" %q=%q", k, v)
		}
		return s
	}
	return fmt.Sprintf("comment %q", raw)
}

// scannerString describes the scanner's current token as tokenString
// does, from raw, the bytes it covered.
func scannerString(z *htmlScanner, tt tokKind, raw string) string {
	switch tt {
	case tokEOF:
		return ""
	case tokText:
		return fmt.Sprintf("text %q %q", raw, z.textString())
	case tokStart, tokSelfClosing, tokEnd:
		kind := map[tokKind]string{tokStart: "start", tokSelfClosing: "self", tokEnd: "end"}[tt]
		s := fmt.Sprintf("%s %q %q", kind, raw, z.tagString())
		seen := map[string]bool{}
		for i, a := range z.attrs {
			k := asciiLower(z.src[a.ks:a.ke])
			if seen[k] {
				continue
			}
			seen[k] = true
			s += fmt.Sprintf(" %q=%q", strings.ReplaceAll(k, "\x00", "\ufffd"), z.attrValue(i))
		}
		return s
	}
	return fmt.Sprintf("comment %q", raw)
}

// checkTokens runs the tokenizer and the scanner over src in step and
// fails at the first token where they differ.
func checkTokens(t *testing.T, name, src string) {
	t.Helper()
	zr := html.NewTokenizer(strings.NewReader(src))
	var z htmlScanner
	z.reset(src)
	for n := 0; ; n++ {
		want := tokenString(zr, zr.Next())
		at := z.pos
		tt := z.next()
		got := scannerString(&z, tt, src[at:z.pos])
		if got != want {
			t.Fatalf("%.80s: token %d:\n got %s\nwant %s", name, n, got, want)
		}
		if want == "" {
			return
		}
	}
}

// checkHTMLToText compares htmlToText and ScanHTML with their references
// on src: the text, the links with their anchors, the problems.
func checkHTMLToText(t *testing.T, name, src string) {
	t.Helper()
	p := &parser{lim: DefaultLimits(), m: &Message{}, seen: map[problemKey]struct{}{}}
	r := &parser{lim: DefaultLimits(), m: &Message{}, seen: map[problemKey]struct{}{}}
	got, want := p.htmlToText(src, "1"), htmlToTextReference(r, src, "1")
	if got != want {
		t.Errorf("%.80s: htmlToText\n got %q\nwant %q", name, got, want)
	}
	if !reflect.DeepEqual(p.m, r.m) {
		t.Errorf("%.80s: links or problems differ:\n got %+v\nwant %+v", name, p.m, r.m)
	}
	if got, want := ScanHTML(src, 0), scanHTMLReference(src, 0); !reflect.DeepEqual(got, want) {
		t.Errorf("%.80s: ScanHTML\n got %+v\nwant %+v", name, got, want)
	}
}

func TestHTMLScannerEqualsTokenizer(t *testing.T) {
	t.Parallel()
	for _, c := range scannerCases {
		checkTokens(t, c, c)
	}
	n := 0
	for _, src := range corpusHTML(t) {
		checkTokens(t, "corpus", src)
		n++
	}
	t.Logf("%d corpus HTML parts", n)
}

func TestHTMLToTextEqualsReference(t *testing.T) {
	t.Parallel()
	for _, c := range scannerCases {
		checkHTMLToText(t, c, c)
	}
	for _, src := range corpusHTML(t) {
		checkHTMLToText(t, "corpus", src)
	}
}

// TestHTMLScannerRandomEqualsTokenizer compares the two on inputs made of
// random runs of the pieces the tokenizer's states turn on (a fixed seed:
// the same inputs every run), from a few bytes to some tens of KB.
func TestHTMLScannerRandomEqualsTokenizer(t *testing.T) {
	t.Parallel()
	pieces := []string{"<", ">", "/", "!", "-", "script", "SCRIPT", "s", "'", "\"", "=", "&", "#", "x", ";", " ", "a",
		"<!--", "-->", "</script>", "<script>", "style", "title", "amp", "\r", "\x00", "?", "1", "href", "<a ", "</a>", "\xc3"}
	r := rand.New(rand.NewPCG(1, 2))
	n := 3000
	if testing.Short() {
		n = 300
	}
	for i := range n {
		var b strings.Builder
		for k := r.IntN(i%3000 + 1); k >= 0; k-- {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		checkTokens(t, b.String(), b.String())
		checkHTMLToText(t, b.String(), b.String())
	}
}

// TestHTMLScannerBadInput: what the scanner makes of broken HTML, stated
// (the differential tests show it is also what the tokenizer makes).
func TestHTMLScannerBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"unclosed tag drops the rest", "a <b c=d", "a"},
		{"lt at the end is text", "a <", "a <"},
		{"attribute without value", "<p hidden>x</p>", "x"},
		{"unbalanced quote eats the rest", `a<p title="x>b</p>c`, "a"},
		{"nul kept in text", "a\x00b", "a\x00b"},
		{"nul in title", "<title>a\x00b</title>", "a\ufffdb"},
		{"script never text", "a<script>b</script>c<style>d</style>e", "ace"},
		{"unclosed script hides only itself", "shown<script>hidden", "shown"},
		{"comment", "a<!-- b -->c<!-- d --!>e", "ace"},
		{"cdata is a comment", "a<![CDATA[b]]>c", "ac"},
		{"entity without semicolon", "&amp &ampx &copy2", "& &x ©2"},
		{"numeric zero", "&#x0;", "\ufffd"},
		{"huge number", "&#99999999999999999999;", "\ufffd"},
		{"windows-1252 number", "&#150;", "\u2013"},
	}
	for _, tc := range tests {
		p := &parser{lim: DefaultLimits(), m: &Message{}, seen: map[problemKey]struct{}{}}
		if got := p.htmlToText(tc.in, "1"); got != tc.want {
			t.Errorf("%s: htmlToText(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
	// 1 MB of "<a ": one cut tag, no text, no links, in linear time.
	big := strings.Repeat("<a ", 1<<20/3)
	p := &parser{lim: DefaultLimits(), m: &Message{}, seen: map[problemKey]struct{}{}}
	if got := p.htmlToText(big, "1"); got != "" || len(p.m.URLs) != 0 {
		t.Errorf("htmlToText(1 MB of <a ) = %.40q, %d links", got, len(p.m.URLs))
	}
}

// TestHTMLScannerAllocations: a tag, its attributes and text cost no
// allocation of their own (the scanner's buffers are reused).
func TestHTMLScannerAllocations(t *testing.T) {
	src := strings.Repeat(`<td class="x" STYLE='color:red' width=1>text &amp; more</td><p>plain</p><!-- c -->`, 50)
	var z htmlScanner
	allocs := testing.AllocsPerRun(20, func() {
		z.reset(src)
		for tt := z.next(); tt != tokEOF; tt = z.next() {
			var seen uint32
			for i := range z.attrs {
				if z.attr(i, &seen) == keyStyle {
					_ = z.attrValue(i)
				}
			}
			_ = z.atom()
		}
	})
	if allocs != 0 {
		t.Errorf("scanning allocates %v times", allocs)
	}
}

// corpusHTML returns the HTML parts of (a stride of) the corpus.
func corpusHTML(tb testing.TB) []string {
	tb.Helper()
	var out []string
	stride := corpusStride()
	for i, f := range corpusFiles(tb, corpusDir) {
		if i%stride != 0 {
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		if !bytes.Contains(raw, []byte("<")) {
			continue
		}
		for _, tx := range Parse(context.Background(), raw, Limits{}).Texts {
			if tx.HTML != "" {
				out = append(out, tx.HTML)
			}
		}
	}
	return out
}

func FuzzHTMLScannerEqualsTokenizer(f *testing.F) {
	for _, c := range scannerCases {
		if len(c) < 4096 {
			f.Add(c)
		}
	}
	f.Fuzz(func(t *testing.T, src string) {
		checkTokens(t, "fuzz", src)
		checkHTMLToText(t, "fuzz", src)
	})
}

func BenchmarkHTMLToTextCorpus(b *testing.B) {
	parts := corpusHTML(b)
	n := 0
	for _, s := range parts {
		n += len(s)
	}
	b.SetBytes(int64(n / max(len(parts), 1)))
	b.Run("reference", func(b *testing.B) {
		i := 0
		for b.Loop() {
			p := &parser{lim: DefaultLimits(), m: &Message{}, seen: map[problemKey]struct{}{}}
			htmlToTextReference(p, parts[i%len(parts)], "1")
			i++
		}
	})
	b.Run("scanner", func(b *testing.B) {
		i := 0
		for b.Loop() {
			p := &parser{lim: DefaultLimits(), m: &Message{}, seen: map[problemKey]struct{}{}}
			p.htmlToText(parts[i%len(parts)], "1")
			i++
		}
	})
}

func BenchmarkScanHTMLCorpus(b *testing.B) {
	parts := corpusHTML(b)
	i := 0
	for b.Loop() {
		ScanHTML(parts[i%len(parts)], 0)
		i++
	}
}

func TestJoinFields(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", " ", "a", "a b", "a  b", " a", "a ", "a\tb", "a\nb", "a\u00a0b", "é b", "a\u2003b", "\xffa b", "a b c", "  "} {
		if got, want := joinFields(s), strings.Join(strings.Fields(s), " "); got != want {
			t.Errorf("joinFields(%q) = %q, want %q", s, got, want)
		}
	}
}
