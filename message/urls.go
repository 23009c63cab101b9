package message

import (
	"bytes"
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
// dotted IPv4 address; and of those, only on the words neither
// hand-written stand-in answers for (webURL: plain web links; hostURLs:
// scheme-less host names). Very long words are matched in overlapping
// windows so that one huge token costs linear time with a small constant.
//
// A candidate word holds a '.' or a ':' (urlCandidate), so the words are
// not all split out: from each next '.' or ':' (found with vectorised
// searches) the word around it is taken, back to the break before it and
// on to the break after it. Breaks are recognised where they are (an
// ASCII break byte, or the UTF-8 of U+00A0 or U+3000, whose first bytes are
// never inside another character, so forward decoding finds them at the
// same places), so these are the words a split from the start gives, in
// the same order. TestTextURLsEqualsReference and FuzzTextURLs compare
// it with that split (textURLsReference).
func (p *parser) textURLs(partID, s string) {
	const window, overlap = 16 << 10, 4 << 10
	var seen map[string]struct{}
	// Offsets into s of the next '.' and ':' at or after pos (-1: none
	// left), found again only once passed: linear in all.
	full, pos := s, 0
	nextDot, nextColon := -2, -2
	find := func(next *int, c byte) {
		if *next == -1 || *next >= pos {
			return
		}
		if i := strings.IndexByte(full[pos:], c); i >= 0 {
			*next = pos + i
		} else {
			*next = -1
		}
	}
	for pos < len(full) && len(p.m.URLs) < maxURLs {
		find(&nextDot, '.')
		find(&nextColon, ':')
		at := nextDot
		if at < 0 || nextColon >= 0 && nextColon < at {
			at = nextColon
		}
		if at < 0 {
			return
		}
		start := wordStart(full, pos, at)
		j := nextBreak(full[at:], true)
		if j < 0 {
			j = len(full) - at
		}
		word := full[start : at+j]
		pos = at + j
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
		if i, j, ok := webURL(word); ok {
			p.addURL(partID, word[i:j], "")
			continue
		}
		if spans, ok := hostURLs(word, p.spans[:0]); ok {
			p.spans = spans
			for _, sp := range spans {
				p.addURL(partID, word[sp[0]:sp[1]], "")
			}
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

// wordStart returns where the word holding s[at] starts: just after the
// last break before at, but not before from (where the previous word
// ended, or 0).
func wordStart(s string, from, at int) int {
	i := at
	for i > from {
		c := s[i-1]
		if c < utf8.RuneSelf {
			if asciiBreak[c] {
				return i
			}
			i--
			continue
		}
		if i-2 >= from && s[i-2:i] == "\u00a0" || i-3 >= from && s[i-3:i] == "\u3000" {
			return i
		}
		i--
	}
	return i
}

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

// webURL is a hand-written stand-in for the relaxed regexp on the
// commonest candidate word, a plain web link: when it returns ok,
// FindAllString(word, 100) is exactly one match, word[start:end];
// otherwise the regexp must run. It answers for a word made of
//
//   - at most a few opening punctuation characters ( [ { ' * , ; ! =
//     (none can start or be part of a match: each alternative starts
//     with a letter, a digit, one of . _ % - + (an e-mail address, which
//     would need '@' before the ':' of the scheme), '[' followed by a hex
//     digit or ':', or ':');
//   - "http://", "https://" or "ftp://" in any case (known schemes: the
//     strict alternative matches here, and no other alternative can, as
//     the scheme name is followed by ':' and not by '.', '@' or a hex
//     digit and ':');
//   - ASCII path characters without brackets, of which the match, being
//     leftmost-longest, takes all up to the last one a path may end with;
//   - then, optionally, a closing bracket ) ] } (no path holds one
//     unopened) and, after the match, only characters a path may hold
//     but not end with (. ! ' * , ; : @ ? \) and closing brackets, in
//     which no alternative can match (each needs a letter or a digit, or
//     '[', or ':' followed by a hex digit).
//
// TestWebURLPrefix and FuzzWebURLPrefix compare it with the regexp.
func webURL(word string) (start, end int, ok bool) {
	for start < len(word) && start < 4 && strings.IndexByte("([{'*,;!=", word[start]) >= 0 {
		start++
	}
	w := word[start:]
	var i int
	switch {
	case len(w) > 7 && strings.EqualFold(w[:7], "http://"):
		i = 7
	case len(w) > 8 && strings.EqualFold(w[:8], "https://"):
		i = 8
	case len(w) > 6 && strings.EqualFold(w[:6], "ftp://"):
		i = 6
	default:
		return 0, 0, false
	}
	i += start
	for ; i < len(word); i++ {
		switch pathClass[word[i]] {
		case pathEnd:
			end = i + 1
			continue
		case pathMid:
			continue
		case pathClose:
		default:
			return 0, 0, false
		}
		break
	}
	if end == 0 {
		return 0, 0, false
	}
	for ; i < len(word); i++ {
		if c := pathClass[word[i]]; c != pathMid && c != pathClose {
			return 0, 0, false
		}
	}
	return start, end, true
}

// The ASCII characters of the relaxed regexp's path (pathCont) without
// the bracket pairs: pathEnd may end a link, pathMid only sits inside.
const (
	pathNone = iota
	pathMid
	pathEnd
	pathClose // ) ] }: not in a path unless opened there
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
	for _, c := range ")]}" {
		t[c] = pathClose
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
	dot := strings.IndexByte(w, '.')
	if dot < 0 {
		return strings.Contains(w, "://") // no TLD and no IPv4 address without a dot
	}
	if strings.Contains(w, "://") {
		return true
	}
	if strings.IndexByte(w, '@') >= 0 && strings.IndexByte(w, '/') < 0 {
		return false // an e-mail address, not a link
	}
	digitsDot := 0
	for i := dot; ; {
		if i > 0 && w[i-1] >= '0' && w[i-1] <= '9' {
			digitsDot++
		}
		j := i + 1
		for j < len(w) {
			if c := w[j]; c < utf8.RuneSelf {
				if !isAlnum(c) && c != '-' {
					break
				}
				j++
				continue
			}
			r, n := utf8.DecodeRuneInString(w[j:])
			if !unicode.IsLetter(r) {
				break
			}
			j += n
		}
		if j > i+1 && knownTLD(w[i+1:j]) {
			return true
		}
		k := strings.IndexByte(w[i+1:], '.')
		if k < 0 {
			break
		}
		i += 1 + k
	}
	return digitsDot >= 3
}

// knownTLD reports tlds[strings.ToLower(label)] or a punycode label
// ("xn--"), lower-casing short ASCII labels without an allocation.
func knownTLD(label string) bool {
	var buf [64]byte
	if len(label) <= len(buf) {
		ascii := true
		for i := 0; i < len(label); i++ {
			c := label[i]
			if c >= utf8.RuneSelf {
				ascii = false
				break
			}
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			buf[i] = c
		}
		if ascii {
			low := buf[:len(label)]
			return tlds[string(low)] || bytes.HasPrefix(low, []byte("xn--"))
		}
	}
	low := strings.ToLower(label)
	return tlds[low] || strings.HasPrefix(low, "xn--")
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
	// The authority of raw read as an absolute URL: after its first "://",
	// or all of raw behind the "http:" or "http://" that urlHost puts in
	// front of one without (that prefix holds the first "://" then).
	var auth string
	switch {
	case strings.HasPrefix(raw, "//"):
		auth = raw[2:]
	case !strings.Contains(raw, "://"):
		auth = raw
	default:
		auth = raw[strings.Index(raw, "://")+3:]
	}
	if h, ok := plainAuthority(auth); ok {
		return strings.TrimSuffix(strings.ToLower(h), ".")
	}
	s := absoluteURL(raw)
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

// absoluteURL is raw with "http:" in front of one that starts with "//"
// and "http://" in front of one without "://".
func absoluteURL(raw string) string {
	switch {
	case strings.HasPrefix(raw, "//"):
		return "http:" + raw
	case !strings.Contains(raw, "://"):
		return "http://" + raw
	}
	return raw
}

// plainAuthority returns the host of a URL whose text after its first
// "://" is a, without net/url, when a up to the first of /?#\ is
// letters, digits, dots and hyphens with at most a ":digits" port: then
// url.Parse either gives that authority as the host, whose Hostname is
// it without the port, or no host, and the hand-written fallback of
// urlHost takes the same bytes. TestURLHostEqualsReference and
// FuzzURLHost compare urlHost with the version that always calls
// url.Parse.
func plainAuthority(a string) (string, bool) {
	if i := strings.IndexAny(a, "/?#\\"); i >= 0 {
		a = a[:i]
	}
	colon := -1
	for i := 0; i < len(a); i++ {
		c := a[i]
		switch {
		case isAlnum(c) || c == '.' || c == '-':
			if colon >= 0 && (c < '0' || c > '9') {
				return "", false
			}
		case c == ':' && colon < 0:
			colon = i
		default:
			return "", false
		}
	}
	if colon >= 0 {
		a = a[:colon]
	}
	return a, true
}
