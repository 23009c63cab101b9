package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
)

// Mailer sends messages by SMTP through the relay's next hops: addresses
// of the schools (IsLocal) through Inbound, all others through Outbound
// (RFC 5321 client side). It keeps no connections between calls.
type Mailer struct {
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
}

// Send delivers data from the envelope sender from ("" for <>) to every
// address in to, grouped by next hop. It returns nil only when every hop
// accepted the message.
func (m *Mailer) Send(ctx context.Context, from string, to []string, data []byte) error {
	byHop := map[string][]string{}
	var hops []string
	for _, rcpt := range to {
		hop := m.Outbound
		if m.IsLocal != nil && m.IsLocal(rcpt) {
			hop = m.Inbound
		}
		if hop == "" {
			return fmt.Errorf("notify: no next hop for %s", rcpt)
		}
		if _, ok := byHop[hop]; !ok {
			hops = append(hops, hop)
		}
		byHop[hop] = append(byHop[hop], rcpt)
	}
	for _, hop := range hops {
		if err := m.sendHop(ctx, hop, from, byHop[hop], data); err != nil {
			return err
		}
	}
	return nil
}

func (m *Mailer) sendHop(ctx context.Context, hop, from string, to []string, data []byte) error {
	c, stop, err := m.connect(ctx, hop, m.TLS != "none")
	if err != nil && m.TLS == "opportunistic" || err != nil && m.TLS == "" {
		if errors.Is(err, errNoSTARTTLS) {
			c, stop, err = m.connect(ctx, hop, false)
		}
	}
	if err != nil {
		return err
	}
	defer stop()
	defer c.Close() //nolint:errcheck // after QUIT or on failure
	wrap := func(step string, err error) error {
		if ctx.Err() != nil {
			err = errors.Join(err, ctx.Err())
		}
		return fmt.Errorf("notify: next hop %s: %s: %w", hop, step, err)
	}
	utf8 := !isASCII(data) || !isASCII([]byte(from+strings.Join(to, "")))
	opts := &smtp.MailOptions{}
	if utf8 {
		if ok, _ := c.Extension("SMTPUTF8"); ok && !isASCII([]byte(from+strings.Join(to, ""))) {
			opts.UTF8 = true
		}
		if ok, _ := c.Extension("8BITMIME"); ok {
			opts.Body = smtp.Body8BitMIME
		}
	}
	if err := c.Mail(from, opts); err != nil {
		return wrap("MAIL FROM", err)
	}
	for _, r := range to {
		if err := c.Rcpt(r, nil); err != nil {
			return wrap("RCPT TO "+r, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return wrap("DATA", err)
	}
	if _, err := w.Write(data); err != nil {
		_ = w.Close()
		return wrap("DATA", err)
	}
	if err := w.Close(); err != nil {
		return wrap("end of DATA", err)
	}
	_ = c.Quit()
	return nil
}

var errNoSTARTTLS = errors.New("STARTTLS not offered")

// connect dials hop and greets it, with STARTTLS (RFC 3207) when startTLS.
func (m *Mailer) connect(ctx context.Context, hop string, startTLS bool) (*smtp.Client, func() bool, error) {
	dt := m.DialTimeout
	if dt <= 0 {
		dt = 30 * time.Second
	}
	d := net.Dialer{Timeout: dt}
	conn, err := d.DialContext(ctx, "tcp", hop)
	if err != nil {
		return nil, nil, fmt.Errorf("notify: next hop %s: %w", hop, err)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	helo := m.Hostname
	if helo == "" {
		helo = "localhost"
	}
	var c *smtp.Client
	if startTLS {
		host, _, _ := net.SplitHostPort(hop)
		tc := &tls.Config{ServerName: host, InsecureSkipVerify: m.TLSSkipVerify, MinVersion: tls.VersionTLS12} //nolint:gosec // operator's choice
		c, err = smtp.NewClientStartTLS(conn, tc)
		if err != nil && strings.Contains(err.Error(), "doesn't support STARTTLS") {
			err = errNoSTARTTLS
		}
	} else {
		c = smtp.NewClient(conn)
	}
	if err == nil {
		err = c.Hello(helo)
	}
	if err != nil {
		stop()
		_ = conn.Close()
		return nil, nil, fmt.Errorf("notify: next hop %s: greeting: %w", hop, err)
	}
	if ct := m.CommandTimeout; ct > 0 {
		c.CommandTimeout, c.SubmissionTimeout = ct, ct
	}
	return c, stop, nil
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}
