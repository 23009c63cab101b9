// Package all is the registry of every scanner lychgate ships: a plain table
// of factories (Factories), each building its scanner(s) from the
// configuration and the shared dependencies (Deps). Build turns the
// configuration into the ordered list the pipeline runs, leaving out the
// scanners switched off in [scanners.<id>]. Adding a scanner means adding a
// row here (see docs/adding-a-scanner.md).
package all

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/directory"
	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/attach"
	"github.com/lychgate/lychgate/scanners/attach/clamav"
	"github.com/lychgate/lychgate/scanners/classify"
	"github.com/lychgate/lychgate/scanners/links"
	"github.com/lychgate/lychgate/scanners/personal"
	"github.com/lychgate/lychgate/scanners/rules"
	"github.com/lychgate/lychgate/scanners/spam"
	"github.com/lychgate/lychgate/scanners/spam/wire"
)

// Deps are the shared resources scanners may use. Scanners never build their
// own global clients; what is nil here is not available (offline checks).
type Deps struct {
	Logger *slog.Logger
	// Directory is the school directory snapshot (staff, pupils, parents).
	// Required.
	Directory *directory.Directory
	// Redis is the shared Redis client (nil offline).
	Redis redis.UniversalClient
	// Resolver is the DNS server (host:port) for DNS-based checks; "" means
	// the system resolver.
	Resolver string
}

// Factory builds the scanners named in Names (one factory may build
// several that share work, as profanity and safeguarding share one pass
// over the text).
type Factory struct {
	// Names are the stable ids of the scanners built, in pipeline order.
	Names []string
	// New builds them, in the order of Names.
	New func(cfg *config.Config, d Deps) ([]scanners.Scanner, error)
}

// Factories is every scanner lychgate ships, in pipeline order.
var Factories = []Factory{
	{Names: []string{rules.Name}, New: func(cfg *config.Config, _ Deps) ([]scanners.Scanner, error) {
		r, err := rules.New(cfg.Rules)
		return one(r, err)
	}},
	{Names: []string{"profanity", "safeguarding", "pii"}, New: func(cfg *config.Config, _ Deps) ([]scanners.Scanner, error) {
		return contentScanners(cfg)
	}},
	{Names: []string{classify.Name}, New: func(*config.Config, Deps) ([]scanners.Scanner, error) {
		c, err := classify.New(classify.Options{})
		return one(c, err)
	}},
	{Names: []string{personal.ID}, New: func(cfg *config.Config, d Deps) ([]scanners.Scanner, error) {
		p, err := personal.New(d.Directory, personal.OptionsFromConfig(cfg))
		return one(p, err)
	}},
	{Names: []string{links.Name}, New: func(cfg *config.Config, d Deps) ([]scanners.Scanner, error) {
		o := links.OptionsFromConfig(cfg, cfg.Links)
		o.Logger = d.Logger
		if o.Resolver == "" {
			o.Resolver = d.Resolver
		}
		l, err := links.New(o)
		return one(l, err)
	}},
	{Names: []string{attach.Name}, New: func(cfg *config.Config, d Deps) ([]scanners.Scanner, error) {
		o := attach.OptionsFromConfig(cfg, cfg.Attachments)
		o.Logger = d.Logger
		a, err := attach.New(o)
		return one(a, err)
	}},
	{Names: []string{clamav.Name}, New: func(cfg *config.Config, d Deps) ([]scanners.Scanner, error) {
		if cfg.ClamAV.Address == "" {
			return nil, nil // antivirus is off unless [clamav] address is set
		}
		o := clamav.OptionsFromConfig(cfg.ClamAV)
		o.Logger = d.Logger
		c, err := clamav.New(o)
		return one(c, err)
	}},
	{Names: []string{spam.Name}, New: func(cfg *config.Config, d Deps) ([]scanners.Scanner, error) {
		s, _, err := wire.Build(cfg, cfg.Spam, wire.Deps{Logger: d.Logger, Redis: d.Redis, Resolver: d.Resolver, Limits: Limits(cfg)})
		return one(s, err)
	}},
}

// Limits are the parse limits of cfg ([limits] and
// attachments.max_compression_ratio), with defaults for what is unset: the
// limits the engine parses with, and every other parse of a message.
func Limits(cfg *config.Config) message.Limits {
	return message.Limits{
		MaxParts: cfg.Limits.MaxParts, MaxDepth: cfg.Limits.MaxDepth, MaxHeaderBytes: cfg.Limits.MaxHeaderBytes,
		MaxArchiveEntries: cfg.Limits.MaxArchiveEntries, MaxExpandedBytes: cfg.Limits.MaxExpandedBytes,
		MaxCompressionRatio: cfg.Attachments.MaxCompressionRatio,
	}.WithDefaults()
}

func one[S scanners.Scanner](s S, err error) ([]scanners.Scanner, error) {
	if err != nil {
		return nil, err
	}
	return []scanners.Scanner{s}, nil
}

// Build returns the enabled scanners in pipeline order. On error nothing is
// left open.
func Build(cfg *config.Config, d Deps) ([]scanners.Scanner, error) {
	if d.Directory == nil {
		return nil, errors.New("scanners: no directory")
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	var out []scanners.Scanner
	fail := func(err error) ([]scanners.Scanner, error) {
		for _, s := range out {
			if c, ok := s.(scanners.Closer); ok {
				_ = c.Close()
			}
		}
		return nil, err
	}
	for _, f := range Factories {
		if !slices.ContainsFunc(f.Names, cfg.ScannerEnabled) {
			continue
		}
		list, err := f.New(cfg, d)
		if err != nil {
			return fail(fmt.Errorf("scanner %s: %w", f.Names[0], err))
		}
		for _, s := range list {
			if cfg.ScannerEnabled(s.Name()) {
				out = append(out, s)
			} else if c, ok := s.(scanners.Closer); ok {
				_ = c.Close()
			}
		}
	}
	return out, nil
}

// Timeouts are the per-scanner timeouts set in [scanners.<id>] timeout.
func Timeouts(cfg *config.Config) map[string]time.Duration {
	out := map[string]time.Duration{}
	for id, s := range cfg.Scanners {
		if s.Timeout.Duration > 0 {
			out[id] = s.Timeout.Duration
		}
	}
	return out
}

// Names lists every scanner id in the table, in pipeline order.
func Names() []string {
	var out []string
	for _, f := range Factories {
		out = append(out, f.Names...)
	}
	return out
}
