// Package links is the link scanner: it looks at every URL in a message —
// the links the message parser found in text, HTML attributes, office
// documents and PDF files (message.URLs), plus what only the HTML itself
// shows (data: and javascript: links, CSS url(), forms that ask for a
// password, via message.ScanHTML) — and reports the tells of phishing.
//
// Each link is decoded (entities, percent-encoding, IDNA) and unwrapped
// when a known rewriter wrapped it (Microsoft Safe Links, Proofpoint
// URL Defense v2 and v3, Google's /url redirect), then its registered
// domain is found with the public suffix list (golang.org/x/net/publicsuffix).
//
// Rules (stable ids), category "link":
//
//	link_text_mismatch      medium/high  the link text shows one domain, the link goes to another (high when the shown domain is protected)
//	link_ip_host            medium       the host is a raw IP address (dotted, decimal, hex or octal)
//	link_userinfo           medium/high  user info before the host (https://paypal.com@evil.example); high when it looks like a domain
//	link_lookalike          high/medium  a domain that imitates a protected one: confusable or mixed-script characters (high), a one-letter typo (medium)
//	link_brand_in_host      medium       a protected domain or gov.uk inside another host (paypal.com.evil.example, gov-uk-refund.example)
//	link_mixed_script       high         a host label mixing scripts (Latin with Cyrillic or Greek ...)
//	link_punycode           low          an internationalised (xn--) domain that imitates nothing known
//	link_shortener          low          a URL shortener (the destination is hidden)
//	link_suspicious_tld     low          a top-level domain with a high share of abuse
//	link_script_url         medium       a javascript: or vbscript: link
//	link_data_url           medium/high  a data: link (high for HTML or script content)
//	link_password_form      high         an HTML form (in the body or an HTML attachment) with a password field
//	link_blocklist          high         the host is on the school's block list
//	link_dnsbl              high         the domain is listed on a configured DNS URI blocklist
//	link_dnsbl_unavailable  info         a DNS blocklist could not be asked (evidence names the zone)
//
// Hosts on the allow list get no finding except link_password_form. The
// protected domains are the schools' own domains, gov.uk (as a public
// suffix), and a list (data/protected-domains.txt plus configuration).
// List files are read when the scanner is built; a configuration reload
// builds a new scanner, so edited files take effect on reload.
//
// The scanner reports facts; it never decides what happens to the message.
package links

import (
	"bufio"
	"context"
	_ "embed"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/textnorm"
)

// Name is the scanner's stable id.
const Name = "links"

var (
	//go:embed data/url-shorteners.txt
	shortenersTxt string
	//go:embed data/protected-domains.txt
	protectedTxt string
	//go:embed data/suspicious-tlds.txt
	suspiciousTLDsTxt string
)

// Options configures the scanner.
type Options struct {
	// Logger receives warnings (DNS trouble); nil discards them.
	Logger *slog.Logger
	// SchoolDomains are the schools' own mail and web domains; they are
	// protected against imitation.
	SchoolDomains []string
	// Protected are more protected domains, added to the built-in list.
	Protected []string
	// NoBuiltinProtected drops the built-in protected list (tests).
	NoBuiltinProtected bool
	// BlockFiles and AllowFiles name files of hosts or domains, one a line
	// ("#" comments); a domain covers its subdomains.
	BlockFiles, AllowFiles []string
	// Block and Allow are entries given inline.
	Block, Allow []string
	// ShortenerFiles name extra shortener lists, added to the built-in one.
	ShortenerFiles []string
	// SuspiciousTLDs replaces the built-in list of abused TLDs when not nil.
	SuspiciousTLDs []string
	// DNSZones are DNS URI blocklist zones (e.g. "dbl.spamhaus.org"); empty
	// turns lookups off.
	DNSZones []string
	// Resolver is the DNS server (host:port) asked for DNSZones; required
	// when DNSZones is set.
	Resolver string
	// DNSTimeout bounds each lookup (0: 2s).
	DNSTimeout time.Duration
	// MaxLookups caps the domains looked up per message (0: 20).
	MaxLookups int
}

// Scanner is the link scanner. It is safe for concurrent use.
type Scanner struct {
	log         *slog.Logger
	protected   []protectedDomain
	block       domainSet
	allow       domainSet
	shorteners  domainSet
	tlds        map[string]bool
	zones       []string
	resolver    *net.Resolver
	dnsTimeout  time.Duration
	maxLookups  int
	maxFindings int
	// memo remembers, across messages, what analyzeHost and the domain
	// rules made of a host (both are pure functions of the host and the
	// scanner's lists), so that the hosts every newsletter links to are
	// analysed once.
	memo hostMemo
}

