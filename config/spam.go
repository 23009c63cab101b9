package config

import (
	"fmt"
	"time"
)

// Spam configures the spam scanner: which checks run, rule scores, and the
// score thresholds that tag, quarantine or reject a message.
type Spam struct {
	// Thresholds are the default score thresholds (every school, every
	// direction).
	Thresholds SpamThresholds `toml:"thresholds"`
	// Override changes thresholds for one school and/or direction; the
	// last matching entry wins, field by field.
	Override []SpamOverride `toml:"override"`
	// Scores overrides rule scores by rule id (e.g. "missing_date" = 0.5;
	// 0 turns a rule off).
	Scores map[string]float64 `toml:"scores"`
	// Bayes configures the statistical classifier.
	Bayes SpamBayes `toml:"bayes"`
	// Auth configures SPF, DKIM and DMARC checks of inbound mail.
	Auth SpamAuth `toml:"auth"`
	// DNSBL configures DNS blocklist look-ups.
	DNSBL SpamDNSBL `toml:"dnsbl"`
}

// SpamThresholds are total spam scores at which an action applies. A zero
// value inherits; a threshold of 1000 or more never acts.
type SpamThresholds struct {
	// Tag is the score from which the message is tagged (X-Lychgate-Spam
	// header and subject prefix).
	Tag float64 `toml:"tag"`
	// Quarantine is the score from which the message is held for review.
	Quarantine float64 `toml:"quarantine"`
	// Reject is the score from which the message is refused.
	Reject float64 `toml:"reject"`
}

// SpamOverride sets thresholds for one school and/or one direction.
type SpamOverride struct {
	// School is a school id ("" for every school).
	School string `toml:"school"`
	// Direction is inbound, outbound or internal ("" for every direction).
	Direction string `toml:"direction"`
	// Tag replaces thresholds.tag for these copies (0 inherits).
	Tag float64 `toml:"tag"`
	// Quarantine replaces thresholds.quarantine (0 inherits).
	Quarantine float64 `toml:"quarantine"`
	// Reject replaces thresholds.reject (0 inherits).
	Reject float64 `toml:"reject"`
}

// SpamBayes configures the Bayesian classifier, whose counts live in Redis
// (see [redis]) and are shared by every relay instance.
type SpamBayes struct {
	// Enabled turns the classifier on.
	Enabled bool `toml:"enabled"`
	// Scope names the classifier database (the Redis hash tag of its keys,
	// "<prefix>:bayes:{<scope>}:..."); instances with the same scope share
	// what they learnt.
	Scope string `toml:"scope"`
	// MinSpam and MinHam are the trained spam and ham messages needed
	// before the classifier scores (before that it reports a cold start).
	MinSpam int `toml:"min_spam"`
	// MinHam is the trained ham messages needed before the classifier
	// scores (see min_spam).
	MinHam int `toml:"min_ham"`
	// TokenTTL is how long a token is kept after it was last trained.
	TokenTTL Duration `toml:"token_ttl"`
	// InternalHosts are the domains of your own mail hosts in front of
	// lychgate (like SpamAssassin's trusted_networks), for a relay that
	// receives mail from another gateway rather than from the Internet:
	// Received hops from them (their reverse DNS name, else their HELO
	// name, or a subdomain of it) are not learnt as the sender's network.
	// Private and loopback addresses are always internal. Learning and
	// classifying use the same list; changing it makes new tokens only.
	InternalHosts []string `toml:"internal_hosts"`
}

// SpamAuth configures sender authentication (SPF, DKIM, DMARC) of inbound
// mail.
type SpamAuth struct {
	// Enabled turns the checks on.
	Enabled bool `toml:"enabled"`
	// Resolver is the DNS server (host:port) used for SPF, DKIM and DMARC
	// look-ups ("" for the system resolver).
	Resolver string `toml:"resolver"`
	// Timeout bounds all look-ups of one message; a timeout is a finding.
	Timeout Duration `toml:"timeout"`
	// AuthServID is the authserv-id written in Authentication-Results
	// (default: relay.hostname).
	AuthServID string `toml:"authserv_id"`
}

