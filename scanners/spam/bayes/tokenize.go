package bayes

import (
	"net/netip"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/publicsuffix"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/textnorm"
)

// Tokenizer limits: the work per message is linear in the text read and the
// token set is bounded.
const (
	// MaxTokens is the most distinct tokens taken from one message.
	MaxTokens = 3000
	// headerReserve of them are kept for the header and MIME tokens,
	// which come after the text's: a long text must not crowd out the
	// sender, mailer and hops (docs/spam-eval.md, fourth round).
	headerReserve = 200
	// maxTextBytes is the most bytes of decoded text read per message.
	maxTextBytes = 256 << 10
	// maxHTMLBytes is the most bytes of HTML markup read per message for
	// structure tokens.
	maxHTMLBytes = 256 << 10
	minWord      = 3
	maxWord      = 12
)

// Tokenize returns the distinct tokens of m, in first-seen order: words of
// the subject (prefixed "s:") and of every text part (HTML already turned
// into visible text by package message), the tag names and hiding tricks of
// the HTML markup ("html:"), link hosts and path words ("url:"), the sender's
// domain and address shape, mailer and the content types ("h:"), the reverse DNS domains of
// the Received hops and whether the From domain aligns with them or with
// the Message-ID ("h:rcvd:", "h:align:"). Words are lower-cased; words
// spelt one letter at a time ("F R E E", "v.i.a.g.r.a") are joined; words
// mixing scripts or using look-alike letters also give their folded
// skeleton; very long words become a "skip:" token of their first letter and
// length class, as SpamBayes does.
func Tokenize(m *message.Message) []string {
	return TokenizeWith(m, TokenizeOptions{})
}

// TokenizeOptions are the tokenizer's settings that depend on where the
// mail was received.
type TokenizeOptions struct {
	// InternalHosts are the domains of the receiving side's own mail hosts
	// (like SpamAssassin's trusted_networks): Received hops from them at
	// the top of the chain are the receiver's own relaying and give no
	// "h:ip24:" tokens. A relay that receives mail straight from the
	// Internet needs none; an evaluation on a collected corpus lists the
	// collectors' hosts, or their relaying would be learnt as a sign of
	// ham or spam.
	InternalHosts []string
}

// TokenizeWith is Tokenize with settings o.
func TokenizeWith(m *message.Message, o TokenizeOptions) []string {
	t := tokenizer{seen: make(map[string]string, 256), o: o, limit: MaxTokens - headerReserve}
	t.words("s:", m.Subject)
	budget := maxTextBytes
	htmlBudget := maxHTMLBytes
	for _, tx := range m.Texts {
		if budget <= 0 {
			break
		}
		s := tx.Content
		if len(s) > budget {
			s = s[:budget]
		}
		budget -= len(s)
		t.words("", s)
		if tx.FromHTML && htmlBudget > 0 {
			h := tx.HTML
			if len(h) > htmlBudget {
				h = h[:htmlBudget]
			}
			htmlBudget -= len(h)
			t.markup(h)
		}
		t.join("ct:", tx.ContentType)
	}
	for _, a := range m.Attachments {
		t.join("ct:", a.ContentType)
		if i := strings.LastIndexByte(a.Filename, '.'); i >= 0 && len(a.Filename)-i <= 6 {
			t.add("ext:" + strings.ToLower(a.Filename[i+1:]))
		}
	}
	for _, u := range m.URLs {
		if len(t.seen) >= t.limit {
			break
		}
		t.url(u)
	}
	t.limit = MaxTokens
	t.headers(m)
	for _, p := range m.Problems {
		t.join("mime:", p.Name)
	}
	return t.out
}

type tokenizer struct {
	o TokenizeOptions
	// limit is the most tokens of the current phase (text and links,
	// then headers).
	limit int
	// seen holds each token once, as key and value: a word lower-cased
	// in the scratch buffer is looked up and given the string the map
	// already holds (interned) instead of a new copy.
	seen map[string]string
	out  []string
	// chain collects one-character words spelt apart ("F R E E").
	chain strings.Builder
	n     int
	// prev is the previous plain word, for word pairs ("bi:" tokens).
	prev string
	// scratch builds tokens before they are known to be new.
	scratch []byte
}

