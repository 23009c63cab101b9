package evaluate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/lychgate/lychgate/internal/realdata"
	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
)

// RealOptions configures RealText: the labelled real texts of
// ../shared/data (package realdata), each sent as a pupil's mail to another
// pupil, and the ham corpus.
type RealOptions struct {
	// Analyze analyses one message as serve does (the engine, with the
	// policy's weighing); when nil, Scanners run directly over Parse's
	// result.
	Analyze Analyze
	// Scanners are the scanners under test when Analyze is nil.
	Scanners []scanners.Scanner
	// DataDir holds the labelled CSV sets (../shared/data).
	DataDir string
	// HamDir is the ham corpus ("" to skip).
	HamDir string
	// Parse turns raw bytes into a Message.
	Parse func([]byte) *message.Message
	// AllSplits measures the training split too (default: validation only,
	// the part training never sees).
	AllSplits bool
	// TrainOnly measures the training split alone (the part the lexicons
	// may be tuned on); it wins over AllSplits.
	TrainOnly bool
	// ListMisses records every missed positive and every flagged clean
	// negative at medium+ in RealReport.Misses. It is refused on any split
	// but the training one (TrainOnly): nobody tunes on validation texts.
	ListMisses bool
	// Envelope is what the labelled texts are scanned with (nil:
	// PupilEnvelope).
	Envelope *scanners.Envelope
}

// Rate is a confusion matrix at the two thresholds the report gives.
type Rate struct {
	Low, Medium Counts
}

// RealReport is what RealText measured.
type RealReport struct {
	// Cells[source][topic]; source "all" sums the labelled sets.
	Cells   map[string]map[realdata.Topic]*Rate
	Sources []string
	// Ham corpus: messages, and how many had a profanity or safeguarding
	// finding at low or above and at medium or above.
	HamMessages, HamLow, HamMedium int
	// HamHits are the medium+ findings on ham (rule and evidence).
	HamHits []HamHit
	Split   string
	// Pupil is true when the texts were sent as pupil mail.
	Pupil bool
	// Misses are the training split's misses and false alarms at medium+
	// (RealOptions.ListMisses).
	Misses []Miss
}

// Miss is one training-split text the scanners got wrong at medium+: a
// missed positive (FP false) or a flagged negative (FP true).
type Miss struct {
	Source string
	Topic  realdata.Topic
	FP     bool
	Text   string
	// Rules are the medium+ findings' rules and evidence (false alarms).
	Rules []string
}

// PupilEnvelope is the envelope real texts are scanned with: a pupil of
// school "school" writing to another pupil (internal mail).
func PupilEnvelope() *scanners.Envelope {
	return &scanners.Envelope{
		From:         "pupil@school.test",
		SenderSchool: "school",
		SenderGroups: []string{"pupils"},
		Recipients:   []scanners.Recipient{{Addr: "friend@school.test", Direction: scanners.Internal, School: "school", Groups: []string{"pupils"}}},
	}
}

// PupilMail returns text as a plain-text RFC 5322 message from one pupil to
// another.
func PupilMail(text string) []byte {
	var b strings.Builder
	b.WriteString("From: Pupil <pupil@school.test>\r\nTo: Friend <friend@school.test>\r\n")
	b.WriteString("Date: Tue, 1 Dec 2026 09:00:00 +0000\r\nMessage-ID: <eval@school.test>\r\n")
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	for line := range strings.SplitSeq(text, "\n") {
		b.WriteString(strings.TrimRight(line, "\r"))
		b.WriteString("\r\n")
	}
	return []byte(b.String())
}

// Flags reports whether the findings fs flag topic t at severity sev or
// above: self_harm by a rule ending in "self_harm"; bullying by any other
// safeguarding finding; abusive by any profanity or safeguarding finding.
func Flags(fs []scanners.Finding, t realdata.Topic, sev scanners.Severity) bool {
	for _, f := range fs {
		if f.Severity < sev {
			continue
		}
		switch t {
		case realdata.SelfHarm:
			if strings.HasSuffix(f.Rule, "self_harm") {
				return true
			}
		case realdata.Bullying:
			if f.Category == scanners.Safeguarding && !strings.HasSuffix(f.Rule, "self_harm") {
				return true
			}
		case realdata.Abusive:
			if f.Category == scanners.Safeguarding || f.Category == scanners.Profanity {
				return true
			}
		}
	}
	return false
}

