// Package evaluate measures content scanners: precision, recall and
// false-positive rate per category over labelled example messages, the rate
// of medium-or-worse findings over a ham corpus, and throughput. It backs
// `lychgate eval` and `make eval`.
//
// # Labelled directories
//
// The labelled set (testdata/content in this repository) is laid out as
//
//	<dir>/<category>/pos/*.eml   messages that must produce a finding of <category>
//	<dir>/<category>/neg/*.eml   look-alikes that must not
//
// where <category> is a scanners.Category ("profanity", "safeguarding",
// "pii", "illegal"). A message counts as flagged when a finding of that
// category has at least the file's threshold severity (default low). A file
// may set, in its own header block (these headers are only read here):
//
//	X-Lychgate-Test-Threshold: medium
//	    the severity that counts as flagged: a neg file with "medium" may
//	    produce low findings (hyperbole), a pos file with "critical" must
//	    reach critical.
//	X-Lychgate-Test-Envelope: sender-groups=pupils; sender-school=s1;
//	    direction=outbound; recipient-groups=pupils
//	    the envelope to scan with (default: one inbound recipient, no
//	    groups, sender outside the schools).
//
// # Ham corpus
//
// Every file under HamDir is parsed and scanned with the default envelope;
// the report gives, per category, how many messages have a finding of
// medium or worse, and the throughput.
package evaluate

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/textproto"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
)

// Analyze is how a message is analysed: as the relay would, so that what
// eval measures is what serve does (parse with the configured limits, the
// scanner pipeline with its timeouts and malformed findings, the policy's
// per-recipient weighing). It returns the findings as the school of the
// envelope's first recipient sees them.
type Analyze func(ctx context.Context, raw []byte, env *scanners.Envelope) []scanners.Finding

// Options configures Run.
type Options struct {
	// Analyze analyses one message (the engine's Analyze and ForSchool for
	// lychgate eval). When
	// nil, Scanners run directly over Parse's result: a scanner-only
	// measurement with no policy weighing (tests and benchmarks of one
	// scanner).
	Analyze Analyze
	// Scanners are the scanners under test when Analyze is nil.
	Scanners []scanners.Scanner
	// LabelledDirs are labelled directories (layout in the package doc).
	LabelledDirs []string
	// HamDir is a directory of ham messages, one per file ("" to skip).
	HamDir string
	// Parse turns raw bytes into a Message (message.Parse with limits)
	// when Analyze is nil.
	Parse func([]byte) *message.Message
	// HamThreshold is the severity counted on the ham corpus (default
	// medium).
	HamThreshold scanners.Severity
	// Verbose lists every misclassified labelled file and every ham hit.
	Verbose bool
}

// FileResult is the outcome for one labelled file.
type FileResult struct {
	Path      string
	Category  scanners.Category
	Positive  bool // labelled pos
	Flagged   bool
	Threshold scanners.Severity
	Findings  []scanners.Finding
}

// Correct reports whether the file was classified as labelled.
func (f FileResult) Correct() bool { return f.Positive == f.Flagged }

// Counts is a confusion matrix.
type Counts struct{ TP, FN, FP, TN int }

// Precision is TP/(TP+FP) (1 when nothing was flagged).
func (c Counts) Precision() float64 { return ratio(c.TP, c.TP+c.FP, 1) }

// Recall is TP/(TP+FN) (1 when there are no positives).
func (c Counts) Recall() float64 { return ratio(c.TP, c.TP+c.FN, 1) }

// FPR is FP/(FP+TN) (0 when there are no negatives).
func (c Counts) FPR() float64 { return ratio(c.FP, c.FP+c.TN, 0) }

func ratio(a, b int, empty float64) float64 {
	if b == 0 {
		return empty
	}
	return float64(a) / float64(b)
}

// HamHit is one ham message with a finding at or above the threshold.
type HamHit struct {
	Path    string
	Finding scanners.Finding
}

// Report is what Evaluate measured.
type Report struct {
	Files      []FileResult
	ByCategory map[scanners.Category]*Counts
	// Ham corpus.
	HamMessages int
	HamBytes    int64
	HamFlagged  map[scanners.Category]int
	HamHits     []HamHit
	// ScanTime is spent analysing the ham corpus (parse and scan).
	ScanTime time.Duration
}

// ScanMBps is the scanners' throughput on the ham corpus (raw MB per second
// of scanning, parse excluded).
func (r *Report) ScanMBps() float64 { return mbps(r.HamBytes, r.ScanTime) }