// hostMemo holds at most hostMemoMax hosts in each of two generations:
// when the current one is full it becomes the old one (the one before is
// dropped), and a host found only in the old one moves back into the
// current one. So the hosts that keep coming stay, however many others
// pass through (emptying a full memo at once forgot them all: the
// SpamAssassin corpus links to about 6,800 hosts).
type hostMemo struct {
	sync.Mutex
	hosts    generations[hostInfo]
	verdicts generations[domainVerdict]
}

// generations is one of the memo's maps in its two generations. Its
// methods are called with the memo locked.
type generations[V any] struct{ cur, old map[string]V }

// lookup returns the value for key, moving a key found only in the old
// generation back into the current one (under a copy of key: the caller's
// key may point into a message).
func (g *generations[V]) lookup(key string) (V, bool) {
	if v, ok := g.cur[key]; ok {
		return v, true
	}
	v, ok := g.old[key]
	if ok {
		g.store(strings.Clone(key), v)
	}
	return v, ok
}

// store remembers v under key (both owned by the memo from now on),
// turning the generations over when the current one is full.
func (g *generations[V]) store(key string, v V) {
	if len(g.cur) >= hostMemoMax || g.cur == nil {
		g.old, g.cur = g.cur, make(map[string]V, hostMemoMax)
	}
	g.cur[key] = v
}

const hostMemoMax = 4096

// domainVerdict is what imitates and brandInHost say of a named host.
type domainVerdict struct {
	imitated          protectedDomain
	how, brand        string
	imitates, branded bool
}

var _ scanners.Scanner = (*Scanner)(nil)

// New builds a scanner, reading every list file named in opts.
func New(opts Options) (*Scanner, error) {
	s := &Scanner{
		log:         opts.Logger,
		block:       domainSet{},
		allow:       domainSet{},
		shorteners:  domainSet{},
		tlds:        map[string]bool{},
		dnsTimeout:  opts.DNSTimeout,
		maxLookups:  opts.MaxLookups,
		maxFindings: 50,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.dnsTimeout <= 0 {
		s.dnsTimeout = 2 * time.Second
	}
	if s.maxLookups <= 0 {
		s.maxLookups = 20
	}
	prot := slices.Clone(opts.SchoolDomains)
	prot = append(prot, "gov.uk")
	prot = append(prot, opts.Protected...)
	if !opts.NoBuiltinProtected {
		prot = append(prot, lines(protectedTxt)...)
	}
	seen := map[string]bool{}
	for _, d := range prot {
		p, ok := newProtected(d)
		if !ok {
			return nil, fmt.Errorf("links: protected domain %q is not a domain", d)
		}
		if !seen[p.domain] {
			seen[p.domain] = true
			s.protected = append(s.protected, p)
		}
	}
	for _, l := range lines(shortenersTxt) {
		s.shorteners.add(l)
	}
	for _, f := range opts.ShortenerFiles {
		if err := s.shorteners.addFile(f); err != nil {
			return nil, fmt.Errorf("links: shortener list: %w", err)
		}
	}
	for _, f := range opts.BlockFiles {
		if err := s.block.addFile(f); err != nil {
			return nil, fmt.Errorf("links: block list: %w", err)
		}
	}
	for _, f := range opts.AllowFiles {
		if err := s.allow.addFile(f); err != nil {
			return nil, fmt.Errorf("links: allow list: %w", err)
		}
	}
	for _, e := range opts.Block {
		s.block.add(e)
	}
	for _, e := range opts.Allow {
		s.allow.add(e)
	}
	tlds := opts.SuspiciousTLDs
	if tlds == nil {
		tlds = lines(suspiciousTLDsTxt)
	}
	for _, t := range tlds {
		s.tlds[strings.Trim(strings.ToLower(t), ". ")] = true
	}
	for _, z := range opts.DNSZones {
		z = strings.Trim(strings.ToLower(strings.TrimSpace(z)), ".")
		if z == "" || !strings.Contains(z, ".") {
			return nil, fmt.Errorf("links: dns zone %q is not a domain", z)
		}
		s.zones = append(s.zones, z)
	}
	if len(s.zones) > 0 {
		if _, _, err := net.SplitHostPort(opts.Resolver); err != nil {
			return nil, fmt.Errorf("links: resolver %q: want host:port: %w", opts.Resolver, err)
		}
		addr := opts.Resolver
		s.resolver = &net.Resolver{
			PreferGo: true,
			Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, network, addr)
			},
		}
	}
	return s, nil
}

