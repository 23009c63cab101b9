package classify

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/textnorm"
)

// Name is the scanner's stable id.
const Name = "classifier"

// Options configures a Scanner. The zero value uses the embedded model.
type Options struct {
	// Model is the model to use (nil: Default()).
	Model *Model
}

// Scanner reports the classifier's scores as findings. Rules (stable ids):
//
//	classifier_self_harm  safeguarding  low or medium
//	classifier_bullying   safeguarding  low or medium, on a passage of
//	                                    any length, medium only when it
//	                                    is aimed at a person (AimedSeverity,
//	                                    short.go)
//	classifier_abusive    profanity     low, and only above the medium
//	                                    threshold (abusive language is the
//	                                    profanity lists' job; the score is
//	                                    extra evidence for the policy)
//
// A finding's Score is the probability (0–1) of its best chunk and its
// evidence is that chunk: the sentences that scored highest. A best chunk
// of fewer than MinWords words (Words) is not reported. It is safe
// for concurrent use.
type Scanner struct {
	m    *Model
	pool sync.Pool // *scanState
}

type scanState struct {
	fields []textnorm.Field
	best   []float64
	spans  [][2]int
}

// New builds a Scanner.
func New(opts Options) (*Scanner, error) {
	m := opts.Model
	if m == nil {
		var err error
		if m, err = Default(); err != nil {
			return nil, err
		}
	}
	return &Scanner{m: m}, nil
}

// Name returns "classifier".
func (s *Scanner) Name() string { return Name }

type topicHit struct {
	p     float64
	field int
	span  [2]int
}

