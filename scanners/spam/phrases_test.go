package spam

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/lychgate/lychgate/internal/testutil/shareddata"
	"github.com/lychgate/lychgate/message"
)

// The implementations the one-pass scanners replaced, kept as the
// reference of TestOnePassEqualsReference.

func refCountPhrases(body string, list []string) (n, at, length int) {
	at = -1
	for _, p := range list {
		if i := strings.Index(body, p); i >= 0 {
			if at < 0 {
				at, length = i, len(p)
			}
			n++
		}
	}
	return n, at, length
}

func refFindRemove(s string) []int {
	best, n := -1, 0
	for _, l := range removeLiterals {
		hay := s
		if best >= 0 {
			hay = s[:min(len(s), best+len(l))]
		}
		if i := strings.Index(hay, l); i >= 0 && (best < 0 || i < best) {
			best, n = i, len(l)
		}
	}
	if best < 0 {
		return nil
	}
	return []int{best, best + n}
}

func refLowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func refCapsRatio(s string) (upper, all int) {
	for _, r := range s {
		if unicode.IsLetter(r) {
			all++
			if unicode.IsUpper(r) {
				upper++
			}
		}
	}
	return
}

func refLetters(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			n++
		}
	}
	return n
}

// corpusFiles are the shared corpus's messages (every one, or an eighth
// with -short or under the race detector), or none when it is absent.
func corpusFiles(t testing.TB) []string {
	files, _ := filepath.Glob("../../../shared/corpus/spamassassin/*/*")
	if len(files) == 0 { // a worktree one level deeper (/work/wt/<name>)
		files, _ = filepath.Glob("../../../../shared/corpus/spamassassin/*/*")
	}
	if len(files) == 0 {
		t.Log("corpus ../shared/corpus/spamassassin is absent: written cases only")
	}
	if testing.Short() || shareddata.Race {
		var some []string
		for i := 0; i < len(files); i += 8 {
			some = append(some, files[i])
		}
		files = some
	}
	return files
}

// checkOnePass compares, on one text, what the rules read through the
// one-pass scanners with what the reference implementations give.
func checkOnePass(t *testing.T, name, raw string) {
	t.Helper()
	body := lowerASCII(raw)
	if want := refLowerASCII(raw); body != want {
		t.Errorf("%s: lowerASCII differs from the reference", name)
		return
	}
	at := make([]int, len(phraseList))
	bodyPhrases.firstAt(body, at)
	for id, p := range phraseList {
		if want := strings.Index(body, p); at[id] != want {
			t.Errorf("%s: phrase %q first at %d, strings.Index says %d", name, p, at[id], want)
		}
	}
	for _, l := range []struct {
		name string
		r    idRange
		list []string
	}{{"money", moneyIDs, moneyPhrases}, {"urgency", urgencyIDs, urgencyPhrases}} {
		n, a, ln := l.r.count(at)
		wn, wa, wl := refCountPhrases(body, l.list)
		if n != wn || a != wa || ln != wl {
			t.Errorf("%s: %s phrases (%d, %d, %d), reference (%d, %d, %d)", name, l.name, n, a, ln, wn, wa, wl)
		}
	}
	if got, want := removeIDs.leftmost(at), refFindRemove(body); !slices.Equal(got, want) {
		t.Errorf("%s: remove %v, reference %v", name, got, want)
	}
	if got, want := findRemove(body), removeRe.FindStringIndex(body); !slices.Equal(got, want) {
		t.Errorf("%s: findRemove %v, removeRe %v", name, got, want)
	}
	_, tc := lowerCount(raw)
	if u, n := refCapsRatio(raw); tc.upper != u || tc.letters != n || refLetters(raw) != n || textCounts(raw) != tc {
		t.Errorf("%s: letters %d upper %d, reference %d %d", name, tc.letters, tc.upper, n, u)
	}
}

