// Package wire builds the spam scanner from the configuration: the
// heuristics, the Bayesian classifier over Redis, sender authentication
// and DNS blocklists. It exists so that package spam need not import its
// own sub-packages (auth and dnsbl import spam).
package wire

import (
	"fmt"
	"log/slog"

	"github.com/redis/go-redis/v9"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners/spam"
	"github.com/lychgate/lychgate/scanners/spam/auth"
	"github.com/lychgate/lychgate/scanners/spam/bayes"
	"github.com/lychgate/lychgate/scanners/spam/dnsbl"
)

// Deps are the shared resources the spam scanner uses.
type Deps struct {
	Logger *slog.Logger
	// Redis holds the classifier's counts; nil turns the classifier off.
	Redis redis.UniversalClient
	// Resolver is the DNS server (host:port) used when the spam config
	// names none ("" for the system resolver).
	Resolver string
	// Limits are the parse limits for LearnHam.
	Limits message.Limits
}

// Build returns the spam scanner for cfg with its spam settings sc, and
// the classifier (nil when off), whose LearnHam the web UI's "not a
// problem" action calls.
func Build(cfg *config.Config, sc config.Spam, d Deps) (*spam.Scanner, *bayes.Classifier, error) {
	if err := sc.Validate(); err != nil {
		return nil, nil, err
	}
	o := spam.OptionsFromConfig(sc, d.Logger)
	var cls *bayes.Classifier
	if sc.Bayes.Enabled && d.Redis != nil {
		var err error
		cls, err = spam.NewClassifier(sc.Bayes, d.Redis, cfg.Redis.KeyPrefix, d.Limits)
		if err != nil {
			return nil, nil, err
		}
		o.Classifier = cls
	}
	var own []string
	for _, s := range cfg.Schools {
		own = append(own, s.Domains...)
	}
	if sc.Auth.Enabled {
		res := sc.Auth.Resolver
		if res == "" {
			res = d.Resolver
		}
		id := sc.Auth.AuthServID
		if id == "" {
			id = cfg.Relay.Hostname
		}
		a, err := auth.New(auth.Options{Resolver: res, Timeout: sc.Auth.Timeout.Duration, AuthServID: id, OwnDomains: own, Logger: d.Logger})
		if err != nil {
			return nil, nil, fmt.Errorf("spam: %w", err)
		}
		o.Extra = append(o.Extra, a)
	}
	if sc.DNSBL.Enabled && len(sc.DNSBL.IP)+len(sc.DNSBL.Domain) > 0 {
		res := sc.DNSBL.Resolver
		if res == "" {
			res = d.Resolver
		}
		zones := func(zs []config.DNSBLZone) []dnsbl.Zone {
			var out []dnsbl.Zone
			for _, z := range zs {
				out = append(out, dnsbl.Zone{Zone: z.Zone, Score: z.Score})
			}
			return out
		}
		b, err := dnsbl.New(dnsbl.Options{Resolver: res, Timeout: sc.DNSBL.Timeout.Duration, CacheTTL: sc.DNSBL.CacheTTL.Duration,
			IP: zones(sc.DNSBL.IP), Domain: zones(sc.DNSBL.Domain), Trusted: cfg.TrustedNets(), Logger: d.Logger})
		if err != nil {
			return nil, nil, fmt.Errorf("spam: %w", err)
		}
		o.Extra = append(o.Extra, b)
	}
	s, err := spam.New(o)
	if err != nil {
		return nil, nil, err
	}
	return s, cls, nil
}
