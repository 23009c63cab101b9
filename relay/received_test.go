package relay

import (
	"crypto/tls"
	"net/netip"
	"testing"
	"time"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/live"
)

func TestReceivedHeader(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	rt := &live.Runtime{Config: &config.Config{Relay: config.Relay{Hostname: "relay.test"}}}
	cases := []struct {
		name  string
		ip    netip.Addr
		helo  string
		utf8  bool
		tls   bool
		rcpts []string
		want  string
	}{
		{"one recipient", netip.MustParseAddr("192.0.2.7"), "mx.example.net", false, false, []string{"pupil1@school.test"},
			"Received: from mx.example.net ([192.0.2.7])\r\n\tby relay.test (lychgate) with ESMTP id 0123abcd\r\n\tfor <pupil1@school.test>;\r\n\tMon, 23 Nov 2026 10:00:00 +0000\r\n"},
		{"several recipients, no for", netip.MustParseAddr("2001:db8::1"), "mx.example.net", false, false, []string{"a@school.test", "b@school.test"},
			"Received: from mx.example.net ([2001:db8::1])\r\n\tby relay.test (lychgate) with ESMTP id 0123abcd;\r\n\tMon, 23 Nov 2026 10:00:00 +0000\r\n"},
		{"utf8 over tls, control characters dropped", netip.MustParseAddr("192.0.2.7"), "bad\r\nname", true, true, []string{"p@school.test"},
			"Received: from badname ([192.0.2.7])\r\n\tby relay.test (lychgate) with UTF8SMTPS id 0123abcd\r\n\tfor <p@school.test>;\r\n\tMon, 23 Nov 2026 10:00:00 +0000\r\n"},
		{"no address, no helo", netip.Addr{}, "", false, false, nil,
			"Received: from unknown ([invalid IP])\r\n\tby relay.test (lychgate) with ESMTP id 0123abcd;\r\n\tMon, 23 Nov 2026 10:00:00 +0000\r\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := &conn{}
			if tc.tls {
				c.tls = &tls.ConnectionState{}
			}
			se := &session{conn: c, ip: tc.ip, helo: tc.helo, rt: rt, mail: mailParams{utf8: tc.utf8}}
			if got := se.receivedHeader("0123abcd", at, tc.rcpts); got != tc.want {
				t.Errorf("receivedHeader = %q, want %q", got, tc.want)
			}
		})
	}
}
