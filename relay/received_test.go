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
			se := &session{s: &Server{}, conn: c, ip: tc.ip, helo: tc.helo, rt: rt, mail: mailParams{utf8: tc.utf8}}
			if got := se.receivedHeader("0123abcd", at, tc.rcpts); got != tc.want {
				t.Errorf("receivedHeader = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestAppendDateEqualsFormat checks the reused date against AppendFormat:
// seconds in turn and back again, the same second in other zones, and
// across a change of summer time.
func TestAppendDateEqualsFormat(t *testing.T) {
	t.Parallel()
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Skipf("no zone data: %v", err)
	}
	s := &Server{}
	base := time.Date(2026, 3, 29, 0, 59, 58, 0, time.UTC) // British Summer Time starts at 01:00 UTC
	var ats []time.Time
	for _, d := range []time.Duration{0, 100 * time.Millisecond, 900 * time.Millisecond, time.Second, 1500 * time.Millisecond, 2 * time.Second, 0, 3 * time.Second} {
		at := base.Add(d)
		ats = append(ats, at, at.In(london), at.In(time.FixedZone("X", -5*3600)), at, at.Local())
	}
	for _, at := range ats {
		got := string(s.appendDate([]byte("x"), at))
		if want := "x" + at.Format(time.RFC1123Z); got != want {
			t.Errorf("appendDate(%v) = %q, want %q", at, got, want)
		}
	}
}
