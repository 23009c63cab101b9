// Package spam owns the spam scanner: a heuristic rule table (Rules), the
// Bayesian classifier's verdict (package bayes), and, for inbound mail,
// sender authentication (package auth) and DNS blocklists (package dnsbl).
// Every reason becomes one finding of category spam with its score and
// severity info, and one more finding, rule "spam_score", carries the
// total with a severity from the default thresholds: info below tag, low
// from tag, medium from quarantine, high from reject. Per-school and
// per-direction thresholds are applied with VerdictOf and
// config.Spam.ThresholdsFor. Verdict turns the
// findings and a school's thresholds into the {"score", "threshold",
// "is_spam"} of `lychgate check --json`; HeaderValue gives the
// X-Lychgate-Spam header.
//
// The scanner reports scores; whether a score tags, quarantines or rejects
// is the policy's decision (thresholds per school and direction in
// config.Spam).
package spam

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/spam/bayes"
)

// Name is the scanner's id.
const Name = "spam"

// TotalRule is the rule id of the finding that carries the total score.
const TotalRule = "spam_score"

// maxFindings caps the reasons reported for one message.
const maxFindings = 40

// bayesBand maps a classifier probability range to a rule and score.
type bayesBand struct {
	id          string
	lo, hi      float64 // lo <= p < hi
	score       float64
	explanation string
}

// bayesBands are the classifier's rules. Scores are defaults; TOML
// [spam.scores] overrides them. The scores and DefaultRuleWeight were
// chosen together by cross-validation on the train split of the public
// corpus (`lychgate eval spam --tune 5`, docs/spam-eval.md) for a ham
// false-positive rate at most 0.2%: only the classifier's near-certainty
// (p >= 0.99) tags on its own; below it the rules must agree.
var bayesBands = []bayesBand{
	{"bayes_999", 0.999, 1.01, 8, "the classifier is nearly certain this is spam (p >= 0.999)"},
	{"bayes_99", 0.99, 0.999, 5, "the classifier finds this very likely spam (0.99 <= p < 0.999)"},
	{"bayes_50", 0.50, 0.99, 2.5, "the classifier leans to spam (0.50 <= p < 0.99)"},
	{"bayes_40", 0.40, 0.50, 2.5, "the classifier is unsure, slightly towards spam (0.40 <= p < 0.50)"},
	{"bayes_20", 0.05, 0.20, -2, "the classifier leans to ham (0.05 <= p < 0.20)"},
	{"bayes_05", 0.01, 0.05, -4, "the classifier finds this likely ham (0.01 <= p < 0.05)"},
	{"bayes_01", -0.01, 0.01, -6, "the classifier is nearly certain this is ham (p < 0.01)"},
}

// bandOf returns the band of classifier probability p.
func bandOf(p float64) (bayesBand, bool) {
	for _, b := range bayesBands {
		if p >= b.lo && p < b.hi {
			return b, true
		}
	}
	return bayesBand{}, false
}

// Band is one probability range of the classifier and the rule it fires.
type Band struct {
	ID     string
	Lo, Hi float64 // Lo <= p < Hi
	Score  float64 // default score
}

// Bands returns the classifier's bands, most spammy first.
func Bands() []Band {
	out := make([]Band, len(bayesBands))
	for i, b := range bayesBands {
		out[i] = Band{ID: b.id, Lo: b.lo, Hi: b.hi, Score: b.score}
	}
	return out
}

// CombinedScore is the total the scanner gives a message whose heuristic
// rules (at full score, as with the classifier off) sum to rules and whose
// trained classifier says p, with the default scores and rule weight: the
// offline tuner (package evaluate) uses it to score settings without
// scanning again.
func CombinedScore(rules, p float64) float64 {
	b, _ := bandOf(p)
	return rules*DefaultRuleWeight + b.score
}

// RuleScore is the default score of the heuristic rule id, or 0 when
// there is none.
func RuleScore(id string) float64 {
	for _, r := range Rules {
		if r.ID == id {
			return r.Score
		}
	}
	return 0
}

// Options configures a Scanner.
type Options struct {
	// Logger receives warnings (classifier store errors); required.
	Logger *slog.Logger
	// Classifier is the Bayesian classifier; nil turns it off.
	Classifier *bayes.Classifier
	// Scores overrides rule scores by id (0 turns a rule off).
	Scores map[string]float64
	// Thresholds are the default thresholds; they set the total finding's
	// severity. Per-school thresholds are applied by Verdict.
	Thresholds config.SpamThresholds
	// Extra are further checks (sender authentication, blocklists) that
	// run on inbound mail.
	Extra []Check
	// Now is the clock (default time.Now).
	Now func() time.Time
	// RuleWeight scales the heuristic rules' scores while the classifier
	// is trained (default DefaultRuleWeight); with the classifier off or
	// cold the rules count in full.
	RuleWeight float64
}