func (t *tokenizer) add(tok string) {
	if len(t.seen) >= t.limit {
		return
	}
	if _, ok := t.seen[tok]; ok {
		return
	}
	t.seen[tok] = tok
	t.out = append(t.out, tok)
}

// join adds the concatenation of parts as one token, building it in a
// scratch buffer so that a token already seen costs no allocation.
func (t *tokenizer) join(parts ...string) {
	if len(t.seen) >= t.limit {
		return
	}
	b := t.scratch[:0]
	for _, p := range parts {
		b = append(b, p...)
	}
	t.addScratch(b)
}

// addScratch keeps b as the scratch buffer and adds it as a token unless
// it was seen already (no string is made for a token seen before).
func (t *tokenizer) addScratch(b []byte) {
	t.scratch = b
	if _, ok := t.seen[string(b)]; ok {
		return
	}
	tok := string(b)
	t.seen[tok] = tok
	t.out = append(t.out, tok)
}

// lower is strings.ToLower(w). An ASCII word with capitals is lower-cased
// in the scratch buffer and, when it is a token already (a body word seen
// before), given the map's string instead of a new one; owned reports a
// string of its own (new or the map's), not a piece of the text, which a
// token may then be without another copy (a token holding a piece of the
// text would keep the whole text alive).
func (t *tokenizer) lower(w string) (_ string, owned bool) {
	upper := false
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= utf8.RuneSelf {
			return strings.ToLower(w), false
		}
		upper = upper || 'A' <= c && c <= 'Z'
	}
	if !upper {
		return w, false
	}
	b := t.scratch[:0]
	for i := 0; i < len(w); i++ {
		c := w[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	t.scratch = b
	if s, ok := t.seen[string(b)]; ok {
		return s, true
	}
	return string(b), true
}

// hasPrefixWWW is strings.HasPrefix(strings.ToLower(w), "www."): no
// character but 'W' and 'w' lower-cases to 'w', none but '.' to '.'.
func hasPrefixWWW(w string) bool { return len(w) >= 4 && strings.EqualFold(w[:4], "www.") }

// joinLower adds prefix and the ASCII lower case of s as one token, like
// join.
func (t *tokenizer) joinLower(prefix, s string) {
	if len(t.seen) >= t.limit {
		return
	}
	b := append(t.scratch[:0], prefix...)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	t.addScratch(b)
}

// words splits s on white space and adds a token per word.
func (t *tokenizer) words(prefix, s string) {
	t.chain.Reset()
	t.n = 0
	t.prev = ""
	for len(s) > 0 && len(t.seen) < t.limit {
		i := strings.IndexFunc(s, notSpace)
		if i < 0 {
			break
		}
		s = s[i:]
		j := strings.IndexFunc(s, unicode.IsSpace)
		if j < 0 {
			j = len(s)
		}
		t.word(prefix, s[:j])
		s = s[j:]
	}
	t.flushChain(prefix)
}

func notSpace(r rune) bool { return !unicode.IsSpace(r) }

// trimPunct drops punctuation around a word but keeps a leading currency
// sign and trailing "!" (both are strong spam signs).
func trimPunct(w string) string {
	w = strings.TrimLeftFunc(w, func(r rune) bool {
		return unicode.IsPunct(r) || (unicode.IsSymbol(r) && r != '$' && r != '£' && r != '€')
	})
	return strings.TrimRightFunc(w, func(r rune) bool {
		return (unicode.IsPunct(r) && r != '!' && r != '%') || unicode.IsSymbol(r)
	})
}

func (t *tokenizer) word(prefix, raw string) {
	w := trimPunct(raw)
	prev := t.prev
	t.prev = ""
	if w == "" {
		return
	}
	// One letter (or one letter between dots: "v.i.a.g.r.a") at a time.
	if utf8.RuneCountInString(w) == 1 && isAlnum(w) {
		if len(w) == 1 && 'A' <= w[0] && w[0] <= 'Z' {
			t.chain.WriteByte(w[0] + 'a' - 'A') // strings.ToLower, without the copy
		} else {
			t.chain.WriteString(strings.ToLower(w))
		}
		t.n++
		return
	}
	if joined, ok := dotted(w); ok {
		t.flushChain(prefix)
		t.join(prefix, joined)
		t.add("obf:spelt")
		return
	}
	t.flushChain(prefix)
	if strings.Contains(w, "://") || hasPrefixWWW(w) {
		return // links are tokenized from m.URLs
	}
	if at := strings.IndexByte(w, '@'); at > 0 && at < len(w)-1 {
		t.join(prefix, "email:", strings.ToLower(w[at+1:]))
		return
	}
	lw, owned := t.lower(w)
	if hasCJK(lw) {
		t.cjk(prefix, lw)
		return
	}
	n := utf8.RuneCountInString(lw)
	switch {
	case n < minWord:
		if strings.ContainsAny(lw, "$£€!") {
			t.join(prefix, lw)
		}
		return
	case n > maxWord:
		r, _ := utf8.DecodeRuneInString(lw)
		t.join(prefix, "skip:", string(r), strconv.Itoa(n/10*10))
		return
	}
	if prefix == "" && owned {
		t.add(lw) // join("", lw), without copying lw again
	} else {
		t.join(prefix, lw)
	}
	if prev != "" {
		t.join("bi:", prefix, prev, " ", lw)
	}
	t.prev = lw
	if caps(w) {
		t.join(prefix, "caps:", lw)
	}
	if mixed(lw) {
		t.join(prefix, textnorm.String(lw))
		t.add("obf:mixed")
	}
}

// hasCJK reports Han, Hiragana, Katakana or Hangul letters in w, scripts
// written without spaces between words.
func hasCJK(w string) bool {
	for _, r := range w {
		if r >= 0x2E80 && (unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)) {
			return true
		}
	}
	return false
}

