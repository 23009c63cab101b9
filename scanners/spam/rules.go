package spam

import (
	"bytes"
	"errors"
	"net/netip"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/lychgate/lychgate/directory"
	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
)

// Rule is one heuristic: a stable id, its default score and what it means.
type Rule struct {
	// ID is stable forever (it appears in config, headers and records).
	ID string
	// Score is the default score; TOML [spam.scores] overrides it.
	Score float64
	// Explanation says in plain words what the rule saw.
	Explanation string
	check       func(c *checkCtx) (bool, scanners.Evidence)
}

// checkCtx is what the heuristics read, computed once per message.
type checkCtx struct {
	m        *message.Message
	env      *scanners.Envelope
	now      time.Time
	freemail map[string]bool
	received struct { // caches receivedTime
		done bool
		t    time.Time
	}
	// body is all visible text, lower-cased and bounded: the ruleText of
	// each span followed by a newline. It is built on first use
	// (lowerBody): the phrase scan reads the spans themselves, so most
	// messages never need the copy.
	body     string
	bodyDone bool
	hasPlain bool
	hasHTML  bool
	html     string // all HTML markup, lower-cased, bounded
	spans    []span // where each text part starts in body
	// hdrs are the values of ruleHeaders once hdrDone.
	hdrs    [len(ruleHeaders)]string
	hdrDone bool
	// phraseAt caches bodyPhrases.firstAt(body): where each phrase of
	// phraseList first occurs in body, or -1; htmlAt likewise
	// htmlPhrases.firstAt(html).
	phraseAt, htmlAt []int
	// counts is the textCounts of the body before lower-casing, counted
	// as it is lower-cased.
	counts letterCounts
}

// bodyCounts returns the letters and capitals of the text.
func (c *checkCtx) bodyCounts() letterCounts { return c.counts }

// phrases returns where each phrase of phraseList first occurs in the
// body (-1 for none), scanning the text once per message. It walks each
// span's text as it is, with the automaton that reads an ASCII capital
// as its small letter (bodyPhrasesFold), which is the walk over the
// lower-cased body without the copy: no phrase holds a newline (the
// byte between spans in the body), so none crosses from one span into
// the next, and the first span with an occurrence has the first one.
func (c *checkCtx) phrases() []int {
	if c.phraseAt != nil {
		return c.phraseAt
	}
	c.phraseAt = make([]int, len(phraseList))
	if len(c.spans) == 0 {
		for i := range c.phraseAt {
			c.phraseAt[i] = -1
		}
		return c.phraseAt
	}
	bodyPhrasesFold.firstAt(c.spans[0].ruleText(), c.phraseAt)
	if len(c.spans) == 1 {
		return c.phraseAt
	}
	at := make([]int, len(phraseList))
	for _, sp := range c.spans[1:] {
		bodyPhrasesFold.firstAt(sp.ruleText(), at)
		for id, i := range at {
			if i >= 0 && c.phraseAt[id] < 0 {
				c.phraseAt[id] = sp.start + i
			}
		}
	}
	return c.phraseAt
}

// lowerBody returns the body, building it on the first call.
func (c *checkCtx) lowerBody() string {
	if c.bodyDone {
		return c.body
	}
	var b strings.Builder
	n := 0
	for _, sp := range c.spans {
		n += len(sp.ruleText()) + 1
	}
	b.Grow(n)
	for _, sp := range c.spans {
		writeLowerASCII(&b, sp.ruleText())
		b.WriteByte('\n')
	}
	c.body, c.bodyDone = b.String(), true
	return c.body
}

// ruleHeaders are the header fields the rules read; checkCtx.header
// looks them all up in one pass over the header.
var ruleHeaders = [...]string{"Date", "From", "To", "Reply-To", "Subject", "Content-Type", "Content-Transfer-Encoding",
	"List-Unsubscribe", "List-Id", "X-Priority", "X-MSMail-Priority", "MIME-Version"}

// header is c.m.Header(name): the value of the first field called name
// (case-insensitively), or "". The fields of ruleHeaders are found in one
// pass on the first call.
func (c *checkCtx) header(name string) string {
	if !c.hdrDone {
		c.findHeaders()
	}
	for k, n := range ruleHeaders {
		if n == name {
			return c.hdrs[k]
		}
	}
	return c.m.Header(name)
}

// findHeaders fills hdrs as Message.Header would for each of
// ruleHeaders, comparing a field's name only with those of its length
// (when it is ASCII: strings.EqualFold folds some non-ASCII letters, such
// as U+017F ſ, to ASCII ones of another length).
func (c *checkCtx) findHeaders() {
	c.hdrDone = true
	var found [len(ruleHeaders)]bool
	for _, h := range c.m.Headers {
		ascii := isASCII(h.Name)
		for k, n := range ruleHeaders {
			if !found[k] && (len(n) == len(h.Name) || !ascii) && strings.EqualFold(h.Name, n) {
				c.hdrs[k], found[k] = h.Value, true
			}
		}
	}
}

// htmlPhrases returns where each of htmlList first occurs in the
// markup (-1 for none), scanning it once per message.
func (c *checkCtx) htmlPhrases() []int {
	if c.htmlAt == nil {
		c.htmlAt = htmlPhrasesOf(c.html)
	}
	return c.htmlAt
}

// imgCount is how many "<img" the markup holds.
func (c *checkCtx) imgCount() int {
	i := c.htmlPhrases()[htmlImg] // none before it
	if i < 0 {
		return 0
	}
	return strings.Count(c.html[i:], "<img")
}

// span is where one text part's Content starts in checkCtx.body.
type span struct {
	part  string
	start int
	text  string
}

// ruleText is the part of the span's text that is in checkCtx.body (the
// body is cut at maxRuleText).
func (sp span) ruleText() string { return sp.text[:min(len(sp.text), maxRuleText-sp.start)] }

const maxRuleText = 128 << 10

