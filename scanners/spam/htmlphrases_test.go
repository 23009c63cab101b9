package spam

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
)

// The HTML rules as they searched the whole markup for each literal
// before htmlPhrases: the references of TestHTMLRulesEqualReference.

func refImgCount(html string) int { return strings.Count(html, "<img") }

func refRuleHiddenText(c *checkCtx) (bool, scanners.Evidence) {
	if c.html == "" {
		return false, scanners.Evidence{}
	}
	if loc := hiddenRe.FindStringIndex(c.html); loc != nil {
		return true, scanners.Evidence{Field: "html", Text: c.html[loc[0]:loc[1]]}
	}
	if strings.Contains(c.html, `bgcolor="#ffffff"`) || strings.Contains(c.html, "bgcolor=#ffffff") || !strings.Contains(c.html, "bgcolor") {
		for _, w := range []string{`color="#ffffff"`, "color=#ffffff", `color="white"`, "color:#ffffff", "color: #ffffff", "color:white"} {
			if i := strings.Index(c.html, w); i >= 0 && !strings.Contains(c.html[max(0, i-12):i], "bg") && !strings.Contains(c.html[max(0, i-12):i], "background") {
				return true, scanners.Evidence{Field: "html", Text: w}
			}
		}
	}
	return false, scanners.Evidence{}
}

func refRuleFontTricks(c *checkCtx) (bool, scanners.Evidence) {
	return strings.Count(c.html, "<font") >= 10, scanners.Evidence{Field: "html", Text: "<font"}
}

func refRuleHTMLForm(c *checkCtx) (bool, scanners.Evidence) {
	return strings.Contains(c.html, "<form"), scanners.Evidence{Field: "html", Text: "<form"}
}

func refRuleBigFont(c *checkCtx) (bool, scanners.Evidence) {
	loc := bigFontRe.FindStringIndex(c.html)
	if loc == nil {
		return false, scanners.Evidence{}
	}
	return true, scanners.Evidence{Field: "html", Text: c.html[loc[0]:loc[1]]}
}

func refRuleHTMLLittleText(c *checkCtx) (bool, scanners.Evidence) {
	if !c.hasHTML || c.hasPlain || refImgCount(c.html) == 0 {
		return false, scanners.Evidence{}
	}
	n := c.bodyCounts().letters
	return n >= 50 && n < 300, partEv()
}

func refRuleImageOnly(c *checkCtx) (bool, scanners.Evidence) {
	imgs := refImgCount(c.html)
	for _, a := range c.m.Attachments {
		if strings.HasPrefix(a.ContentType, "image/") && a.Container == "" {
			imgs++
		}
	}
	return imgs > 0 && c.bodyCounts().letters < 50, partEv()
}

// TestHTMLRulesEqualReference: the HTML rules, which start each search
// where htmlPhrases first saw its literal (and skip it when it saw none),
// fire and quote as the whole-markup searches did, on written markup
// (white text on white and on other backgrounds, many fonts and images,
// forms) and on every corpus message when present.
func TestHTMLRulesEqualReference(t *testing.T) {
	t.Parallel()
	for k, w := range whiteColors {
		if htmlList[htmlWhite+k] != w {
			t.Fatalf("htmlList[htmlWhite+%d] = %q, want %q", k, htmlList[htmlWhite+k], w)
		}
	}
	if len(htmlList) != htmlWhite+len(whiteColors) {
		t.Fatalf("htmlList has %d literals, want %d", len(htmlList), htmlWhite+len(whiteColors))
	}
	var raws [][]byte
	for _, html := range []string{
		`<body bgcolor="#FFFFFF"><font color="#ffffff">hidden</font>`, `<body bgcolor=#000000><font color=#ffffff>x</font>`,
		`<p style="color:white">x</p>`, `<td style="background-color:white">x</td>`, `<font bgcolor="#ffffff" color="white">`,
		strings.Repeat(`<font size=2>x</font>`, 9), strings.Repeat(`<FONT size=2>x</font>`, 10), `<img src=a><IMG src=b>`,
		`<form action=x>`, `<p style="display: none">x</p>`, `<font size=7>BIG</font>`, `<span style="font-size:40px">`,
		`<p>plain</p>`, `color: #ffffff; bgcolor`, ``,
	} {
		raws = append(raws, []byte("Content-Type: text/html\r\n\r\n"+html+"\r\n"))
	}
	for _, f := range corpusFiles(t) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		raws = append(raws, b)
	}
	refs := map[string]func(*checkCtx) (bool, scanners.Evidence){
		"hidden_text": refRuleHiddenText, "html_font_tricks": refRuleFontTricks, "html_form": refRuleHTMLForm,
		"html_big_font": refRuleBigFont, "html_little_text": refRuleHTMLLittleText, "image_only": refRuleImageOnly,
	}
	hits := map[string]int{}
	for i, raw := range raws {
		c := newCheckCtx(message.Parse(context.Background(), raw, message.Limits{}), inbound, time.Unix(1700000000, 0), nil)
		for _, r := range Rules {
			ref, ok := refs[r.ID]
			if !ok {
				continue
			}
			hit, ev := r.check(c)
			wantHit, wantEv := ref(c)
			if hit != wantHit || ev != wantEv {
				t.Errorf("message %d: %s %v %+v, reference %v %+v", i, r.ID, hit, ev, wantHit, wantEv)
			}
			if hit {
				hits[r.ID]++
			}
		}
		if c.imgCount() != refImgCount(c.html) {
			t.Errorf("message %d: imgCount %d, strings.Count %d", i, c.imgCount(), refImgCount(c.html))
		}
	}
	for id := range refs {
		if hits[id] == 0 {
			t.Errorf("%s fired on none of the messages", id)
		}
	}
}

// TestHeaderEqualsMessageHeader: checkCtx.header, which looks the rules'
// fields up in one pass, gives what Message.Header gives, for each of
// them and for another field, on written headers (repeated fields, names
// in other cases, non-ASCII names that fold to ASCII ones) and on every
// corpus message when present.
func TestHeaderEqualsMessageHeader(t *testing.T) {
	t.Parallel()
	m := &message.Message{Headers: []message.Header{
		{Name: "ſubject", Value: "long s"}, {Name: "SUBJECT", Value: "second"}, {Name: "to", Value: "a@example.org"},
		{Name: "To", Value: "b@example.org"}, {Name: "List-Id", Value: ""}, {Name: "LIST-ID", Value: "x"}, {Name: "Date", Value: "now"},
		{Name: "Content-Transfer-Encoding", Value: "base64"}, {Name: "X-Priority ", Value: "1"}, {Name: "Re\u212ay", Value: "k"},
	}}
	msgs := []*message.Message{m, {}}
	for _, f := range corpusFiles(t) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, message.Parse(context.Background(), b, message.Limits{}))
	}
	names := append(ruleHeaders[:], "Received", "Reky", "X-Mailer")
	for i, m := range msgs {
		c := newCheckCtx(m, inbound, time.Unix(1700000000, 0), nil)
		for _, n := range names {
			if got, want := c.header(n), m.Header(n); got != want {
				t.Fatalf("message %d: header(%q) = %q, Message.Header %q", i, n, got, want)
			}
		}
	}
}