// cjk adds overlapping two-character tokens of the CJK runs of w (at most
// 64 per word), and the other runs as words.
func (t *tokenizer) cjk(prefix, w string) {
	var prev rune
	n := 0
	for _, r := range w {
		if n >= 64 {
			return
		}
		if !unicode.IsLetter(r) {
			prev = 0
			continue
		}
		if prev != 0 {
			t.add(prefix + string([]rune{prev, r}))
			n++
		}
		prev = r
	}
}

// flushChain adds the word spelt one character at a time, when there were
// at least three characters.
func (t *tokenizer) flushChain(prefix string) {
	if t.n >= 3 {
		t.add(prefix + t.chain.String())
		t.add("obf:spelt")
	}
	t.chain.Reset()
	t.n = 0
}

// dotted reports a word spelt with dots, dashes or underscores between
// single letters ("v.i.a.g.r.a", "f-r-e-e"), and returns it joined.
func dotted(w string) (string, bool) {
	if len(w) < 5 {
		return "", false
	}
	letters := 0
	for i, r := range w {
		if i%2 == 1 {
			if r != '.' && r != '-' && r != '_' && r != '*' {
				return "", false
			}
			continue
		}
		if !unicode.IsLetter(r) || r >= utf8.RuneSelf {
			return "", false
		}
		letters++
	}
	if letters < 3 {
		return "", false
	}
	// Only ASCII letters at even offsets and separators at odd ones.
	b := make([]byte, 0, letters)
	for i := 0; i < len(w); i += 2 {
		c := w[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return string(b), true
}

func isAlnum(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// caps reports a word of four or more letters all in capitals.
func caps(w string) bool {
	n := 0
	for _, r := range w {
		if unicode.IsLower(r) {
			return false
		}
		if unicode.IsUpper(r) {
			n++
		}
	}
	return n >= 4
}

// mixed reports a word that mixes ASCII letters with non-ASCII letters or
// digits inside letters: the look-alike tricks ("vіagra" with a Cyrillic
// і, "v1agra").
func mixed(w string) bool {
	var ascii, other, digit bool
	for _, r := range w {
		switch {
		case r < utf8.RuneSelf && unicode.IsLetter(r):
			ascii = true
		case r < utf8.RuneSelf && unicode.IsDigit(r):
			digit = true
		case r >= utf8.RuneSelf && unicode.IsLetter(r):
			other = true
		}
	}
	return ascii && (other || digit)
}

// markup adds a token per distinct tag name and the usual hiding tricks of
// the HTML source h.
func (t *tokenizer) markup(h string) {
	for len(h) > 0 && len(t.seen) < t.limit {
		i := strings.IndexByte(h, '<')
		if i < 0 || i+1 >= len(h) {
			break
		}
		h = h[i+1:]
		j := 0
		for j < len(h) && j < 12 && (h[j] >= 'a' && h[j] <= 'z' || h[j] >= 'A' && h[j] <= 'Z' || h[j] >= '0' && h[j] <= '9') {
			j++
		}
		if j == 0 {
			continue
		}
		t.joinLower("html:", h[:j])
		end := strings.IndexByte(h, '>')
		if end < 0 {
			end = len(h)
		}
		if end > 2048 {
			end = 2048
		}
		tag := strings.ToLower(h[:end])
		t.attrs("html:"+tag[:j]+":", tag[j:])
		for _, trick := range hidingTricks {
			if strings.Contains(tag, trick) {
				t.join("html:trick:", trick)
			}
		}
	}
}

// styleAttrs are the presentational attributes whose values are tokens.
var styleAttrs = []string{"color", "bgcolor", "size", "face", "align", "border"}

// attrs adds a token per presentational attribute value in the rest of a
// start tag ("html:font:color=#ff0000").
func (t *tokenizer) attrs(prefix, rest string) {
	for _, a := range styleAttrs {
		i := strings.Index(rest, a+"=")
		if i < 0 || (i > 0 && rest[i-1] != ' ' && rest[i-1] != '\t' && rest[i-1] != '\n') {
			continue
		}
		v := strings.TrimLeft(rest[i+len(a)+1:], "\"'")
		if j := strings.IndexAny(v, "\"' >"); j >= 0 {
			v = v[:j]
		}
		if v != "" && len(v) <= 16 {
			t.join(prefix, a, "=", v)
		}
	}
}

var hidingTricks = []string{"display:none", "visibility:hidden", "font-size:0", "font-size:1px", "size=\"1\"", "color=\"#ffffff\"", "color=#ffffff", "color:#fff", "width=\"1\"", "height=\"1\""}

func (t *tokenizer) url(u message.URL) {
	host := u.Host
	if host == "" {
		t.add("url:nohost")
		return
	}
	if _, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		t.add("url:ip")
	} else {
		t.join("url:", host)
		labels := strings.Split(host, ".")
		if len(labels) > 2 {
			t.add("url:" + strings.Join(labels[len(labels)-2:], "."))
		}
	}
	raw := strings.ToLower(u.Raw)
	if i := strings.Index(raw, "://"); i >= 0 {
		t.add("url:proto:" + raw[:i])
		raw = raw[i+3:]
	}
	if i := strings.IndexByte(raw, '/'); i >= 0 {
		path := raw[i+1:]
		if len(path) > 256 {
			path = path[:256]
		}
		for _, p := range strings.FieldsFunc(path, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			if len(p) >= minWord && len(p) <= maxWord {
				t.join("url:p:", p)
			}
		}
	}
	if strings.Contains(raw, "@") {
		t.add("url:userinfo")
	}
	if u.Anchor != "" && strings.Contains(strings.ToLower(u.Anchor), "click") {
		t.add("url:anchor:click")
	}
}

// headers adds the few header facts that generalise: the sender's domain,
// the mailer's name, the top-level content type and charset, and whether a
// Reply-To differs from From.
func (t *tokenizer) headers(m *message.Message) {
	if len(m.From) > 0 {
		a := strings.ToLower(m.From[0].Addr)
		if at := strings.LastIndexByte(a, '@'); at >= 0 {
			t.add("h:from:" + a[at+1:])
		}
		t.add("h:fromaddr:" + a)
		if m.From[0].Name == "" {
			t.add("h:from:noname")
		}
		for _, w := range strings.Fields(strings.ToLower(m.From[0].Name)) {
			if w = trimPunct(w); w != "" && len(w) <= maxWord {
				t.add("h:fromname:" + w)
			}
		}
		t.fromShape(m.From[0])
	} else {
		t.add("h:from:none")
	}
	if len(m.ReplyTo) > 0 && len(m.From) > 0 && !strings.EqualFold(m.ReplyTo[0].Addr, m.From[0].Addr) {
		t.add("h:replyto:differs")
	}
	if i := strings.LastIndexByte(m.MessageID, '@'); i >= 0 {
		t.add("h:mid:" + strings.ToLower(m.MessageID[i+1:]))
		t.add("h:midshape:" + shape(m.MessageID[:i]))
	}
	if ua := m.Header("User-Agent"); ua != "" {
		if f := strings.Fields(strings.ToLower(ua)); len(f) > 0 {
			t.add("h:ua:" + trimPunct(f[0]))
		}
	}
	if b := boundary(m.Header("Content-Type")); b != "" {
		t.add("h:boundary:" + shape(b))
	}
	if x := m.Header("X-Mailer"); x != "" {
		t.add("h:mailerfull:" + strings.ToLower(x[:min(len(x), 40)]))
		f := strings.Fields(strings.ToLower(x))
		if len(f) > 0 {
			t.add("h:mailer:" + trimPunct(f[0]))
		}
	}
	ct := strings.ToLower(m.Header("Content-Type"))
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		if j := strings.Index(ct, "charset="); j >= 0 {
			if f := strings.FieldsFunc(ct[j+8:], func(r rune) bool { return r == ';' || unicode.IsSpace(r) }); len(f) > 0 {
				t.add("h:charset:" + strings.Trim(f[0], "\"'"))
			}
		}
		ct = ct[:i]
	}
	t.add("h:ct:" + strings.TrimSpace(ct))
	for i, h := range m.Headers {
		if i >= 100 {
			break
		}
		n := strings.ToLower(h.Name)
		if !receiverHeader(n) {
			t.join("h:has:", n)
		}
	}
	t.received(m)
	t.shapes(m)
	if m.MessageID == "" {
		t.add("h:nomsgid")
	}
	if m.Date.IsZero() {
		t.add("h:nodate")
	}
	if strings.TrimSpace(m.Subject) == "" {
		t.add("h:nosubject")
	}
}

// fromShape adds how the sender's address is built: a display name in
// capitals ("h:fromname:caps", four or more letters and no lower-case
// one) and the shape of the address's local part ("h:fromlocal:a.a" for
// "jane.doe", "h:fromlocal:a9" for "offers2041"). Bulk senders generate
// addresses and shout their names; people and mailing lists do not.
// Chosen by cross-validation on the train split (docs/spam-eval.md, sixth
// round).
func (t *tokenizer) fromShape(a message.Address) {
	if caps(a.Name) {
		t.add("h:fromname:caps")
	}
	if at := strings.LastIndexByte(a.Addr, '@'); at > 0 && len(t.seen) < t.limit {
		t.addScratch(appendShape(append(t.scratch[:0], "h:fromlocal:"...), a.Addr[:at]))
	}
}

// shapeHeaders are the fields whose (short) values are tokens: how the
// sending software encodes and flags its mail.
var shapeHeaders = []string{"Content-Transfer-Encoding", "X-Priority", "X-MSMail-Priority", "Importance", "Precedence", "MIME-Version"}

// shapes adds how the header block is built, SpamBayes-style, from the
// fields the sender wrote (never the receiving side's): the number of To
// and Cc addresses (class), a To that is the From or has no display name,
// a "Re:" subject with no In-Reply-To or References (a fake reply), the
// subject's length class and runs of spaces in it, the Message-ID's
// local-part length class, and the values of shapeHeaders. Chosen by
// cross-validation on the train split (docs/spam-eval.md).
func (t *tokenizer) shapes(m *message.Message) {
	t.join("h:to:", countClass(len(m.To)))
	t.join("h:cc:", countClass(len(m.Cc)))
	if len(m.To) > 0 {
		if len(m.From) > 0 && strings.EqualFold(m.To[0].Addr, m.From[0].Addr) {
			t.add("h:to=from")
		}
		if m.To[0].Name == "" {
			t.add("h:to:noname")
		}
	}
	s := m.Subject
	if len(s) >= 3 && strings.EqualFold(s[:3], "re:") && m.Header("In-Reply-To") == "" && m.Header("References") == "" {
		t.add("h:subj:fakere")
	}
	t.join("h:subjlen:", strconv.Itoa(min(len(s)/10, 30)))
	if strings.Contains(s, "  ") {
		t.add("h:subj:spaces")
	}
	if m.MessageID != "" {
		if i := strings.LastIndexByte(m.MessageID, '@'); i >= 0 {
			t.join("h:midlen:", strconv.Itoa(min(i/5, 30)))
		} else {
			t.add("h:midnoat")
		}
	}
	for _, n := range shapeHeaders {
		if v := strings.TrimSpace(m.Header(n)); v != "" {
			t.joinLower("h:"+strings.ToLower(n)+":", v[:min(len(v), 20)])
		}
	}
}

// countClass is the class of an address count: 0, 1, 2, 3-5, 6-20, 21+.
func countClass(n int) string {
	switch {
	case n <= 2:
		return strconv.Itoa(n)
	case n <= 5:
		return "3-5"
	case n <= 20:
		return "6-20"
	}
	return "21+"
}

// baseDomain is the registrable domain of host ("mail.dli.com" gives
// "dli.com"), or host itself when it has none.
func baseDomain(host string) string {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if d, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
		return d
	}
	return host
}

