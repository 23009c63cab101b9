package spam

import (
	"context"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/scannertest"
	"github.com/lychgate/lychgate/scanners/spam/bayes"
)

func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), nil))
}

var inbound = &scanners.Envelope{From: "x@outside.example", Recipients: []scanners.Recipient{{Addr: "pupil@school.example", Direction: scanners.Inbound, School: "s1"}}}

const spammy = `Received: from mx.school.example by relay.school.example; Tue, 1 Dec 2026 09:00:00 +0000
Received: from hotmail.com (dsl-99.isp.example [192.0.2.9]) by mx.school.example; Tue, 1 Dec 2026 08:59:00 +0000
From: Prize Desk <winner4477123@offers.example>
Reply-To: claims@yahoo.com
To: undisclosed-recipients:;
Subject: YOU HAVE WON CASH!!!
Content-Type: text/html

<html><body><font size=7>Dear Friend</font>, you are a winner of 1 million dollars cash!
Act now, limited time: <a href="http://192.0.2.1/claim">click here</a> to claim your free gift.
<p style="display:none">lesson homework</p> To be removed reply with remove.
</body></html>
`

const hammy = `Received: from mx.school.example by relay.school.example; Tue, 1 Dec 2026 09:00:00 +0000
From: Jane Smith <jane.smith@example.org>
To: Mr Brown <brown@school.example>
Date: Tue, 1 Dec 2026 08:55:00 +0000
Message-ID: <abc123@example.org>
Subject: Tom's reading book
Content-Type: text/plain

Dear Mr Brown, Tom left his reading book at his grandmother's. He will bring it on Thursday.
Thanks, Jane
`

func newScanner(t *testing.T, o Options) *Scanner {
	t.Helper()
	o.Logger = testLogger(t)
	o.Now = func() time.Time { return time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC) }
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func rulesOf(fs []scanners.Finding) map[string]float64 {
	out := map[string]float64{}
	for _, f := range fs {
		out[f.Rule] = f.Score
	}
	return out
}

func TestConformance(t *testing.T) {
	scannertest.Conformance(t, newScanner(t, Options{}), inbound, crlf(spammy), crlf(hammy))
}

func TestRules(t *testing.T) {
	s := newScanner(t, Options{})
	fs, err := s.Scan(t.Context(), message.Parse(context.Background(), crlf(spammy), message.Limits{}), inbound)
	if err != nil {
		t.Fatal(err)
	}
	got := rulesOf(fs)
	for _, id := range []string{"missing_date", "missing_message_id", "forged_received", "freemail_reply_to", "to_undisclosed",
		"html_only", "hidden_text", "html_big_font", "subject_caps", "subject_exclaim", "subject_money", "money_phrases",
		"urgency_phrases", "bulk_unsubscribe_unlisted", "url_ip", "click_here", "generic_greeting", "from_digits"} {
		if _, ok := got[id]; !ok {
			t.Errorf("Scan(spammy) lacks rule %s; got %v", id, got)
		}
	}
	if tot := Total(fs); tot < 20 {
		t.Errorf("Total(spammy) = %v, want >= 20", tot)
	}
	fs, err = s.Scan(t.Context(), message.Parse(context.Background(), crlf(hammy), message.Limits{}), inbound)
	if err != nil {
		t.Fatal(err)
	}
	if tot := Total(fs); tot != 0 {
		t.Errorf("Total(hammy) = %v (%v), want 0", tot, rulesOf(fs))
	}
	if fs[len(fs)-1].Rule != TotalRule || fs[len(fs)-1].Severity != scanners.Info {
		t.Errorf("last finding = %+v, want the info total", fs[len(fs)-1])
	}
}

func TestScoreOverride(t *testing.T) {
	s := newScanner(t, Options{Scores: map[string]float64{"missing_date": 0, "url_ip": 9}})
	fs, err := s.Scan(t.Context(), message.Parse(context.Background(), crlf(spammy), message.Limits{}), inbound)
	if err != nil {
		t.Fatal(err)
	}
	got := rulesOf(fs)
	if _, ok := got["missing_date"]; ok {
		t.Errorf("missing_date scored 0 still reported")
	}
	if got["url_ip"] != 9 {
		t.Errorf("url_ip score = %v, want 9", got["url_ip"])
	}
	if _, err := New(Options{Logger: testLogger(t), Scores: map[string]float64{"no_such_rule": 1}}); err == nil {
		t.Errorf("New with an unknown rule score: want an error")
	}
}

func TestGTUBE(t *testing.T) {
	s := newScanner(t, Options{})
	raw := "From: a@b.example\nSubject: test\n\n" + gtube + "\n"
	fs, err := s.Scan(t.Context(), message.Parse(context.Background(), crlf(raw), message.Limits{}), inbound)
	if err != nil {
		t.Fatal(err)
	}
	if v := VerdictOf(fs, config.DefaultSpam().Thresholds); !v.IsSpam || v.Score < 100 {
		t.Errorf("VerdictOf(GTUBE) = %+v, want spam over 100", v)
	}
}

