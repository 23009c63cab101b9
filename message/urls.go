package message

import (
	"net/url"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"mvdan.cc/xurls/v2"
)

// maxURLs caps Message.URLs; a message with more links than this is a
// problem of its own.
const maxURLs = 5000

// textURLRe finds links in plain text. We use the relaxed matcher, which
// also finds scheme-less links such as "evil.example.com/login" (the usual
// way spam and phishing write them), at the price of the odd false match
// on a dotted word with a real TLD. Scheme-less e-mail addresses and
// non-web schemes (mailto:, tel:, cid:, ...) are dropped by keepURL.
var textURLRe = xurls.Relaxed()

// textURLs adds the links found in plain text s. The relaxed regexp is
// slow (a large NFA), so it only runs on candidate words: runs of
// non-space characters with "://", a dot followed by a known TLD, or a
// dotted IPv4 address. Very long words are matched in overlapping windows
// so that one huge token costs linear time with a small constant.
func (p *parser) textURLs(partID, s string) {
	const window, overlap = 16 << 10, 4 << 10
	var seen map[string]struct{}
	for len(s) > 0 && len(p.m.URLs) < maxURLs {
		i := nextBreak(s, false)
		if i < 0 {
			return
		}
		s = s[i:]
		j := nextBreak(s, true)
		if j < 0 {
			j = len(s)
		}
		word := s[:j]
		s = s[j:]
		if !urlCandidate(word) {
			continue
		}
		if seen == nil {
			seen = map[string]struct{}{}
		}
		if _, ok := seen[word]; ok {
			continue
		}
		seen[word] = struct{}{}
		if n := webURLPrefix(word); n > 0 {
			p.addURL(partID, word[:n], "")
			continue
		}
		if len(word) <= memoWordMax {
			for _, raw := range memoURLs(word) {
				p.addURL(partID, raw, "")
			}
			continue
		}
		for off := 0; off < len(word); off += window - overlap {
			chunk := word[off:min(off+window, len(word))]
			for _, raw := range textURLRe.FindAllString(chunk, 100) {
				p.addURL(partID, raw, "")
			}
			if off+window >= len(word) {
				break
			}
		}
	}
}

// The relaxed regexp costs tens of microseconds per candidate word, and
// the same words (list footers, signatures, newsletter links) come back
// in message after message, so the links found in recent short candidate
// words are remembered: at most memoMax words of at most memoWordMax
// bytes (the memo is emptied when full), each kept as a copy so that it
// does not pin the message it came from. The regexp is a pure function of
// the word, so the links are the same either way.
const (
	memoMax     = 4096
	memoWordMax = 512
)

var urlMemo struct {
	sync.Mutex
	m map[string][]string
}

// memoURLs returns the relaxed regexp's matches in word (at most 100, as
// FindAllString(word, 100)); the result is shared and read-only.
func memoURLs(word string) []string {
	urlMemo.Lock()
	urls, ok := urlMemo.m[word]
	urlMemo.Unlock()
	if ok {
		return urls
	}
	word = strings.Clone(word) // matches are substrings of the copy
	urls = textURLRe.FindAllString(word, 100)
	urlMemo.Lock()
	if len(urlMemo.m) >= memoMax || urlMemo.m == nil {
		urlMemo.m = make(map[string][]string, memoMax)
	}
	urlMemo.m[word] = urls
	urlMemo.Unlock()
	return urls
}

func isBreakRune(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\f', '\v', '<', '>', '"', '\u00a0', '\u3000':
		return true
	}
	return false
}

// asciiBreak[c] is isBreakRune(rune(c)) for ASCII c.
var asciiBreak = func() (t [utf8.RuneSelf]bool) {
	for c := range t {
		t[c] = isBreakRune(rune(c))
	}
	return t
}()

// nextBreak is strings.IndexFunc(s, isBreakRune) when brk is set, else
// strings.IndexFunc(s, not isBreakRune), reading ASCII a byte at a time.
func nextBreak(s string, brk bool) int {
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if asciiBreak[c] == brk {
				return i
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if isBreakRune(r) == brk {
			return i
		}
		i += n
	}
	return -1
}

// webURLPrefix is a hand-written stand-in for the relaxed regexp on the
// commonest candidate word, a plain http(s) link: when word starts with
// "http://" or "https://" (any case) and holds only ASCII path characters
// without brackets, FindAllString(word, 100) is exactly one match,
// word[:n], and webURLPrefix returns n; otherwise it returns 0 and the
// regexp must run. Why that is the regexp's answer: the strict
// alternative matches at 0 ("http" is a known scheme) and, being
// leftmost-longest, runs to the last character a path may end with; no
// other alternative starts with a scheme name and "://". What is left
// after the match is only characters a path may hold but not end with
// (. ! ' * , ; : @ ? \), in which no alternative can match (each needs a
// letter or a digit). TestWebURLPrefix and FuzzWebURLPrefix compare it
// with the regexp.
func webURLPrefix(word string) int {
	var i int
	switch {
	case len(word) > 7 && strings.EqualFold(word[:7], "http://"):
		i = 7
	case len(word) > 8 && strings.EqualFold(word[:8], "https://"):
		i = 8
	default:
		return 0
	}
	end := 0
	for ; i < len(word); i++ {
		switch pathClass[word[i]] {
		case pathEnd:
			end = i + 1
		case pathMid:
		default:
			return 0
		}
	}
	return end
}

