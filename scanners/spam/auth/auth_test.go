package auth

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/spam"
	"github.com/lychgate/lychgate/scanners/spam/internal/dnstest"
)

func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

type fixture struct {
	dns  *dnstest.Server
	c    *Checker
	priv ed25519.PrivateKey
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s := dnstest.Start(t,
		`pass.test. 60 IN TXT "v=spf1 ip4:192.0.2.10 -all"`,
		`_dmarc.pass.test. 60 IN TXT "v=DMARC1; p=reject"`,
		`soft.test. 60 IN TXT "v=spf1 ip4:192.0.2.10 ~all"`,
		`quar.test. 60 IN TXT "v=spf1 -all"`,
		`_dmarc.quar.test. 60 IN TXT "v=DMARC1; p=quarantine"`,
		`signed.test. 60 IN TXT "v=spf1 -all"`,
		`_dmarc.signed.test. 60 IN TXT "v=DMARC1; p=reject; adkim=s"`,
		`sel._domainkey.signed.test. 60 IN TXT "v=DKIM1; k=ed25519; p=`+base64.StdEncoding.EncodeToString(pub)+`"`,
		`stmarys.sch.uk. 60 IN TXT "v=spf1 ip4:192.0.2.99 -all"`,
	)
	s.Silence("slow.test")
	s.Silence("_dmarc.slow.test")
	s.ServFail("broken.test")
	c, err := New(Options{Resolver: s.Addr, Timeout: time.Second, AuthServID: "relay.test", OwnDomains: []string{"stmarys.sch.uk"},
		Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{dns: s, c: c, priv: priv}
}

func (f *fixture) sign(t *testing.T, raw []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := dkim.Sign(&b, bytes.NewReader(raw), &dkim.SignOptions{Domain: "signed.test", Selector: "sel", Signer: f.priv}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func msg(from string) []byte {
	return crlf("From: Sender <" + from + ">\nTo: pupil@stmarys.sch.uk\nSubject: hello\nDate: Tue, 1 Dec 2026 09:00:00 +0000\nMessage-ID: <1@x>\n\nHello there.\n")
}

func env(ip, mailFrom string) *scanners.Envelope {
	return &scanners.Envelope{RemoteIP: ip, HELO: "mx.sender.test", From: mailFrom,
		Recipients: []scanners.Recipient{{Addr: "pupil@stmarys.sch.uk", Direction: scanners.Inbound}}}
}

func rules(rs []spam.Reason) map[string]float64 {
	out := map[string]float64{}
	for _, r := range rs {
		out[r.Rule] = r.Score
	}
	return out
}

func TestReasons(t *testing.T) {
	f := newFixture(t)
	signed := f.sign(t, msg("news@signed.test"))
	tampered := bytes.Replace(signed, []byte("Hello there."), []byte("Hello thief."), 1)
	tests := []struct {
		name    string
		raw     []byte
		env     *scanners.Envelope
		want    []string
		notWant []string
		header  string // substring of Authentication-Results
	}{
		{"spf pass and dmarc pass", msg("a@pass.test"), env("192.0.2.10", "a@pass.test"), []string{"dmarc_pass"}, []string{"spf_fail", "dmarc_reject"}, "spf=pass smtp.helo=mx.sender.test smtp.mailfrom=pass.test"},
		{"spf fail under p=reject", msg("a@pass.test"), env("198.51.100.7", "a@pass.test"), []string{"spf_fail", "dmarc_reject"}, []string{"dmarc_pass"}, "dmarc=fail header.from=pass.test"},
		{"spf softfail, no dmarc", msg("a@soft.test"), env("198.51.100.7", "a@soft.test"), []string{"spf_softfail"}, []string{"dmarc_reject", "dmarc_fail"}, "spf=softfail"},
		{"p=quarantine failure", msg("a@quar.test"), env("198.51.100.7", "a@quar.test"), []string{"spf_fail", "dmarc_quarantine"}, nil, "dmarc=fail"},
		{"dns timeout is a temperror finding", msg("a@slow.test"), env("198.51.100.7", "a@slow.test"), []string{"auth_dns_error"}, []string{"spf_fail"}, "spf=temperror"},
		{"servfail is a temperror finding", msg("a@broken.test"), env("198.51.100.7", "a@broken.test"), []string{"auth_dns_error"}, nil, "spf=temperror"},
		{"dkim signed passes dmarc without spf", signed, env("198.51.100.7", "bounce@elsewhere.test"), []string{"dmarc_pass"}, []string{"dkim_fail", "dmarc_reject"}, "dkim=pass header.d=signed.test"},
		{"dkim tampered fails, p=reject", tampered, env("198.51.100.7", "bounce@elsewhere.test"), []string{"dkim_fail", "dmarc_reject"}, []string{"dmarc_pass"}, "dkim=fail"},
		{"own domain from the internet", msg("head@stmarys.sch.uk"), env("198.51.100.7", "head@stmarys.sch.uk"), []string{"spf_fail", "auth_own_domain_unauthenticated"}, nil, "spf=fail"},
		{"look-alike of the school domain", msg("head@strnarys.sch.uk"), env("198.51.100.7", "x@strnarys.sch.uk"), []string{"lookalike_domain"}, nil, "header.from=strnarys.sch.uk"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := message.Parse(context.Background(), tc.raw, message.Limits{})
			rs := f.c.Reasons(t.Context(), m, tc.env)
			got := rules(rs)
			for _, w := range tc.want {
				if _, ok := got[w]; !ok {
					t.Errorf("Reasons() lacks %s; got %v", w, got)
				}
			}
			for _, w := range tc.notWant {
				if _, ok := got[w]; ok {
					t.Errorf("Reasons() has %s; got %v", w, got)
				}
			}
			var h string
			for _, r := range rs {
				if r.Rule == spam.AuthResultsRule {
					h = r.Evidence[0].Text
				}
			}
			if !strings.HasPrefix(h, "relay.test;") || !strings.Contains(h, tc.header) {
				t.Errorf("Authentication-Results = %q, want it to start with relay.test; and contain %q", h, tc.header)
			}
		})
	}
	if f.dns.Queries("slow.test") == 0 {
		t.Errorf("the silent name was never queried; the timeout case tested nothing")
	}
}

// TestScannerHeader runs the checker inside the spam scanner and reads the
// header back from the findings, as the relay does.
func TestScannerHeader(t *testing.T) {
	f := newFixture(t)
	s, err := spam.New(spam.Options{Logger: slog.New(slog.DiscardHandler), Extra: []spam.Check{f.c}})
	if err != nil {
		t.Fatal(err)
	}
	m := message.Parse(context.Background(), msg("a@pass.test"), message.Limits{})
	fs, err := s.Scan(t.Context(), m, env("198.51.100.7", "a@pass.test"))
	if err != nil {
		t.Fatal(err)
	}
	if h := spam.AuthenticationResults(fs); !strings.Contains(h, "spf=fail") {
		t.Errorf("AuthenticationResults() = %q, want spf=fail", h)
	}
	if tot := spam.Total(fs); tot < 11 {
		t.Errorf("Total() = %v, want >= 11 (spf_fail + dmarc_reject)", tot)
	}
	out := env("198.51.100.7", "a@pass.test")
	out.Recipients[0].Direction = scanners.Outbound
	fs, err = s.Scan(t.Context(), m, out)
	if err != nil {
		t.Fatal(err)
	}
	if h := spam.AuthenticationResults(fs); h != "" {
		t.Errorf("outbound mail was authenticated: %q", h)
	}
}

func TestLookalike(t *testing.T) {
	tests := []struct {
		d, own string
		want   bool
	}{
		{"stmarys.sch.uk", "stmarys.sch.uk", false},
		{"mail.stmarys.sch.uk", "stmarys.sch.uk", false},
		{"strnarys.sch.uk", "stmarys.sch.uk", true},
		{"stmary.sch.uk", "stmarys.sch.uk", true},
		{"stmarys.sch.uk.evil.test", "stmarys.sch.uk", true},
		{"stmarys.sch.uk-login.test", "stmarys.sch.uk", true},
		{"stmraysacademy.org", "stmarys.sch.uk", false},
		{"greenfield-academy.org", "greenfieldacademy.org", true},
		{"greenfie1dacademy.org", "greenfieldacademy.org", true},
		{"greenfieldacademy.co", "greenfieldacademy.org", true},
		{"gmail.com", "greenfieldacademy.org", false},
		{"oak.org", "oaks.org", false},
	}
	for _, tc := range tests {
		if got := Lookalike(tc.d, tc.own); got != tc.want {
			t.Errorf("Lookalike(%q, %q) = %v, want %v", tc.d, tc.own, got, tc.want)
		}
	}
}
