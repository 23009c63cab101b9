// Package auth owns sender authentication of inbound mail for the spam
// scanner: SPF (RFC 7208, blitiri.com.ar/go/spf) for the client address and
// MAIL FROM, DKIM (RFC 6376) and DMARC (RFC 7489) with
// github.com/emersion/go-msgauth, and look-alike From domains of the
// schools' own domains. The results are reasons with scores for package spam
// and an Authentication-Results header value (RFC 8601) the relay adds to
// delivered mail.
//
// Every look-up goes to one configurable DNS server through a net.Resolver
// that dials it, under one deadline per message: a DNS timeout or server
// failure is a temperror result and an "auth_dns_error" reason, never a
// hang. Outbound and internal mail is not checked (it is ours).
//
// A Checker is safe for concurrent use.
package auth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"blitiri.com.ar/go/spf"
	"github.com/emersion/go-msgauth/authres"
	"github.com/emersion/go-msgauth/dkim"
	"github.com/emersion/go-msgauth/dmarc"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/spam"
)

// DefaultTimeout bounds all look-ups for one message.
const DefaultTimeout = 5 * time.Second

// maxSignatures is the most DKIM signatures verified per message.
const maxSignatures = 5

// Options configures a Checker.
type Options struct {
	// Resolver is the DNS server, host:port ("" for the system resolver).
	Resolver string
	// Timeout bounds the look-ups of one message (default DefaultTimeout).
	Timeout time.Duration
	// AuthServID names this relay in Authentication-Results.
	AuthServID string
	// OwnDomains are the schools' mail domains: look-alikes of them score
	// high, and inbound mail claiming them must authenticate.
	OwnDomains []string
	// Logger receives debug lines about DNS failures; required.
	Logger *slog.Logger
}

// Checker checks SPF, DKIM and DMARC.
type Checker struct {
	o   Options
	res *net.Resolver
	own []string
}

var _ spam.Check = (*Checker)(nil)

// New returns a Checker.
func New(o Options) (*Checker, error) {
	if o.Logger == nil {
		return nil, errors.New("auth: no logger")
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.AuthServID == "" {
		o.AuthServID = "lychgate"
	}
	c := &Checker{o: o, res: NewResolver(o.Resolver)}
	for _, d := range o.OwnDomains {
		c.own = append(c.own, strings.ToLower(strings.TrimSuffix(d, ".")))
	}
	return c, nil
}

// NewResolver returns a resolver that sends every query to addr (host:port)
// over UDP, or TCP when the answer is truncated; "" means the system
// resolver.
func NewResolver(addr string) *net.Resolver {
	if addr == "" {
		return net.DefaultResolver
	}
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}
}

// DKIMResult is the outcome of one DKIM signature.
type DKIMResult struct {
	Domain string
	Value  authres.ResultValue
	Reason string
}

// Result is everything Check found.
type Result struct {
	SPF       authres.ResultValue
	SPFDomain string
	HELO      string
	DKIM      []DKIMResult
	// DMARC is pass, fail, none, temperror or permerror.
	DMARC       authres.ResultValue
	DMARCPolicy dmarc.Policy
	FromDomain  string
	// DNSErrors lists look-ups that timed out or failed temporarily.
	DNSErrors []string
}