func (c *Counts) add(pos, flagged bool) {
	switch {
	case pos && flagged:
		c.TP++
	case pos:
		c.FN++
	case flagged:
		c.FP++
	default:
		c.TN++
	}
}

// find analyses raw with opts.Analyze, or the scanners directly.
func (opts *RealOptions) find(ctx context.Context, raw []byte, env *scanners.Envelope) ([]scanners.Finding, error) {
	if opts.Analyze != nil {
		return opts.Analyze(ctx, raw, env), nil
	}
	return scanAll(ctx, opts.Scanners, opts.Parse(raw), env)
}

func scanAll(ctx context.Context, list []scanners.Scanner, m *message.Message, env *scanners.Envelope) ([]scanners.Finding, error) {
	var out []scanners.Finding
	for _, s := range list {
		fs, err := s.Scan(ctx, m, env)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.Name(), err)
		}
		out = append(out, fs...)
	}
	return out, nil
}

// HardNegative reports whether e is a negative that is not a clean text:
// a C-SSRS user the clinicians judged free of suicidal ideation or
// behaviour, who is either at risk ("Indicator": distress, risk factors) or
// answers others in suicide forums ("Supportive", heavy suicide vocabulary;
// see SOURCES.md section 9). A school would want the DSL to see most of
// them, so they are no false alarms in the sense of the clean-text target:
// their source row shows how often they are flagged, and the "all" row
// leaves them out of its negatives.
func HardNegative(e *realdata.Example) bool {
	return e.Source == "cssrs" && len(e.Positive) == 0
}

// RealText scans the labelled real texts (validation split unless
// AllSplits) as pupil mail and the ham corpus (validation split of its
// files, default envelope) and counts, per source and topic, what was
// flagged at low and at medium or above.
func RealText(ctx context.Context, opts RealOptions) (*RealReport, error) {
	exs, err := realdata.Load(opts.DataDir)
	if err != nil {
		return nil, err
	}
	r := &RealReport{Cells: map[string]map[realdata.Topic]*Rate{}, Split: "validation", Pupil: opts.Envelope == nil || scanners.HasGroup(opts.Envelope.SenderGroups, "pupils")}
	if opts.ListMisses && !opts.TrainOnly {
		return nil, errors.New("evaluate: misses are listed for the training split only")
	}
	keep := func(sp realdata.Split) bool {
		switch {
		case opts.TrainOnly:
			return sp == realdata.Train
		case opts.AllSplits:
			return true
		}
		return sp == realdata.Validation
	}
	switch {
	case opts.TrainOnly:
		r.Split = "train"
	case opts.AllSplits:
		r.Split = "all"
	}
	cell := func(src string, t realdata.Topic) *Rate {
		m := r.Cells[src]
		if m == nil {
			m = map[realdata.Topic]*Rate{}
			r.Cells[src] = m
			r.Sources = append(r.Sources, src)
		}
		c := m[t]
		if c == nil {
			c = &Rate{}
			m[t] = c
		}
		return c
	}
	env := opts.Envelope
	if env == nil {
		env = PupilEnvelope()
	}
	for i := range exs {
		e := &exs[i]
		if !keep(e.Split) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		fs, err := opts.find(ctx, PupilMail(e.Text), env)
		if err != nil {
			return nil, err
		}
		for _, t := range e.Labelled {
			for _, src := range []string{e.Source, "all"} {
				if src == "all" && !e.Is(t) && HardNegative(e) {
					continue
				}
				c := cell(src, t)
				c.Low.add(e.Is(t), Flags(fs, t, scanners.Low))
				c.Medium.add(e.Is(t), Flags(fs, t, scanners.Medium))
			}
			if opts.ListMisses {
				r.addMiss(e, t, fs)
			}
		}
	}
	if opts.HamDir != "" {
		ham, err := realdata.HamFiles(opts.HamDir)
		if err != nil {
			return nil, err
		}
		denv := DefaultEnvelope()
		for _, h := range ham {
			if !keep(h.Split) {
				continue
			}
			raw, err := os.ReadFile(h.Path)
			if err != nil {
				return nil, err
			}
			fs, err := opts.find(ctx, raw, denv)
			if err != nil {
				return nil, err
			}
			r.HamMessages++
			if Flags(fs, realdata.Abusive, scanners.Low) {
				r.HamLow++
			}
			if Flags(fs, realdata.Abusive, scanners.Medium) {
				r.HamMedium++
				for _, f := range fs {
					if f.Severity >= scanners.Medium && (f.Category == scanners.Safeguarding || f.Category == scanners.Profanity) {
						r.HamHits = append(r.HamHits, HamHit{Path: h.Path, Finding: f})
					}
				}
			}
		}
	}
	return r, nil
}