func newCheckCtx(m *message.Message, env *scanners.Envelope, now time.Time, freemail map[string]bool) *checkCtx {
	c := &checkCtx{m: m, env: env, now: now, freemail: freemail}
	var h strings.Builder
	n := 0 // the length of the rule text
	// When all the HTML is ASCII, strings.ToLower of it is the ASCII
	// lower-casing of each piece, written so in one copy.
	asciiHTML := true
	for hl, i := 0, 0; i < len(m.Texts) && hl < maxRuleText; i++ {
		t := m.Texts[i]
		if !t.FromHTML || t.PartID != "" && strings.Contains(t.PartID, "/") {
			continue
		}
		piece := t.HTML[:min(len(t.HTML), maxRuleText-hl)]
		if !isASCII(piece) {
			asciiHTML = false
			break
		}
		hl += len(piece)
	}
	for _, t := range m.Texts {
		if t.PartID != "" && strings.Contains(t.PartID, "/") {
			continue // text inside attachments is not the mail's own text
		}
		switch {
		case t.FromHTML:
			c.hasHTML = true
			if h.Len() < maxRuleText {
				if piece := t.HTML[:min(len(t.HTML), maxRuleText-h.Len())]; asciiHTML {
					h.Grow(len(piece))
					writeLowerASCII(&h, piece)
				} else {
					h.WriteString(piece)
				}
			}
		case strings.HasPrefix(t.ContentType, "text/plain") || t.ContentType == "":
			c.hasPlain = true
		}
		if n < maxRuleText {
			sp := span{part: t.PartID, start: n, text: t.Content}
			if c.spans == nil {
				c.spans = make([]span, 0, len(m.Texts))
			}
			c.spans = append(c.spans, sp)
			n += len(sp.ruleText()) + 1
		}
	}
	// The rule text is each span's text and a newline; its letters are
	// counted here, and it is lower-cased into a copy only when a rule
	// needs that (lowerBody).
	for _, sp := range c.spans {
		countLetters(sp.ruleText(), &c.counts)
	}
	if c.html = h.String(); !asciiHTML {
		c.html = strings.ToLower(c.html)
	}
	return c
}

// Rules is the heuristic rule table, in evaluation order. The ids are
// stable; scores are defaults.
var Rules = []Rule{
	{"gtube", 100, "the GTUBE anti-spam test string", ruleGTUBE},
	{"missing_date", 2.5, "no valid Date header", func(c *checkCtx) (bool, scanners.Evidence) {
		return c.m.Date.IsZero(), hdrEv("Date", c.header("Date"))
	}},
	{"missing_message_id", 1.0, "no Message-ID header", func(c *checkCtx) (bool, scanners.Evidence) {
		return c.m.MessageID == "", partEv()
	}},
	{"date_future", 2.5, "the Date header is more than a day after the message was received", ruleDateFuture},
	{"date_past", 0.5, "the Date header is more than four days before the message was received", ruleDatePast},
	{"forged_received", 3.0, "a Received header claims a host name its own reverse DNS name or address contradicts", ruleForgedReceived},
	{"freemail_reply_to", 3.0, "replies go to a free webmail address other than the sender", ruleFreemailReplyTo},
	{"from_name_has_other_address", 1.5, "the sender's display name shows a different address", ruleFromNameAddr},
	{"to_undisclosed", 0.5, "no visible recipients (To missing or undisclosed)", ruleUndisclosed},
	{"many_recipients", 2.0, "twenty or more visible recipients", func(c *checkCtx) (bool, scanners.Evidence) {
		return len(c.m.To)+len(c.m.Cc) >= 20, hdrEv("To", c.header("To"))
	}},
	{"html_only", 1.2, "HTML with no plain-text alternative", func(c *checkCtx) (bool, scanners.Evidence) {
		return c.hasHTML && !c.hasPlain, partEv()
	}},
	{"html_little_text", 1.5, "HTML with images but under 300 characters of text", ruleHTMLLittleText},
	{"image_only", 3.0, "images and almost no text", ruleImageOnly},
	{"hidden_text", 1.2, "HTML text made invisible (display:none, tiny or background-coloured font)", ruleHiddenText},
	{"html_font_tricks", 0.8, "HTML that sets many font colours or sizes", ruleFontTricks},
	{"subject_caps", 1.5, "the subject is mostly capital letters", ruleSubjectCaps},
	{"subject_exclaim", 2.0, "the subject shouts with exclamation marks or $ signs", ruleSubjectExclaim},
	{"subject_money", 1.5, "money or free-offer words in the subject", ruleSubjectMoney},
	{"body_caps", 2.0, "over half the letters of the text are capitals", ruleBodyCaps},
	{"body_exclaim", 1.5, "three or more runs of exclamation marks", ruleBodyExclaim},
	{"money_phrases", 1.5, "two or more money, prize or free-offer phrases", ruleMoneyFew},
	{"money_phrases_many", 2.0, "five or more money, prize or free-offer phrases", ruleMoneyMany},
	{"urgency_phrases", 2.0, "two or more urgency or act-now phrases", ruleUrgency},
	{"bulk_unsubscribe_unlisted", 1.5, "removal or opt-out instructions without the List-Unsubscribe or List-Id headers real lists send", ruleBulkUnlisted},
	{"base64_ascii_text", 2.5, "plain ASCII text needlessly encoded in base64", ruleBase64Text},
	{"url_ip", 1.5, "a link to a bare IP address", ruleURLIP},
	{"url_anchor_mismatch", 0.5, "link text shows one domain but the link goes to another", ruleAnchorMismatch},
	{"url_userinfo", 2.5, "a link with a user name before the host (\"bank.example@evil.example\")", ruleURLUserinfo},
	{"click_here", 1.2, "\"click here\" links", func(c *checkCtx) (bool, scanners.Evidence) {
		i := c.phrases()[clickHereID]
		if i < 0 {
			return false, scanners.Evidence{}
		}
		return true, c.bodyEv(i, len("click here"))
	}},
	{"subject_tracking_id", 1.5, "the subject ends in a tracking code after a gap", ruleSubjectTracking},
	{"html_big_font", 1.2, "HTML in very large font", func(c *checkCtx) (bool, scanners.Evidence) {
		loc := findBigFontAt(c.html, c.htmlPhrases())
		if loc == nil {
			return false, scanners.Evidence{}
		}
		return true, scanners.Evidence{Field: "html", Text: c.html[loc[0]:loc[1]]}
	}},
	{"generic_greeting", 2.0, "a greeting to nobody in particular (\"Dear Friend\")", func(c *checkCtx) (bool, scanners.Evidence) {
		at := c.phrases()[dearID]
		if at < 0 {
			return false, scanners.Evidence{}
		}
		loc := findGreetingFrom(c.lowerBody(), at)
		if loc == nil {
			return false, scanners.Evidence{}
		}
		return true, c.bodyEv(loc[0], loc[1]-loc[0])
	}},
	{"from_no_name", 0.8, "the sender gives no display name", func(c *checkCtx) (bool, scanners.Evidence) {
		return len(c.m.From) > 0 && strings.TrimSpace(c.m.From[0].Name) == "", hdrEv("From", c.header("From"))
	}},
	{"from_digits", 0.3, "the sender's local part is mostly digits or has a long digit run", ruleFromDigits},
	{"to_is_from", 1.0, "the message is addressed to its own sender", func(c *checkCtx) (bool, scanners.Evidence) {
		return len(c.m.From) > 0 && len(c.m.To) == 1 && strings.EqualFold(c.m.From[0].Addr, c.m.To[0].Addr), hdrEv("To", c.header("To"))
	}},

	{"html_form", 0.5, "an HTML form in the message", func(c *checkCtx) (bool, scanners.Evidence) {
		return c.htmlPhrases()[htmlForm] >= 0, scanners.Evidence{Field: "html", Text: "<form"}
	}},

	{"mime_damaged", 1.2, "broken MIME structure", func(c *checkCtx) (bool, scanners.Evidence) {
		return len(c.m.Problems) > 0, partEv()
	}},
	{"big_money_amount", 1.0, "large sums of money in the text", func(c *checkCtx) (bool, scanners.Evidence) {
		at := c.phrases()
		if moneySignIDs.leftmost(at) == nil && moneyWordIDs.leftmost(at) == nil {
			return false, scanners.Evidence{} // findBigMoneyAt looks for nothing
		}
		loc := findBigMoneyAt(c.lowerBody(), at)
		if loc == nil {
			return false, scanners.Evidence{}
		}
		return true, c.bodyEv(loc[0], loc[1]-loc[0])
	}},

	{"charset_cjk", 1.5, "written in an East Asian legacy charset", ruleCJKCharset},
	{"priority_high", 2.0, "marked urgent with X-Priority 1 or high importance", rulePriority},

	// Malformed headers real mailers do not write (RFC 5322 §3.3, RFC
	// 2045 §4). Chosen on the train split's cross-validation (fifth
	// round, docs/spam-eval.md): 0 of 2,905 train ham have the first two,
	// 1 the third; 237, 77 and 49 of 1,323 train spam.
	{"date_zone_absurd", 6.0, "the Date header's time zone is more than 14 hours from UTC or has 60 or more minutes", ruleDateZoneAbsurd},
	{"date_no_zone", 6.0, "the Date header gives no time zone", ruleDateNoZone},
	{"html_no_mime_version", 6.0, "HTML sent without the MIME-Version header", func(c *checkCtx) (bool, scanners.Evidence) {
		return c.header("MIME-Version") == "" && strings.Contains(strings.ToLower(c.header("Content-Type")), "text/html"), hdrEv("Content-Type", c.header("Content-Type"))
	}},
}

