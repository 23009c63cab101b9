package links

import (
	"errors"
	"html"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/lychgate/lychgate/textnorm"
	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

func errorsAs(err error, target any) bool { return errors.As(err, target) }

// link is one parsed, unwrapped URL.
type link struct {
	host     string // lower case, percent-decoded, may be Unicode
	userinfo string
	// via is the rewriter host the link was unwrapped from ("" if none).
	via string
}

// parseLink decodes raw (entities, percent-encoding) and unwraps known
// rewriters, up to five levels.
func parseLink(raw string) link {
	var l link
	s := strings.TrimSpace(html.UnescapeString(raw))
	if h, ok := plainLinkHost(s); ok {
		l.host = h
		return l
	}
	for range 5 {
		u := parseURL(s)
		if u == nil {
			l.host = strings.ToLower(fallbackHost(s))
			return l
		}
		host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
		if inner, ok := unwrap(u, s); ok && inner != s {
			if l.via == "" {
				l.via = host
			}
			s = inner
			continue
		}
		l.host = host
		if u.User != nil {
			l.userinfo = u.User.String()
			if un, err := url.PathUnescape(l.userinfo); err == nil {
				l.userinfo = un
			}
		}
		return l
	}
	l.host = strings.ToLower(fallbackHost(s))
	return l
}

// plainLinkHost is the host parseLink finds in s when that needs no
// url.Parse: s has no backslash and its authority (after the first
// "://", a leading "//" when there is no "://", or from the start of a
// scheme-less link, up to the first of / ? #) is ASCII letters, digits, dots and hyphens with at
// most a ":digits" port, and its host is no rewriter's. Then url.Parse
// either takes that authority as the host (no user information to read)
// or fails or finds no host, and fallbackHost takes the same bytes.
// TestParseLinkEqualsReference and FuzzParseLink compare parseLink with
// parseLinkReference, the loop alone.
func plainLinkHost(s string) (string, bool) {
	if strings.IndexByte(s, '\\') >= 0 {
		return "", false
	}
	var a string
	k := strings.Index(s, "://")
	switch {
	case strings.HasPrefix(s, "//"):
		if k >= 0 {
			// fallbackHost would look after that "://".
			return "", false
		}
		a = s[2:]
	case k < 0:
		a = s
	default:
		a = s[k+3:]
	}
	if i := strings.IndexAny(a, "/?#"); i >= 0 {
		a = a[:i]
	}
	colon, upper := -1, false
	for i := 0; i < len(a); i++ {
		switch c := a[i]; {
		case 'a' <= c && c <= 'z', c == '.', c == '-':
		case '0' <= c && c <= '9':
		case 'A' <= c && c <= 'Z':
			upper = true
		case c == ':' && colon < 0:
			colon = i
			continue
		default:
			return "", false
		}
		if colon >= 0 && (a[i] < '0' || a[i] > '9') {
			return "", false
		}
	}
	if colon >= 0 {
		a = a[:colon]
	}
	if upper {
		a = strings.ToLower(a)
	}
	// unwrap's hosts (and anything near them) take the long way.
	if strings.Contains(a, "google") || strings.Contains(a, "urldefense") || strings.Contains(a, "safelinks") {
		return "", false
	}
	return strings.TrimSuffix(a, "."), true
}

// parseURL parses s, adding "http://" to scheme-less links; nil when s
// has no host.
func parseURL(s string) *url.URL {
	switch {
	case strings.HasPrefix(s, "//"):
		s = "http:" + s
	case !strings.Contains(s, "://"):
		s = "http://" + s
	}
	s = strings.ReplaceAll(s, `\`, "/") // browsers treat \ as /
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return nil
	}
	return u
}

// fallbackHost takes the host out of a link url.Parse refuses.
func fallbackHost(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	} else {
		s = strings.TrimPrefix(s, "//")
	}
	if i := strings.IndexAny(s, "/?#\\"); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[i+1:]
	}
	if i := strings.LastIndexByte(s, ':'); i >= 0 && !strings.Contains(s, "]") {
		s = s[:i]
	}
	if un, err := url.PathUnescape(s); err == nil {
		s = un
	}
	return strings.TrimSuffix(strings.Trim(s, "[]"), ".")
}

// hostOf returns the host of a link (after unwrapping).
func hostOf(raw string) string {
	return asciiHost(parseLink(raw).host)
}

// unwrap returns the link a known rewriter wraps.
func unwrap(u *url.URL, raw string) (string, bool) {
	host := strings.ToLower(u.Hostname())
	// The query is parsed only for the rewriters that use it: most
	// links are not wrapped, and parsing allocates.
	q := func() url.Values { return u.Query() }
	switch {
	case strings.HasSuffix(host, ".safelinks.protection.outlook.com"):
		// Microsoft Defender Safe Links: ?url=<percent-encoded link>.
		if v := q().Get("url"); v != "" {
			return v, true
		}
	case host == "urldefense.proofpoint.com" && strings.HasPrefix(u.Path, "/v2/url"):
		// Proofpoint URL Defense v2: u=<link with "-" for "%" and "_"
		// for "/">.
		if v := q().Get("u"); v != "" {
			v = proofpointV2.Replace(v)
			if un, err := url.PathUnescape(v); err == nil {
				return un, true
			}
		}
	case host == "urldefense.com" || host == "urldefense.us":
		// Proofpoint URL Defense v3: /v3/__<link>__;<encoded bytes>!!...
		if i := strings.Index(raw, "/v3/__"); i >= 0 {
			v := raw[i+len("/v3/__"):]
			if j := strings.Index(v, "__;"); j >= 0 {
				v = v[:j]
			} else if j := strings.LastIndex(v, "__"); j >= 0 {
				v = v[:j]
			}
			return v, v != ""
		}
	case (host == "google.com" || strings.HasPrefix(host, "www.google.")) && u.Path == "/url":
		q := q()
		for _, k := range []string{"q", "url"} {
			if v := q.Get(k); strings.Contains(v, "://") {
				return v, true
			}
		}
	}
	return "", false
}

// asciiHost returns the IDNA (A-label) form of host, or host itself when
// it cannot be converted.
func asciiHost(host string) string {
	if plainLDH(host) {
		// What the IDNA calls and lower-casing below return for it
		// (TestHostShortcutsEqualIDNA), without their copies.
		return host
	}
	a, err := idna.Lookup.ToASCII(host)
	if err != nil || a == "" {
		a, err = idna.Punycode.ToASCII(host)
		if err != nil {
			return strings.ToLower(host)
		}
	}
	return strings.ToLower(a)
}

// hostInfo is what a host name tells.
type hostInfo struct {
	ascii, display string
	// registered is the registrable domain (eTLD+1) in A-labels; label
	// its first label in Unicode; suffix the public suffix.
	registered, label, suffix, tld string
	ip, punycode, mixedScript      bool
}

func analyzeHost(host string) hostInfo {
	h := hostInfo{ascii: asciiHost(host)}
	h.display = toUnicode(h.ascii)
	if isIP(h.ascii) {
		h.ip = true
		if ip := parseLooseIPv4(h.ascii); ip != nil {
			h.ascii = ip.String()
		}
		h.display = h.ascii
		return h
	}
	h.punycode = strings.HasPrefix(h.ascii, "xn--") || strings.Contains(h.ascii, ".xn--")
	if i := strings.LastIndexByte(h.ascii, '.'); i >= 0 {
		h.tld = h.ascii[i+1:]
	}
	h.suffix, _ = publicsuffix.PublicSuffix(h.ascii)
	if reg, err := publicsuffix.EffectiveTLDPlusOne(h.ascii); err == nil {
		h.registered = reg
		lbl := reg
		if n := len(reg) - len(h.suffix) - 1; n >= 0 && reg[n] == '.' && reg[n+1:] == h.suffix {
			lbl = reg[:n]
		}
		h.label = toUnicode(lbl)
	}
	for rest := h.display; ; {
		lbl, after, more := strings.Cut(rest, ".")
		if mixedScript(lbl) {
			h.mixedScript = true
			break
		}
		if !more {
			break
		}
		rest = after
	}
	return h
}

// plainLDH reports a host of lower-case ASCII letters, digits, dots and
// hyphens with no "xn--" in it: no IDNA mapping or decoding changes it.
func plainLDH(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	return !strings.Contains(s, "xn--")
}

// toUnicode is idna.Punycode.ToUnicode(s), or s when that fails; a
// plainLDH s is returned as it is without the call's copy.
func toUnicode(s string) string {
	if plainLDH(s) {
		return s
	}
	if u, err := idna.Punycode.ToUnicode(s); err == nil {
		return u
	}
	return s
}

// isIP reports raw IP hosts, including the decimal, hex and octal forms
// browsers accept (http://3232235777/, http://0x7f.1/).
func isIP(host string) bool {
	if strings.Contains(host, ":") {
		return net.ParseIP(strings.Trim(host, "[]")) != nil
	}
	return parseLooseIPv4(host) != nil
}

// parseLooseIPv4 parses the WHATWG URL IPv4 forms: one to four parts,
// each decimal, 0x hex or 0-prefixed octal.
func parseLooseIPv4(host string) net.IP {
	// Only digits, hex digits, the x of 0x and dots can make one; other
	// hosts (nearly all) would fail strconv.ParseUint, which allocates its
	// error.
	for i := 0; i < len(host); i++ {
		switch c := host[i]; {
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F', c == 'x', c == 'X', c == '.':
		default:
			return nil
		}
	}
	parts := strings.Split(host, ".")
	if len(parts) > 4 || host == "" {
		return nil
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		base := 10
		switch {
		case strings.HasPrefix(p, "0x") || strings.HasPrefix(p, "0X"):
			p, base = p[2:], 16
		case len(p) > 1 && p[0] == '0':
			p, base = p[1:], 8
		}
		if p == "" && base == 16 {
			nums[i] = 0
			continue
		}
		n, err := strconv.ParseUint(p, base, 32)
		if err != nil {
			return nil
		}
		nums[i] = n
	}
	if len(parts) == 1 && nums[0] < 1<<24 {
		return nil // a lone small number is no address anyone writes
	}
	var v uint64
	for i, n := range nums[:len(nums)-1] {
		if n > 255 {
			return nil
		}
		v |= n << (24 - 8*i)
	}
	last := nums[len(nums)-1]
	if last >= 1<<(8*(5-len(nums))) {
		return nil
	}
	v |= last
	return net.IPv4(byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}

// mixedScript reports a label with letters from two of the alphabets
// that confuse with Latin (TR39 §5.1 "highly restrictive" allows Latin
// with Han, Hiragana, Katakana and Hangul, which are not listed here).
func mixedScript(label string) bool {
	scripts := []*unicode.RangeTable{unicode.Latin, unicode.Cyrillic, unicode.Greek, unicode.Armenian, unicode.Cherokee, unicode.Georgian, unicode.Coptic}
	var seen uint
	for _, r := range label {
		if r < 0x80 {
			if r >= 'a' && r <= 'z' {
				seen |= 1
			}
			continue
		}
		for i, t := range scripts {
			if unicode.Is(t, r) {
				seen |= 1 << i
				break
			}
		}
	}
	return seen&(seen-1) != 0
}

// looksLikeDomain reports user info such as "paypal.com" or
// "www.bank.example:443".
func looksLikeDomain(s string) bool {
	if i := strings.IndexByte(s, ':'); i >= 0 {
		s = s[:i]
	}
	return strings.Contains(s, ".") && anchorHost(s) != ""
}

// anchorDomainRe finds a host name in link text.
var anchorDomainRe = regexp.MustCompile(`(?i)(?:^|[^\pL\pN@._-])((?:https?://)?(?:[\pL\pN](?:[\pL\pN-]{0,62}[\pL\pN])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59}))(?:$|[^\pL\pN@_-])`)

// anchorHost returns the host the link text shows, "" when it shows none
// (or shows an e-mail address). Only a known public suffix counts.
func anchorHost(text string) string {
	text = strings.TrimSpace(text)
	if text == "" || len(text) > 256 {
		return ""
	}
	m := anchorDomainRe.FindStringSubmatch(text)
	if m == nil {
		return ""
	}
	host := strings.ToLower(m[1])
	if i := strings.Index(host, "://"); i >= 0 {
		host = host[i+3:]
	}
	host = strings.TrimSuffix(host, ".")
	a := asciiHost(host)
	suffix, icann := publicsuffix.PublicSuffix(a)
	if !icann || suffix == a {
		return ""
	}
	return host
}

// protectedDomain is one domain guarded against imitation.
type protectedDomain struct {
	domain string // A-labels
	// label is the domain without its public suffix ("paypal"), and skel
	// its confusable skeleton.
	label, skel string
	// suffix is true for a protected public suffix (gov.uk): every host
	// under it is genuine.
	suffix bool
	// tokens are the labels of the domain, for the brand-in-host rule.
	tokens []string
}

func newProtected(d string) (protectedDomain, bool) {
	d = strings.Trim(strings.ToLower(strings.TrimSpace(d)), ".")
	a := asciiHost(d)
	if a == "" || !strings.Contains(a, ".") {
		return protectedDomain{}, false
	}
	p := protectedDomain{domain: a, tokens: strings.Split(a, ".")}
	suffix, _ := publicsuffix.PublicSuffix(a)
	if suffix == a {
		p.suffix = true
		p.label = strings.ReplaceAll(a, ".", "")
	} else {
		reg, err := publicsuffix.EffectiveTLDPlusOne(a)
		if err != nil {
			return protectedDomain{}, false
		}
		p.domain = reg
		p.label = strings.TrimSuffix(reg, "."+suffix)
		p.tokens = strings.Split(reg, ".")
	}
	p.skel = skeleton(p.label)
	return p, true
}

// covers reports whether h is the protected domain itself (or under it).
func (p protectedDomain) covers(h hostInfo) bool {
	return h.ascii == p.domain || strings.HasSuffix(h.ascii, "."+p.domain)
}

// isProtected reports whether h is one of the protected domains.
func (s *Scanner) isProtected(h hostInfo) bool {
	for _, p := range s.protected {
		if p.covers(h) {
			return true
		}
	}
	return false
}

// imitates returns the protected domain h imitates and how:
// "confusable" (same skeleton, different characters) or "typo" (one edit
// away, for names of six letters or more).
func (s *Scanner) imitates(n *textnorm.Normalizer, h hostInfo) (protectedDomain, string, bool) {
	if h.registered == "" || h.label == "" {
		return protectedDomain{}, "", false
	}
	for _, p := range s.protected {
		if p.covers(h) {
			return protectedDomain{}, "", false // genuine
		}
	}
	sk := skeletonWith(n, h.label)
	for _, p := range s.protected {
		if p.suffix {
			continue
		}
		if sk == p.skel && h.label != p.label {
			return p, "confusable", true
		}
	}
	for _, p := range s.protected {
		if p.suffix || len(p.label) < 6 || h.label == p.label {
			continue
		}
		if len(h.label) != len(p.label) && len(p.label) < 7 {
			continue // "cloud" is not a typo of "icloud"
		}
		if oneEdit(h.label, p.label) {
			return p, "typo", true
		}
	}
	return protectedDomain{}, "", false
}

// brandInHost returns the protected domain that appears inside h's host
// name although h belongs to another registered domain:
// "paypal.com.account-verify.example", "gov.uk.refund.example",
// "govuk-refund.example".
func (s *Scanner) brandInHost(h hostInfo) (string, bool) {
	if h.registered == "" {
		return "", false
	}
	toks := strings.FieldsFunc(h.ascii, func(r rune) bool { return r == '.' || r == '-' })
	for _, p := range s.protected {
		if p.covers(h) {
			return "", false
		}
	}
	for _, p := range s.protected {
		if h.label == p.label {
			continue // the brand's own name under another suffix (google.com.au)
		}
		if containsSeq(toks, p.tokens) {
			// the brand's whole name, suffix included, sits in the host
			return p.domain, true
		}
		if p.suffix {
			for _, t := range toks {
				if t == p.label {
					return p.domain, true
				}
			}
		}
	}
	return "", false
}

func containsSeq(toks, seq []string) bool {
	for i := 0; i+len(seq) <= len(toks); i++ {
		ok := true
		for j, t := range seq {
			if toks[i+j] != t {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// Replacers built once (a strings.Replacer is safe for concurrent use;
// building one per call cost more than using it).
var (
	proofpointV2 = strings.NewReplacer("-", "%", "_", "/")
	skeletonFold = strings.NewReplacer(" ", "", "rn", "m", "vv", "w", "l", "\x01", "i", "\x01")
)

// skeleton folds a label to the letters it looks like: confusable and
// accented characters to ASCII (textnorm's fold, from Unicode TR39
// confusables), digits to the letters they imitate, "rn" to "m", "vv" to
// "w", i/l/1 to one class, hyphens dropped and repeated letters once.
func skeleton(label string) string { return skeletonWith(textnorm.NewNormalizer(), label) }

// skeletonWith is skeleton using the normaliser n.
func skeletonWith(n *textnorm.Normalizer, label string) string {
	s := string(n.Normalize(label).B)
	s = skeletonFold.Replace(s)
	var b strings.Builder
	var last byte
	for i := 0; i < len(s); i++ {
		if s[i] == last {
			continue
		}
		last = s[i]
		b.WriteByte(s[i])
	}
	return b.String()
}

// oneEdit reports whether a and b differ by one insertion, deletion,
// substitution or transposition of adjacent letters.
func oneEdit(a, b string) bool {
	if a == b {
		return false
	}
	la, lb := len(a), len(b)
	switch {
	case la == lb:
		diff := -1
		for i := 0; i < la; i++ {
			if a[i] != b[i] {
				if diff >= 0 {
					// a transposition: exactly two adjacent differences
					return i == diff+1 && a[diff] == b[i] && a[i] == b[diff] && a[i+1:] == b[i+1:]
				}
				diff = i
			}
		}
		return true
	case la == lb+1:
		return deletion(a, b)
	case lb == la+1:
		return deletion(b, a)
	}
	return false
}

// deletion reports whether removing one byte of long gives short.
func deletion(long, short string) bool {
	i := 0
	for i < len(short) && long[i] == short[i] {
		i++
	}
	return long[i+1:] == short[i:]
}

// webScheme reports links written with http(s):// or "//": a bare
// address in text ("the router is at 192.168.1.1") is no link.
func webScheme(raw string) bool {
	r := strings.ToLower(strings.TrimSpace(raw))
	return strings.HasPrefix(r, "http://") || strings.HasPrefix(r, "https://") || strings.HasPrefix(r, "//")
}

// publicIP reports addresses reachable on the internet (not private,
// loopback, link-local or unspecified).
func publicIP(s string) bool {
	ip := net.ParseIP(s)
	return ip != nil && !ip.IsPrivate() && !ip.IsLoopback() && !ip.IsLinkLocalUnicast() && !ip.IsUnspecified()
}

// anchorURLHost returns the host of link text that is itself written as
// a link: "https://www.bank.example/login", "www.bank.example" or
// "bank.example/login". A site name inside a sentence ("read it at
// News.com") is not, and gives "".
func anchorURLHost(text string) string {
	t := strings.TrimSpace(text)
	t = strings.TrimRight(t, ".,;:!?)>]")
	t = strings.TrimLeft(t, "(<[")
	if t == "" || strings.ContainsAny(t, " \t\n") || strings.Contains(t, "@") && !strings.Contains(t, "/") {
		return ""
	}
	low := strings.ToLower(t)
	if !(strings.Contains(low, "://") || strings.HasPrefix(low, "www.") || strings.Contains(t, "/")) {
		return ""
	}
	return anchorHost(t)
}

// redirectsTo reports whether the link's path or query holds a link to domain as
// where it leads (a click tracker such as
// ?destUrl=http%3A%2F%2Fwww.shop.example%2F...).
func redirectsTo(raw, domain string) bool {
	q := raw
	if i := strings.Index(q, "://"); i >= 0 {
		q = q[i+3:]
	}
	i := strings.IndexAny(q, "/?#")
	if i < 0 {
		return false
	}
	q = q[i:]
	for range 3 {
		un, err := url.QueryUnescape(q)
		if err != nil || un == q {
			break
		}
		q = un
	}
	q = strings.ToLower(q)
	for n := 0; n < 20; n++ {
		j := strings.Index(q, "://")
		if j < 0 {
			return false
		}
		q = q[j+3:]
		host := q
		if k := strings.IndexAny(host, "/?&#:;, "); k >= 0 {
			host = host[:k]
		}
		if reg, err := publicsuffix.EffectiveTLDPlusOne(strings.TrimSuffix(host, ".")); err == nil && reg == domain {
			return true
		}
	}
	return false
}