// addMiss records e in r.Misses when the medium+ verdict on topic t is
// wrong (hard negatives are not false alarms).
func (r *RealReport) addMiss(e *realdata.Example, t realdata.Topic, fs []scanners.Finding) {
	flagged := Flags(fs, t, scanners.Medium)
	switch {
	case e.Is(t) && !flagged:
		r.Misses = append(r.Misses, Miss{Source: e.Source, Topic: t, Text: e.Text})
	case !e.Is(t) && flagged && !HardNegative(e):
		m := Miss{Source: e.Source, Topic: t, FP: true, Text: e.Text}
		for _, f := range fs {
			if f.Severity >= scanners.Medium && (f.Category == scanners.Safeguarding || f.Category == scanners.Profanity) {
				m.Rules = append(m.Rules, f.Rule+" "+f.Severity.String()+": "+evidence(f))
			}
		}
		r.Misses = append(r.Misses, m)
	}
}

// Write prints the report as a table.
func (r *RealReport) Write(w io.Writer, verbose bool) error {
	as := "as pupil mail"
	if !r.Pupil {
		as = "with the given envelope"
	}
	fmt.Fprintf(w, "real texts %s (%s split)\n", as, r.Split)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "source\ttopic\tpos\tneg\tP low\tR low\tFPR low\tP med+\tR med+\tFPR med+\t")
	for _, src := range append(r.sortedSources(), "all") {
		for _, t := range realdata.Topics {
			c := r.Cells[src][t]
			if c == nil {
				continue
			}
			l, m := c.Low, c.Medium
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t\n", src, t, l.TP+l.FN, l.FP+l.TN,
				l.Precision(), l.Recall(), l.FPR(), m.Precision(), m.Recall(), m.FPR())
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if r.Cells["cssrs"] != nil {
		fmt.Fprintln(w, "cssrs negatives are at-risk or supportive users, not clean texts: their FPR is their flag rate; \"all\" counts no cssrs negatives")
	}
	if r.HamMessages > 0 {
		fmt.Fprintf(w, "ham corpus (%s split, default envelope): %d messages; profanity or safeguarding at low+ %d (%.2f%%), at medium+ %d (%.2f%%)\n",
			r.Split, r.HamMessages, r.HamLow, pct(r.HamLow, r.HamMessages), r.HamMedium, pct(r.HamMedium, r.HamMessages))
		if verbose && r.Split == "train" {
			for _, h := range r.HamHits {
				fmt.Fprintf(w, "HAM %s %s %s: %s\n", h.Path, h.Finding.Rule, h.Finding.Severity, evidence(h.Finding))
			}
		}
	}
	return nil
}

// WriteMisses prints r.Misses, one per line: MISS or FALSE, source,
// topic, the text on one line, and for a false alarm the rules.
func (r *RealReport) WriteMisses(w io.Writer) error {
	for _, m := range r.Misses {
		kind := "MISS"
		if m.FP {
			kind = "FALSE"
		}
		text := strings.Join(strings.Fields(m.Text), " ")
		if _, err := fmt.Fprintf(w, "%s\t%s\t%s\t%s", kind, m.Source, m.Topic, text); err != nil {
			return err
		}
		for _, rule := range m.Rules {
			fmt.Fprintf(w, "\t[%s]", rule)
		}
		fmt.Fprintln(w)
	}
	return nil
}

func (r *RealReport) sortedSources() []string {
	var out []string
	for _, s := range realdata.Sources() {
		if _, ok := r.Cells[s]; ok {
			out = append(out, s)
		}
	}
	return out
}

func pct(a, b int) float64 { return 100 * float64(a) / float64(max(b, 1)) }