// Name returns "links".
func (s *Scanner) Name() string { return Name }

// lines returns the entries of a list: trimmed, lower-cased, without
// comments and blank lines.
func lines(txt string) []string {
	var out []string
	for _, l := range strings.Split(txt, "\n") {
		if i := strings.IndexByte(l, '#'); i >= 0 {
			l = l[:i]
		}
		if l = strings.ToLower(strings.TrimSpace(l)); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// domainSet holds hosts and domains; a domain matches its subdomains.
type domainSet map[string]bool

func (d domainSet) add(e string) {
	e = strings.ToLower(strings.TrimSpace(e))
	e = strings.TrimPrefix(e, "*.")
	e = strings.Trim(e, ".")
	if e != "" {
		d[asciiHost(e)] = true
	}
}

func (d domainSet) addFile(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }() // read side
	b, err := io.ReadAll(bufio.NewReader(io.LimitReader(f, 64<<20)))
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	for _, l := range lines(string(b)) {
		d.add(l)
	}
	return nil
}

// match reports whether host or one of its parent domains is in d.
func (d domainSet) match(host string) bool {
	if len(d) == 0 || host == "" {
		return false
	}
	for {
		if d[host] {
			return true
		}
		i := strings.IndexByte(host, '.')
		if i < 0 {
			return false
		}
		host = host[i+1:]
	}
}

// finder collects findings, one per rule and host, with a few pieces of
// evidence each.
type finder struct {
	out   []scanners.Finding
	index map[string]int
	max   int
}

func (f *finder) add(rule string, sev scanners.Severity, score float64, key, expl string, ev ...scanners.Evidence) {
	k := rule + "\x00" + key
	if i, ok := f.index[k]; ok {
		if len(f.out[i].Evidence) < 5 {
			f.out[i].Evidence = append(f.out[i].Evidence, ev...)
		}
		return
	}
	if len(f.out) >= f.max {
		return
	}
	if f.index == nil {
		f.index = map[string]int{}
	}
	f.index[k] = len(f.out)
	f.out = append(f.out, scanners.Finding{
		Scanner: Name, Rule: rule, Category: scanners.Link, Severity: sev, Score: score,
		Explanation: expl, Evidence: ev,
	})
}

// urlEvidence quotes a link (at most 300 bytes).
func urlEvidence(part, raw string) scanners.Evidence {
	t := raw
	if len(t) > 300 {
		t = truncate(t, 300) + "…"
	}
	return scanners.Evidence{Part: part, Field: "url", Length: len(raw), Text: t}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// Scan reports the link findings of m.
func (s *Scanner) Scan(ctx context.Context, m *message.Message, _ *scanners.Envelope) ([]scanners.Finding, error) {
	f := &finder{max: s.maxFindings}
	lookups := map[string]lookup{}
	st := &scanState{hosts: map[string]hostInfo{}, checked: map[string]bool{}}
	for i, u := range m.URLs {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("links: %w", err)
			}
		}
		s.checkLink(st, m, u, f, lookups)
	}
	var attached map[string]bool
	for _, t := range m.Texts {
		if t.HTML == "" || !htmlMayMatter(t.HTML) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("links: %w", err)
		}
		if attached == nil {
			attached = make(map[string]bool, len(m.Attachments))
			for _, a := range m.Attachments {
				attached[a.PartID] = true
			}
		}
		s.checkHTML(st, m, t, attached[t.PartID], f, lookups)
	}
	if len(lookups) > 0 && s.resolver != nil {
		s.dnsbl(ctx, lookups, f)
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("links: dns lookups: %w", err)
		}
	}
	return f.out, nil
}

