package dnsbl

import (
	"context"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/spam"
	"github.com/lychgate/lychgate/scanners/spam/internal/dnstest"
)

func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

const raw = `Received: from mx.school.example ([10.0.0.5]) by relay.school.example; Tue, 1 Dec 2026 09:00:00 +0000
Received: from sender.example (host.sender.example [203.0.113.9]) by mx.school.example; Tue, 1 Dec 2026 08:59:00 +0000
From: a@spammer.test
Subject: hi

see http://www.evil.test/x and http://good.test/
`

func newChecker(t *testing.T, s *dnstest.Server) *Checker {
	t.Helper()
	c, err := New(Options{
		Resolver: s.Addr, Timeout: time.Second,
		IP:      []Zone{{Zone: "bl.test", Score: 3}, {Zone: "slow-bl.test", Score: 1}},
		Domain:  []Zone{{Zone: "dbl.test", Score: 2.5}},
		Trusted: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
		Logger:  slog.New(slog.NewTextHandler(t.Output(), nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestReasons(t *testing.T) {
	s := dnstest.Start(t,
		"7.100.51.198.bl.test. 60 IN A 127.0.0.2",        // the client
		"9.113.0.203.bl.test. 60 IN A 127.0.0.4",         // the first untrusted Received hop
		"evil.test.dbl.test. 60 IN A 127.0.1.2",          // a link domain
		"spammer.test.dbl.test. 60 IN A 127.255.255.254", // a refused query, not a listing
	)
	s.Silence("7.100.51.198.slow-bl.test")
	c := newChecker(t, s)
	m := message.Parse(context.Background(), crlf(raw), message.Limits{})
	env := &scanners.Envelope{RemoteIP: "198.51.100.7", From: "a@spammer.test"}
	rs := c.Reasons(t.Context(), m, env)
	got := map[string]spam.Reason{}
	for _, r := range rs {
		got[r.Rule] = r
	}
	bl, ok := got["dnsbl_bl_test"]
	if !ok || bl.Score != 3 || len(bl.Evidence) != 2 {
		t.Errorf("dnsbl_bl_test = %+v, want score 3 with the client and the Received hop", bl)
	}
	if d, ok := got["dnsbl_dbl_test"]; !ok || d.Evidence[0].Text != "evil.test" || len(d.Evidence) != 1 {
		t.Errorf("dnsbl_dbl_test = %+v, want evil.test only", d)
	}
	if e, ok := got["dnsbl_error"]; !ok || e.Score != 0 || !strings.Contains(e.Explanation, "slow-bl.test") {
		t.Errorf("dnsbl_error = %+v, want the silent zone reported with score 0", e)
	}
	if n := s.Queries("5.0.0.10.bl.test"); n != 0 {
		t.Errorf("the trusted hop 10.0.0.5 was looked up %d times", n)
	}
	// A second message: answers come from the cache.
	before := s.Queries("7.100.51.198.bl.test")
	c.Reasons(t.Context(), m, env)
	if after := s.Queries("7.100.51.198.bl.test"); after != before {
		t.Errorf("cached answer asked again: %d queries, then %d", before, after)
	}
}

func TestReverse(t *testing.T) {
	tests := []struct{ ip, want string }{
		{"192.0.2.1", "1.2.0.192"},
		{"2001:db8::1", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2"},
	}
	for _, tc := range tests {
		if got := reverse(netip.MustParseAddr(tc.ip)); got != tc.want {
			t.Errorf("reverse(%s) = %s, want %s", tc.ip, got, tc.want)
		}
	}
	if got := RuleID("zen.spamhaus.org"); got != "dnsbl_zen_spamhaus_org" {
		t.Errorf("RuleID = %s", got)
	}
}
