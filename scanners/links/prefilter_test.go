package links

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
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
// checkHasFoldAt compares hasFoldAt with the strings.EqualFold of the
// window it stands for, for every needle at every position of src.
func checkHasFoldAt(t *testing.T, src string) {
	t.Helper()
	for _, needle := range []string{"script", "data", "url(", "password"} {
		for i := range len(src) + 1 {
			want := len(src)-i >= len(needle) && strings.EqualFold(src[i:i+len(needle)], needle)
			if got := hasFoldAt(src, i, needle); got != want {
				t.Errorf("hasFoldAt(%q, %d, %q) = %v, EqualFold says %v", src, i, needle, got, want)
				return
			}
		}
	}
}

func checkPrefilter(t *testing.T, src string) {
	t.Helper()
	checkHasFoldAt(t, src)
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
	for _, s := range []string{`<a href="javascript:x">`, `<input type=password>`, `<p style="x:url(a)">`, `&#97;&amp;&nbsp;`, `data :`, "\u017fcript:", "SCRİPT", "pa\u017f\u017fword", "DaTa", "URL("} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := htmlMayMatter(s), htmlMayMatterReference(s); got != want {
			t.Errorf("htmlMayMatter(%q) = %v, reference %v", s, got, want)
		}
		checkPrefilter(t, s)
		checkPrefilter(t, `<a href="`+s+`">`)
		checkPrefilter(t, `<input type="`+s+`">`)
		checkPrefilter(t, `<p style="`+s+`">`)
	})
}

// TestHostMemo checks that what the scanner remembers across messages
// changes nothing: every message gets from a shared scanner (scanning
// concurrently, with both memo generations turned over on the way, so
// hosts are found in the current one, the old one and neither) what a fresh scanner
// gives it.
func TestHostMemo(t *testing.T) {
	raws := [][]byte{
		htmlMail(`<a href="http://account-check.example/login">https://www.paypal.com/signin</a> <a href="https://paypa1.com/x">p</a>`),
		textMail(`https://xn--pypal-4ve.com/account https://paypal.com.account-review.example/ http://bit.ly/x`),
		htmlMail(`<a href="https://urldefense.proofpoint.com/v2/url?u=http-3A__paypa1.com_login&amp;d=DwMF&amp;c=x">log in</a>`),
		textMail(`see paypal.com.evil.example and https://paypal.com@198.51.100.7/ and www.school.example`),
	}
	opts := Options{SchoolDomains: []string{"school.example"}}
	want := make([][]scanners.Finding, len(raws))
	for i, raw := range raws {
		fs, err := newScanner(t, opts).Scan(t.Context(), parse(raw), &scanners.Envelope{})
		if err != nil {
			t.Fatal(err)
		}
		want[i] = fs
	}
	shared := newScanner(t, opts)
	errs := make(chan string, 4*len(raws)*20)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range 20 {
				i := (g + r) % len(raws)
				if r == 10 && g == 0 {
					for k := range 2*hostMemoMax + 1 { // fill the memo until both generations turned over
						shared.Scan(t.Context(), parse(textMail(fmt.Sprintf("https://h%d.example/", k))), &scanners.Envelope{})
					}
				}
				got, err := shared.Scan(t.Context(), parse(raws[i]), &scanners.Envelope{})
				if err != nil || !reflect.DeepEqual(got, want[i]) {
					errs <- fmt.Sprintf("message %d: got %+v (%v), want %+v", i, got, err, want[i])
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if len(want[0]) == 0 || len(want[1]) == 0 {
		t.Errorf("test messages found nothing: %+v", want)
	}
}