// DefaultRuleWeight is the weight of heuristic scores next to a trained
// classifier: the classifier has learnt most of what the rules see, so
// counting both in full would count it twice. 0.25 was chosen by
// cross-validation on the train split together with the band scores: it
// tags as much spam and as little ham as 0.5 and holds no ham at the
// quarantine threshold where 0.5 held 4 of 2,905 (docs/spam-eval.md).
const DefaultRuleWeight = 0.25

// Reason is one thing that moved the spam score.
type Reason struct {
	Rule        string
	Score       float64
	Explanation string
	Evidence    []scanners.Evidence
}

// Check is an extra source of reasons for inbound mail, such as sender
// authentication (auth.Checker) or DNS blocklists (dnsbl.Checker). A check
// must honour ctx and report its own failures (DNS timeouts) as reasons,
// not errors.
type Check interface {
	Reasons(ctx context.Context, m *message.Message, env *scanners.Envelope) []Reason
}

// Scanner is the spam scanner.
type Scanner struct {
	o        Options
	freemail map[string]bool
}

var _ scanners.Scanner = (*Scanner)(nil)

// New returns a spam scanner.
func New(o Options) (*Scanner, error) {
	if o.Logger == nil {
		return nil, errors.New("spam: no logger")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.RuleWeight <= 0 {
		o.RuleWeight = DefaultRuleWeight
	}
	if o.Thresholds == (config.SpamThresholds{}) {
		o.Thresholds = config.DefaultSpam().Thresholds
	}
	known := map[string]bool{}
	for _, r := range Rules {
		known[r.ID] = true
	}
	for _, b := range bayesBands {
		known[b.id] = true
	}
	for id := range o.Scores {
		if !known[id] && !externalRule(id) {
			return nil, fmt.Errorf("spam: scores: unknown rule %q", id)
		}
	}
	return &Scanner{o: o, freemail: freemailSet()}, nil
}

// externalRule reports ids of the auth and dnsbl checks (they are
// validated by their own packages).
func externalRule(id string) bool {
	return strings.HasPrefix(id, "spf_") || strings.HasPrefix(id, "dkim_") || strings.HasPrefix(id, "dmarc_") ||
		strings.HasPrefix(id, "dnsbl_") || strings.HasPrefix(id, "auth_") || id == "lookalike_domain"
}

// Name returns "spam".
func (s *Scanner) Name() string { return Name }

func (s *Scanner) score(id string, def float64) float64 {
	if v, ok := s.o.Scores[id]; ok {
		return v
	}
	return def
}

// Reasons returns every reason for m with its (possibly overridden) score,
// without the total.
func (s *Scanner) Reasons(ctx context.Context, m *message.Message, env *scanners.Envelope) []Reason {
	// The reasons and their evidence grow in two slices (each reason's
	// evidence is one element of evs, capacity 1) instead of one
	// allocation per reason.
	out := make([]Reason, 0, 8)
	evs := make([]scanners.Evidence, 0, 8)
	c := newCheckCtx(m, env, s.o.Now(), s.freemail)
	for _, r := range Rules {
		if ctx.Err() != nil {
			break
		}
		sc := s.score(r.ID, r.Score)
		if sc == 0 {
			continue
		}
		if hit, ev := r.check(c); hit {
			evs = append(evs, ev)
			out = append(out, Reason{Rule: r.ID, Score: sc, Explanation: r.Explanation, Evidence: evs[len(evs)-1 : len(evs) : len(evs)]})
		}
	}
	if s.o.Classifier != nil {
		br, warm := s.bayesReason(ctx, m)
		if warm && s.o.RuleWeight != 1 {
			for i := range out {
				out[i].Score = math.Round(out[i].Score*s.o.RuleWeight*100) / 100
				out[i].Explanation += fmt.Sprintf(" (weight %g next to the trained classifier)", s.o.RuleWeight)
			}
		}
		out = append(out, br...)
	}
	if env == nil || env.Direction() == scanners.Inbound {
		for _, x := range s.o.Extra {
			for _, r := range x.Reasons(ctx, m, env) {
				r.Score = s.score(r.Rule, r.Score)
				out = append(out, r)
			}
		}
	}
	return out
}

// bayesReason classifies m; warm is false when the classifier could not
// give a probability (cold start, store unavailable).
func (s *Scanner) bayesReason(ctx context.Context, m *message.Message) (_ []Reason, warm bool) {
	res, err := s.o.Classifier.Classify(ctx, m)
	if err != nil {
		s.o.Logger.WarnContext(ctx, "spam: classifier unavailable", "err", err)
		return []Reason{{Rule: "bayes_unavailable", Explanation: "the classifier's store could not be read; scored without it"}}, false
	}
	if res.Cold {
		return []Reason{{Rule: "bayes_cold", Explanation: fmt.Sprintf("the classifier is not trained enough yet (%d spam, %d ham messages); scored without it", res.Trained.Spam, res.Trained.Ham)}}, false
	}
	b, ok := bandOf(res.Prob)
	if !ok {
		return nil, true
	}
	sc := s.score(b.id, b.score)
	if sc == 0 {
		return nil, true
	}
	return []Reason{{Rule: b.id, Score: sc, Explanation: b.explanation + "; p=" + strconv.FormatFloat(res.Prob, 'f', 4, 64) +
		" (words and form " + strconv.FormatFloat(res.WholeProb, 'f', 4, 64) + ", headers " + strconv.FormatFloat(res.HeaderProb, 'f', 4, 64) + ")", Evidence: clueEvidence(res.Clues, sc > 0)}}, true
}

// clueEvidence quotes the strongest tokens on the side of the verdict.
func clueEvidence(clues []bayes.Clue, spammy bool) []scanners.Evidence {
	var ev []scanners.Evidence
	for _, c := range clues {
		if (c.Prob > 0.5) != spammy {
			continue
		}
		ev = append(ev, scanners.Evidence{Field: "bayes", Text: fmt.Sprintf("%s (%.3f)", c.Token, c.Prob)})
		if len(ev) == 5 {
			break
		}
	}
	return ev
}

// Scan implements scanners.Scanner.
func (s *Scanner) Scan(ctx context.Context, m *message.Message, env *scanners.Envelope) ([]scanners.Finding, error) {
	reasons := s.Reasons(ctx, m, env)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("spam: %w", err)
	}
	slices.SortStableFunc(reasons, byWeight)
	total := 0.0
	for _, r := range reasons {
		total += r.Score
	}
	if len(reasons) > maxFindings {
		reasons = reasons[:maxFindings]
	}
	out := make([]scanners.Finding, 0, len(reasons)+1)
	for _, r := range reasons {
		out = append(out, scanners.Finding{
			Scanner: Name, Rule: r.Rule, Category: scanners.Spam, Severity: reasonSeverity(r.Score),
			Score: r.Score, Explanation: r.Explanation, Evidence: r.Evidence,
		})
	}
	total = math.Round(total*100) / 100
	out = append(out, scanners.Finding{
		Scanner: Name, Rule: TotalRule, Category: scanners.Spam, Severity: totalSeverity(total, s.o.Thresholds),
		Score: total, Explanation: totalExplanation(total, len(reasons), s.o.Thresholds.Tag),
	})
	return out, nil
}