// checkHTML reports what only the HTML shows: script and data links,
// and forms asking for a password.
// Password forms in attachments are left to the attachment scanner.
func (s *Scanner) checkHTML(st *scanState, m *message.Message, t message.Text, attachment bool, f *finder, lookups map[string]lookup) {
	info := message.ScanHTML(t.HTML, 0)
	for _, r := range info.Refs {
		if r.Attr == "css" && webScheme(r.Raw) {
			// CSS url() links are not in Message.URLs.
			s.checkLink(st, m, message.URL{PartID: t.PartID, Raw: r.Raw}, f, lookups)
			continue
		}
		scheme, rest, ok := strings.Cut(r.Raw, ":")
		if !ok {
			continue
		}
		scheme = strings.ToLower(strings.TrimSpace(scheme))
		nav := r.Attr == "href" || r.Attr == "action" || r.Attr == "formaction" || r.Attr == "refresh" || r.Attr == "xlink:href"
		switch scheme {
		case "javascript", "vbscript":
			if nav {
				f.add("link_script_url", scanners.Medium, 3, scheme,
					"a link runs a script ("+scheme+":) instead of opening a page", urlEvidence(t.PartID, r.Raw))
			}
		case "data":
			mt := strings.ToLower(strings.TrimSpace(strings.SplitN(strings.SplitN(rest, ",", 2)[0], ";", 2)[0]))
			active := mt == "text/html" || mt == "application/xhtml+xml" || mt == "image/svg+xml" || strings.Contains(mt, "javascript")
			switch {
			case active:
				f.add("link_data_url", scanners.High, 5, mt,
					"a data: link carries a whole page or script ("+mt+"), a way to show a fake login page without a web address", urlEvidence(t.PartID, r.Raw))
			case nav:
				f.add("link_data_url", scanners.Medium, 3, mt,
					"a link opens inline data ("+mt+") instead of a web page", urlEvidence(t.PartID, r.Raw))
			}
		}
	}
	for _, fm := range info.Forms {
		if !fm.Password || attachment {
			continue
		}
		host := ""
		if fm.Action != "" {
			host = hostOf(fm.Action)
		}
		where := "the message"
		if strings.Contains(t.PartID, "/") {
			where = "an attached message"
		}
		ev := scanners.Evidence{Part: t.PartID, Field: "html", Text: "<form action=" + quote(fm.Action) + "> with a password field"}
		f.add("link_password_form", scanners.High, 6, t.PartID+"\x00"+host,
			"a form in "+where+" asks for a password"+sendsTo(host)+"; genuine services never ask for a password by e-mail", ev)
	}
}

func sendsTo(host string) string {
	if host == "" {
		return ""
	}
	return " and sends it to " + host
}

func quote(s string) string { return `"` + truncate(s, 200) + `"` }

// scanState is what one Scan call remembers: hosts already analysed (a
// newsletter links to the same few hosts hundreds of times).
type scanState struct {
	hosts   map[string]hostInfo
	checked map[string]bool      // hosts whose domain rules ran
	norm    *textnorm.Normalizer // made on first use
}

func (st *scanState) host(s *Scanner, name string) hostInfo {
	if h, ok := st.hosts[name]; ok {
		return h
	}
	s.memo.Lock()
	h, ok := s.memo.hosts.lookup(name)
	s.memo.Unlock()
	if !ok {
		h = analyzeHost(name)
		key, c := cloneHost(name, h)
		s.memo.Lock()
		s.memo.hosts.store(key, c)
		s.memo.Unlock()
	}
	if len(st.hosts) < 10000 {
		st.hosts[name] = h
	}
	return h
}

// cloneHost copies name and h's strings for the memo, so that it does
// not pin the message: one copy of h.ascii, and the others, most often
// parts of it (the registered domain, suffix, TLD, label; the display
// form and the name when they are the same), as slices of that copy.
func cloneHost(name string, h hostInfo) (string, hostInfo) {
	a := strings.Clone(h.ascii)
	in := func(s string) string {
		if s == "" {
			return ""
		}
		if i := strings.Index(a, s); i >= 0 {
			return a[i : i+len(s)]
		}
		return strings.Clone(s)
	}
	c := h
	c.ascii = a
	c.registered, c.suffix, c.tld, c.label, c.display = in(h.registered), in(h.suffix), in(h.tld), in(h.label), in(h.display)
	return in(name), c
}

// verdict runs imitates and brandInHost on a named host h, or recalls
// what they said; for a named host every field of h follows from h.ascii.
func (s *Scanner) verdict(st *scanState, h hostInfo) domainVerdict {
	s.memo.Lock()
	v, ok := s.memo.verdicts.lookup(h.ascii)
	s.memo.Unlock()
	if ok {
		return v
	}
	if st.norm == nil {
		st.norm = textnorm.NewNormalizer() // only when a host is new to the memo
	}
	v.imitated, v.how, v.imitates = s.imitates(st.norm, h)
	if !v.imitates {
		v.brand, v.branded = s.brandInHost(h)
	}
	s.memo.Lock()
	s.memo.verdicts.store(strings.Clone(h.ascii), v)
	s.memo.Unlock()
	return v
}