// maxReceived is the most Received fields read.
const maxReceived = 10

// received adds the hosts that handed the message on ("from HELO (RDNS
// [IP])" of each Received field): the registrable domain of the reverse
// DNS name, and whether the sender's domain is among them or in the
// Message-ID, the alignment real senders have and forged ones lack. The
// HELO name is the sending client's own claim and is not used. The
// receiving side's hops are the same for every message and carry no
// weight.
func (t *tokenizer) received(m *message.Message) {
	from := ""
	if len(m.From) > 0 {
		if at := strings.LastIndexByte(m.From[0].Addr, '@'); at >= 0 {
			from = baseDomain(m.From[0].Addr[at+1:])
		}
	}
	aligned := false
	receiver := true
	for i, v := range m.HeaderValues("Received") {
		if i >= maxReceived {
			break
		}
		helo, rdns, ok := receivedFrom(v)
		if !ok {
			continue
		}
		ip, hasIP := receivedIP(v)
		name := rdns
		if name == "" {
			name = helo
		}
		if receiver && !t.internalHop(name, ip, hasIP) {
			receiver = false
		}
		if !receiver && hasIP {
			t.ipToken(ip)
		}
		if rdns != "" && !strings.HasPrefix(rdns, "unknown") {
			d := baseDomain(rdns)
			t.join("h:rcvd:", d)
			aligned = aligned || d == from
		} else {
			t.add("h:rcvd:nordns")
		}
	}
	if from == "" {
		return
	}
	if aligned {
		t.add("h:align:received")
	}
	if i := strings.LastIndexByte(m.MessageID, '@'); i >= 0 && baseDomain(m.MessageID[i+1:]) == from {
		t.add("h:align:mid")
	}
}