// Check authenticates m as received from env.
func (c *Checker) Check(ctx context.Context, m *message.Message, env *scanners.Envelope) Result {
	ctx, cancel := context.WithTimeout(ctx, c.o.Timeout)
	defer cancel()
	var r Result
	if len(m.From) > 0 {
		r.FromDomain = domainOf(m.From[0].Addr)
	}
	r.SPF = authres.ResultNone
	if env != nil && env.RemoteIP != "" {
		r.HELO = env.HELO
		sender := env.From
		if sender == "" {
			sender = "postmaster@" + env.HELO
		}
		r.SPFDomain = domainOf(sender)
		res, err := spf.CheckHostWithSender(net.ParseIP(env.RemoteIP), env.HELO, sender, spf.WithContext(ctx), spf.WithResolver(c.res))
		r.SPF = authres.ResultValue(res)
		if res == spf.TempError {
			r.DNSErrors = append(r.DNSErrors, fmt.Sprintf("spf %s: %v", r.SPFDomain, err))
		}
	}
	var (
		mu      sync.Mutex
		dnsErrs []string
	)
	// lookupTXT is called from go-msgauth's goroutines (one per DKIM
	// signature).
	lookupTXT := func(name string) ([]string, error) {
		txt, err := c.res.LookupTXT(ctx, name)
		if err != nil {
			var de *net.DNSError
			if errors.As(err, &de) && (de.IsTimeout || de.IsTemporary) {
				mu.Lock()
				dnsErrs = append(dnsErrs, fmt.Sprintf("txt %s: %v", name, err))
				mu.Unlock()
			}
		}
		return txt, err
	}
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(m.Raw), &dkim.VerifyOptions{LookupTXT: lookupTXT, MaxVerifications: maxSignatures})
	if err != nil && !errors.Is(err, dkim.ErrTooManySignatures) {
		c.o.Logger.DebugContext(ctx, "auth: dkim", "err", err)
	}
	for _, v := range vs {
		d := DKIMResult{Domain: strings.ToLower(v.Domain), Value: authres.ResultPass}
		switch {
		case v.Err == nil:
		case dkim.IsTempFail(v.Err):
			d.Value, d.Reason = authres.ResultTempError, v.Err.Error()
		case dkim.IsPermFail(v.Err):
			d.Value, d.Reason = authres.ResultPermError, v.Err.Error()
		default:
			d.Value, d.Reason = authres.ResultFail, v.Err.Error()
		}
		r.DKIM = append(r.DKIM, d)
	}
	r.DMARC, r.DMARCPolicy = c.dmarc(r, lookupTXT)
	mu.Lock()
	r.DNSErrors = append(r.DNSErrors, dnsErrs...)
	mu.Unlock()
	return r
}

// dmarc evaluates RFC 7489 §6.6: the policy of the From domain (or its
// organisational domain) and whether SPF or DKIM passed aligned with it.
func (c *Checker) dmarc(r Result, lookupTXT func(string) ([]string, error)) (authres.ResultValue, dmarc.Policy) {
	if r.FromDomain == "" {
		return authres.ResultNone, ""
	}
	opts := &dmarc.LookupOptions{LookupTXT: lookupTXT}
	rec, err := dmarc.LookupWithOptions(r.FromDomain, opts)
	policy := dmarc.Policy("")
	if errors.Is(err, dmarc.ErrNoPolicy) {
		if org := OrgDomain(r.FromDomain); org != r.FromDomain {
			rec, err = dmarc.LookupWithOptions(org, opts)
			if err == nil && rec.SubdomainPolicy != "" {
				policy = rec.SubdomainPolicy
			}
		}
	}
	switch {
	case errors.Is(err, dmarc.ErrNoPolicy):
		return authres.ResultNone, ""
	case dmarc.IsTempFail(err):
		return authres.ResultTempError, ""
	case err != nil:
		return authres.ResultPermError, ""
	}
	if policy == "" {
		policy = rec.Policy
	}
	aligned := func(d string, mode dmarc.AlignmentMode) bool {
		if mode == dmarc.AlignmentStrict {
			return strings.EqualFold(d, r.FromDomain)
		}
		return OrgDomain(d) == OrgDomain(r.FromDomain)
	}
	if r.SPF == authres.ResultPass && aligned(r.SPFDomain, rec.SPFAlignment) {
		return authres.ResultPass, policy
	}
	for _, d := range r.DKIM {
		if d.Value == authres.ResultPass && aligned(d.Domain, rec.DKIMAlignment) {
			return authres.ResultPass, policy
		}
	}
	return authres.ResultFail, policy
}

// HeaderValue formats r as an Authentication-Results header value
// (RFC 8601) for the relay to add.
func (c *Checker) HeaderValue(r Result) string {
	rs := []authres.Result{&authres.SPFResult{Value: r.SPF, From: r.SPFDomain, Helo: r.HELO}}
	if len(r.DKIM) == 0 {
		rs = append(rs, &authres.DKIMResult{Value: authres.ResultNone})
	}
	for _, d := range r.DKIM {
		rs = append(rs, &authres.DKIMResult{Value: d.Value, Domain: d.Domain})
	}
	rs = append(rs, &authres.DMARCResult{Value: r.DMARC, From: r.FromDomain})
	return authres.Format(c.o.AuthServID, rs)
}