var (
	// bigFontRe is the reference of findBigFont (TestFastFindersEqualRegexps).
	bigFontRe = regexp.MustCompile(`<font[^>]*size\s*=\s*["']?\+?[4-7]|font-size\s*:\s*([3-9]\d|\d{3})px`)
	// greetingRe is the reference of findGreeting.
	greetingRe = regexp.MustCompile(`\bdear (friend|sir|madam|sir/madam|sir or madam|customer|member|valued|user|webmaster|homeowner|email user)`)
	// greetingAt is greetingRe without its leading \b (which keeps Go
	// from searching for the literal "dear "); findGreeting checks it.
	greetingAt = regexp.MustCompile(`dear (friend|sir|madam|sir/madam|sir or madam|customer|member|valued|user|webmaster|homeowner|email user)`)
	// moneyAt and millionAt are bigMoneyRe's alternatives anchored, tried
	// by findBigMoney only where a match can start.
	moneyAt   = regexp.MustCompile(`^(\$|£|€|usd ?)\d{1,3}(,\d{3})+`)
	millionAt = regexp.MustCompile(`^\d+ (million|billion) (dollars|usd|pounds|euros)`)
	// trackRe is the reference of findTracking.
	trackRe    = regexp.MustCompile(`\s{3,}\S*\d\S*\s*$|[\s(\[#-][a-z]{0,4}\d{4,}[a-z]{0,4}[)\]]?\s*$`)
	digitsRe   = regexp.MustCompile(`\d{5,}`)
	bigMoneyRe = regexp.MustCompile(`(\$|£|€|usd ?)\d{1,3}(,\d{3})+|\d+ (million|billion) (dollars|usd|pounds|euros)`)
)

// findGreeting is greetingRe.FindStringIndex: the first "dear <nobody>"
// at the start of a word.
func findGreeting(s string) []int { return findGreetingFrom(s, strings.Index(s, "dear ")) }