// byWeight orders reasons by falling absolute score: what the less
// function |a| > |b| of sort.SliceStable once did (slices.SortStableFunc
// runs the same stable algorithm, without the reflection and its
// allocations).
func byWeight(a, b Reason) int {
	switch x, y := math.Abs(a.Score), math.Abs(b.Score); {
	case x > y:
		return -1
	case y > x:
		return 1
	}
	return 0
}

// totalExplanation is fmt.Sprintf("spam score %.2f from %d reasons (tag
// at %g)", total, n, tag), in one allocation.
func totalExplanation(total float64, n int, tag float64) string {
	b := make([]byte, 0, 64)
	b = append(b, "spam score "...)
	b = strconv.AppendFloat(b, total, 'f', 2, 64)
	b = append(b, " from "...)
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, " reasons (tag at "...)
	b = strconv.AppendFloat(b, tag, 'g', -1, 64)
	b = append(b, ')')
	return string(b)
}

// reasonSeverity is info for every reason: a single reason decides
// nothing, only the total does (the spam_score finding).
func reasonSeverity(float64) scanners.Severity { return scanners.Info }

// totalSeverity grades the total against the default thresholds: info
// below tag, low from tag, medium from quarantine, high from reject.
func totalSeverity(total float64, t config.SpamThresholds) scanners.Severity {
	return [...]scanners.Severity{scanners.Info, scanners.Low, scanners.Medium, scanners.High}[t.Level(total)]
}

