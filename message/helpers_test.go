package message

import (
	"strings"
	"testing"
)

func TestHTMLToText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"entities", "<p>a &lt;b&gt; &amp;&#32;c&nbsp;d</p>", "a <b> & c d"},
		{"blocks and breaks", "<div>one</div><div>two<br>three</div>", "one\ntwo\nthree"},
		{"script and style dropped", "x<script>var s='<p>no</p>';</script><style>.a{}</style>y", "xy"},
		{"comment dropped", "a<!-- secret -->b<!--[if mso]>mso<![endif]-->c", "abc"},
		{"zero-width removed", "bad\u200bword s\u00adoft", "badword soft"},
		{"whitespace collapsed", "  a \n\t b  ", "a b"},
		{"unclosed script hides only itself", "shown<script>hidden", "shown"},
		{"table cells", "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := &parser{lim: DefaultLimits(), m: &Message{}, seen: map[problemKey]struct{}{}}
			if got := p.htmlToText(tc.in, "1"); got != tc.want {
				t.Errorf("htmlToText(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestHTMLLinks(t *testing.T) {
	t.Parallel()
	p := &parser{lim: DefaultLimits(), m: &Message{}, seen: map[problemKey]struct{}{}}
	p.htmlToText(`<a href="http://a.example.com/">A <i>link</i></a>`+
		`<a href="http://a.example.com/">again</a>`+
		`<meta http-equiv="refresh" content="0; url=https://refresh.example.com/">`+
		`<img srcset="http://s1.example.com/1x.png 1x, http://s2.example.com/2x.png 2x">`+
		`<a href="javascript:alert(1)">js</a><a href="/relative">rel</a><a href="cid:part1">cid</a>`, "3")
	want := map[string]string{
		"http://a.example.com/":        "A link",
		"https://refresh.example.com/": "",
		"http://s1.example.com/1x.png": "",
		"http://s2.example.com/2x.png": "",
	}
	if len(p.m.URLs) != len(want) {
		t.Errorf("URLs = %+v, want %d", p.m.URLs, len(want))
	}
	for _, u := range p.m.URLs {
		anchor, ok := want[u.Raw]
		if !ok || u.Anchor != anchor || u.PartID != "3" {
			t.Errorf("URL %+v unexpected (want anchor %q)", u, anchor)
		}
	}
}

func TestURLHost(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"http://Example.COM/x", "example.com"},
		{"https://user:pw@Host.Example.org:8443/p", "host.example.org"},
		{"www.Example.net/path", "www.example.net"},
		{"//cdn.example.com/a.js", "cdn.example.com"},
		{"http://example.com./", "example.com"},
		{"http://[2001:db8::1]:80/", "2001:db8::1"},
		{"http://bad%zz.example.com/", "bad%zz.example.com"},
		{"http://1.2.3.4/x", "1.2.3.4"},
	}
	for _, tc := range tests {
		if got := urlHost(tc.in); got != tc.want {
			t.Errorf("urlHost(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestKeepURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want bool
	}{
		{"http://example.com", true},
		{"example.com/x", true},
		{"example.com:8080/x", true},
		{"mailto:a@example.com", false},
		{"a@example.com", false},
		{"tel:+441234", false},
		{"javascript:void(0)", false},
		{"data:text/html;base64,AAAA", false},
		{"/relative/path", false},
		{"#frag", false},
		{"", false},
	}
	for _, tc := range tests {
		if got := keepURL(tc.in); got != tc.want {
			t.Errorf("keepURL(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestXMLText(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"word runs", `<w:p><w:r><w:t>He</w:t></w:r><w:r><w:t>llo</w:t></w:r></w:p><w:p><w:r><w:t>x &lt; y</w:t></w:r></w:p>`, "Hello\nx < y\n"},
		{"xlsx shared strings", `<sst><si><t>Name</t></si><si><t>Grade</t></si></sst>`, "Name\nGrade\n"},
		{"pptx", `<p:sld><a:p><a:r><a:t>Slide</a:t></a:r><a:br/><a:r><a:t>two</a:t></a:r></a:p></p:sld>`, "Slide\ntwo\n"},
		{"odf", `<office:text><text:h>Title</text:h><text:p>a<text:s/>b<text:tab/>c</text:p></office:text>`, "Title\na b\tc\n"},
		{"pretty-printed", "<a>\n  <p>x</p>\n</a>", "x\n"},
	}
	for _, tc := range tests {
		if got := xmlText([]byte(tc.in)); got != tc.want {
			t.Errorf("%s: xmlText = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestLimitStructure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name               string
		raw                []byte
		depth, parts       int
		wantDeep, wantMany bool
		keep               string // must survive
	}{
		{"shallow untouched", nestedMultiparts(3), 10, 100, false, false, "bottom of the well"},
		{"deep elided", nestedMultiparts(40), 10, 100, true, false, "--d0--"},
		{"parts cut", manyParts(50), 10, 20, false, true, "part 19"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			hdrLen, body := HeaderEnd(tc.raw)
			ct := ""
			for _, f := range splitHeader(tc.raw[:hdrLen]) {
				if strings.EqualFold(f.name, "content-type") {
					ct = f.value
				}
			}
			out, st := limitStructure(tc.raw, body, ct, tc.depth, tc.parts)
			if st.tooDeep != tc.wantDeep || st.tooMany != tc.wantMany {
				t.Errorf("limitStructure = %+v, want deep %v many %v", st, tc.wantDeep, tc.wantMany)
			}
			if !strings.Contains(string(out), tc.keep) {
				t.Errorf("output lost %q", tc.keep)
			}
			// The too-deep multipart keeps its header; its body is gone.
			if got := strings.Count(string(out), "boundary="); got > tc.depth+1 {
				t.Errorf("output still declares %d nested boundaries, limit %d", got, tc.depth)
			}
		})
	}
}

func TestProblemsDedupAndCap(t *testing.T) {
	t.Parallel()
	p := &parser{lim: DefaultLimits(), m: &Message{}, seen: map[problemKey]struct{}{}}
	p.problem("1", "bad_header", "x", false)
	p.problem("1", "bad_header", "y", false)
	if len(p.m.Problems) != 1 {
		t.Fatalf("Problems = %+v, want one after a duplicate", p.m.Problems)
	}
	for i := range 500 {
		p.problem(strings.Repeat("9", i+2), "bad_header", "x", false)
	}
	if n := len(p.m.Problems); n != maxProblems || p.m.Problems[n-1].Name != "too_many_problems" {
		t.Errorf("%d problems, last %+v", n, p.m.Problems[n-1])
	}
}

func TestCleanMessageID(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"<a@example.com>":       "a@example.com",
		"  <a@example.com> (x)": "a@example.com",
		"a@example.com":         "a@example.com",
		"<unterminated@example": "unterminated@example",
	} {
		if got := cleanMessageID(in); got != want {
			t.Errorf("cleanMessageID(%q) = %q, want %q", in, got, want)
		}
	}
}
