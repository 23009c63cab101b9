// Package dnsbl owns DNS blocklist look-ups for the spam scanner: IP lists
// (RFC 5782 §2.1) for the client address and the first untrusted Received
// hop, and domain lists (RFC 5782 §2.2) for the sender's domains and the
// domains of links. Zones and their scores are configured; answers are
// cached. A look-up that times out or fails is reported as a
// "dnsbl_error" reason (score 0), never waited on past the deadline.
//
// A Checker is safe for concurrent use.
package dnsbl

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/spam"
	"github.com/lychgate/lychgate/scanners/spam/auth"
)

// Defaults of Options.
const (
	DefaultTimeout  = 3 * time.Second
	DefaultCacheTTL = 10 * time.Minute
	// maxDomains is the most link domains looked up per message.
	maxDomains = 20
	// maxCache is the most cached answers; the cache is emptied when full.
	maxCache = 50000
	// parallel is the most look-ups in flight per message.
	parallel = 8
)

// Zone is one list and the score a listing adds.
type Zone struct {
	Zone  string
	Score float64
}

// Options configures a Checker.
type Options struct {
	// Resolver is the DNS server, host:port ("" for the system resolver).
	Resolver string
	// Timeout bounds the look-ups of one message.
	Timeout time.Duration
	// CacheTTL is how long an answer is kept.
	CacheTTL time.Duration
	// IP and Domain are the lists.
	IP, Domain []Zone
	// Trusted are networks whose Received hops are ours (skipped when
	// looking for the first untrusted hop).
	Trusted []netip.Prefix
	// Logger is required.
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Checker queries blocklists.
type Checker struct {
	o   Options
	res *net.Resolver

	mu    sync.Mutex
	cache map[string]entry
}

type entry struct {
	listed  bool
	expires time.Time
}

var _ spam.Check = (*Checker)(nil)

// New returns a Checker.
func New(o Options) (*Checker, error) {
	if o.Logger == nil {
		return nil, errors.New("dnsbl: no logger")
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.CacheTTL <= 0 {
		o.CacheTTL = DefaultCacheTTL
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	for _, z := range slices.Concat(o.IP, o.Domain) {
		if z.Zone == "" {
			return nil, errors.New("dnsbl: a zone without a name")
		}
	}
	return &Checker{o: o, res: auth.NewResolver(o.Resolver), cache: map[string]entry{}}, nil
}

// RuleID returns the stable rule id of a zone: "dnsbl_" and the zone with
// every non-alphanumeric byte as "_" ("dnsbl_zen_spamhaus_org").
func RuleID(zone string) string {
	return "dnsbl_" + strings.Trim(nonAlnum.ReplaceAllString(strings.ToLower(zone), "_"), "_")
}

var nonAlnum = regexp.MustCompile(`[^a-z0-9]+`)

type query struct {
	name  string // the DNS name asked
	zone  Zone
	what  string // the address or domain listed
	field string
}

// Reasons implements spam.Check: one reason per zone that lists something.
func (c *Checker) Reasons(ctx context.Context, m *message.Message, env *scanners.Envelope) []spam.Reason {
	qs := c.queries(m, env)
	if len(qs) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, c.o.Timeout)
	defer cancel()
	type result struct {
		listed bool
		err    error
	}
	results := make([]result, len(qs))
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i, q := range qs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				results[i].err = ctx.Err()
				return
			}
			defer func() { <-sem }()
			results[i].listed, results[i].err = c.lookup(ctx, q.name)
		}()
	}
	wg.Wait()
	var out []spam.Reason
	seen := map[string]int{}
	var failed []string
	for i, q := range qs {
		r := results[i]
		if r.err != nil {
			failed = append(failed, q.zone.Zone)
			continue
		}
		if !r.listed {
			continue
		}
		id := RuleID(q.zone.Zone)
		ev := scanners.Evidence{Field: "dnsbl", Text: q.what}
		if j, ok := seen[id]; ok {
			if len(out[j].Evidence) < 5 {
				out[j].Evidence = append(out[j].Evidence, ev)
			}
			continue
		}
		seen[id] = len(out)
		out = append(out, spam.Reason{Rule: id, Score: q.zone.Score, Explanation: fmt.Sprintf("%s %s is listed by %s", q.field, q.what, q.zone.Zone), Evidence: []scanners.Evidence{ev}})
	}
	if len(failed) > 0 {
		slices.Sort(failed)
		failed = slices.Compact(failed)
		out = append(out, spam.Reason{Rule: "dnsbl_error", Explanation: "blocklist look-ups timed out or failed: " + strings.Join(failed, ", ")})
	}
	return out
}