// findGreetingFrom is findGreeting given where "dear " first occurs in s
// (-1 for nowhere): every match starts there or later.
func findGreetingFrom(s string, from int) []int {
	if from < 0 {
		return nil
	}
	for from < len(s) {
		loc := greetingAt.FindStringIndex(s[from:])
		if loc == nil {
			return nil
		}
		at := from + loc[0]
		if at == 0 || !isWordByte(s[at-1]) {
			return []int{at, from + loc[1]}
		}
		from = at + 1
	}
	return nil
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// findBigMoney is bigMoneyRe.FindStringIndex: the anchored alternatives
// are tried only where a currency sign or "usd" stands, or at the digits
// before " million " or " billion ", and the leftmost match wins.
func findBigMoney(s string) []int {
	at := make([]int, len(phraseList))
	bodyPhrases.firstAt(s, at)
	return findBigMoneyAt(s, at)
}

// bigMoneySigns and bigMoneyWords are where findBigMoneyAt tries
// moneyAt and millionAt.
var (
	bigMoneySigns = []string{"$", "£", "€", "usd"}
	bigMoneyWords = []string{" million ", " billion "}
)

// findBigMoneyAt is findBigMoney given where each phrase of phraseList
// first occurs in s: each sign and word is looked for from there on, and
// not at all when it does not occur.
func findBigMoneyAt(s string, at []int) []int {
	best := -1
	var bestLoc []int
	try := func(at int, re *regexp.Regexp) bool {
		if best >= 0 && at >= best {
			return true // no better match further right
		}
		if loc := re.FindStringIndex(s[at:]); loc != nil {
			best, bestLoc = at, []int{at, at + loc[1]}
			return true
		}
		return false
	}
	for k, sign := range bigMoneySigns {
		for from := at[moneySignIDs.lo+k]; from >= 0; {
			i := strings.Index(s[from:], sign)
			if i < 0 {
				break
			}
			if try(from+i, moneyAt) {
				break
			}
			from += i + 1
		}
	}
	for k, word := range bigMoneyWords {
		for from := at[moneyWordIDs.lo+k]; from >= 0; {
			i := strings.Index(s[from:], word)
			if i < 0 {
				break
			}
			j := from + i
			for j > 0 && s[j-1] >= '0' && s[j-1] <= '9' {
				j--
			}
			if j < from+i && try(j, millionAt) {
				break
			}
			from += i + 1
		}
	}
	return bestLoc
}

// removeLiterals are the strings removeRe matches, spelt out: no two can
// match at the same position, so its leftmost match is the leftmost of
// theirs.
var removeLiterals = []string{"to be removed", "wish to be removed", "like to be removed", "be removed", "remove me", "remove you",
	"opt-out", "opt out", "optout", "unsubscribe", "no longer wish to receive", "removal instructions", "remove in the subject", `"remove"`}

// findRemove is removeRe.FindStringIndex: the leftmost of the
// removeLiterals in s (the rule reads the body's cached phrase offsets).
func findRemove(s string) []int {
	at := make([]int, len(phraseList))
	bodyPhrases.firstAt(s, at)
	return removeIDs.leftmost(at)
}

func ruleSubjectTracking(c *checkCtx) (bool, scanners.Evidence) {
	s := strings.ToLower(c.m.Subject)
	if len(s) < 8 {
		return false, scanners.Evidence{}
	}
	if loc := findTracking(s); loc != nil {
		return true, scanners.Evidence{Field: "subject", Offset: loc[0], Length: loc[1] - loc[0], Text: c.m.Subject[loc[0]:loc[1]]}
	}
	return false, scanners.Evidence{}
}

func ruleFromDigits(c *checkCtx) (bool, scanners.Evidence) {
	if len(c.m.From) == 0 {
		return false, scanners.Evidence{}
	}
	a := c.m.From[0].Addr
	local := a[:max(0, strings.LastIndexByte(a, '@'))]
	d := 0
	for _, r := range local {
		if r >= '0' && r <= '9' {
			d++
		}
	}
	return (len(local) >= 4 && d*2 > len(local)) || digitsRe.MatchString(local), hdrEv("From", c.header("From"))
}

// cjkCharsets are the charset names ruleCJKCharset looks for.
var cjkCharsets = []string{"gb2312", "big5", "euc-kr", "ks_c_5601", "iso-2022-jp", "shift_jis", "euc-jp", "gbk", "gb18030"}

// cjkCharsetBytes are cjkCharsets as byte slices.
var cjkCharsetBytes = func() (b [][]byte) {
	for _, cs := range cjkCharsets {
		b = append(b, []byte(cs))
	}
	return b
}()

// ruleCJKCharset looks for the names in the Content-Type and the Subject
// (which the rule once joined with a space: no name holds one, so none
// can match across the join).
func ruleCJKCharset(c *checkCtx) (bool, scanners.Evidence) {
	var buf [256]byte
	for _, h := range [...]string{c.header("Content-Type"), c.header("Subject")} {
		if len(h) <= len(buf) && isASCII(h) {
			// strings.ToLower of ASCII, without a copy on the heap.
			low := buf[:len(h)]
			lowerInto(low, h)
			for _, cs := range cjkCharsetBytes {
				if bytes.Contains(low, cs) {
					return true, partEv()
				}
			}
			continue
		}
		low := strings.ToLower(h)
		for _, cs := range cjkCharsets {
			if strings.Contains(low, cs) {
				return true, partEv()
			}
		}
	}
	return false, scanners.Evidence{}
}

// isASCII reports whether s has no byte from 0x80 up.
func isASCII[T string | []byte](s T) bool {
	for len(s) >= 8 {
		w := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
		if w&highs != 0 {
			return false
		}
		s = s[8:]
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// hdrEv quotes a header value (the whole value; long ones shortened with
// "…"). An absent header gives evidence with no text.
func hdrEv(name, value string) scanners.Evidence {
	ev := scanners.Evidence{Field: headerField(name), Length: len(value), Text: value}
	if len(value) > 120 {
		cut := 117
		for cut > 0 && !utf8.RuneStart(value[cut]) {
			cut--
		}
		ev.Text = value[:cut] + "…"
	}
	return ev
}

// headerField is "header:" + name, without building it for the names
// the rules use: most rules return evidence whether or not they fire.
func headerField(name string) string {
	switch name {
	case "Content-Type":
		return "header:Content-Type"
	case "Date":
		return "header:Date"
	case "From":
		return "header:From"
	case "Received":
		return "header:Received"
	case "Reply-To":
		return "header:Reply-To"
	case "To":
		return "header:To"
	case "X-MSMail-Priority":
		return "header:X-MSMail-Priority"
	case "X-Priority":
		return "header:X-Priority"
	}
	return "header:" + name
}

// subjEv quotes the whole subject.
func subjEv(s string) scanners.Evidence {
	return scanners.Evidence{Field: "subject", Length: len(s), Text: s}
}

// bodyEv is evidence for body[off:off+n], located in its text part.
func (c *checkCtx) bodyEv(off, n int) scanners.Evidence {
	for i := len(c.spans) - 1; i >= 0; i-- {
		sp := c.spans[i]
		if off >= sp.start {
			lo := off - sp.start
			hi := min(lo+n, len(sp.text))
			if lo > len(sp.text) {
				break
			}
			return scanners.Evidence{Part: sp.part, Field: "body", Offset: lo, Length: hi - lo, Text: sp.text[lo:hi]}
		}
	}
	return partEv()
}

// partEv is evidence naming the message body as a whole.
func partEv() scanners.Evidence { return scanners.Evidence{Field: "mime"} }

const gtube = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"

// gtubeTail is the end of the GTUBE string, short enough for the
// vectorised substring search (the whole 68 bytes is past its limit and
// falls back to Rabin-Karp, which cost 7% of the relay's CPU on mail of
// repeated characters such as smtp-source's).
const gtubeTail = "GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"

var gtubeTailBytes = []byte(gtubeTail)

// containsGTUBE reports whether s holds the whole GTUBE string.
func containsGTUBE[T string | []byte](s T) bool {
	for off := 0; ; {
		i := indexOf(s[off:], gtubeTail)
		if i < 0 {
			return false
		}
		end := off + i + len(gtubeTail)
		if end >= len(gtube) && string(s[end-len(gtube):end]) == gtube {
			return true
		}
		off += i + 1
	}
}

func indexOf[T string | []byte](s T, sub string) int {
	switch v := any(s).(type) {
	case string:
		return strings.Index(v, sub)
	case []byte:
		if sub == gtubeTail {
			return bytes.Index(v, gtubeTailBytes) // no copy of sub per call
		}
		return bytes.Index(v, []byte(sub))
	}
	return -1
}

func ruleGTUBE(c *checkCtx) (bool, scanners.Evidence) {
	if c.textHasGTUBE() || containsGTUBE(c.m.Raw) {
		return true, scanners.Evidence{Field: "mime", Text: "GTUBE"}
	}
	return false, scanners.Evidence{}
}

// textHasGTUBE reports whether the rule text before lower-casing holds
// the GTUBE string: whether one of the spans' texts does (the string has
// no newline, so it cannot cross from one span into the next).
func (c *checkCtx) textHasGTUBE() bool {
	for _, sp := range c.spans {
		if containsGTUBE(sp.ruleText()) {
			return true
		}
	}
	return false
}

// receivedTime is the time the nearest (topmost) Received header gives, or
// the scanner's clock.
func (c *checkCtx) receivedTime() time.Time {
	if !c.received.done {
		c.received.t, c.received.done = c.findReceivedTime(), true
	}
	return c.received.t
}

func (c *checkCtx) findReceivedTime() time.Time {
	for _, h := range c.m.Headers {
		if !strings.EqualFold(h.Name, "Received") {
			continue
		}
		v := h.Value
		i := strings.LastIndexByte(v, ';')
		if i < 0 {
			continue
		}
		if t, err := parseDate(strings.TrimSpace(v[i+1:])); err == nil {
			return t
		}
		break
	}
	return c.now
}

var dateLayouts = []string{
	time.RFC1123Z, time.RFC1123, "Mon, 2 Jan 2006 15:04:05 -0700", "2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST", "Mon, 2 Jan 2006 15:04:05 -0700 (MST)", "Mon, 02 Jan 2006 15:04:05 -0700 (MST)",
	"Mon, 2 Jan 2006 15:04 -0700",
}

// parseDate is the first of dateLayouts that parses s. Each failed
// time.Parse builds an error, so layouts that cannot parse s are not
// tried: those whose shape s lacks (dateLayoutFits). The result is
// that of the same time.Parse call either way (TestParseDateEqualsReference,
// FuzzParseDate).
func parseDate(s string) (time.Time, error) {
	err := errNoDateLayout
	for i, l := range dateLayouts {
		if !dateLayoutFits(i, s) {
			continue
		}
		var t time.Time
		if t, err = time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, err
}

var errNoDateLayout = errors.New("no date layout fits")

// dateLayoutFits reports conditions without which time.Parse(dateLayouts[i], s)
// fails: a layout starting "Mon, " needs a comma after three bytes (the
// day name), "Mon, 02" two digits after it and its spaces; "2 Jan" a
// digit first; one ending "-0700" a sign and four digits at the end, one
// ending "(MST)" a ')' there, and one ending "MST" anything but a ')'
// there (a zone name is letters, digits and signs).
func dateLayoutFits(i int, s string) bool {
	if len(s) < 5 {
		return true
	}
	last := s[len(s)-1]
	numTZ := (s[len(s)-5] == '+' || s[len(s)-5] == '-') && allDigits(s[len(s)-4:])
	comma := s[3] == ','
	twoDigits := false
	if comma {
		j := 4
		for j < len(s) && s[j] == ' ' {
			j++
		}
		twoDigits = j+1 < len(s) && allDigits(s[j:j+2])
	}
	switch i {
	case 0: // RFC1123Z
		return comma && twoDigits && numTZ
	case 1: // RFC1123
		return comma && twoDigits && last != ')'
	case 2, 7: // "Mon, 2 Jan 2006 15:04:05 -0700", "Mon, 2 Jan 2006 15:04 -0700"
		return comma && numTZ
	case 3: // "2 Jan 2006 15:04:05 -0700"
		return s[0] >= '0' && s[0] <= '9' && numTZ
	case 4: // "Mon, 2 Jan 2006 15:04:05 MST"
		return comma && last != ')'
	case 5: // "Mon, 2 Jan 2006 15:04:05 -0700 (MST)"
		return comma && last == ')'
	case 6: // "Mon, 02 Jan 2006 15:04:05 -0700 (MST)"
		return comma && twoDigits && last == ')'
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func ruleDateFuture(c *checkCtx) (bool, scanners.Evidence) {
	if c.m.Date.IsZero() {
		return false, scanners.Evidence{}
	}
	return c.m.Date.After(c.receivedTime().Add(24 * time.Hour)), hdrEv("Date", c.header("Date"))
}

// dateZone reads the numeric zone ("+hhmm" or "-hhmm") that ends a Date
// header value after any comment ("(EST)"); ok is false when there is
// none.
func dateZone(d string) (hh, mm int, ok bool) {
	if i := strings.IndexByte(d, '('); i >= 0 {
		d = d[:i]
	}
	d = strings.TrimSpace(d)
	z := d[strings.LastIndexAny(d, " \t\r\n")+1:]
	if len(z) != 5 || z[0] != '+' && z[0] != '-' || !allDigits(z[1:]) {
		return 0, 0, false
	}
	return int(z[1]-'0')*10 + int(z[2]-'0'), int(z[3]-'0')*10 + int(z[4]-'0'), true
}

func ruleDateZoneAbsurd(c *checkCtx) (bool, scanners.Evidence) {
	d := c.header("Date")
	hh, mm, ok := dateZone(d)
	return ok && (hh > 14 || mm >= 60), hdrEv("Date", d)
}

// ruleDateNoZone fires on a Date header with neither a numeric zone nor
// a capital letter (a zone name such as "GMT" or "(EST)") in its last six
// bytes.
func ruleDateNoZone(c *checkCtx) (bool, scanners.Evidence) {
	d := c.header("Date")
	if d == "" {
		return false, scanners.Evidence{}
	}
	if _, _, ok := dateZone(d); ok {
		return false, scanners.Evidence{}
	}
	for _, b := range []byte(d[max(0, len(d)-6):]) {
		if b >= 'A' && b <= 'Z' {
			return false, scanners.Evidence{}
		}
	}
	return true, hdrEv("Date", d)
}

func ruleDatePast(c *checkCtx) (bool, scanners.Evidence) {
	if c.m.Date.IsZero() {
		return false, scanners.Evidence{}
	}
	return c.m.Date.Before(c.receivedTime().Add(-96 * time.Hour)), hdrEv("Date", c.header("Date"))
}

// receivedFromRe reads "from HELO (RDNS [IP])" at the start of a Received
// header (RFC 5321 §4.4): the reference of parseReceivedFrom.
var receivedFromRe = regexp.MustCompile(`(?i)^from\s+(\S+)\s+\(([^\s\[\)]*)\s*\[([0-9a-f.:]+)\]`)

func ruleForgedReceived(c *checkCtx) (bool, scanners.Evidence) {
	for _, h := range c.m.Headers {
		if !strings.EqualFold(h.Name, "Received") {
			continue
		}
		v := h.Value
		helo, rdns, ip, ok := parseReceivedFrom(v)
		if !ok {
			continue
		}
		helo, rdns = strings.ToLower(helo), strings.ToLower(strings.TrimSuffix(rdns, "."))
		if _, err := netip.ParseAddr(ip); err != nil {
			return true, hdrEv("Received", v)
		}
		// A HELO naming a big webmail provider from a host that is not theirs.
		if rdns != "" && !strings.HasPrefix(rdns, "unknown") {
			if d := bigProvider(helo); d != "" && !strings.HasSuffix(rdns, d) {
				return true, hdrEv("Received", v)
			}
		}
	}
	return false, scanners.Evidence{}
}

var bigProviders = []string{"hotmail.com", "yahoo.com", "aol.com", "msn.com", "gmail.com", "outlook.com", "excite.com", "earthlink.net", "compuserve.com"}

func bigProvider(host string) string {
	for _, d := range bigProviders {
		if host == d || len(host) > len(d) && host[len(host)-len(d)-1] == '.' && strings.HasSuffix(host, d) {
			return d
		}
	}
	return ""
}

func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return strings.ToLower(addr[i+1:])
	}
	return ""
}

func ruleFreemailReplyTo(c *checkCtx) (bool, scanners.Evidence) {
	if len(c.m.ReplyTo) == 0 || len(c.m.From) == 0 {
		return false, scanners.Evidence{}
	}
	r := c.m.ReplyTo[0].Addr
	if strings.EqualFold(r, c.m.From[0].Addr) || !c.freemail[domainOf(r)] {
		return false, scanners.Evidence{}
	}
	return true, hdrEv("Reply-To", c.header("Reply-To"))
}

// addrInNameRe is the reference of findAddrInName.
var addrInNameRe = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)

func ruleFromNameAddr(c *checkCtx) (bool, scanners.Evidence) {
	if len(c.m.From) == 0 {
		return false, scanners.Evidence{}
	}
	f := c.m.From[0]
	a := findAddrInName(f.Name)
	if a == "" || strings.EqualFold(a, f.Addr) {
		return false, scanners.Evidence{}
	}
	return true, hdrEv("From", c.header("From"))
}

func ruleUndisclosed(c *checkCtx) (bool, scanners.Evidence) {
	to := c.header("To")
	if strings.TrimSpace(to) == "" && len(c.m.Cc) == 0 {
		return true, hdrEv("To", c.header("To"))
	}
	return containsLower(to, "undisclosed"), hdrEv("To", to)
}

func ruleHTMLLittleText(c *checkCtx) (bool, scanners.Evidence) {
	if !c.hasHTML || c.hasPlain || c.imgCount() == 0 {
		return false, scanners.Evidence{}
	}
	n := c.bodyCounts().letters
	return n >= 50 && n < 300, partEv()
}

func ruleImageOnly(c *checkCtx) (bool, scanners.Evidence) {
	imgs := c.imgCount()
	for _, a := range c.m.Attachments {
		if strings.HasPrefix(a.ContentType, "image/") && a.Container == "" {
			imgs++
		}
	}
	return imgs > 0 && c.bodyCounts().letters < 50, partEv()
}

// hiddenRe is what hides text: the reference of findHidden
// (TestFastFindersEqualRegexps).
var hiddenRe = regexp.MustCompile(`display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*[01](px|pt)?\b|<font[^>]*size\s*=\s*["']?[01]\b`)

// whiteColors are the white font colours ruleHiddenText looks for, in
// order (htmlList holds them from htmlWhite on).
var whiteColors = []string{`color="#ffffff"`, "color=#ffffff", `color="white"`, "color:#ffffff", "color: #ffffff", "color:white"}

func ruleHiddenText(c *checkCtx) (bool, scanners.Evidence) {
	if c.html == "" {
		return false, scanners.Evidence{}
	}
	at := c.htmlPhrases()
	if loc := findHiddenAt(c.html, at); loc != nil {
		return true, scanners.Evidence{Field: "html", Text: c.html[loc[0]:loc[1]]}
	}
	// Text in the page's background colour (white on white).
	if at[htmlBgWhiteQ] >= 0 || at[htmlBgWhite] >= 0 || at[htmlBgcolor] < 0 {
		for k, w := range whiteColors {
			if i := at[htmlWhite+k]; i >= 0 && !strings.Contains(c.html[max(0, i-12):i], "bg") && !strings.Contains(c.html[max(0, i-12):i], "background") {
				return true, scanners.Evidence{Field: "html", Text: w}
			}
		}
	}
	return false, scanners.Evidence{}
}

func ruleFontTricks(c *checkCtx) (bool, scanners.Evidence) {
	i := c.htmlPhrases()[htmlFont] // none before it
	return i >= 0 && strings.Count(c.html[i:], "<font") >= 10, scanners.Evidence{Field: "html", Text: "<font"}
}

// letterCounts are the letters of a text and how many are capitals.
type letterCounts struct{ letters, upper int }

// textCounts counts the letters (unicode.IsLetter) and capitals
// (unicode.IsUpper) of s in one pass, ASCII without decoding.
func textCounts(s string) letterCounts {
	var n letterCounts
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			k := asciiLetter[c]
			n.letters += int(k & 1)
			n.upper += int(k >> 1)
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		if unicode.IsLetter(r) {
			n.letters++
			if unicode.IsUpper(r) {
				n.upper++
			}
		}
		i += w
	}
	return n
}

// asciiLetter[c] is 1 for an ASCII small letter, 3 for a capital (bit 0
// a letter, bit 1 a capital), else 0.
var asciiLetter = func() (t [utf8.RuneSelf]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = 1, 3
	}
	return t
}()

func ruleSubjectCaps(c *checkCtx) (bool, scanners.Evidence) {
	t := textCounts(c.m.Subject)
	u, n := t.upper, t.letters
	return n >= 10 && u*10 >= n*7, subjEv(c.m.Subject)
}

func ruleSubjectExclaim(c *checkCtx) (bool, scanners.Evidence) {
	s := c.m.Subject
	return strings.Contains(s, "!!") || strings.Contains(s, "$$") || (strings.HasSuffix(strings.TrimSpace(s), "!") && strings.Contains(s, "$")), subjEv(s)
}

// subjectMoneyRe finds money words in a subject; findSubjectMoney
// stands in for it on ASCII subjects.
var subjectMoneyRe = regexp.MustCompile(`(?i)\b(free|cash|money|\$\d|income|earn|save \d+%|\d+% off|winner|won|prize|loan|mortgage|debt|credit|viagra|cialis|pills?|rolex|casino|lottery|refinance|investment|profit)\b`)

func ruleSubjectMoney(c *checkCtx) (bool, scanners.Evidence) {
	loc, ok := findSubjectMoney(c.m.Subject)
	if !ok {
		loc = subjectMoneyRe.FindStringIndex(c.m.Subject)
	}
	if loc != nil {
		return true, scanners.Evidence{Field: "subject", Offset: loc[0], Length: loc[1] - loc[0], Text: c.m.Subject[loc[0]:loc[1]]}
	}
	return false, scanners.Evidence{}
}

func ruleBodyCaps(c *checkCtx) (bool, scanners.Evidence) {
	t := c.bodyCounts()
	u, n := t.upper, t.letters
	return n >= 200 && u*2 > n, partEv()
}

func ruleBodyExclaim(c *checkCtx) (bool, scanners.Evidence) {
	i := c.phrases()[exclaimID] // no "!!" before it
	return i >= 0 && strings.Count(c.lowerBody()[i:], "!!") >= 3, scanners.Evidence{Field: "mime"}
}

// moneyPhrases and urgencyPhrases are matched in the lower-cased text.
var moneyPhrases = []string{
	"100% free", "free gift", "money back", "risk free", "risk-free", "no obligation", "credit card",
	"million dollars", "earn $", "earn up to", "make money", "extra income", "work from home",
	"lose weight", "cash bonus", "dear friend", "this is not spam", "not a spam", "you have been selected",
	"you are a winner", "guaranteed", "lowest price", "best price", "mortgage", "refinance", "special promotion",
	"free trial", "save up to", "per week", "financial freedom", "home based business", "multi-level marketing",
	"no credit check", "bank account", "investment opportunity", "wire transfer", "beneficiary",
	"100% satisfied", "double your", "free quote", "free access", "free membership", "order today",
	"cash", "$$$", "no cost", "% off", "discount", "incredible offer", "amazing offer", "bonus",
	"viagra", "pharmacy", "prescription", "herbal", "casino", "lottery",
}

var urgencyPhrases = []string{
	"act now", "limited time", "order now", "apply now", "call now", "don't delay", "do not delay",
	"urgent", "expires", "while supplies last", "today only", "offer ends", "hurry", "immediately",
	"last chance", "once in a lifetime", "don't miss", "respond now", "reply now", "instant access",
	"click below", "sign up now", "limited offer", "final notice",
}

// phraseRule fires when at least least phrases of the list r occur in
// the body, quoting the first of them in list order.
func phraseRule(c *checkCtx, r idRange, least int) (bool, scanners.Evidence) {
	n, at, l := r.count(c.phrases())
	if n < least {
		return false, scanners.Evidence{}
	}
	return true, c.bodyEv(at, l)
}

func ruleMoneyFew(c *checkCtx) (bool, scanners.Evidence) { return phraseRule(c, moneyIDs, 2) }

func ruleMoneyMany(c *checkCtx) (bool, scanners.Evidence) { return phraseRule(c, moneyIDs, 5) }

func ruleUrgency(c *checkCtx) (bool, scanners.Evidence) { return phraseRule(c, urgencyIDs, 2) }

// removeRe is the reference of findRemove (TestFastFindersEqualRegexps).
var removeRe = regexp.MustCompile(`(to be |wish to be |like to be |be )removed|remove (me|you)|opt[- ]?out|unsubscribe|no longer wish to receive|removal instructions|remove in the subject|"remove"`)

func ruleBulkUnlisted(c *checkCtx) (bool, scanners.Evidence) {
	if c.header("List-Unsubscribe") != "" || c.header("List-Id") != "" {
		return false, scanners.Evidence{}
	}
	if loc := removeIDs.leftmost(c.phrases()); loc != nil {
		return true, c.bodyEv(loc[0], loc[1]-loc[0])
	}
	return false, scanners.Evidence{}
}

// ruleBase64Text finds a text/* part sent in base64 although every text
// of the message is plain ASCII. It reads the part header blocks of the
// raw message (bounded), since the parsed view no longer has them.
func ruleBase64Text(c *checkCtx) (bool, scanners.Evidence) {
	if len(c.m.Texts) == 0 || !hasBase64TextPart(c) {
		return false, scanners.Evidence{}
	}
	// Only then read the texts: most mail has no base64 text part, and
	// the texts are its largest part.
	for _, t := range c.m.Texts {
		if !isASCII(t.Content) {
			return false, scanners.Evidence{}
		}
	}
	return true, partEv()
}

// hasBase64TextPart reports a text part sent base64: the top level's
// Content-Type and Content-Transfer-Encoding, else the first part header
// in the raw message (outside a header, only lines starting "--" are
// read) that declares it.
func hasBase64TextPart(c *checkCtx) bool {
	if isBase64Text(c.header("Content-Type"), c.header("Content-Transfer-Encoding")) {
		return true
	}
	raw := c.m.Raw
	if len(raw) > 1<<20 {
		raw = raw[:1<<20]
	}
	inHdr, ct, cte := false, "", ""
	for len(raw) > 0 {
		if !inHdr {
			// Outside a part header only a line starting "--" matters
			// (and a line too long, where the scan stops): skip to it.
			j := nextDashLine(raw)
			if j < 0 || hasLongLine(raw[:j]) {
				break
			}
			raw = raw[j:]
		}
		var line []byte
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i], raw[i+1:]
		} else {
			line, raw = raw, nil
		}
		if len(line) >= maxBase64ScanLine {
			break // where a bufio.Scanner with a 64 KiB buffer stops
		}
		line = bytes.TrimRight(line, "\r")
		switch {
		case bytes.HasPrefix(line, dashes):
			inHdr, ct, cte = true, "", ""
		case inHdr && len(line) == 0:
			if isBase64Text(ct, cte) {
				return true
			}
			inHdr = false
		case inHdr:
			if v, ok := lowerFieldValue(line, "content-type:"); ok {
				ct = v
			} else if v, ok := lowerFieldValue(line, "content-transfer-encoding:"); ok {
				cte = v
			}
		}
	}
	return false
}