func mbps(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / 1e6 / d.Seconds()
}

// Evaluate runs the scanners over the labelled directories and the ham
// corpus.
func Evaluate(ctx context.Context, opts Options) (*Report, error) {
	if opts.Analyze == nil && opts.Parse == nil {
		return nil, errors.New("evaluate: Options.Analyze and Options.Parse are nil")
	}
	if opts.HamThreshold == 0 {
		opts.HamThreshold = scanners.Medium
	}
	r := &Report{ByCategory: map[scanners.Category]*Counts{}, HamFlagged: map[scanners.Category]int{}}
	for _, dir := range opts.LabelledDirs {
		cats, err := os.ReadDir(dir)
		if err != nil {
			return nil, err
		}
		for _, c := range cats {
			if !c.IsDir() {
				continue
			}
			cat, err := scanners.ParseCategory(c.Name())
			if err != nil {
				return nil, fmt.Errorf("%s: %w", filepath.Join(dir, c.Name()), err)
			}
			for _, label := range []string{"pos", "neg"} {
				files, _ := filepath.Glob(filepath.Join(dir, c.Name(), label, "*.eml"))
				for _, f := range files {
					fr, err := evalFile(ctx, opts, f, cat, label == "pos")
					if err != nil {
						return nil, err
					}
					r.Files = append(r.Files, fr)
					cnt := r.ByCategory[cat]
					if cnt == nil {
						cnt = &Counts{}
						r.ByCategory[cat] = cnt
					}
					switch {
					case fr.Positive && fr.Flagged:
						cnt.TP++
					case fr.Positive:
						cnt.FN++
					case fr.Flagged:
						cnt.FP++
					default:
						cnt.TN++
					}
				}
			}
		}
	}
	if opts.HamDir != "" {
		if err := evalHam(ctx, opts, r); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func evalFile(ctx context.Context, opts Options, path string, cat scanners.Category, pos bool) (FileResult, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return FileResult{}, err
	}
	hdr := testHeaders(raw)
	fr := FileResult{Path: path, Category: cat, Positive: pos, Threshold: scanners.Low}
	if v := hdr.Get("X-Lychgate-Test-Threshold"); v != "" {
		s, err := scanners.ParseSeverity(strings.TrimSpace(v))
		if err != nil {
			return fr, fmt.Errorf("%s: %w", path, err)
		}
		fr.Threshold = s
	}
	env, err := ParseEnvelope(hdr.Get("X-Lychgate-Test-Envelope"))
	if err != nil {
		return fr, fmt.Errorf("%s: %w", path, err)
	}
	fs, err := opts.analyze(ctx, raw, env)
	if err != nil {
		return fr, fmt.Errorf("%s: %w", path, err)
	}
	fr.Findings = fs
	for _, f := range fr.Findings {
		if f.Category == cat && f.Severity >= fr.Threshold {
			fr.Flagged = true
		}
	}
	return fr, nil
}

// analyze runs opts.Analyze, or the scanners directly when it is nil.
func (opts *Options) analyze(ctx context.Context, raw []byte, env *scanners.Envelope) ([]scanners.Finding, error) {
	if opts.Analyze != nil {
		return opts.Analyze(ctx, raw, env), nil
	}
	m := opts.Parse(raw)
	var out []scanners.Finding
	for _, s := range opts.Scanners {
		fs, err := s.Scan(ctx, m, env)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.Name(), err)
		}
		out = append(out, fs...)
	}
	return out, nil
}

// testHeaders reads the top header block of raw (leniently).
func testHeaders(raw []byte) textproto.MIMEHeader {
	tr := textproto.NewReader(bufio.NewReader(bytes.NewReader(raw)))
	h, _ := tr.ReadMIMEHeader()
	return h
}

// DefaultEnvelope is used when a file names none: a sender outside the
// schools writing to one inbound recipient with no groups.
func DefaultEnvelope() *scanners.Envelope {
	return &scanners.Envelope{
		From:       "sender@example.com",
		Recipients: []scanners.Recipient{{Addr: "staff@school.test", Direction: scanners.Inbound, School: "school"}},
	}
}