func TestBayesColdIsReported(t *testing.T) {
	c, err := bayes.New(bayes.Options{Store: bayes.NewMemStore()})
	if err != nil {
		t.Fatal(err)
	}
	s := newScanner(t, Options{Classifier: c})
	fs, err := s.Scan(t.Context(), message.Parse(context.Background(), crlf(hammy), message.Limits{}), inbound)
	if err != nil {
		t.Fatal(err)
	}
	var cold *scanners.Finding
	for i := range fs {
		if fs[i].Rule == "bayes_cold" {
			cold = &fs[i]
		}
	}
	if cold == nil || cold.Score != 0 || cold.Severity != scanners.Info || !strings.Contains(cold.Explanation, "0 spam, 0 ham") {
		t.Errorf("Scan with an untrained classifier: bayes_cold = %+v, want an info finding with score 0", cold)
	}
}

func TestVerdictAndHeader(t *testing.T) {
	fs := []scanners.Finding{
		{Scanner: Name, Rule: "bayes_99", Category: scanners.Spam, Score: 6},
		{Scanner: Name, Rule: "missing_date", Category: scanners.Spam, Score: 2.5},
		{Scanner: Name, Rule: "bayes_cold", Category: scanners.Spam},
		{Scanner: Name, Rule: TotalRule, Category: scanners.Spam, Score: 8.5},
		{Scanner: "profanity", Rule: "x", Category: scanners.Profanity, Score: 50},
	}
	tests := []struct {
		name string
		th   config.SpamThresholds
		want Verdict
	}{
		{"tag reached", config.SpamThresholds{Tag: 5, Quarantine: 10, Reject: 20}, Verdict{8.5, 5, true}},
		{"tag off, quarantine lowest", config.SpamThresholds{Tag: 1000, Quarantine: 9, Reject: 20}, Verdict{8.5, 9, false}},
		{"nothing acts", config.SpamThresholds{Tag: 1000, Quarantine: 1000, Reject: 1000}, Verdict{8.5, 0, false}},
	}
	for _, tc := range tests {
		if got := VerdictOf(fs, tc.th); got != tc.want {
			t.Errorf("%s: VerdictOf() = %+v, want %+v", tc.name, got, tc.want)
		}
	}
	h := HeaderValue(fs, config.SpamThresholds{Tag: 5})
	if want := "score=8.50 threshold=5 spam=yes reasons=bayes_99(6),missing_date(2.5)"; h != want {
		t.Errorf("HeaderValue() = %q, want %q", h, want)
	}
}

func TestThresholdsFor(t *testing.T) {
	c := config.DefaultSpam()
	c.Override = []config.SpamOverride{
		{School: "s1", Tag: 4},
		{School: "s1", Direction: "internal", Quarantine: 1000},
	}
	if got := c.ThresholdsFor("s1", "internal"); got != (config.SpamThresholds{Tag: 4, Quarantine: 1000, Reject: 20}) {
		t.Errorf("ThresholdsFor(s1, internal) = %+v", got)
	}
	if got := c.ThresholdsFor("s2", "inbound"); got != c.Thresholds {
		t.Errorf("ThresholdsFor(s2, inbound) = %+v, want defaults", got)
	}
}

func BenchmarkScan(b *testing.B) {
	s, err := New(Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	m := message.Parse(context.Background(), crlf(spammy), message.Limits{})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Scan(b.Context(), m, inbound); err != nil {
			b.Fatal(err)
		}
	}
}

// TestRuleWeightWithWarmClassifier: next to a trained classifier the
// heuristics count at DefaultRuleWeight, and the classifier's band is
// reported.
func TestRuleWeightWithWarmClassifier(t *testing.T) {
	c, err := bayes.New(bayes.Options{Store: bayes.NewMemStore(), MinSpam: 1, MinHam: 1})
	if err != nil {
		t.Fatal(err)
	}
	spamMsg := message.Parse(context.Background(), crlf(spammy), message.Limits{})
	hamMsg := message.Parse(context.Background(), crlf(hammy), message.Limits{})
	if err := c.Learn(t.Context(), spamMsg, bayes.Spam); err != nil {
		t.Fatal(err)
	}
	if err := c.Learn(t.Context(), hamMsg, bayes.Ham); err != nil {
		t.Fatal(err)
	}
	s := newScanner(t, Options{Classifier: c})
	fs, err := s.Scan(t.Context(), spamMsg, inbound)
	if err != nil {
		t.Fatal(err)
	}
	got := rulesOf(fs)
	if want := math.Round(1.5*DefaultRuleWeight*100) / 100; got["url_ip"] != want {
		t.Errorf("url_ip = %v next to a warm classifier, want 1.5 × %g = %v", got["url_ip"], DefaultRuleWeight, want)
	}
	if got["bayes_999"] != 8 {
		t.Errorf("bayes_999 = %v (rules %v), want 8 for the trained spam itself", got["bayes_999"], got)
	}
	fs, err = s.Scan(t.Context(), hamMsg, inbound)
	if err != nil {
		t.Fatal(err)
	}
	if v := VerdictOf(fs, config.DefaultSpam().Thresholds); v.IsSpam || v.Score >= 0 {
		t.Errorf("VerdictOf(trained ham) = %+v, want a negative score", v)
	}
}