// TestOnePassEqualsReference: the phrase automaton, the letter counts and
// the case folding give exactly what the per-phrase searches and rune
// loops they replaced gave, on written cases (overlapping and repeated
// phrases, non-ASCII and broken UTF-8) and on every corpus message's rule
// text and raw bytes when the corpus is present.
func TestOnePassEqualsReference(t *testing.T) {
	t.Parallel()
	cases := []string{
		"", "cash", "CASH BONUS cash bonus", "100% free 100% FREE", "earn $$$ now earn up to", "bonusbonus",
		"act now!!! Limited Time... hurry, HURRY", "click hereclick here", "be removedx to be removed",
		"opt out opt-out optout", "Ünïcödé ÀÉÎ straße ǅ ǈ \xff\xfe broken \xc3", "free gift\x00money back",
		"you are a winner you have been selected", "dear frienddear friend", "% off%% off",
		strings.Repeat("a", 1000) + "lottery",
	}
	for i, s := range cases {
		checkOnePass(t, "case "+string(rune('a'+i)), s)
	}
	now := time.Unix(1700000000, 0)
	for _, f := range corpusFiles(t) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		checkOnePass(t, f+" (raw)", string(b))
		m := message.Parse(context.Background(), b, message.Limits{})
		c := newCheckCtx(m, inbound, now, nil)
		checkOnePass(t, f, c.rawText())
		if t.Failed() {
			return
		}
	}
}

// refRuleBase64Text is ruleBase64Text as it read the raw message with a
// bufio.Scanner.
func refRuleBase64Text(c *checkCtx) bool {
	for _, t := range c.m.Texts {
		for i := 0; i < len(t.Content); i++ {
			if t.Content[i] >= utf8.RuneSelf {
				return false
			}
		}
	}
	if len(c.m.Texts) == 0 {
		return false
	}
	if isBase64Text(c.m.Header("Content-Type"), c.m.Header("Content-Transfer-Encoding")) {
		return true
	}
	raw := c.m.Raw
	if len(raw) > 1<<20 {
		raw = raw[:1<<20]
	}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	inHdr, ct, cte := false, "", ""
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		switch {
		case strings.HasPrefix(line, "--"):
			inHdr, ct, cte = true, "", ""
		case inHdr && line == "":
			if isBase64Text(ct, cte) {
				return true
			}
			inHdr = false
		case inHdr:
			l := strings.ToLower(line)
			if strings.HasPrefix(l, "content-type:") {
				ct = l[13:]
			} else if strings.HasPrefix(l, "content-transfer-encoding:") {
				cte = l[26:]
			}
		}
	}
	return false
}

// TestBase64TextEqualsReference: the rule's line splitter decides as the
// bufio.Scanner it replaced, also around its 64 KiB line limit, on written
// messages and on every corpus message when present.
func TestBase64TextEqualsReference(t *testing.T) {
	t.Parallel()
	part := "--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n--b--\r\n"
	head := "From: a@example.org\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
	var raws [][]byte
	for _, n := range []int{0, 100, 65534, 65535, 65536, 65537, 70000} {
		for _, eol := range []string{"\n", "\r\n", "\r\r\n"} {
			long := strings.Repeat("x", n)
			raws = append(raws,
				[]byte(head+long+eol+part),
				[]byte(head+part[:len(part)-9]+long+eol+"--b--"),
				[]byte(head+"--b"+eol+"Content-Type: text/plain"+eol+"X: "+long+eol+"Content-Transfer-Encoding: base64"+eol+eol+"aGVsbG8="+eol),
				[]byte(head+"--b"+eol+"Content-Type: text/plain"+eol+eol+"hello"+eol+long+eol+"world"+eol+part),
				[]byte("X-Long: "+long+eol+head+"preamble"+eol+part),
				[]byte(head+long+"--"+eol+"-"+eol+"--"+part[2:]),
				[]byte(head+"--b"+eol+"Content-Type: text/plain"+eol+"Content-Transfer-Encod\u0130ng: BASE64"+eol+eol+"aGVsbG8="+eol+long),
				[]byte(head+"--b"+eol+"CONTENT-TYPE:TEXT/HTML; x=\u00e9"+eol+"content-transfer-encoding:base64"+eol+eol+"aGVsbG8="+eol+long),
			)
		}
	}
	for _, f := range corpusFiles(t) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		raws = append(raws, b)
	}
	hits := 0
	for i, raw := range raws {
		m := message.Parse(context.Background(), raw, message.Limits{})
		c := newCheckCtx(m, inbound, time.Unix(1700000000, 0), nil)
		got, _ := ruleBase64Text(c)
		if want := refRuleBase64Text(c); got != want {
			t.Errorf("message %d (%d bytes): base64_ascii_text %v, reference %v", i, len(raw), got, want)
		}
		if got {
			hits++
		}
	}
	if hits == 0 {
		t.Error("base64_ascii_text fired on none of the messages")
	}
}

