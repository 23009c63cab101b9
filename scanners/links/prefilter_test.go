package links

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/message"
)

// htmlRelevant reports whether checkHTML has anything to go on in info:
// a CSS web link, a javascript:, vbscript: or data: reference, or a
// password form (wider than what checkHTML reports, never narrower).
func htmlRelevant(info message.HTMLInfo) bool {
	for _, r := range info.Refs {
		if r.Attr == "css" && webScheme(r.Raw) {
			return true
		}
		if scheme, _, ok := strings.Cut(r.Raw, ":"); ok {
			switch strings.ToLower(strings.TrimSpace(scheme)) {
			case "javascript", "vbscript", "data":
				return true
			}
		}
	}
	for _, f := range info.Forms {
		if f.Password {
			return true
		}
	}
	return false
}

// checkPrefilter fails when htmlMayMatter lets src pass although
// ScanHTML finds something checkHTML uses in it.
func checkPrefilter(t *testing.T, src string) {
	t.Helper()
	if !htmlMayMatter(src) && htmlRelevant(message.ScanHTML(src, 0)) {
		t.Errorf("htmlMayMatter(%q) = false, but checkHTML has work in it", src)
	}
}

func TestHTMLMayMatter(t *testing.T) {
	for _, src := range []string{
		`<a href="javascript:alert(1)">x</a>`, `<a href=" JavaScript :x">`, `<a href="jav&#97;script:x">`,
		`<a href="java&#x73;cript:x">`, `<a href="javascript&colon;x">`, `<a href="javascript&nbsp;:x">`,
		`<a href="javascript&#160;:x">`, "<a href=\"javascript\u00a0:x\">", "<a href=\"javascript\u2003:x\">",
		`<a href="vbscript:x">`, `<img src="data:image/png;base64,AAAA">`, `<a href="DATA:text/html,<b>">`,
		`<a href="d&#x61;ta:text/html,x">`, `<div style="background:url(http://e.example/a)">`,
		`<div style="background:URL(http://e.example/a)">`, `<div style="background:url&lpar;http://e.example/a)">`,
		`<style>p{background:url('https://e.example/x')}</style>`, `<input type="password">`,
		`<form><input type=PASSWORD></form>`, `<input type="p&#97;ssword">`, `<input type="pass&#X77;ord">`,
		`<input type="&#112;assword">`, `<meta http-equiv=refresh content="0;url=javascript:x">`,
		`<a href="javascript&Tab;:x">`, `<a href="&#x6a;avascript:x">`, `<img srcset="data:x 1x, a.png 2x">`,
		`<a href="java&#0000000115;cript:x">`, `<a href="data&#58x">`, `<input type="passwor&#100">`,
	} {
		if !htmlRelevant(message.ScanHTML(src, 0)) {
			t.Errorf("test case %q has nothing for checkHTML; fix the case", src)
		}
		if !htmlMayMatter(src) {
			t.Errorf("htmlMayMatter(%q) = false, want true", src)
		}
	}
	for _, src := range []string{
		`<p>Hello &amp; welcome&nbsp;&mdash; see <a href="https://e.example/?a=1&mid=2">here</a></p>`,
		`<script>var x = 1;</script><div data-x="1">metadata</div>`, `<p>&#8217;&#x2019;&eacute;</p>`,
	} {
		if htmlMayMatter(src) {
			t.Errorf("htmlMayMatter(%q) = true, want false", src)
		}
	}
	dir := corpusDir()
	if dir == "" {
		t.Skipf("corpus not present at %v (or $LYCHGATE_CORPUS); skipping the corpus part", corpusDirs)
	}
	files, _ := filepath.Glob(filepath.Join(filepath.Dir(dir), "*", "*", "*"))
	skipped, total := 0, 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			continue // a directory or unreadable: not a message
		}
		for _, tx := range parse(raw).Texts {
			if tx.HTML == "" {
				continue
			}
			total++
			if !htmlMayMatter(tx.HTML) {
				skipped++
			}
			checkPrefilter(t, tx.HTML)
		}
	}
	t.Logf("%d of %d corpus HTML bodies skip the second tokenizer pass", skipped, total)
}

func FuzzHTMLMayMatter(f *testing.F) {
	for _, s := range []string{`<a href="javascript:x">`, `<input type=password>`, `<p style="x:url(a)">`, `&#97;&amp;&nbsp;`, `data :`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkPrefilter(t, s)
		checkPrefilter(t, `<a href="`+s+`">`)
		checkPrefilter(t, `<input type="`+s+`">`)
		checkPrefilter(t, `<p style="`+s+`">`)
	})
}