// queries lists the names to ask: every IP zone for the client address and
// the first untrusted Received hop, every domain zone for the sender's
// domains and the link domains.
func (c *Checker) queries(m *message.Message, env *scanners.Envelope) []query {
	var qs []query
	var ips []string
	if env != nil && env.RemoteIP != "" {
		ips = append(ips, env.RemoteIP)
	}
	if hop := c.firstUntrustedHop(m, env); hop != "" && !slices.Contains(ips, hop) {
		ips = append(ips, hop)
	}
	for i, ip := range ips {
		a, err := netip.ParseAddr(ip)
		if err != nil || !public(a) {
			continue
		}
		field := "the client address"
		if i > 0 || env == nil || env.RemoteIP == "" {
			field = "the sending host (Received)"
		}
		for _, z := range c.o.IP {
			qs = append(qs, query{name: reverse(a) + "." + z.Zone + ".", zone: z, what: ip, field: field})
		}
	}
	if len(c.o.Domain) == 0 {
		return qs
	}
	var doms []string
	addDom := func(d string) {
		d = auth.OrgDomain(d)
		if d != "" && strings.Contains(d, ".") && !slices.Contains(doms, d) && len(doms) < maxDomains {
			if _, err := netip.ParseAddr(d); err != nil {
				doms = append(doms, d)
			}
		}
	}
	if env != nil {
		addDom(domainOf(env.From))
	}
	for _, a := range m.From {
		addDom(domainOf(a.Addr))
	}
	for _, u := range m.URLs {
		addDom(u.Host)
	}
	for _, d := range doms {
		for _, z := range c.o.Domain {
			qs = append(qs, query{name: d + "." + z.Zone + ".", zone: z, what: d, field: "the domain"})
		}
	}
	return qs
}

var receivedIPRe = regexp.MustCompile(`\[([0-9a-fA-F.:]+)\]`)

// firstUntrustedHop returns the address in the topmost Received header
// "from" clause that is public, not trusted and not the client itself.
func (c *Checker) firstUntrustedHop(m *message.Message, env *scanners.Envelope) string {
	for i, v := range m.HeaderValues("Received") {
		if i >= 10 {
			break
		}
		by := strings.Index(strings.ToLower(v), " by ")
		if by < 0 {
			by = len(v)
		}
		mm := receivedIPRe.FindStringSubmatch(v[:by])
		if mm == nil {
			continue
		}
		a, err := netip.ParseAddr(strings.TrimPrefix(mm[1], "IPv6:"))
		if err != nil || !public(a) || c.trusted(a) || (env != nil && a.String() == env.RemoteIP) {
			continue
		}
		return a.String()
	}
	return ""
}

func (c *Checker) trusted(a netip.Addr) bool {
	for _, p := range c.o.Trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// public reports a routable address (documentation ranges count, so that
// tests can use them).
func public(a netip.Addr) bool {
	return a.IsValid() && !a.IsLoopback() && !a.IsPrivate() && !a.IsLinkLocalUnicast() && !a.IsUnspecified() && !a.IsMulticast()
}

// reverse returns the RFC 5782 §2.1 (IPv4) or §2.4 (IPv6 nibbles) label
// sequence of a.
func reverse(a netip.Addr) string {
	a = a.Unmap()
	if a.Is4() {
		b := a.As4()
		return fmt.Sprintf("%d.%d.%d.%d", b[3], b[2], b[1], b[0])
	}
	b := a.As16()
	var s strings.Builder
	for i := 15; i >= 0; i-- {
		fmt.Fprintf(&s, "%x.%x", b[i]&0xf, b[i]>>4)
		if i > 0 {
			s.WriteByte('.')
		}
	}
	return s.String()
}

// lookup asks name (cached). A listing is an A record in 127.0.0.0/8
// other than 127.255.255.0/24, which lists use to refuse a query.
func (c *Checker) lookup(ctx context.Context, name string) (bool, error) {
	now := c.o.Now()
	c.mu.Lock()
	e, ok := c.cache[name]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.listed, nil
	}
	ips, err := c.res.LookupNetIP(ctx, "ip4", name)
	listed := false
	if err != nil {
		var de *net.DNSError
		if !errors.As(err, &de) || !de.IsNotFound {
			return false, err
		}
	}
	for _, ip := range ips {
		b := ip.Unmap().As4()
		if b[0] == 127 && !(b[1] == 255 && b[2] == 255) {
			listed = true
		}
	}
	c.mu.Lock()
	if len(c.cache) >= maxCache {
		clear(c.cache)
	}
	c.cache[name] = entry{listed: listed, expires: now.Add(c.o.CacheTTL)}
	c.mu.Unlock()
	return listed, nil
}

func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return strings.ToLower(addr[i+1:])
	}
	return ""
}