// internalHop reports a hop of the receiving side: from a loopback,
// private or link-local address, or from a host (its reverse DNS name,
// else its HELO name) under one of InternalHosts.
func (t *tokenizer) internalHop(host string, ip netip.Addr, hasIP bool) bool {
	if hasIP && localAddr(ip) {
		return true
	}
	if at := strings.LastIndexByte(host, '@'); at >= 0 {
		host = host[at+1:]
	}
	host = strings.TrimSuffix(host, ".")
	for _, d := range t.o.InternalHosts {
		d = strings.TrimSuffix(d, ".")
		if d == "" {
			continue
		}
		if strings.EqualFold(host, d) || (len(host) > len(d) && host[len(host)-len(d)-1] == '.' && strings.EqualFold(host[len(host)-len(d):], d)) {
			return true
		}
	}
	return false
}

func localAddr(ip netip.Addr) bool {
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified()
}

// ipToken adds the network a sender-side hop came from: its IPv4 /24 or
// IPv6 /48 ("h:ip24:192.0.2", "h:ip48:2001:db8:1"). Mail servers keep
// their addresses, and a network that sends spam sends more of it: the
// network reputation DNS blocklists publish, learnt from a school's own
// mail. Chosen by cross-validation on the train split (docs/spam-eval.md).
func (t *tokenizer) ipToken(ip netip.Addr) {
	ip = ip.Unmap()
	if localAddr(ip) {
		return
	}
	if ip.Is4() {
		b := ip.As4()
		t.join("h:ip24:", strconv.Itoa(int(b[0])), ".", strconv.Itoa(int(b[1])), ".", strconv.Itoa(int(b[2])))
		return
	}
	p, err := ip.Prefix(48)
	if err != nil {
		return
	}
	t.join("h:ip48:", strings.TrimSuffix(p.Addr().String(), "::"))
}

