package config

import (
	"net"
	"os"
	"strings"
	"time"
)

// Links configures the link scanner ([links]). List files hold one host or
// domain a line ("#" comments); a domain covers its subdomains. Paths are
// relative to the config. Lists are read when the configuration is loaded
// or reloaded.
type Links struct {
	// Protected are domains whose imitation in a link is reported (as
	// well as the built-in list, gov.uk and every school's domains), e.g.
	// the trust's payment or learning platforms.
	Protected []string `toml:"protected"`
	// BlockFiles name files of hosts and domains whose links are always
	// reported (rule link_blocklist).
	BlockFiles []string `toml:"block_files"`
	// AllowFiles name files of hosts and domains whose links are never
	// reported (except forms asking for a password).
	AllowFiles []string `toml:"allow_files"`
	// ShortenerFiles name extra URL-shortener lists (the built-in one is
	// PeterDaveHello/url-shorteners).
	ShortenerFiles []string `toml:"shortener_files"`
	// SuspiciousTLDs replaces the built-in list of abused top-level
	// domains (names without the dot) when set.
	SuspiciousTLDs []string `toml:"suspicious_tlds"`
	// DNS configures DNS URI blocklists; off unless zones are given.
	DNS LinkDNS `toml:"dns"`
}

// LinkDNS configures DNS URI blocklist look-ups of link domains
// (<registered domain>.<zone>, or the reversed IPv4 address).
type LinkDNS struct {
	// Zones are the blocklist zones, e.g. "dbl.spamhaus.org" or
	// "multi.surbl.org". Public mirrors refuse queries from public
	// resolvers and have usage terms: use a resolver of your own.
	Zones []string `toml:"zones"`
	// Resolver is the DNS server asked (host:port), normally the local
	// caching resolver, e.g. "127.0.0.1:53".
	Resolver string `toml:"resolver"`
	// Timeout bounds each look-up.
	Timeout Duration `toml:"timeout"`
	// MaxLookups caps the domains looked up per message.
	MaxLookups int `toml:"max_lookups"`
}

// Attachments configures the attachment scanner ([attachments]).
type Attachments struct {
	// HashFiles name lists of known illegal or malicious files, as
	// child-protection bodies supply them: one hex SHA-256 or MD5 a line,
	// optionally followed by a label. A match is an "illegal" finding of
	// severity critical, and alerts never include the file.
	HashFiles []string `toml:"hash_files"`
	// ExtraDangerous are more file extensions (no dot) reported as
	// running code.
	ExtraDangerous []string `toml:"extra_dangerous"`
	// AllowExtensions are extensions (no dot) never reported as
	// dangerous, e.g. "url" if staff share internet shortcuts.
	AllowExtensions []string `toml:"allow_extensions"`
	// MaxCompressionRatio is how many times its size an archive may
	// expand to before it counts as a zip bomb and expansion stops
	// (message.Limits.MaxCompressionRatio).
	MaxCompressionRatio int `toml:"max_compression_ratio"`
}

// ClamAV configures the antivirus scanner ([clamav]); off unless Address
// is set.
type ClamAV struct {
	// Address is clamd's socket: "unix:///run/clamav/clamd.ctl" (Debian's
	// default) or "tcp://127.0.0.1:3310".
	Address string `toml:"address"`
	// Timeout bounds scanning one attachment; a clamd that does not
	// answer in time is a scanner error (the policy decides, default
	// tempfail).
	Timeout Duration `toml:"timeout"`
	// MaxStreamBytes is the largest attachment sent; keep it at or below
	// clamd's StreamMaxLength (25 MiB by default).
	MaxStreamBytes int64 `toml:"max_stream_bytes"`
}

// DefaultLinks returns the link scanner's defaults.
func DefaultLinks() Links {
	return Links{DNS: LinkDNS{Timeout: Duration{2 * time.Second}, MaxLookups: 20}}
}

// DefaultAttachments returns the attachment scanner's defaults.
func DefaultAttachments() Attachments {
	return Attachments{MaxCompressionRatio: 100}
}

// DefaultClamAV returns the antivirus defaults (off).
func DefaultClamAV() ClamAV {
	return ClamAV{Timeout: Duration{30 * time.Second}, MaxStreamBytes: 25 << 20}
}

// links checks the link, attachment and antivirus settings ([links],
// [attachments], [clamav]).
func (v *checker) links() {
	c := v.c
	l, a, av := c.Links, c.Attachments, c.ClamAV
	files := func(key string, names []string) {
		for i, n := range names {
			if _, err := os.Stat(c.Path(n)); err != nil {
				v.add(indexKey(key, i), "%v", err)
			}
		}
	}
	files("links.block_files", l.BlockFiles)
	files("links.allow_files", l.AllowFiles)
	files("links.shortener_files", l.ShortenerFiles)
	files("attachments.hash_files", a.HashFiles)
	for i, z := range l.DNS.Zones {
		if z = strings.Trim(strings.TrimSpace(z), "."); !strings.Contains(z, ".") {
			v.add(indexKey("links.dns.zones", i), "%q is not a DNS zone", z)
		}
	}
	if len(l.DNS.Zones) > 0 {
		if _, _, err := net.SplitHostPort(l.DNS.Resolver); err != nil {
			v.add("links.dns.resolver", "%q: want host:port (required with zones)", l.DNS.Resolver)
		}
	}
	if l.DNS.Timeout.Duration < 0 {
		v.add("links.dns.timeout", "must not be negative")
	}
	if l.DNS.MaxLookups < 0 {
		v.add("links.dns.max_lookups", "must not be negative")
	}
	if a.MaxCompressionRatio < 0 {
		v.add("attachments.max_compression_ratio", "must not be negative")
	}
	if av.Address != "" {
		addr := av.Address
		switch {
		case strings.HasPrefix(addr, "unix://"), strings.HasPrefix(addr, "/"):
		default:
			if _, _, err := net.SplitHostPort(strings.TrimPrefix(addr, "tcp://")); err != nil {
				v.add("clamav.address", "%q: want unix:///path or tcp://host:port", addr)
			}
		}
	}
	if av.Timeout.Duration < 0 {
		v.add("clamav.timeout", "must not be negative")
	}
	if av.MaxStreamBytes < 0 {
		v.add("clamav.max_stream_bytes", "must not be negative")
	}
}