// ParseEnvelope parses the X-Lychgate-Test-Envelope syntax:
// "sender-groups=a,b; sender-school=s; direction=outbound;
// recipient-groups=pupils" ("" gives DefaultEnvelope).
func ParseEnvelope(s string) (*scanners.Envelope, error) {
	env := DefaultEnvelope()
	for kv := range strings.SplitSeq(s, ";") {
		kv = strings.TrimSpace(kv)
		if kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, fmt.Errorf("envelope: %q is not key=value", kv)
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		list := strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' })
		switch k {
		case "sender-groups":
			env.SenderGroups = list
		case "sender-school":
			env.SenderSchool = v
		case "direction":
			d, err := scanners.ParseDirection(v)
			if err != nil {
				return nil, err
			}
			env.Recipients[0].Direction = d
		case "recipient-groups":
			env.Recipients[0].Groups = list
		default:
			return nil, fmt.Errorf("envelope: unknown key %q", k)
		}
	}
	return env, nil
}

func evalHam(ctx context.Context, opts Options, r *Report) error {
	env := DefaultEnvelope()
	return filepath.WalkDir(opts.HamDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		r.HamMessages++
		r.HamBytes += int64(len(raw))
		t0 := time.Now()
		fs, err := opts.analyze(ctx, raw, env)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		var flagged []scanners.Category
		for _, f := range fs {
			if f.Category == scanners.Malformed || f.Category == scanners.ScannerError {
				continue // damage and failures are not content findings
			}
			if f.Severity >= opts.HamThreshold {
				r.HamHits = append(r.HamHits, HamHit{Path: path, Finding: f})
				if !slices.Contains(flagged, f.Category) {
					flagged = append(flagged, f.Category)
				}
			}
		}
		r.ScanTime += time.Since(t0)
		for _, c := range flagged {
			r.HamFlagged[c]++
		}
		return nil
	})
}

// Run evaluates and writes the report as tables to w.
func Run(ctx context.Context, opts Options, w io.Writer) error {
	r, err := Evaluate(ctx, opts)
	if err != nil {
		return err
	}
	return r.Write(w, opts.Verbose)
}

// Write prints the report.
func (r *Report) Write(w io.Writer, verbose bool) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "category\tpos\tneg\tTP\tFN\tFP\tTN\tprecision\trecall\tFP rate\t")
	var cats []scanners.Category
	for c := range r.ByCategory {
		cats = append(cats, c)
	}
	slices.Sort(cats)
	for _, c := range cats {
		n := r.ByCategory[c]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%.3f\t%.3f\t%.3f\t\n", c, n.TP+n.FN, n.FP+n.TN, n.TP, n.FN, n.FP, n.TN, n.Precision(), n.Recall(), n.FPR())
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, f := range r.Files {
		if !f.Correct() {
			fmt.Fprintf(w, "MISCLASSIFIED %s (%s, labelled %s, threshold %s): %s\n", f.Path, f.Category, label(f.Positive), f.Threshold, summary(f.Findings))
		}
	}
	if r.HamMessages > 0 {
		fmt.Fprintf(w, "\nham corpus: %d messages, %.1f MB; findings at or above the threshold:\n", r.HamMessages, float64(r.HamBytes)/1e6)
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "category\tmessages\trate\t")
		for _, c := range scanners.Categories {
			if n, ok := r.HamFlagged[c]; ok || slices.Contains(cats, c) {
				fmt.Fprintf(tw, "%s\t%d\t%.2f%%\t\n", c, n, 100*float64(n)/float64(r.HamMessages))
			}
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(w, "throughput: parse+scan+decide %.1f MB/s (one goroutine)\n", r.ScanMBps())
		if verbose {
			for _, h := range r.HamHits {
				fmt.Fprintf(w, "HAM %s %s %s: %s\n", filepath.Base(h.Path), h.Finding.Rule, h.Finding.Severity, evidence(h.Finding))
			}
		}
	}
	return nil
}

func label(pos bool) string {
	if pos {
		return "pos"
	}
	return "neg"
}

func summary(fs []scanners.Finding) string {
	if len(fs) == 0 {
		return "no findings"
	}
	var parts []string
	for _, f := range fs {
		parts = append(parts, fmt.Sprintf("%s/%s %q", f.Rule, f.Severity, evidence(f)))
	}
	return strings.Join(parts, ", ")
}

func evidence(f scanners.Finding) string {
	var s []string
	for i, e := range f.Evidence {
		if i == 3 {
			break
		}
		s = append(s, e.Text)
	}
	return strings.Join(s, " | ")
}