// checkLink runs the per-link rules.
func (s *Scanner) checkLink(st *scanState, m *message.Message, u message.URL, f *finder, lookups map[string]lookup) {
	l := parseLink(u.Raw)
	if l.host == "" {
		return
	}
	h := st.host(s, l.host)
	ev := urlEvidence(u.PartID, u.Raw)
	if s.block.match(h.ascii) || (l.via != "" && s.block.match(asciiHost(l.via))) {
		f.add("link_blocklist", scanners.High, 8, h.ascii,
			"the link goes to "+h.display+", which is on the school's block list", ev)
	}
	if s.allow.match(h.ascii) {
		return
	}
	if l.via != "" {
		ev.Text += " (unwrapped from " + l.via + ")"
	}
	if h.ip && webScheme(u.Raw) && publicIP(h.ascii) {
		f.add("link_ip_host", scanners.Medium, 3, h.ascii,
			"the link goes to a bare IP address ("+h.ascii+") instead of a named site", ev)
	}
	if l.userinfo != "" {
		sev, score := scanners.Medium, 3.0
		expl := "the link has user information before the host; the browser goes to " + h.display + ", not to " + quote(l.userinfo)
		if looksLikeDomain(l.userinfo) {
			sev, score = scanners.High, 6
			expl = "the link starts with " + quote(l.userinfo) + " but really goes to " + h.display + " (text before @ is ignored by the browser)"
		}
		f.add("link_userinfo", sev, score, h.ascii, expl, ev)
	}
	if !h.ip && !st.checked[h.ascii] {
		st.checked[h.ascii] = true
		s.checkDomain(st, h, ev, f)
		if s.shorteners.match(h.ascii) {
			f.add("link_shortener", scanners.Low, 1, h.ascii,
				"the link goes through a URL shortener ("+h.registered+"), which hides where it leads", ev)
		}
		if s.tlds[h.tld] {
			f.add("link_suspicious_tld", scanners.Low, 1, h.ascii,
				"the link's domain "+h.display+" is under ."+h.tld+", a top-level domain with a high share of abuse", ev)
		}
	}
	if u.Anchor != "" {
		s.checkAnchor(st, m, u, h, f)
	}
	if s.resolver != nil && len(lookups) < s.maxLookups {
		if h.ip {
			if ip := net.ParseIP(h.ascii).To4(); ip != nil {
				name := fmt.Sprintf("%d.%d.%d.%d", ip[3], ip[2], ip[1], ip[0])
				if _, ok := lookups[name]; !ok {
					lookups[name] = lookup{display: h.ascii, ev: ev}
				}
			}
		} else if h.registered != "" {
			if _, ok := lookups[h.registered]; !ok {
				lookups[h.registered] = lookup{display: h.registered, ev: ev}
			}
		}
	}
}

// checkDomain runs the imitation rules on a named host.
func (s *Scanner) checkDomain(st *scanState, h hostInfo, ev scanners.Evidence, f *finder) {
	if h.mixedScript {
		f.add("link_mixed_script", scanners.High, 6, h.ascii,
			"the link's domain "+h.display+" ("+h.ascii+") mixes letters of different alphabets, a way to imitate a familiar name", ev)
	}
	v := s.verdict(st, h)
	if p, how, ok := v.imitated, v.how, v.imitates; ok {
		sev, score := scanners.High, 6.0
		if how == "typo" {
			sev, score = scanners.Medium, 4
		}
		expl := "the link's domain " + h.display + " imitates " + p.domain
		switch how {
		case "confusable":
			expl += " with look-alike characters"
			if h.display != h.ascii {
				expl += " (" + h.ascii + ")"
			}
		case "typo":
			expl += " with a one-letter change"
		}
		f.add("link_lookalike", sev, score, h.ascii, expl, ev)
	} else if p, ok := v.brand, v.branded; ok {
		f.add("link_brand_in_host", scanners.Medium, 4, h.ascii,
			"the link's host "+h.display+" contains "+p+" but belongs to "+h.registered, ev)
	} else if h.punycode && !h.mixedScript {
		f.add("link_punycode", scanners.Low, 1, h.ascii,
			"the link's domain is internationalised: it shows as "+h.display+" but is "+h.ascii, ev)
	}
}