// SpamDNSBL configures DNS blocklists.
type SpamDNSBL struct {
	// Enabled turns the look-ups on.
	Enabled bool `toml:"enabled"`
	// Resolver is the DNS server (host:port) to query ("" for the system
	// resolver).
	Resolver string `toml:"resolver"`
	// Timeout bounds all look-ups of one message.
	Timeout Duration `toml:"timeout"`
	// CacheTTL is how long an answer is cached.
	CacheTTL Duration `toml:"cache_ttl"`
	// IP are the IP blocklists (client address and first untrusted
	// Received hop).
	IP []DNSBLZone `toml:"ip"`
	// Domain are the domain blocklists (sender domain, link domains).
	Domain []DNSBLZone `toml:"domain"`
}

// DNSBLZone is one blocklist zone and the score a listing adds.
type DNSBLZone struct {
	// Zone is the list's DNS zone, e.g. "zen.spamhaus.org".
	Zone string `toml:"zone"`
	// Score is added when the address or domain is listed.
	Score float64 `toml:"score"`
}

// DefaultSpam returns the spam defaults: tag at 5, quarantine at 10,
// reject at 20; classifier off until trained and enabled; authentication
// on with a 5 s budget; no blocklist zones.
func DefaultSpam() Spam {
	return Spam{
		Thresholds: SpamThresholds{Tag: 5, Quarantine: 10, Reject: 20},
		Bayes: SpamBayes{
			Scope:    "global",
			MinSpam:  200,
			MinHam:   200,
			TokenTTL: Duration{180 * 24 * time.Hour},
		},
		// Off until turned on: SPF, DKIM and DMARC need a working DNS
		// resolver, and without one every inbound message would wait for
		// the look-up timeout.
		Auth:  SpamAuth{Timeout: Duration{5 * time.Second}},
		DNSBL: SpamDNSBL{Timeout: Duration{3 * time.Second}, CacheTTL: Duration{10 * time.Minute}},
	}
}

// Level grades score against t: 0 below tag, 1 from tag, 2 from quarantine,
// 3 from reject. A threshold of 0 (or 1000 and more) never acts.
func (t SpamThresholds) Level(score float64) int {
	reached := func(th float64) bool { return th > 0 && th < 1000 && score >= th }
	switch {
	case reached(t.Reject):
		return 3
	case reached(t.Quarantine):
		return 2
	case reached(t.Tag):
		return 1
	}
	return 0
}

// ThresholdsFor returns the thresholds for a school and direction.
func (s *Spam) ThresholdsFor(school, direction string) SpamThresholds {
	t := s.Thresholds
	for _, o := range s.Override {
		if (o.School != "" && o.School != school) || (o.Direction != "" && o.Direction != direction) {
			continue
		}
		if o.Tag != 0 {
			t.Tag = o.Tag
		}
		if o.Quarantine != 0 {
			t.Quarantine = o.Quarantine
		}
		if o.Reject != 0 {
			t.Reject = o.Reject
		}
	}
	return t
}

// Validate reports the first inconsistency in s.
func (s *Spam) Validate() error {
	check := func(where string, t SpamThresholds) error {
		if t.Tag < 0 || t.Quarantine < 0 || t.Reject < 0 {
			return fmt.Errorf("spam.%s: thresholds must not be negative", where)
		}
		return nil
	}
	if err := check("thresholds", s.Thresholds); err != nil {
		return err
	}
	for i, o := range s.Override {
		if err := check(fmt.Sprintf("override[%d]", i), SpamThresholds{Tag: o.Tag, Quarantine: o.Quarantine, Reject: o.Reject}); err != nil {
			return err
		}
		switch o.Direction {
		case "", "inbound", "outbound", "internal":
		default:
			return fmt.Errorf("spam.override[%d].direction: %q is not inbound, outbound or internal", i, o.Direction)
		}
	}
	for _, z := range append(append([]DNSBLZone{}, s.DNSBL.IP...), s.DNSBL.Domain...) {
		if z.Zone == "" {
			return fmt.Errorf("spam.dnsbl: a zone without a name")
		}
	}
	return nil
}
