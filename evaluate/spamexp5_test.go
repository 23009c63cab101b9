package evaluate

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/publicsuffix"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners/spam"
	"github.com/lychgate/lychgate/scanners/spam/bayes"
)

// The fifth round of spam experiments (docs/spam-eval.md, "Fifth round"):
// new heuristic rules meant to separate the mid-band (0.4 <= p < 0.99)
// train spam from the train marketing ham, judged at the scanner's own
// point (default bands, rule weight 0.25, tag at 5) on 5-fold
// cross-validation inside the train split (the cv/ folds, and the seedA/
// seedB/ seedC/ assignments with LYCHGATE_SPAMEXP_SEEDS=1). The test split
// is never read. Run with LYCHGATE_SPAMEXP=1.

// exp5Rule is a candidate rule: a test of the parsed message.
type exp5Rule struct {
	id   string
	test func(m *message.Message) bool
}

// exp5Domain is the registrable domain of host (lower case), or host.
func exp5Domain(host string) string {
	host = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(host), "."))
	if d, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
		return d
	}
	return host
}

// exp5MidHost is the right-hand side of the Message-ID, or "".
func exp5MidHost(m *message.Message) string {
	id := strings.Trim(m.MessageID, "<> ")
	if i := strings.LastIndexByte(id, '@'); i >= 0 {
		return strings.ToLower(id[i+1:])
	}
	return ""
}

// exp5Zone is the numeric zone at the end of the Date header (ok false
// when it has none).
func exp5Zone(m *message.Message) (hh, mm int, ok bool) {
	d := strings.TrimSpace(m.Header("Date"))
	if i := strings.IndexByte(d, '('); i >= 0 {
		d = strings.TrimSpace(d[:i])
	}
	f := strings.Fields(d)
	if len(f) == 0 {
		return 0, 0, false
	}
	z := f[len(f)-1]
	if len(z) != 5 || (z[0] != '+' && z[0] != '-') {
		return 0, 0, false
	}
	h, err1 := strconv.Atoi(z[1:3])
	mi, err2 := strconv.Atoi(z[3:5])
	return h, mi, err1 == nil && err2 == nil
}