// checkAnchor compares the domain the link text shows with where the link
// goes.
func (s *Scanner) checkAnchor(st *scanState, m *message.Message, u message.URL, h hostInfo, f *finder) {
	shown := anchorURLHost(u.Anchor)
	if shown == "" {
		return
	}
	sh := st.host(s, shown)
	target := h.registered
	if h.ip {
		target = h.ascii
	}
	if sh.registered == "" || target == "" || sh.registered == target {
		return
	}
	if redirectsTo(u.Raw, sh.registered) {
		return // a tracking redirect that names the shown site as its target
	}
	if s.allow.match(sh.ascii) && s.allow.match(h.ascii) {
		return
	}
	sev, score := scanners.Medium, 3.0
	if s.isProtected(sh) {
		sev, score = scanners.High, 6
	}
	evs := []scanners.Evidence{anchorEvidence(m, u), urlEvidence(u.PartID, u.Raw)}
	f.add("link_text_mismatch", sev, score, sh.registered+"\x00"+target,
		"the link text shows "+sh.registered+" but the link goes to "+h.display, evs...)
}

// anchorEvidence points at the anchor text in the part's text when it is
// there, else quotes it.
func anchorEvidence(m *message.Message, u message.URL) scanners.Evidence {
	for _, t := range m.Texts {
		if t.PartID != u.PartID {
			continue
		}
		if i := strings.Index(t.Content, u.Anchor); i >= 0 {
			return scanners.Evidence{Part: u.PartID, Field: "body", Offset: i, Length: len(u.Anchor), Text: u.Anchor}
		}
	}
	return scanners.Evidence{Part: u.PartID, Field: "anchor", Length: len(u.Anchor), Text: u.Anchor}
}

// lookup is one name to ask the DNS blocklists about.
type lookup struct {
	display string
	ev      scanners.Evidence
}

// dnsbl asks every zone about every name, a few at a time, each under its
// own timeout.
func (s *Scanner) dnsbl(ctx context.Context, names map[string]lookup, f *finder) {
	type result struct {
		name, zone string
		listed     []string
		err        error
	}
	keys := make([]string, 0, len(names))
	for k := range names {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var (
		mu      sync.Mutex
		results []result
		wg      sync.WaitGroup
		sem     = make(chan struct{}, 8)
	)
	for _, name := range keys {
		for _, zone := range s.zones {
			wg.Add(1)
			go func() {
				defer wg.Done()
				select {
				case sem <- struct{}{}:
				case <-ctx.Done():
					return
				}
				defer func() { <-sem }()
				listed, err := s.query(ctx, name+"."+zone+".")
				mu.Lock()
				results = append(results, result{name, zone, listed, err})
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	slices.SortFunc(results, func(a, b result) int {
		return strings.Compare(a.name+"\x00"+a.zone, b.name+"\x00"+b.zone)
	})
	for _, r := range results {
		l := names[r.name]
		switch {
		case r.err != nil:
			s.log.Warn("dns blocklist lookup failed", "scanner", Name, "err", r.err)
			f.add("link_dnsbl_unavailable", scanners.Info, 0, r.zone,
				"the DNS blocklist "+r.zone+" could not be asked about the links", scanners.Evidence{Field: "dns", Text: r.zone})
		case len(r.listed) > 0:
			ev := l.ev
			ev.Text += " (" + r.zone + ": " + strings.Join(r.listed, ",") + ")"
			f.add("link_dnsbl", scanners.High, 7, r.name+"\x00"+r.zone,
				l.display+" is listed on the DNS blocklist "+r.zone, ev)
		}
	}
}

// query returns the listing codes (127.x.y.z answers) for name; nil when
// it is not listed.
func (s *Scanner) query(ctx context.Context, name string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.dnsTimeout)
	defer cancel()
	addrs, err := s.resolver.LookupIPAddr(ctx, name)
	if err != nil {
		var de *net.DNSError
		if errorsAs(err, &de) && de.IsNotFound {
			return nil, nil
		}
		return nil, fmt.Errorf("links: dns lookup %s: %w", name, err)
	}
	var out []string
	for _, a := range addrs {
		ip := a.IP.To4()
		if ip == nil || ip[0] != 127 {
			continue
		}
		if ip[1] == 255 && ip[2] == 255 || ip.Equal(net.IPv4(127, 0, 0, 1)) {
			// 127.255.255.x: the list refused the query (e.g. through a
			// public resolver); 127.0.0.1: "query refused" on URIBL.
			return nil, fmt.Errorf("links: dns blocklist refused the query for %s (%s)", name, ip)
		}
		out = append(out, ip.String())
	}
	return out, nil
}
