package scanners

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sort"
	"sync"
	"time"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/textnorm"
)

// Status is how one scanner's run ended.
type Status string

// The statuses.
const (
	StatusOK      Status = "ok"
	StatusError   Status = "error"
	StatusTimeout Status = "timeout"
)

// Run is one scanner's outcome within a pipeline run.
type Run struct {
	Scanner  string        `json:"scanner"`
	Status   Status        `json:"status"`
	Duration time.Duration `json:"duration"`
	Err      string        `json:"error,omitempty"`
}

// Result is the outcome of running the pipeline over one message.
type Result struct {
	// Findings from every scanner, sorted (severity desc, then scanner,
	// rule) so output is deterministic.
	Findings []Finding
	// Runs has one entry per scanner, in configured order.
	Runs []Run
}

// Pipeline runs scanners concurrently over one message.
type Pipeline struct {
	scanners []Scanner
	timeout  time.Duration
	timeouts map[string]time.Duration
	log      *slog.Logger
	texts    sync.Pool // *textnorm.Text, reused across messages
	wantText bool      // some scanner is a TextScanner
}

// PipelineOptions configures a Pipeline.
type PipelineOptions struct {
	// Timeout bounds each scanner; 0 means 30s.
	Timeout time.Duration
	// Timeouts overrides Timeout for the scanners it names.
	Timeouts map[string]time.Duration
	// Logger receives warnings about failing scanners; nil discards.
	Logger *slog.Logger
}

// NewPipeline returns a pipeline over scanners, which run in the given order
// (results are reported in that order).
func NewPipeline(scanners []Scanner, opts PipelineOptions) *Pipeline {
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	p := &Pipeline{scanners: scanners, timeout: opts.Timeout, timeouts: opts.Timeouts, log: opts.Logger}
	p.texts.New = func() any { return new(textnorm.Text) }
	for _, s := range scanners {
		if _, ok := s.(TextScanner); ok {
			p.wantText = true
		}
	}
	return p
}

// Scanners returns the configured scanners.
func (p *Pipeline) Scanners() []Scanner { return p.scanners }

// Close closes every scanner that holds resources.
func (p *Pipeline) Close() error {
	var errs []error
	for _, s := range p.scanners {
		if c, ok := s.(Closer); ok {
			if err := c.Close(); err != nil {
				errs = append(errs, fmt.Errorf("close scanner %s: %w", s.Name(), err))
			}
		}
	}
	return errors.Join(errs...)
}

// ProblemScanner is the name under which parse damage is reported.
const ProblemScanner = "mime"

// Run scans m with every scanner and returns all findings. It never fails:
// a scanner that errors, panics or overruns its timeout contributes a
// scanner-error finding. Parse problems recorded in m become malformed
// findings.
func (p *Pipeline) Run(ctx context.Context, m *message.Message, env *Envelope) Result {
	res := Result{Runs: make([]Run, len(p.scanners))}
	found := make([][]Finding, len(p.scanners))
	var text *textnorm.Text
	if p.wantText {
		// Normalised once, read by every TextScanner concurrently.
		text = p.texts.Get().(*textnorm.Text)
		text.Reset(m)
	}
	var wg sync.WaitGroup
	for i, s := range p.scanners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			found[i], res.Runs[i] = p.runOne(ctx, s, m, text, env)
		}()
	}
	wg.Wait()
	if text != nil {
		// A scanner that overran its timeout may still be reading text, so
		// only texts from runs where every scanner returned are reused.
		if allReturned(res.Runs) {
			p.texts.Put(text)
		}
	}
	res.Findings = append(res.Findings, ProblemFindings(m)...)
	for _, f := range found {
		res.Findings = append(res.Findings, f...)
	}
	SortFindings(res.Findings)
	return res
}

func allReturned(runs []Run) bool {
	for _, r := range runs {
		if r.Status == StatusTimeout || r.Status == StatusError {
			return false
		}
	}
	return true
}

func (p *Pipeline) runOne(ctx context.Context, s Scanner, m *message.Message, text *textnorm.Text, env *Envelope) (fs []Finding, run Run) {
	name := s.Name()
	start := time.Now()
	timeout := p.timeout
	if t, ok := p.timeouts[name]; ok && t > 0 {
		timeout = t
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	type out struct {
		fs  []Finding
		err error
	}
	ch := make(chan out, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				p.log.Error("scanner panicked", "scanner", name, "err", fmt.Sprint(r), "stack", string(debug.Stack()))
				ch <- out{err: fmt.Errorf("panic: %v", r)}
			}
		}()
		var f []Finding
		var err error
		if ts, ok := s.(TextScanner); ok && text != nil {
			f, err = ts.ScanText(ctx, text, env)
		} else {
			f, err = s.Scan(ctx, m, env)
		}
		ch <- out{f, err}
	}()
	run.Scanner = name
	var o out
	select {
	case o = <-ch:
	case <-ctx.Done():
		o.err = ctx.Err()
	}
	run.Duration = time.Since(start)
	if o.err == nil {
		run.Status = StatusOK
		for i := range o.fs {
			if o.fs[i].Scanner == "" {
				o.fs[i].Scanner = name
			}
		}
		return o.fs, run
	}
	run.Status = StatusError
	if errors.Is(o.err, context.DeadlineExceeded) {
		run.Status = StatusTimeout
	}
	run.Err = o.err.Error()
	p.log.Warn("scanner failed", "scanner", name, "duration", run.Duration, "err", o.err)
	return []Finding{{
		Scanner:     name,
		Rule:        "scanner_" + string(run.Status),
		Category:    ScannerError,
		Severity:    High,
		Explanation: fmt.Sprintf("scanner %s did not complete (%s): %v", name, run.Status, o.err),
	}}, run
}

// ProblemFindings turns the parse damage recorded in m into malformed
// findings, one per problem.
func ProblemFindings(m *message.Message) []Finding {
	var out []Finding
	for _, pr := range m.Problems {
		sev := Low
		if pr.Severe {
			sev = Medium
		}
		out = append(out, Finding{
			Scanner:     ProblemScanner,
			Rule:        pr.Name,
			Category:    Malformed,
			Severity:    sev,
			Explanation: pr.Detail,
			Evidence:    []Evidence{{Part: pr.PartID, Field: "mime"}},
		})
	}
	return out
}

// SortFindings orders findings by severity (highest first), then scanner,
// rule and first evidence offset, so output is deterministic.
func SortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		if a.Scanner != b.Scanner {
			return a.Scanner < b.Scanner
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return firstOffset(a) < firstOffset(b)
	})
}

func firstOffset(f Finding) int {
	if len(f.Evidence) == 0 {
		return -1
	}
	return f.Evidence[0].Offset
}