// maxBase64ScanLine is the line length (before its LF) at which
// ruleBase64Text stops reading: the rule once read lines with a
// bufio.Scanner of at most 64 KiB, which stopped there.
const maxBase64ScanLine = 64 << 10

var dashes = []byte("--")

// lowerFieldValue is, for a header line, strings.ToLower(line) after
// name (a lower-case ASCII prefix) when the lower-cased line starts with
// name. An ASCII line is compared in place and only a matching one is
// copied; any other goes through strings.ToLower, which can turn a
// non-ASCII character into an ASCII letter (U+0130 into 'i').
func lowerFieldValue(line []byte, name string) (string, bool) {
	if !isASCII(line) {
		l := strings.ToLower(string(line))
		if strings.HasPrefix(l, name) {
			return l[len(name):], true
		}
		return "", false
	}
	if len(line) < len(name) || !strings.EqualFold(string(line[:len(name)]), name) {
		return "", false
	}
	return strings.ToLower(string(line[len(name):])), true
}

// nextDashLine is the offset in raw of the first line that starts with
// "--", or -1. It looks for "--" and then at the byte before (a search
// for "\n--" would stop at every line end).
func nextDashLine(raw []byte) int {
	for from := 0; ; {
		i := bytes.Index(raw[from:], dashes)
		if i < 0 {
			return -1
		}
		if at := from + i; at == 0 || raw[at-1] == '\n' {
			return at
		}
		from += i + 1
	}
}