// Scan implements scanners.Scanner over the subject and every text part.
func (s *Scanner) Scan(ctx context.Context, m *message.Message, _ *scanners.Envelope) ([]scanners.Finding, error) {
	st, _ := s.pool.Get().(*scanState)
	if st == nil {
		st = &scanState{}
	}
	defer s.pool.Put(st)
	st.fields = textnorm.MessageFields(m, st.fields[:0])
	nt := len(s.m.Topics)
	var top [16]topicHit
	for t := range nt {
		top[t] = topicHit{p: -1}
	}
	for i, f := range st.fields {
		if f.Name != "subject" && f.Name != "body" {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		st.best, st.spans = s.m.Best(f.Text, st.best, st.spans)
		for t := range nt {
			if st.best[t] > top[t].p {
				top[t] = topicHit{p: st.best[t], field: i, span: st.spans[t]}
			}
		}
	}
	var out []scanners.Finding
	for t := range nt {
		h := top[t]
		sev := scanners.Info
		switch {
		case s.m.Medium[t] < 1 && h.p >= float64(s.m.Medium[t]):
			sev = scanners.Medium
		case s.m.Low[t] < 1 && h.p >= float64(s.m.Low[t]):
			sev = scanners.Low
		}
		topic := s.m.Topics[t]
		cat := scanners.Safeguarding
		if topic == "abusive" {
			// only above the medium threshold, reported as low: below it the
			// model scores ordinary second-person chat ("are you coming?")
			cat, sev = scanners.Profanity, min(sev, scanners.Low)
			if h.p < float64(s.m.Medium[t]) {
				sev = scanners.Info
			}
		}
		if sev == scanners.Info || len(st.fields) == 0 {
			continue // no threshold reached, or no text at all (h is then the zero hit)
		}
		f := st.fields[h.field]
		a, b := trimSpace(f.Text, h.span[0], h.span[1])
		if topic == AimedTopic {
			sev = AimedSeverity(h.p, s.m.Low[t], s.m.Medium[t], f.Text[a:b]) // short.go
		}
		if sev == scanners.Info {
			continue
		}
		if topic != AimedTopic && !Judged(f.Text[a:b]) {
			// Too short to judge: the model, trained on longer texts,
			// scores a short friendly line ("See you at the trip.", "Q: are
			// you going to the match<br>A: yes") as second-person abuse.
			// The lexicons cover short insults.
			continue
		}
		out = append(out, scanners.Finding{
			Scanner: Name, Rule: "classifier_" + topic, Category: cat, Severity: sev, Score: h.p,
			Explanation: fmt.Sprintf("%s: trained classifier probability %.2f for the passage shown (a statistical guess; see docs/model-card.md)", strings.ReplaceAll(topic, "_", "-"), h.p),
			Evidence:    []scanners.Evidence{{Part: f.Part, Field: f.Name, Offset: a, Length: b - a, Text: textnorm.Quote(f.Text, a, b, 300)}},
		})
	}
	return out, nil
}

// MinWords is the fewest words a passage needs before the classifier's
// score is reported (see Words).
const MinWords = 8

// Judged reports whether the classifier's score for passage is reported:
// whether it has at least MinWords words. The training program chooses the
// thresholds on the passages this reports.
func Judged(passage string) bool { return Words(passage) >= MinWords }

// Words counts the words of s as a reader sees them: markup left in plain
// text does not count (an HTML tag such as "<br>" separates words, a
// character reference such as "&#039;" or "&amp;" is no word), nor does a
// one-letter "Q:" or "A:" label of a copied question-and-answer post, nor a
// token without a letter or digit. Linear in len(s).
func Words(s string) int {
	n := 0
	i := 0
	for i < len(s) {
		// skip separators and markup
		switch c := s[i]; {
		case c == ' ' || c == '\n' || c == '\r' || c == '\t':
			i++
			continue
		case c == '<':
			if j := tagEnd(s, i); j > i {
				i = j
				continue
			}
		case c == '&':
			if j := refEnd(s, i); j > i {
				i = j
				continue
			}
		}
		// one word: up to a separator or a tag (references inside a word,
		// "what&#039;s", do not split it)
		start, alnum := i, false
		for i < len(s) {
			c := s[i]
			if c == ' ' || c == '\n' || c == '\r' || c == '\t' {
				break
			}
			if c == '<' && tagEnd(s, i) > i {
				break
			}
			if c == '&' {
				if j := refEnd(s, i); j > i {
					i = j
					continue
				}
			}
			if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80 {
				alnum = true
			}
			i++
		}
		w := s[start:i]
		if !alnum || len(w) == 2 && w[1] == ':' && (w[0]|0x20 == 'q' || w[0]|0x20 == 'a') {
			continue
		}
		n++
	}
	return n
}

// tagEnd returns the end of an HTML tag at s[i] ("<br>", "</p>", "<br />":
// a letter or '/' after '<', no space before the name, '>' within 64
// bytes), or i when there is none.
func tagEnd(s string, i int) int {
	if i+2 >= len(s) {
		return i
	}
	c := s[i+1]
	if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '/') {
		return i
	}
	for j := i + 2; j < len(s) && j < i+64; j++ {
		switch s[j] {
		case '>':
			return j + 1
		case '<', '\n':
			return i
		}
	}
	return i
}

// refEnd returns the end of an HTML character reference at s[i] ("&#039;",
// "&#x27;", "&amp;": at most 10 letters or digits and ';'), or i.
func refEnd(s string, i int) int {
	j := i + 1
	if j < len(s) && s[j] == '#' {
		j++
	}
	k := j
	for k < len(s) && k < j+10 && (s[k] >= 'a' && s[k] <= 'z' || s[k] >= 'A' && s[k] <= 'Z' || s[k] >= '0' && s[k] <= '9') {
		k++
	}
	if k == j || k >= len(s) || s[k] != ';' {
		return i
	}
	return k + 1
}

func trimSpace(s string, a, b int) (int, int) {
	for a < b && (s[a] == ' ' || s[a] == '\n' || s[a] == '\r' || s[a] == '\t') {
		a++
	}
	for b > a && (s[b-1] == ' ' || s[b-1] == '\n' || s[b-1] == '\r' || s[b-1] == '\t') {
		b--
	}
	return a, b
}

var _ scanners.Scanner = (*Scanner)(nil)
