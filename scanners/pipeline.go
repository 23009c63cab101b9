package scanners

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
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
	// The scanners' timeouts, worked out once: group[i] is scanner i's
	// index in groupTimeout, which lists each distinct timeout once.
	group        []int
	groupTimeout []time.Duration
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
	p.group = make([]int, len(scanners))
	for i, s := range scanners {
		if _, ok := s.(TextScanner); ok {
			p.wantText = true
		}
		timeout := p.timeout
		if t, ok := p.timeouts[s.Name()]; ok && t > 0 {
			timeout = t
		}
		g := slices.Index(p.groupTimeout, timeout)
		if g < 0 {
			g = len(p.groupTimeout)
			p.groupTimeout = append(p.groupTimeout, timeout)
		}
		p.group[i] = g
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
//
// Each scanner runs on its own goroutine (a pooled worker); Run waits for each until it
// returns or its timeout (or ctx) ends, whichever is first. A scanner
// that overruns is reported and left to finish on its own. Scanners with
// the same timeout share one context.
func (p *Pipeline) Run(ctx context.Context, m *message.Message, env *Envelope) Result {
	n := len(p.scanners)
	res := Result{Runs: make([]Run, n)}
	// Each scanner's findings once it reported (done), in one allocation.
	type slot struct {
		fs   []Finding
		done bool
	}
	slots := make([]slot, n)
	var text *textnorm.Text
	if p.wantText {
		// Normalised once, read by every TextScanner concurrently.
		text = p.texts.Get().(*textnorm.Text)
		if err := text.ResetContext(ctx, m); err != nil {
			// ctx ended while a huge text was normalised: each text
			// scanner reads the message itself under its own context,
			// which has ended too, and reports that as its error.
			p.texts.Put(text)
			text = nil
		}
	}
	start := time.Now()
	// One context per distinct timeout; most scanners share the default.
	group := p.group // scanner -> its group
	groups := make([]timeoutGroup, len(p.groupTimeout))
	for g, timeout := range p.groupTimeout {
		gctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		groups[g] = timeoutGroup{timeout: timeout, ctx: gctx}
	}
	for _, g := range group {
		groups[g].pending++
	}
	// Buffered for every scanner: one that overran still sends its late
	// result without blocking, and nobody reads it.
	outs := make(chan outcome, n)
	for i, s := range p.scanners {
		scanWorkers.run(scanJob{p: p, ctx: groups[group[i]].ctx, outs: outs, i: i, s: s, m: m, text: text, env: env, start: start})
	}
	left := n
	record := func(o outcome) {
		if slots[o.i].done {
			return // already reported as overrunning
		}
		slots[o.i].done = true
		left--
		groups[group[o.i]].pending--
		slots[o.i].fs, res.Runs[o.i] = p.finish(p.scanners[o.i].Name(), o.fs, o.err, o.dur)
	}
	for left > 0 {
		// Wait for a result, or for the earliest deadline among the groups
		// still waited for (all of them end with ctx).
		var expire <-chan struct{}
		eg := -1
		for g := range groups {
			if groups[g].pending > 0 && (eg < 0 || groups[g].timeout < groups[eg].timeout) {
				eg = g
			}
		}
		expire = groups[eg].ctx.Done()
		select {
		case o := <-outs:
			record(o)
		case <-expire:
			// Scanners that honour ctx are returning now: let them, and
			// take what they sent, so only those that ignore it are
			// reported as overrunning (and left running).
			runtime.Gosched()
			for drained := false; !drained; {
				select {
				case o := <-outs:
					record(o)
				default:
					drained = true
				}
			}
			err := groups[eg].ctx.Err()
			for i := range p.scanners {
				if !slots[i].done && group[i] == eg {
					slots[i].done = true
					left--
					slots[i].fs, res.Runs[i] = p.finish(p.scanners[i].Name(), nil, err, time.Since(start))
				}
			}
			groups[eg].pending = 0
		}
	}
	if text != nil {
		// A scanner that overran its timeout may still be reading text, so
		// only texts from runs where every scanner returned are reused.
		if allReturned(res.Runs) {
			p.texts.Put(text)
		}
	}
	total := len(m.Problems)
	for _, sl := range slots {
		total += len(sl.fs)
	}
	if total > 0 {
		res.Findings = make([]Finding, 0, total)
	}
	res.Findings = append(res.Findings, ProblemFindings(m)...)
	for _, sl := range slots {
		res.Findings = append(res.Findings, sl.fs...)
	}
	SortFindings(res.Findings)
	return res
}

// timeoutGroup is the scanners of one Run that share a timeout.
type timeoutGroup struct {
	timeout time.Duration
	ctx     context.Context
	pending int // scanners not yet reported
}

// outcome is what one scanner's goroutine returns.
type outcome struct {
	i   int
	fs  []Finding
	err error
	dur time.Duration
}

func allReturned(runs []Run) bool {
	for _, r := range runs {
		if r.Status == StatusTimeout || r.Status == StatusError {
			return false
		}
	}
	return true
}

// scanJob is one scanner's run over one message, handed to a worker.
type scanJob struct {
	p     *Pipeline
	ctx   context.Context
	outs  chan<- outcome
	i     int
	s     Scanner
	m     *message.Message
	text  *textnorm.Text
	env   *Envelope
	start time.Time
}

// workerPool runs scan jobs on goroutines kept between messages. A fresh
// goroutine per scanner per message cost more than many scanners' work:
// each starts with a small stack and grows it by copying, again for
// every message. An idle worker takes the next job; with none idle, a
// new one starts, so a job never waits for another (a scanner that
// overruns its timeout only keeps its own worker). At most maxIdle
// workers wait for work; the rest end when their job is done.
type workerPool struct {
	jobs    chan scanJob // unbuffered: a send succeeds only to a waiting worker
	idle    atomic.Int32
	maxIdle int32
}

// scanWorkers is shared by every pipeline (a reload builds a new one; the
// workers outlive it).
var scanWorkers = newWorkerPool(256)

func newWorkerPool(maxIdle int32) *workerPool {
	return &workerPool{jobs: make(chan scanJob), maxIdle: maxIdle}
}

// run starts j on an idle worker, or on a new one.
func (wp *workerPool) run(j scanJob) {
	select {
	case wp.jobs <- j:
	default:
		go wp.work(j)
	}
}

func (wp *workerPool) work(j scanJob) {
	for {
		j.p.scan(j)
		j = scanJob{} // nothing of the message is kept while idle
		if wp.idle.Add(1) > wp.maxIdle {
			wp.idle.Add(-1)
			return
		}
		j = <-wp.jobs
		wp.idle.Add(-1)
	}
}

// scan runs one scanner and sends its outcome; a panic is an error.
func (p *Pipeline) scan(j scanJob) {
	defer func() {
		if r := recover(); r != nil {
			p.log.Error("scanner panicked", "scanner", j.s.Name(), "err", fmt.Sprint(r), "stack", string(debug.Stack()))
			j.outs <- outcome{i: j.i, err: fmt.Errorf("panic: %v", r), dur: time.Since(j.start)}
		}
	}()
	var f []Finding
	var err error
	if ts, ok := j.s.(TextScanner); ok && j.text != nil {
		f, err = ts.ScanText(j.ctx, j.text, j.env)
	} else {
		f, err = j.s.Scan(j.ctx, j.m, j.env)
	}
	j.outs <- outcome{i: j.i, fs: f, err: err, dur: time.Since(j.start)}
}

// finish turns one scanner's outcome into its findings and Run.
func (p *Pipeline) finish(name string, fs []Finding, err error, dur time.Duration) ([]Finding, Run) {
	run := Run{Scanner: name, Duration: dur}
	if err == nil {
		run.Status = StatusOK
		for i := range fs {
			if fs[i].Scanner == "" {
				fs[i].Scanner = name
			}
		}
		return fs, run
	}
	run.Status = StatusError
	if errors.Is(err, context.DeadlineExceeded) {
		run.Status = StatusTimeout
	}
	run.Err = err.Error()
	p.log.Warn("scanner failed", "scanner", name, "duration", run.Duration, "err", err)
	return []Finding{{
		Scanner:     name,
		Rule:        "scanner_" + string(run.Status),
		Category:    ScannerError,
		Severity:    High,
		Explanation: fmt.Sprintf("scanner %s did not complete (%s): %v", name, run.Status, err),
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
// It sorts in place without reflection (it runs several times per
// message).
func SortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		if a.Severity != b.Severity {
			return cmp.Compare(b.Severity, a.Severity)
		}
		if a.Scanner != b.Scanner {
			return strings.Compare(a.Scanner, b.Scanner)
		}
		if a.Rule != b.Rule {
			return strings.Compare(a.Rule, b.Rule)
		}
		return cmp.Compare(firstOffset(a), firstOffset(b))
	})
}

func firstOffset(f Finding) int {
	if len(f.Evidence) == 0 {
		return -1
	}
	return f.Evidence[0].Offset
}