// never is the threshold from which a threshold never acts.
const never = 1000

// Verdict is the spam summary of `lychgate check --json` (a contract).
type Verdict struct {
	Score     float64 `json:"score"`
	Threshold float64 `json:"threshold"`
	IsSpam    bool    `json:"is_spam"`
}

// Ran reports whether findings hold the spam scanner's total (the scanner
// ran on the message).
func Ran(findings []scanners.Finding) bool {
	for _, f := range findings {
		if f.Scanner == Name && f.Rule == TotalRule {
			return true
		}
	}
	return false
}

// Total returns the total spam score in findings (the spam_score finding,
// or the sum of spam findings when it is absent).
func Total(findings []scanners.Finding) float64 {
	sum := 0.0
	for _, f := range findings {
		if f.Category != scanners.Spam || f.Scanner != Name {
			continue
		}
		if f.Rule == TotalRule {
			return f.Score
		}
		sum += f.Score
	}
	return sum
}

// LowestThreshold is the lowest threshold of t that acts (tag or
// stronger), or 0 when none does.
func LowestThreshold(t config.SpamThresholds) float64 {
	lo := 0.0
	for _, v := range []float64{t.Tag, t.Quarantine, t.Reject} {
		if v > 0 && v < never && (lo == 0 || v < lo) {
			lo = v
		}
	}
	return lo
}

// VerdictOf returns the spam verdict of findings under thresholds t:
// IsSpam means the score reached the lowest threshold that acts.
func VerdictOf(findings []scanners.Finding, t config.SpamThresholds) Verdict {
	s := Total(findings)
	th := LowestThreshold(t)
	return Verdict{Score: s, Threshold: th, IsSpam: th > 0 && s >= th}
}

// HeaderValue returns the X-Lychgate-Spam header value: the score, the
// verdict and the reasons with their scores, e.g.
// "score=7.50 threshold=5 spam=yes reasons=bayes_99(5.5),missing_date(1)".
func HeaderValue(findings []scanners.Finding, t config.SpamThresholds) string {
	v := VerdictOf(findings, t)
	b := make([]byte, 0, 48+24*len(findings)) // one allocation for the buffer, one for the string
	b = append(b, "score="...)
	b = strconv.AppendFloat(b, v.Score, 'f', 2, 64)
	b = append(b, " threshold="...)
	b = strconv.AppendFloat(b, v.Threshold, 'g', -1, 64)
	if v.IsSpam {
		b = append(b, " spam=yes"...)
	} else {
		b = append(b, " spam=no"...)
	}
	n := 0
	for _, f := range findings {
		if f.Scanner != Name || f.Rule == TotalRule || f.Score == 0 {
			continue
		}
		if n == 0 {
			b = append(b, " reasons="...)
		} else {
			b = append(b, ',')
		}
		b = append(b, f.Rule...)
		b = append(b, '(')
		b = strconv.AppendFloat(b, f.Score, 'g', 3, 64)
		b = append(b, ')')
		n++
	}
	return string(b)
}

// AuthResultsRule is the rule id of the zero-score finding that carries
// the Authentication-Results header value (package auth writes it).
const AuthResultsRule = "auth_results"

// AuthenticationResults returns the Authentication-Results header value
// the spam scanner computed for inbound mail, or "" when none was
// computed. The relay adds it to delivered mail as
// "Authentication-Results: <value>".
func AuthenticationResults(findings []scanners.Finding) string {
	for _, f := range findings {
		if f.Scanner == Name && f.Rule == AuthResultsRule && len(f.Evidence) > 0 {
			return f.Evidence[0].Text
		}
	}
	return ""
}

// VerdictForEnvelope is the message-level verdict for `lychgate check
// --json`: the lowest acting threshold over every recipient's school and
// direction (config.Spam.ThresholdsFor), so is_spam means some copy of the
// message would at least be tagged. With no recipients the default
// thresholds apply.
func VerdictForEnvelope(findings []scanners.Finding, sc *config.Spam, env *scanners.Envelope) Verdict {
	var lo float64
	consider := func(t config.SpamThresholds) {
		if v := LowestThreshold(t); v > 0 && (lo == 0 || v < lo) {
			lo = v
		}
	}
	if env == nil || len(env.Recipients) == 0 {
		consider(sc.Thresholds)
	} else {
		for _, r := range env.Recipients {
			consider(sc.ThresholdsFor(r.School, string(r.Direction)))
		}
	}
	s := Total(findings)
	return Verdict{Score: s, Threshold: lo, IsSpam: lo > 0 && s >= lo}
}
