package policy

import (
	"strings"

	"github.com/lychgate/lychgate/scanners"
)

// Weighing: scanners report a base severity and facts (Finding.Tags); how
// much a finding matters depends on who wrote it and who reads this copy,
// which only the policy knows, per recipient. The built-in weighting below
// runs before the rules are matched:
//
//   - safeguarding, every topic but grooming: written by a pupil raises the
//     severity one level (up to high), except hyperbole and the trained
//     classifier's findings (its low and medium are its own thresholds,
//     the medium one chosen for precision on a held-out split; raising its
//     low would turn a statistical guess on "see you at the trip" into a
//     medium concern);
//   - safeguarding "sexual" from an adult outside the schools to a pupil
//     raises it one level (up to high);
//   - safeguarding "grooming" from an adult outside the schools to a pupil
//     raises it one level, and to critical when the scanner saw several
//     grooming signals including secrecy or an image request;
//   - safeguarding "bullying" between adults (neither the sender nor this
//     recipient a pupil) is one level lower (not below low);
//   - strong profanity that is neither aimed at the reader ("directed") nor
//     written by or to a pupil is lowered to low;
//   - an insult (profanity_insult) between adults is one level lower (not
//     below low);
//   - a finding tagged "outbound_only" (pupil personal data) applies only
//     to copies leaving the schools.
//
// A finding from a school-scoped list or rule (Finding.School) only ever
// applies to that school's recipients.

// The tags the weighting reads (see the scanners' package docs).
const (
	TagDirected       = "directed"
	TagSeveralSignals = "several_signals"
	TagSecrecy        = "secrecy"
	TagImage          = "image"
	TagOutboundOnly   = "outbound_only"
	TagHyperbole      = "hyperbole"
)

// weighed is one finding as it applies to one recipient.
type weighed struct {
	f    scanners.Finding // Severity adjusted
	why  string           // why the severity changed ("" if it did not)
	skip string           // why it does not apply to this recipient at all ("" if it does)
}

// outsideAdult reports whether the sender is an adult outside the schools
// writing in to rc.
func outsideAdult(env *scanners.Envelope, rc scanners.Recipient) bool {
	return env.SenderSchool == "" && !scanners.HasGroup(env.SenderGroups, scanners.PupilGroup) && rc.Direction == scanners.Inbound
}

// weigh is the built-in weighing, after grading a spam score against the
// thresholds of rc's school and direction ([spam.override]).
func (p *Policy) weigh(env *scanners.Envelope, rc scanners.Recipient, f scanners.Finding) weighed {
	if f.Category == scanners.Spam && f.Rule == SpamScoreRule {
		t := p.spam.ThresholdsFor(rc.School, string(rc.Direction))
		f.Severity = [...]scanners.Severity{scanners.Info, scanners.Low, scanners.Medium, scanners.High}[t.Level(f.Score)]
	}
	return weigh(env, rc, f)
}

// SpamScoreRule is the rule id of the spam scanner's total score.
const SpamScoreRule = "spam_score"

// weigh returns f as it applies to recipient rc of env.
func weigh(env *scanners.Envelope, rc scanners.Recipient, f scanners.Finding) weighed {
	w := weighed{f: f}
	if f.School != "" && f.School != rc.School {
		w.skip = "from school " + f.School + "'s list or rule"
		return w
	}
	if f.HasTag(TagOutboundOnly) && rc.Direction != scanners.Outbound {
		w.skip = "applies only to copies leaving the schools"
		return w
	}
	if limitedElsewhere(f, rc.Direction) {
		w.skip = "the rule is limited to other directions"
		return w
	}
	pupilSender := scanners.HasGroup(env.SenderGroups, scanners.PupilGroup)
	pupilRcpt := scanners.HasGroup(rc.Groups, scanners.PupilGroup)
	var why []string
	sev := f.Severity
	switch {
	case f.Category == scanners.Safeguarding && topicOf(f) == "grooming":
		if outsideAdult(env, rc) && pupilRcpt {
			if sev < scanners.High {
				sev++
			}
			if f.HasTag(TagSeveralSignals) && (f.HasTag(TagSecrecy) || f.HasTag(TagImage)) {
				sev = scanners.Critical
			}
			why = append(why, "adult outside the school writing to a pupil")
		}
	case f.Category == scanners.Safeguarding && topicOf(f) == "bullying" && !pupilSender && !pupilRcpt:
		// Insults between adults ("you're stupid" on a mailing list) are
		// not a child-protection concern: one level lower, still recorded.
		if sev > scanners.Low {
			sev--
			why = append(why, "between adults")
		}
	case f.Category == scanners.Safeguarding && sev > scanners.Info && !f.HasTag(TagHyperbole):
		// Hyperbole ("this homework is killing me") stays as the scanner
		// rated it, whoever wrote it.
		if pupilSender && sev < scanners.High && f.Scanner != "classifier" {
			sev++
			why = append(why, "written by a pupil")
		}
		if topicOf(f) == "sexual" && outsideAdult(env, rc) && pupilRcpt && sev < scanners.High {
			sev++
			why = append(why, "adult outside the school writing to a pupil")
		}
	case f.Category == scanners.Profanity && f.Rule == "profanity_insult" && !pupilSender && !pupilRcpt:
		// "you are an idiot" between adults, like bullying: one level lower.
		if sev > scanners.Low {
			sev--
			why = append(why, "between adults")
		}
	case f.Category == scanners.Profanity && f.Rule == "profanity_strong":
		if !f.HasTag(TagDirected) && !pupilSender && !pupilRcpt && sev > scanners.Low {
			sev = scanners.Low
			why = append(why, "not aimed at anyone, no pupil involved")
		}
	}
	w.f.Severity = sev
	w.why = strings.Join(why, "; ")
	return w
}

// limitedElsewhere reports whether f carries direction tags none of which
// is d.
func limitedElsewhere(f scanners.Finding, d scanners.Direction) bool {
	limited := false
	for _, t := range f.Tags {
		if strings.HasPrefix(t, "direction_") {
			if t == scanners.DirectionTag(d) {
				return false
			}
			limited = true
		}
	}
	return limited
}

// topicOf is the safeguarding topic of a safeguarding finding ("grooming"
// for rule "safeguarding_grooming" or "classifier_grooming"), or "illegal"
// for an illegal one; "" otherwise.
func topicOf(f scanners.Finding) string {
	switch f.Category {
	case scanners.Illegal:
		return "illegal"
	case scanners.Safeguarding:
		if _, t, ok := strings.Cut(f.Rule, "_"); ok {
			return t
		}
		return f.Rule
	}
	return ""
}

// Confidential reports whether f is the kind of concern nobody but the DSL
// may learn of (a safeguarding or illegal finding), unless the school opted
// in to telling the sender about its topic (optIn lists topics, "illegal"
// included).
func Confidential(f scanners.Finding, optIn []string) bool {
	t := topicOf(f)
	if t == "" {
		return false
	}
	for _, o := range optIn {
		if o == t {
			return false
		}
	}
	return true
}