// TestParseReceivedFromEqualsRegexp: parseReceivedFrom reads what
// receivedFromRe matches, on written headers and on every Received header
// of the corpus when present.
func TestParseReceivedFromEqualsRegexp(t *testing.T) {
	t.Parallel()
	vs := []string{
		"from mx.example.org (mx.example.org [192.0.2.1]) by x", "FROM a (b [::1])", "from a(b [1.2.3.4])", "from  a \t( [1.2.3.4])",
		"from a (b[1.2.3.4])", "from a (b  [AbC:DEF])", "from a (b [])", "from a (b [1.2.3.4", "from a (b) [1.2.3.4]",
		"froma (b [1.2.3.4])", "from (b [1.2.3.4])", "from a (b [1.2.3.4x])", "fr", "", "from a\r\n (b.\xff [1.2.3.4])",
		"from a (b(c [1.2.3.4])", "from a (b)c [1.2.3.4])", " from a (b [1.2.3.4])", "from \xe2\x80\x83 (b [1.2.3.4])",
	}
	for _, f := range corpusFiles(t) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		vs = append(vs, message.Parse(context.Background(), b, message.Limits{}).HeaderValues("Received")...)
	}
	hits := 0
	for _, v := range vs {
		helo, rdns, ip, ok := parseReceivedFrom(v)
		mm := receivedFromRe.FindStringSubmatch(v)
		if ok != (mm != nil) || ok && (helo != mm[1] || rdns != mm[2] || ip != mm[3]) {
			t.Errorf("parseReceivedFrom(%q) = %q %q %q %v, receivedFromRe %q", v, helo, rdns, ip, ok, mm)
		}
		if ok {
			hits++
		}
	}
	if hits == 0 {
		t.Error("no Received header matched")
	}
}

// firstAtOneWalk is firstAt as it was before the interleaved walks: one
// walk through the whole text, stopping once every phrase was seen. The
// reference of TestFirstAtStreamsEqualOneWalk.
func (pm *phraseMatcher) firstAtOneWalk(s string, at []int) {
	for i := range at {
		at[i] = -1
	}
	left := len(at)
	off := uint32(0) // the current state times nclass
	for i := 0; i < len(s); i++ {
		v := pm.step[off+uint32(pm.class[s[i]])]
		off = v &^ hasOut
		if v&hasOut != 0 {
			for _, id := range pm.out[off/uint32(pm.nclass)] {
				if at[id] < 0 {
					at[id] = i + 1 - pm.lens[id]
					left--
				}
			}
			if left == 0 {
				return
			}
		}
	}
}

// TestFirstAtStreamsEqualOneWalk: the interleaved walks give what one walk
// (and strings.Index) gives, for texts around the cut lengths with phrases
// laid across every cut, and for pseudo-random texts made of phrase
// pieces.
func TestFirstAtStreamsEqualOneWalk(t *testing.T) {
	t.Parallel()
	check := func(name, s string) {
		t.Helper()
		got, want := make([]int, len(phraseList)), make([]int, len(phraseList))
		bodyPhrases.firstAt(s, got)
		bodyPhrases.firstAtOneWalk(s, want)
		for id, p := range phraseList {
			if got[id] != want[id] || got[id] != strings.Index(s, p) {
				t.Fatalf("%s (%d bytes): phrase %q at %d, one walk %d, strings.Index %d", name, len(s), p, got[id], want[id], strings.Index(s, p))
			}
		}
	}
	for _, n := range []int{0, 1, streams*minStream - 1, streams * minStream, streams*minStream + 1, 4099, 10240} {
		seg := (n + streams - 1) / streams
		for _, p := range phraseList {
			for _, cut := range []int{seg, 2 * seg, 3 * seg} {
				for d := -len(p); d <= 1; d++ {
					b := []byte(strings.Repeat("x", n))
					if at := cut + d; at >= 0 && at+len(p) <= n {
						copy(b[at:], p)
						check(p, string(b))
					}
				}
			}
		}
	}
	rnd := uint64(1)
	next := func(k int) int {
		rnd ^= rnd << 13
		rnd ^= rnd >> 7
		rnd ^= rnd << 17
		return int(rnd % uint64(k))
	}
	for i := range 300 {
		var b strings.Builder
		for size := 512 + next(8192); b.Len() < size; {
			p := phraseList[next(len(phraseList))]
			b.WriteString(p[:1+next(len(p))])
			if next(3) == 0 {
				b.WriteByte(' ')
			}
		}
		check("random "+string(rune('a'+i%26)), b.String())
	}
}
