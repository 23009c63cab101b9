package notify

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/nexthop"
)

// Mailer sends notifications and releases through the relay's next hops
// with package nexthop's client: addresses of the schools (IsLocal)
// through Inbound, all others through Outbound. Its Send is a SendFunc.
//
// Set Client to share a pooled client (the relay's, or one built with
// nexthop.New). Without it, a Mailer built from the fields keeps no
// connections between calls.
type Mailer struct {
	// Client, when set, does the sending and every other field is ignored.
	Client *nexthop.Client

	// Hostname is the EHLO name (relay.hostname).
	Hostname string
	// Inbound and Outbound are host:port of the next hops.
	Inbound, Outbound string
	// IsLocal reports whether an address belongs to one of the schools.
	IsLocal func(addr string) bool
	// TLS is "opportunistic" (default), "required" or "none".
	TLS           string
	TLSSkipVerify bool
	// DialTimeout and CommandTimeout bound connecting and each command
	// (default 30s and 5m).
	DialTimeout, CommandTimeout time.Duration

	once   sync.Once
	client *nexthop.Client
}

// errNoSMTPUTF8 marks a notification no attempt can deliver, in the form
// the Worker treats as permanent (a 5xx *smtp.SMTPError).
var errNoSMTPUTF8 = &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 7}, Message: "next hop does not support SMTPUTF8"}

// Send delivers data from the envelope sender from ("" for <>) to every
// address in to, grouped by next hop. It returns nil only when every hop
// accepted the message; a refusal is a *nexthop.Error wrapping the hop's
// *smtp.SMTPError.
func (m *Mailer) Send(ctx context.Context, from string, to []string, data []byte) error {
	err := m.sender().Send(ctx, from, to, data)
	if errors.Is(err, nexthop.ErrNoSMTPUTF8) {
		return errors.Join(err, errNoSMTPUTF8)
	}
	return err
}

func (m *Mailer) sender() *nexthop.Client {
	if m.Client != nil {
		return m.Client
	}
	m.once.Do(func() {
		m.client = nexthop.New(config.NextHop{
			Inbound: m.Inbound, Outbound: m.Outbound, TLS: m.TLS, TLSSkipVerify: m.TLSSkipVerify,
			DialTimeout: config.Duration{Duration: m.DialTimeout}, CommandTimeout: config.Duration{Duration: m.CommandTimeout},
		}, nexthop.Options{Hostname: m.Hostname, IsLocal: m.IsLocal, MaxIdlePerHop: -1})
	})
	return m.client
}

// Close closes the pooled connections of the Mailer's client (a shared
// Client too: call it once, from its owner).
func (m *Mailer) Close() error {
	return m.sender().Close()
}