func exp5Rules() []exp5Rule {
	fromDomain := func(m *message.Message) string {
		if len(m.From) == 0 {
			return ""
		}
		a := m.From[0].Addr
		return exp5Domain(a[strings.LastIndexByte(a, '@')+1:])
	}
	listed := func(m *message.Message) bool {
		return m.Header("List-Id") != "" || m.Header("List-Unsubscribe") != "" || m.Header("List-Post") != "" ||
			strings.EqualFold(strings.TrimSpace(m.Header("Precedence")), "bulk") || strings.EqualFold(strings.TrimSpace(m.Header("Precedence")), "list")
	}
	return []exp5Rule{
		{"date_tz_absurd", func(m *message.Message) bool { h, mi, ok := exp5Zone(m); return ok && (h > 14 || mi >= 60) }},
		{"date_no_zone", func(m *message.Message) bool {
			_, _, ok := exp5Zone(m)
			d := m.Header("Date")
			return d != "" && !ok && !strings.ContainsAny(d[max(0, len(d)-6):], "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
		}},
		{"msgid_no_dot", func(m *message.Message) bool { h := exp5MidHost(m); return h != "" && !strings.Contains(h, ".") }},
		{"msgid_no_dot_unlisted", func(m *message.Message) bool {
			h := exp5MidHost(m)
			return h != "" && !strings.Contains(h, ".") && !listed(m) && !strings.Contains(m.Header("X-Mailer"), "Outlook")
		}},
		{"msgid_other_domain", func(m *message.Message) bool {
			h, f := exp5MidHost(m), fromDomain(m)
			return strings.Contains(h, ".") && f != "" && exp5Domain(h) != f
		}},
		{"msgid_other_domain_unlisted", func(m *message.Message) bool {
			h, f := exp5MidHost(m), fromDomain(m)
			return strings.Contains(h, ".") && f != "" && exp5Domain(h) != f && !listed(m)
		}},
		{"no_mime_version_html", func(m *message.Message) bool {
			return m.Header("MIME-Version") == "" && strings.Contains(strings.ToLower(m.Header("Content-Type")), "text/html")
		}},
		{"one_received", func(m *message.Message) bool { return len(m.HeaderValues("Received")) <= 1 }},
		{"replyto_other_domain", func(m *message.Message) bool {
			if len(m.ReplyTo) == 0 || len(m.From) == 0 {
				return false
			}
			r := m.ReplyTo[0].Addr
			return exp5Domain(r[strings.LastIndexByte(r, '@')+1:]) != fromDomain(m) && !listed(m)
		}},
		{"from_noname_unlisted", func(m *message.Message) bool {
			return len(m.From) > 0 && strings.TrimSpace(m.From[0].Name) == "" && !listed(m)
		}},
		{"no_xmailer_unlisted", func(m *message.Message) bool {
			return m.Header("X-Mailer") == "" && m.Header("User-Agent") == "" && !listed(m)
		}},
		{"from_domain_caps", func(m *message.Message) bool {
			if len(m.From) == 0 {
				return false
			}
			a := m.From[0].Addr
			d := a[strings.LastIndexByte(a, '@')+1:]
			return d != strings.ToLower(d)
		}},
		{"from_local_has_domain", func(m *message.Message) bool {
			if len(m.From) == 0 {
				return false
			}
			a := strings.ToLower(m.From[0].Addr)
			l := a[:max(0, strings.LastIndexByte(a, '@'))]
			return strings.Contains(l, ".com") || strings.Contains(l, ".net") || strings.Contains(l, ".org")
		}},
		{"msgid_host_bad_chars", func(m *message.Message) bool {
			h := exp5MidHost(m)
			return strings.ContainsAny(h, "_!#$%^&*()+=,;") && !strings.HasPrefix(h, "[")
		}},
		{"msgid_local_digits", func(m *message.Message) bool {
			id := strings.Trim(m.MessageID, "<> ")
			i := strings.LastIndexByte(id, '@')
			if i <= 0 {
				return false
			}
			for _, c := range id[:i] {
				if !(c >= '0' && c <= '9' || c == '.' || c == '-') {
					return false
				}
			}
			return true
		}},
		{"html_no_charset", func(m *message.Message) bool {
			ct := strings.ToLower(m.Header("Content-Type"))
			return strings.HasPrefix(strings.TrimSpace(ct), "text/html") && !strings.Contains(ct, "charset")
		}},
		{"date_weekday_wrong", func(m *message.Message) bool {
			d := strings.TrimSpace(m.Header("Date"))
			if len(d) < 4 || d[3] != ',' || m.Date.IsZero() {
				return false
			}
			return !strings.EqualFold(d[:3], m.Date.Weekday().String()[:3])
		}},
		{"to_domain_is_from_domain_noname", func(m *message.Message) bool {
			if len(m.To) != 1 || len(m.From) == 0 || strings.TrimSpace(m.From[0].Name) != "" {
				return false
			}
			t := m.To[0].Addr
			return exp5Domain(t[strings.LastIndexByte(t, '@')+1:]) == fromDomain(m)
		}},
	}
}

// TestSpamExperimentRound5Rules counts each candidate's hits on the train
// split (all, and the mid band of the cross-validated classifier) and the
// scanner point with it added at several scores.
func TestSpamExperimentRound5Rules(t *testing.T) {
	if os.Getenv("LYCHGATE_SPAMEXP") == "" {
		t.Skip("set LYCHGATE_SPAMEXP=1 to run the spam experiments (train split only)")
	}
	const k = 5
	items := expItems(t, expCorpus(t), k)
	// The scanner now has the three rules this round kept; they are taken
	// out of each item's rule total so that the base is the scanner the
	// round started from and the candidates' lines are as they were
	// measured.
	// LYCHGATE_SPAMEXP5_KEPT=1 leaves them in (a candidate's line is then
	// what it adds to the scanner as it is now).
	kept := map[string]bool{"date_zone_absurd": true, "date_no_zone": true, "html_no_mime_version": true}
	for i := range items {
		if os.Getenv("LYCHGATE_SPAMEXP5_KEPT") != "" {
			break
		}
		var ids []string
		for _, id := range items[i].ids {
			if kept[id] {
				items[i].rules -= spam.RuleScore(id)
			} else {
				ids = append(ids, id)
			}
		}
		items[i].ids = ids
	}
	cands := exp5Rules()
	hit := make([][]bool, len(cands))
	for c, r := range cands {
		hit[c] = make([]bool, len(items))
		for i, it := range items {
			hit[c][i] = r.test(it.m)
		}
	}
	seeds := []string{"cv/"}
	if os.Getenv("LYCHGATE_SPAMEXP_SEEDS") != "" {
		seeds = []string{"cv/", "seedA/", "seedB/", "seedC/"}
	}
	_, nsp := expNSpam(items)
	for _, seed := range seeds {
		for i := range items {
			items[i].fold = int(fnvHash(seed+filepath.Base(items[i].name)) % k)
		}
		res := cvResults(t, items, k, func(it expItem) []string { return it.toks }, bayes.Options{})
		probs := make([]float64, len(items))
		for i := range res {
			probs[i] = res[i].Prob
		}
		base := countBands(items, probs, currentBands(), spam.DefaultRuleWeight, 5, 10)
		t.Logf("%s base: FP %d FN %d F1 %.4f held %d", seed, base.fp, base.fn, base.f1(nsp), base.held)
		for c, r := range cands {
			var hs, hh, ms, mh int
			for i, it := range items {
				if !hit[c][i] {
					continue
				}
				mid := probs[i] >= 0.4 && probs[i] < 0.99
				if it.spam {
					hs++
					if mid {
						ms++
					}
				} else {
					hh++
					if mid {
						mh++
					}
				}
			}
			line := fmt.Sprintf("%-32s hits spam %4d ham %4d (mid band spam %2d ham %2d):", r.id, hs, hh, ms, mh)
			for _, w := range []float64{1, 2, 3, 4, 6, 8, 12} {
				with := make([]expItem, len(items))
				copy(with, items)
				for i := range with {
					if hit[c][i] {
						with[i].rules += w
					}
				}
				cnt := countBands(with, probs, currentBands(), spam.DefaultRuleWeight, 5, 10)
				line += fmt.Sprintf("  w%g %d/%d", w, cnt.fp, cnt.fn)
			}
			t.Log(line)
		}
		// Sets of the candidates that hit (almost) no train ham, each at w.
		idx := map[string]int{}
		for c, r := range cands {
			idx[r.id] = c
		}
		type part struct {
			ids []string
			w   float64
		}
		rfc := []string{"date_tz_absurd", "date_no_zone", "no_mime_version_html"}
		other := []string{"replyto_other_domain", "to_domain_is_from_domain_noname"}
		for _, set := range [][]part{
			{{rfc, 4}}, {{rfc, 6}}, {{rfc, 8}},
			{{rfc, 6}, {other, 2}}, {{rfc, 6}, {other, 3}}, {{rfc, 6}, {other, 4}},
			{{rfc, 8}, {other, 3}}, {{rfc, 8}, {other, 4}},
		} {
			with := make([]expItem, len(items))
			copy(with, items)
			full := make([]float64, len(items)) // rules only: the rules at full score
			for i := range with {
				for _, p := range set {
					for _, id := range p.ids {
						if hit[idx[id]][i] {
							with[i].rules += p.w
						}
					}
				}
				full[i] = with[i].rules
			}
			cnt := countBands(with, probs, currentBands(), spam.DefaultRuleWeight, 5, 10)
			var rfp, rfn int
			for i, it := range with {
				if it.spam && full[i] < 5 {
					rfn++
				} else if !it.spam && full[i] >= 5 {
					rfp++
				}
			}
			line := fmt.Sprintf("set %v: scanner %d/%d F1 %.4f held %d; rules only %d/%d", set, cnt.fp, cnt.fn, cnt.f1(nsp), cnt.held, rfp, rfn)
			t.Log(line)
		}
	}
}