// receivedIP reads the first bracketed address ("[192.0.2.1]",
// "[IPv6:2001:db8::1]") of the "from" clause of a Received value.
func receivedIP(v string) (netip.Addr, bool) {
	for _, f := range strings.Fields(v[:min(len(v), 512)]) {
		if strings.EqualFold(f, "by") {
			break
		}
		i := strings.IndexByte(f, '[')
		if i < 0 {
			continue
		}
		j := strings.IndexByte(f[i:], ']')
		if j < 0 {
			continue
		}
		s := f[i+1 : i+j]
		if len(s) > 5 && strings.EqualFold(s[:5], "ipv6:") {
			s = s[5:]
		}
		if ip, err := netip.ParseAddr(s); err == nil {
			return ip, true
		}
	}
	return netip.Addr{}, false
}

// receivedFrom reads the HELO name and the reverse DNS name of "from HELO
// (RDNS [IP]" at the start of a Received value (rdns "" when the hop has
// none); ok is false for fields of another form.
func receivedFrom(v string) (helo, rdns string, ok bool) {
	v = strings.TrimSpace(v)
	if len(v) < 5 || !strings.EqualFold(v[:5], "from ") {
		return "", "", false
	}
	f := strings.Fields(v[5:min(len(v), 512)])
	if len(f) == 0 {
		return "", "", false
	}
	helo = strings.ToLower(f[0])
	if len(f) > 1 && strings.HasPrefix(f[1], "(") {
		r := strings.TrimPrefix(f[1], "(")
		if !strings.HasPrefix(r, "[") {
			rdns = strings.ToLower(strings.TrimRight(r, ")"))
		}
	}
	return helo, rdns, true
}

