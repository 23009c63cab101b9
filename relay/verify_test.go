package relay

import (
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/lychgate/lychgate/internal/smtpsink"
	"github.com/lychgate/lychgate/nexthop"
)

// TestVerifyTypedRefusals checks that "unknown user" comes from the hop's
// typed RCPT refusal (stage and code), whatever its text says.
func TestVerifyTypedRefusals(t *testing.T) {
	t.Parallel()
	sink, err := smtpsink.Start(smtpsink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sink.Close() })
	cfg := writeConfig(t, strings.NewReplacer("{{TRUSTED}}", `"10.99.0.0/16"`, "{{RELAY}}", "", "{{HOP}}", sink.Addr).Replace(baseTOML))
	h := newNextHops(slog.New(slog.NewTextHandler(testWriter{t}, nil)))
	c := nexthop.New(cfg.NextHop, nexthop.Options{Hostname: cfg.Relay.Hostname, IsLocal: func(a string) bool { return cfg.SchoolForAddress(a) != nil }})
	t.Cleanup(func() { _ = c.Close() })

	sink.RefuseRcpt("gone@"+school, &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "RCPT TO? never heard of them"})
	sink.RefuseRcpt("nodomain@"+school, &smtp.SMTPError{Code: 554, Message: "no"}) // no enhanced code
	sink.RefuseRcpt("full@"+school, &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 2, 2}, Message: "unknown user (really: full)"})
	cases := []struct {
		name string
		rcpt string
		want error
	}{
		{"5xx at RCPT is an unknown user", "gone@" + school, errUnknownRecipient},
		{"5xx without enhanced code too", "nodomain@" + school, errUnknownRecipient},
		{"4xx is inconclusive, whatever the text", "full@" + school, nil},
		{"accepted", pupil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := h.verify(t.Context(), c, sink.Addr, tc.rcpt); !errors.Is(err, tc.want) {
				t.Errorf("verify(%s) = %v, want %v", tc.rcpt, err, tc.want)
			}
		})
	}
	// The probes share one pooled connection and deliver nothing.
	if n := sink.Sessions(); n != 1 {
		t.Errorf("sink saw %d sessions for %d probes, want 1", n, len(cases))
	}
	if m := sink.Messages(); len(m) != 0 {
		t.Errorf("verification delivered %d messages, want none", len(m))
	}
	// A dead hop is inconclusive.
	if err := h.verify(t.Context(), c, deadAddr(t), "gone@"+school); err != nil {
		t.Errorf("verify against a dead hop = %v, want nil", err)
	}
}

func TestUnknownUser(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"rcpt 550", &nexthop.Error{Stage: nexthop.StageRcpt, Code: 550}, true},
		{"rcpt 450", &nexthop.Error{Stage: nexthop.StageRcpt, Code: 450}, false},
		{"mail 550 (sender refused)", &nexthop.Error{Stage: nexthop.StageMail, Code: 550}, false},
		{"rcpt without reply", &nexthop.Error{Stage: nexthop.StageRcpt}, false},
		{"bare smtp error", &smtp.SMTPError{Code: 550}, false},
		{"nil", nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := unknownUser(tc.err); got != tc.want {
				t.Errorf("unknownUser(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}