// Reasons implements spam.Check. Besides its scored reasons it always
// returns one "auth_results" reason (score 0) whose evidence holds the
// Authentication-Results value (see spam.AuthenticationResults).
func (c *Checker) Reasons(ctx context.Context, m *message.Message, env *scanners.Envelope) []spam.Reason {
	r := c.Check(ctx, m, env)
	var out []spam.Reason
	add := func(id string, score float64, expl string, ev ...scanners.Evidence) {
		out = append(out, spam.Reason{Rule: id, Score: score, Explanation: expl, Evidence: ev})
	}
	env0 := scanners.Evidence{Field: "auth", Text: "smtp.mailfrom=" + r.SPFDomain}
	from := scanners.Evidence{Field: "auth", Text: "header.from=" + r.FromDomain}
	switch r.SPF {
	case authres.ResultFail:
		add("spf_fail", 3, "SPF: the sender's domain does not allow the client address to send its mail", env0)
	case authres.ResultSoftFail:
		add("spf_softfail", 1, "SPF: the sender's domain says the client address is probably not allowed to send its mail", env0)
	case authres.ResultPermError:
		add("spf_permerror", 0.5, "SPF: the sender's domain publishes a broken SPF record", env0)
	}
	for _, d := range r.DKIM {
		if d.Value == authres.ResultFail {
			add("dkim_fail", 1.5, "DKIM: a signature of "+d.Domain+" does not verify (the message was altered or forged)", scanners.Evidence{Field: "auth", Text: "header.d=" + d.Domain})
			break
		}
	}
	switch {
	case r.DMARC == authres.ResultFail && r.DMARCPolicy == dmarc.PolicyReject:
		add("dmarc_reject", 8, "DMARC: the From domain asks for mail that fails authentication to be rejected, and this fails", from)
	case r.DMARC == authres.ResultFail && r.DMARCPolicy == dmarc.PolicyQuarantine:
		add("dmarc_quarantine", 4, "DMARC: the From domain asks for mail that fails authentication to be quarantined, and this fails", from)
	case r.DMARC == authres.ResultFail:
		add("dmarc_fail", 1, "DMARC: the message fails its From domain's authentication policy (p=none)", from)
	case r.DMARC == authres.ResultPass:
		add("dmarc_pass", -1, "DMARC: the From domain authenticated this message", from)
	}
	if r.FromDomain != "" && c.isOwn(r.FromDomain) && r.DMARC != authres.ResultPass && r.SPF != authres.ResultPass {
		add("auth_own_domain_unauthenticated", 6, "mail from the internet claims to be from the school's own domain but does not authenticate", from)
	}
	for _, d := range c.lookalikes(m, env) {
		add("lookalike_domain", 8, "the domain "+d[0]+" imitates the school's domain "+d[1], scanners.Evidence{Field: "auth", Text: d[0]})
		break
	}
	if len(r.DNSErrors) > 0 {
		add("auth_dns_error", 0, "sender authentication could not finish: "+strings.Join(r.DNSErrors[:min(3, len(r.DNSErrors))], "; "))
	}
	add(spam.AuthResultsRule, 0, "Authentication-Results: "+c.HeaderValue(r), scanners.Evidence{Field: "authres", Text: c.HeaderValue(r)})
	return out
}

func (c *Checker) isOwn(d string) bool {
	for _, o := range c.own {
		if d == o || strings.HasSuffix(d, "."+o) {
			return true
		}
	}
	return false
}

// lookalikes returns [found, imitated] pairs for sender domains (From,
// Reply-To, envelope) that imitate an own domain.
func (c *Checker) lookalikes(m *message.Message, env *scanners.Envelope) [][2]string {
	var ds []string
	for _, a := range slices.Concat(m.From, m.ReplyTo, m.Sender) {
		ds = append(ds, domainOf(a.Addr))
	}
	if env != nil {
		ds = append(ds, domainOf(env.From))
	}
	var out [][2]string
	for _, d := range ds {
		if d == "" || c.isOwn(d) {
			continue
		}
		for _, o := range c.own {
			if Lookalike(d, o) {
				out = append(out, [2]string{d, o})
			}
		}
	}
	return out
}

func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return strings.ToLower(strings.TrimSuffix(addr[i+1:], "."))
	}
	return ""
}

// OrgDomain is a rough organisational domain (RFC 7489 §3.2) without the
// public suffix list: the last two labels, or three when the second-level
// label is a short generic one under a two-letter country code (co.uk,
// sch.uk, ac.uk, com.au).
func OrgDomain(d string) string {
	d = strings.ToLower(strings.TrimSuffix(d, "."))
	l := strings.Split(d, ".")
	if len(l) <= 2 {
		return d
	}
	if len(l[len(l)-1]) == 2 && len(l[len(l)-2]) <= 3 {
		return strings.Join(l[len(l)-3:], ".")
	}
	return strings.Join(l[len(l)-2:], ".")
}