// The ASCII characters of the relaxed regexp's path (pathCont) without
// the bracket pairs: pathEnd may end a link, pathMid only sits inside.
const (
	pathNone = iota
	pathMid
	pathEnd
)

var pathClass = func() (t [256]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = pathEnd, pathEnd
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = pathEnd
	}
	for _, c := range "/#-_~%$&+=" {
		t[c] = pathEnd
	}
	for _, c := range ".!'*,;:@?\\" {
		t[c] = pathMid
	}
	return t
}()

// tlds is the set of top-level domains the relaxed matcher knows.
var tlds = func() map[string]bool {
	m := make(map[string]bool, len(xurls.TLDs)+len(xurls.PseudoTLDs))
	for _, t := range xurls.TLDs {
		m[strings.ToLower(t)] = true
	}
	for _, t := range xurls.PseudoTLDs {
		m[strings.ToLower(t)] = true
	}
	return m
}()

// urlCandidate reports whether w may hold a link: it has "://", or a dot
// followed by a known TLD, or a dotted IPv4 address.
func urlCandidate(w string) bool {
	if len(w) < 4 {
		return false
	}
	if strings.Contains(w, "://") {
		return true
	}
	if strings.IndexByte(w, '@') >= 0 && strings.IndexByte(w, '/') < 0 {
		return false // an e-mail address, not a link
	}
	digitsDot := 0
	for i := 0; i < len(w); i++ {
		if w[i] != '.' {
			continue
		}
		if i > 0 && w[i-1] >= '0' && w[i-1] <= '9' {
			digitsDot++
		}
		j := i + 1
		for j < len(w) {
			r, n := utf8.DecodeRuneInString(w[j:])
			if !unicode.IsLetter(r) && r != '-' && !(r >= '0' && r <= '9') {
				break
			}
			j += n
		}
		if j > i+1 && (tlds[strings.ToLower(w[i+1:j])] || strings.HasPrefix(strings.ToLower(w[i+1:j]), "xn--")) {
			return true
		}
	}
	return digitsDot >= 3
}

// addURL records one link found in partID, once per part.
func (p *parser) addURL(partID, raw, anchor string) {
	raw = strings.TrimSpace(raw)
	if !keepURL(raw) {
		return
	}
	if len(raw) > 4096 {
		raw = truncateUTF8(raw, 4096)
	}
	k := problemKey{partID, raw}
	if p.urlSeen == nil {
		p.urlSeen = map[problemKey]int{}
	}
	if i, ok := p.urlSeen[k]; ok {
		if p.m.URLs[i].Anchor == "" && anchor != "" {
			p.m.URLs[i].Anchor = anchor
		}
		return
	}
	if len(p.m.URLs) >= maxURLs {
		p.problem("", "too_many_urls", "only the first links were recorded", false)
		return
	}
	p.urlSeen[k] = len(p.m.URLs)
	p.m.URLs = append(p.m.URLs, URL{PartID: partID, Raw: raw, Host: urlHost(raw), Anchor: anchor})
}

// keepURL reports whether raw is a link a scanner should see: anything
// with an authority (scheme://host) or a scheme-less host name, but not
// mailto:, tel:, cid:, data:, javascript: and friends, nor relative links.
func keepURL(raw string) bool {
	if raw == "" || strings.HasPrefix(raw, "#") || strings.HasPrefix(raw, "/") && !strings.HasPrefix(raw, "//") {
		return false
	}
	if i := strings.Index(raw, "://"); i > 0 {
		return isScheme(raw[:i])
	}
	if strings.HasPrefix(raw, "//") {
		return true
	}
	if i := strings.IndexByte(raw, ':'); i > 0 && isScheme(raw[:i]) {
		// mailto:, tel:, data:, javascript:, cid:, ... unless it is
		// host:port.
		return strings.Contains(raw[:i], ".") && isDigits(strings.SplitN(raw[i+1:], "/", 2)[0])
	}
	// Scheme-less: a host name must come first; skip bare e-mail addresses.
	host := raw
	if i := strings.IndexAny(host, "/?#"); i >= 0 {
		host = host[:i]
	}
	return strings.Contains(host, ".") && !strings.Contains(host, "@")
}

func isScheme(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// urlHost returns the lower-cased host of a link, without port, user info
// or trailing dot; "" when there is none.
func urlHost(raw string) string {
	s := raw
	switch {
	case strings.HasPrefix(s, "//"):
		s = "http:" + s
	case !strings.Contains(s, "://"):
		s = "http://" + s
	}
	var host string
	if u, err := url.Parse(s); err == nil && u.Host != "" {
		host = u.Hostname()
	} else {
		// Broken escapes and the like: take what sits between "//" and
		// the path by hand.
		host = s[strings.Index(s, "://")+3:]
		if i := strings.IndexAny(host, "/?#\\"); i >= 0 {
			host = host[:i]
		}
		if i := strings.LastIndexByte(host, '@'); i >= 0 {
			host = host[i+1:]
		}
		if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host, "]") {
			host = host[:i]
		}
		host = strings.Trim(host, "[]")
	}
	return strings.TrimSuffix(strings.ToLower(host), ".")
}