// hasLongLine reports whether one of the whole lines of seg (each ending
// in LF) is maxBase64ScanLine bytes or longer before its LF.
func hasLongLine(seg []byte) bool {
	for len(seg) >= maxBase64ScanLine {
		i := bytes.IndexByte(seg, '\n')
		if i < 0 || i >= maxBase64ScanLine {
			return true
		}
		seg = seg[i+1:]
	}
	return false
}

func isBase64Text(ct, cte string) bool {
	ct, cte = strings.TrimSpace(ct), strings.TrimSpace(cte)
	return hasLowerPrefix(cte, "base64") && (hasLowerPrefix(ct, "text/plain") || hasLowerPrefix(ct, "text/html"))
}

// hasLowerPrefix is strings.HasPrefix(strings.ToLower(s), prefix) for a
// lower-case ASCII prefix, without the copy when s is ASCII (a non-ASCII
// s goes through strings.ToLower: U+0130 lower-cases to 'i', U+212A to
// 'k').
func hasLowerPrefix(s, prefix string) bool {
	if !isASCII(s) {
		return strings.HasPrefix(strings.ToLower(s), prefix)
	}
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// containsLower is strings.Contains(strings.ToLower(s), sub) for a
// lower-case ASCII sub, lower-casing an ASCII s of up to 256 bytes on
// the stack.
func containsLower(s, sub string) bool {
	if len(s) > 256 || !isASCII(s) {
		return strings.Contains(strings.ToLower(s), sub)
	}
	var buf [256]byte
	low := buf[:len(s)]
	lowerInto(low, s)
	return bytes.Contains(low, []byte(sub))
}

func ruleURLIP(c *checkCtx) (bool, scanners.Evidence) {
	for _, u := range c.m.URLs {
		h := strings.Trim(u.Host, "[]")
		if !mayBeAddr(h) {
			continue
		}
		if _, err := netip.ParseAddr(h); err == nil {
			return true, scanners.Evidence{Part: u.PartID, Field: "url", Text: u.Raw}
		}
	}
	return false, scanners.Evidence{}
}

// mayBeAddr is false for the strings netip.ParseAddr certainly refuses
// (each refusal allocates its error): it reads the first '.', ':' or '%'
// as ParseAddr does, and an IPv4 address is only digits and dots.
func mayBeAddr(s string) bool {
	i := strings.IndexAny(s, ".:%")
	if i < 0 || s[i] == '%' {
		return false
	}
	if s[i] == ':' {
		return true
	}
	for j := 0; j < len(s); j++ {
		if c := s[j]; c != '.' && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

var anchorHostRe = regexp.MustCompile(`(?i)^(?:https?://)?(?:www\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,})(?:[/:?#]|$)`)

func ruleAnchorMismatch(c *checkCtx) (bool, scanners.Evidence) {
	for _, u := range c.m.URLs {
		if u.Anchor == "" || u.Host == "" {
			continue
		}
		mm := anchorHostRe.FindStringSubmatch(strings.TrimSpace(u.Anchor))
		if mm == nil {
			continue
		}
		shown := strings.ToLower(mm[1])
		if regDomain(shown) != regDomain(u.Host) {
			return true, scanners.Evidence{Part: u.PartID, Field: "url", Text: u.Anchor + " -> " + u.Host}
		}
	}
	return false, scanners.Evidence{}
}

// regDomain is a rough registrable domain: the last two labels, three when
// the second-level label is short (co.uk, com.au).
func regDomain(h string) string {
	h = strings.TrimPrefix(strings.TrimSuffix(strings.ToLower(h), "."), "www.")
	l := strings.Split(h, ".")
	if len(l) <= 2 {
		return h
	}
	if len(l[len(l)-2]) <= 3 && len(l[len(l)-1]) == 2 {
		return strings.Join(l[len(l)-3:], ".")
	}
	return strings.Join(l[len(l)-2:], ".")
}

func ruleURLUserinfo(c *checkCtx) (bool, scanners.Evidence) {
	for _, u := range c.m.URLs {
		r := u.Raw
		if i := strings.Index(r, "://"); i >= 0 {
			r = r[i+3:]
		}
		if j := strings.IndexAny(r, "/?#"); j >= 0 {
			r = r[:j]
		}
		if strings.Contains(r, "@") {
			return true, scanners.Evidence{Part: u.PartID, Field: "url", Text: u.Raw}
		}
	}
	return false, scanners.Evidence{}
}

func rulePriority(c *checkCtx) (bool, scanners.Evidence) {
	p := strings.TrimSpace(c.header("X-Priority"))
	if strings.HasPrefix(p, "1") {
		return true, hdrEv("X-Priority", c.header("X-Priority"))
	}
	if strings.EqualFold(strings.TrimSpace(c.header("X-MSMail-Priority")), "high") {
		return true, hdrEv("X-MSMail-Priority", c.header("X-MSMail-Priority"))
	}
	return false, scanners.Evidence{}
}

// freemailSet is the bundled personal/webmail domain list.
func freemailSet() map[string]bool {
	out := map[string]bool{}
	for _, d := range directory.BundledPersonalDomains() {
		out[d] = true
	}
	return out
}
