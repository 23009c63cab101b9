// Package engine ties one message's journey together, shared by the relay
// and the offline `lychgate check`: who the envelope's parties are (school,
// direction, groups), parse once, run the scanner pipeline, and ask the
// policy for one decision per recipient.
//
// An Engine is immutable once built, directory snapshot included (it never
// re-reads files behind a lookup); a config reload builds a new one and
// swaps it in whole (package live). Safe for concurrent use.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/directory"
	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/policy"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/all"
)

// ErrRelayDenied means a recipient may not be reached through this relay
// from this client (an open-relay attempt, or an unknown domain).
var ErrRelayDenied = errors.New("relay access denied")

// Engine classifies, scans and decides.
type Engine struct {
	cfg    *config.Config
	dir    *directory.Directory
	pipe   *scanners.Pipeline
	pol    *policy.Policy
	limits message.Limits
	budget time.Duration
}

// Options configures an Engine.
type Options struct {
	Logger *slog.Logger
	// Extra scanners run after the configured ones (tests, embedders).
	Extra []scanners.Scanner
	// Redis is the shared Redis client for scanners that keep state there
	// (nil offline).
	Redis redis.UniversalClient
	// Resolver is the DNS server (host:port) for DNS-based checks; "" is
	// the system resolver.
	Resolver string
}

// New builds an engine from a validated configuration.
func New(cfg *config.Config, opts Options) (*Engine, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	dir := directory.New(cfg, directory.WithLogger(opts.Logger), directory.WithReloadInterval(-1))
	pol, err := policy.New(cfg)
	if err != nil {
		return nil, err
	}
	list, err := all.Build(cfg, all.Deps{Logger: opts.Logger, Directory: dir, Redis: opts.Redis, Resolver: opts.Resolver})
	if err != nil {
		return nil, err
	}
	list = append(list, opts.Extra...)
	return &Engine{
		cfg: cfg,
		dir: dir,
		pipe: scanners.NewPipeline(list, scanners.PipelineOptions{
			Timeout: cfg.Scan.ScannerTimeout.Duration, Timeouts: all.Timeouts(cfg), Logger: opts.Logger,
		}),
		pol:    pol,
		limits: all.Limits(cfg),
		budget: cfg.Scan.Budget.Duration,
	}, nil
}

// Config returns the configuration the engine was built from.
func (e *Engine) Config() *config.Config { return e.cfg }

// Directory returns the engine's directory.
func (e *Engine) Directory() *directory.Directory { return e.dir }

// Close releases scanner resources.
func (e *Engine) Close() error { return e.pipe.Close() }

// Sender describes the client and MAIL FROM of a transaction.
type Sender struct {
	// From is the MAIL FROM address ("" for the null sender).
	From string
	// Trusted is true when the client is the school's own server (a trusted
	// network) or authenticated.
	Trusted  bool
	RemoteIP string
	HELO     string
	AuthUser string
}

// NewEnvelope starts an envelope for s with no recipients yet.
func (e *Engine) NewEnvelope(s Sender) *scanners.Envelope {
	env := &scanners.Envelope{From: s.From, RemoteIP: s.RemoteIP, HELO: s.HELO, AuthUser: s.AuthUser}
	env.SenderSchool, env.SenderGroups = e.dir.Lookup(s.From)
	return env
}

// Classify decides the direction and school of one recipient. Mail from an
// untrusted client may only go to the schools' domains (inbound); a trusted
// client's mail to outside domains is outbound, and mail between the
// schools' domains is internal. It returns ErrRelayDenied otherwise. The
// address must already be syntactically checked by the caller.
func (e *Engine) Classify(env *scanners.Envelope, trusted bool, rcpt string) (scanners.Recipient, error) {
	rcptSchool := e.dir.SchoolOf(rcpt)
	r := scanners.Recipient{Addr: rcpt}
	switch {
	case rcptSchool != "" && trusted && e.dir.SchoolOf(env.From) != "":
		r.Direction, r.School = scanners.Internal, rcptSchool
	case rcptSchool != "":
		r.Direction, r.School = scanners.Inbound, rcptSchool
	case trusted:
		// The sender's school owns an outbound copy; mail from an address
		// in no school (a null-sender bounce, a forwarder) belongs to the
		// trust's owner, never to whichever school happens to be first.
		r.Direction, r.School = scanners.Outbound, env.SenderSchool
		if r.School == "" {
			r.School = e.cfg.TrustOwner()
		}
	default:
		return r, fmt.Errorf("%s: %w", rcpt, ErrRelayDenied)
	}
	if r.School != "" {
		// An outside address may still be in a school group (a parent, say).
		r.Groups = e.dir.Groups(r.School, rcpt)
	}
	return r, nil
}

// Verdict is the outcome of analysing one message.
type Verdict struct {
	Message   *message.Message
	Envelope  *scanners.Envelope
	Result    scanners.Result
	Decisions []policy.Decision
	pol       *policy.Policy
}

// ForSchool is the findings as school sees them: only those that apply to
// its recipients, each weighed at its highest for one of them. A school's
// quarantine entry and DSL alert show this, never another school's.
func (v *Verdict) ForSchool(school string) []scanners.Finding {
	if v.pol == nil {
		return v.Result.Findings
	}
	return v.pol.SchoolView(v.Envelope, v.Result.Findings, school)
}

// Explain returns, per recipient, every finding as weighed for it and the
// policy rule that chose its action (lychgate check --explain).
func (v *Verdict) Explain() []policy.Explanation {
	if v.pol == nil {
		return nil
	}
	return v.pol.Explain(v.Envelope, v.Result.Findings)
}

// DecisionsFor returns the decisions of school's recipients.
func (v *Verdict) DecisionsFor(school string) []policy.Decision {
	var out []policy.Decision
	for _, d := range v.Decisions {
		if d.School == school {
			out = append(out, d)
		}
	}
	return out
}

// Analyze parses raw once, scans it within the configured budget and decides
// per recipient. It never fails: scanner problems are findings.
func (e *Engine) Analyze(ctx context.Context, raw []byte, env *scanners.Envelope) *Verdict {
	if e.budget > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.budget)
		defer cancel()
	}
	m := message.Parse(ctx, raw, e.limits)
	res := e.pipe.Run(ctx, m, env)
	return &Verdict{Message: m, Envelope: env, Result: res, Decisions: e.pol.Decide(env, res.Findings), pol: e.pol}
}