// receiverHeader reports header fields written by the receiving side (trace
// fields, local delivery and earlier filters), which say nothing about the
// sender and would teach the classifier the collector's set-up.
func receiverHeader(n string) bool {
	switch n {
	case "received", "return-path", "delivery-date", "delivered-to", "envelope-to", "status", "x-status",
		"x-keywords", "x-uid", "x-loop", "x-original-to", "x-virus-scanned", "x-authentication-warning",
		"authentication-results", "received-spf", "dkim-signature", "x-lychgate-spam", "lines", "content-length":
		return true
	}
	return strings.HasPrefix(n, "x-spam") || strings.HasPrefix(n, "x-lychgate") || strings.HasPrefix(n, "x-razor") ||
		strings.HasPrefix(n, "x-pyzor") || strings.HasPrefix(n, "x-dcc") || strings.HasPrefix(n, "x-bogosity") ||
		strings.HasPrefix(n, "x-mailscanner") || strings.HasPrefix(n, "x-amavis")
}

// shape is a short signature of how an identifier is built: runs of
// letters become "a", of digits "9", other bytes stay (at most 24 bytes).
func shape(s string) string { return string(appendShape(nil, s)) }

// appendShape appends the shape of s to b.
func appendShape(b []byte, s string) []byte {
	var last byte
	n := 0
	for i := 0; i < len(s) && n < 24; i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			c = 'a'
		case c >= '0' && c <= '9':
			c = '9'
		}
		if c == last && (c == 'a' || c == '9') {
			continue
		}
		b = append(b, c)
		n++
		last = c
	}
	return b
}

// boundary returns the boundary parameter of a Content-Type value.
func boundary(ct string) string {
	i := strings.Index(strings.ToLower(ct), "boundary=")
	if i < 0 {
		return ""
	}
	b := ct[i+9:]
	if strings.HasPrefix(b, "\"") {
		b = b[1:]
		if j := strings.IndexByte(b, '"'); j >= 0 {
			b = b[:j]
		}
	} else if j := strings.IndexAny(b, "; \t"); j >= 0 {
		b = b[:j]
	}
	return b
}
