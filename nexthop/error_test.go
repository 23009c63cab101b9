package nexthop_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/lychgate/lychgate/nexthop"
)

func TestErrorClassification(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		err       error
		permanent bool
		text      string
	}{
		{"rcpt 550", &nexthop.Error{Hop: "h:25", Stage: nexthop.StageRcpt, Rcpt: "a@b", Code: 550, Enhanced: smtp.EnhancedCode{5, 1, 1}, Msg: "no"}, true,
			"next hop h:25: rcpt <a@b>: 550 5.1.1 no"},
		{"mail 451 without enhanced code", &nexthop.Error{Hop: "h:25", Stage: nexthop.StageMail, Code: 451, Enhanced: smtp.NoEnhancedCode, Msg: "later"}, false,
			"next hop h:25: mail: 451 later"},
		{"no reply", &nexthop.Error{Hop: "h:25", Stage: nexthop.StageDial, Err: errors.New("connection refused")}, false,
			"next hop h:25: dial: connection refused"},
		{"no SMTPUTF8", &nexthop.Error{Hop: "h:25", Stage: nexthop.StageMail, Err: nexthop.ErrNoSMTPUTF8}, true, ""},
		{"no recipients", &nexthop.Error{Hop: "h:25", Stage: nexthop.StageData, Err: nexthop.ErrNoRecipients}, true, ""},
		{"no STARTTLS", &nexthop.Error{Hop: "h:25", Stage: nexthop.StageTLS, Err: nexthop.ErrNoSTARTTLS}, false, ""},
		{"wrapped", fmt.Errorf("deliver: %w", &nexthop.Error{Stage: nexthop.StageData, Code: 554}), true, ""},
		{"bare smtp 5xx", &smtp.SMTPError{Code: 552}, true, ""},
		{"bare smtp 4xx", &smtp.SMTPError{Code: 421}, false, ""},
		{"unclassified", errors.New("boom"), false, ""},
		{"context", context.Canceled, false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := nexthop.Permanent(tc.err); got != tc.permanent {
				t.Errorf("Permanent(%v) = %v, want %v", tc.err, got, tc.permanent)
			}
			if tc.text != "" && tc.err.Error() != tc.text {
				t.Errorf("Error() = %q, want %q", tc.err.Error(), tc.text)
			}
		})
	}
}

// TestSTARTTLSRefused scripts a hop that offers STARTTLS and then refuses
// it with 454 (RFC 3207 §4).
func TestSTARTTLSRefused(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r := bufio.NewReader(c)
		_, _ = c.Write([]byte("220 hop.test ESMTP\r\n"))
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			switch cmd := strings.ToUpper(strings.TrimSpace(line)); {
			case strings.HasPrefix(cmd, "EHLO"):
				_, _ = c.Write([]byte("250-hop.test\r\n250 STARTTLS\r\n"))
			case cmd == "STARTTLS":
				_, _ = c.Write([]byte("454 4.7.0 TLS not available due to temporary reason\r\n"))
			default:
				_, _ = c.Write([]byte("221 bye\r\n"))
				return
			}
		}
	}()
	c := newClient(t, hopConfig(l.Addr().String(), nexthop.TLSOpportunistic), nexthop.Options{})
	_, err = c.Begin(t.Context(), l.Addr().String(), nexthop.Mail{}, []string{"b@school.test"})
	e := asError(t, err)
	if e.Stage != nexthop.StageTLS || e.Code != 454 || e.Enhanced != (smtp.EnhancedCode{4, 7, 0}) || !e.Temporary() {
		t.Fatalf("Begin = %+v, want a temporary tls-stage 454 4.7.0", e)
	}
}