func BenchmarkScanWithClassifier(b *testing.B) {
	c, err := bayes.New(bayes.Options{Store: bayes.NewMemStore(), MinSpam: 1, MinHam: 1})
	if err != nil {
		b.Fatal(err)
	}
	spamMsg := message.Parse(context.Background(), crlf(spammy), message.Limits{})
	hamMsg := message.Parse(context.Background(), crlf(hammy), message.Limits{})
	if err := c.Learn(b.Context(), spamMsg, bayes.Spam); err != nil {
		b.Fatal(err)
	}
	if err := c.Learn(b.Context(), hamMsg, bayes.Ham); err != nil {
		b.Fatal(err)
	}
	s, err := New(Options{Logger: slog.New(slog.DiscardHandler), Classifier: c})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Scan(b.Context(), spamMsg, inbound); err != nil {
			b.Fatal(err)
		}
	}
}

func TestVerdictForEnvelope(t *testing.T) {
	sc := config.DefaultSpam()
	sc.Override = []config.SpamOverride{{School: "s2", Tag: 3}}
	fs := []scanners.Finding{{Scanner: Name, Rule: TotalRule, Category: scanners.Spam, Score: 4}}
	env := &scanners.Envelope{Recipients: []scanners.Recipient{
		{Addr: "a@s1.example", School: "s1", Direction: scanners.Inbound},
		{Addr: "b@s2.example", School: "s2", Direction: scanners.Inbound},
	}}
	if got, want := VerdictForEnvelope(fs, &sc, env), (Verdict{Score: 4, Threshold: 3, IsSpam: true}); got != want {
		t.Errorf("VerdictForEnvelope(s1+s2) = %+v, want %+v", got, want)
	}
	env.Recipients = env.Recipients[:1]
	if got, want := VerdictForEnvelope(fs, &sc, env), (Verdict{Score: 4, Threshold: 5, IsSpam: false}); got != want {
		t.Errorf("VerdictForEnvelope(s1) = %+v, want %+v", got, want)
	}
}

// BenchmarkScanCorpus scans the first 300 messages of the shared
// SpamAssassin corpus with the rules only (as the relay runs the scanner
// when the classifier is off); skipped when the corpus is absent.
func BenchmarkScanCorpus(b *testing.B) {
	files, _ := filepath.Glob("../../../shared/corpus/spamassassin/*/*")
	if len(files) == 0 { // a worktree one level deeper (/work/wt/<name>)
		files, _ = filepath.Glob("../../../../shared/corpus/spamassassin/*/*")
	}
	if len(files) == 0 {
		b.Skip("corpus ../shared/corpus/spamassassin is absent")
	}
	var msgs []*message.Message
	for i := 0; i < len(files) && len(msgs) < 300; i += max(len(files)/300, 1) {
		raw, err := os.ReadFile(files[i])
		if err != nil {
			b.Fatal(err)
		}
		msgs = append(msgs, message.Parse(context.Background(), raw, message.Limits{}))
	}
	s, err := New(Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := s.Scan(b.Context(), msgs[i%len(msgs)], inbound); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func TestContainsGTUBE(t *testing.T) {
	if !strings.HasSuffix(gtube, gtubeTail) || len(gtubeTail) > 63 {
		t.Fatalf("gtubeTail %q is not a short suffix of GTUBE", gtubeTail)
	}
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{gtube, true},
		{"before " + gtube + " after", true},
		{strings.Repeat("X", 5000) + gtube, true},
		{gtube[1:], false},
		{gtube[:len(gtube)-1], false},
		{gtubeTail, false},
		{strings.Repeat(gtubeTail, 3), false},
		{"XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34" + gtubeTail, false},
		{"", false},
	} {
		if got := containsGTUBE(tc.s); got != tc.want || containsGTUBE([]byte(tc.s)) != tc.want || got != strings.Contains(tc.s, gtube) {
			t.Errorf("containsGTUBE(%.40q...) = %v, want %v", tc.s, got, tc.want)
		}
	}
}
