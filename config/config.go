// Package config owns lychgate's TOML configuration: the typed schema, the
// defaults, strict decoding (unknown keys are errors), validation that
// reports every problem at once with file:line and key
// ("lychgate.toml:14: relay.max_message_bytes: must be positive"), and the
// helpers other packages use to read it (school lookup by domain, trusted
// networks).
//
// Nothing outside cmd/lychgate reads flags or the environment; a *Config is
// passed to constructors.
//
// A Config is read-only once Parse or Load returns it; it is then safe for
// concurrent use. Reload builds a new one and swaps it in.
package config

//go:generate go run ./internal/gendoc -src . -out ../docs/config.md

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Config is the whole configuration.
type Config struct {
	// File is the path the configuration was loaded from ("" for defaults).
	File string `toml:"-"`
	// Dir is the directory of File; relative paths in the config are
	// resolved against it.
	Dir string `toml:"-"`

	Relay      Relay        `toml:"relay"`
	NextHop    NextHop      `toml:"next_hop"`
	Redis      Redis        `toml:"redis"`
	Limits     Limits       `toml:"limits"`
	Scan       Scan         `toml:"scan"`
	Quarantine Quarantine   `toml:"quarantine"`
	Log        Log          `toml:"log"`
	Schools    []School     `toml:"school"`
	Rules      []Rule       `toml:"rule"`
	Policy     []PolicyRule `toml:"policy"`
	Notify     Notify       `toml:"notify"`
	Web        Web          `toml:"web"`
	Metrics    Metrics      `toml:"metrics"`
	// Scanners are per-scanner settings, one [scanners.<id>] table each.
	Scanners map[string]ScannerSettings `toml:"scanners"`
	// Trust holds trust-wide settings.
	Trust Trust `toml:"trust"`
	// Links configures the link scanner.
	Links Links `toml:"links"`
	// Attachments configures the attachment scanner.
	Attachments Attachments `toml:"attachments"`
	// ClamAV configures the antivirus scanner (off unless address is set).
	ClamAV ClamAV `toml:"clamav"`
	// Spam configures the spam scanner: thresholds, Bayes, SPF/DKIM/DMARC
	// and DNS blocklists.
	Spam Spam `toml:"spam"`
	// PersonalDomains adjusts the bundled personal/webmail domain list.
	PersonalDomains PersonalDomains `toml:"personal_domains"`
	// Report schedules the head teacher's report.
	Report Report `toml:"report"`

	// src is the file's text, for the line numbers of Validate's errors.
	src string
	// trusted is Relay.TrustedNetworks parsed by Parse.
	trusted []netip.Prefix
}

// Relay configures the SMTP listener.
type Relay struct {
	// Hostname is the name the relay greets with and writes in Received.
	Hostname string `toml:"hostname"`
	// Listen is the TCP address to accept SMTP on.
	Listen string `toml:"listen"`
	// TrustedNetworks are CIDRs whose clients are the school's own mail
	// server: their mail is outbound (or internal). A bare IP address means
	// that one host (/32 or /128); entries are normalised to CIDR form when
	// the file is loaded.
	TrustedNetworks []string `toml:"trusted_networks"`
	// MaxMessageBytes is the largest message accepted (SIZE, RFC 1870).
	MaxMessageBytes int64 `toml:"max_message_bytes"`
	// MaxRecipients is the most RCPT TO per message (RFC 5321 §4.5.3.1.8
	// requires accepting at least 100).
	MaxRecipients int `toml:"max_recipients"`
	// TLSCert is the PEM certificate chain offered with STARTTLS (RFC
	// 3207), relative to the config file's directory. Set both TLSCert and
	// TLSKey, or neither (no STARTTLS).
	TLSCert string `toml:"tls_cert"`
	// TLSKey is the PEM private key for TLSCert.
	TLSKey string `toml:"tls_key"`
	// ReadTimeout bounds waiting for one command or data block.
	ReadTimeout Duration `toml:"read_timeout"`
	// WriteTimeout bounds writing one reply.
	WriteTimeout Duration `toml:"write_timeout"`
	// MaxConnections bounds concurrent connections (0: default 1000).
	MaxConnections int `toml:"max_connections"`
	// MaxConnectionsPerIP bounds concurrent connections from one IP (0: no
	// per-IP limit).
	MaxConnectionsPerIP int `toml:"max_connections_per_ip"`
	// AuthUsersFile names a file of "user:bcrypt-hash" lines (as written by
	// `htpasswd -nbB user password`). When set, clients may AUTH PLAIN or
	// LOGIN after STARTTLS, and an authenticated client counts as the
	// school's own (its mail may go out). Needs tls_cert and tls_key.
	AuthUsersFile string `toml:"auth_users_file"`
	// BareLineEndings is what to do with a bare CR or LF in DATA: "reject"
	// (554, default, as Postfix's smtpd_forbid_bare_newline) or "fix"
	// (rewrite to CRLF). Either way no second message can be smuggled.
	BareLineEndings string `toml:"bare_line_endings"`
	// ShutdownTimeout is how long in-flight messages may finish on stop.
	ShutdownTimeout Duration `toml:"shutdown_timeout"`
	// SubjectPrefix is added to the subject of tagged mail ("" for none).
	SubjectPrefix string `toml:"subject_prefix"`
	// NULBytes is what to do with a NUL byte in DATA: "reject" (554 5.6.0,
	// the default when empty) or "strip" (remove it). A NUL is never
	// forwarded: a next hop that drops NULs could see an end of data there.
	NULBytes string `toml:"nul_bytes"`
	// MaxLineBytes is the longest DATA line accepted, without its CRLF
	// (0: 1 MiB). A longer line is answered 554 5.6.0 at the end of DATA,
	// never while the client is still writing.
	MaxLineBytes int `toml:"max_line_bytes"`
	// ForwardLineBytes is the longest line sent to the next hop, without its
	// CRLF (0: 998, RFC 5321 §4.5.3.1.6). Longer lines are folded as they
	// are sent, as Postfix's smtp_line_length_limit does: before a blank
	// within the limit, else by inserting CRLF and a space. Scanners and
	// the quarantine see the lines as received.
	ForwardLineBytes int `toml:"forward_line_bytes"`
	// DataTimeout bounds receiving one message's DATA in total, however
	// steadily bytes arrive (0: 10 minutes plus one second per 64 KiB of
	// max_message_bytes). Each read waits at most read_timeout.
	DataTimeout Duration `toml:"data_timeout"`
	// StressReadTimeout replaces read_timeout for the greeting and commands
	// while three quarters or more of max_connections are in use, as
	// Postfix's stress-adaptive smtpd_timeout (0: 10s).
	StressReadTimeout Duration `toml:"stress_read_timeout"`
	// MaxConnectionsPerUntrustedIP bounds concurrent connections from one IP
	// outside trusted_networks (0: 10); max_connections_per_ip still
	// applies to every client.
	MaxConnectionsPerUntrustedIP int `toml:"max_connections_per_untrusted_ip"`
	// TrustedReservedConnections is how many of max_connections only
	// clients in trusted_networks may use, so the school's own server is
	// never locked out by strangers (0: a tenth of max_connections, at
	// least 1).
	TrustedReservedConnections int `toml:"trusted_reserved_connections"`
	// Postmaster is where mail to the bare local part <postmaster> goes
	// (RFC 5321 §4.5.1 requires accepting it). Empty means postmaster@ the
	// first domain of the first school.
	Postmaster string `toml:"postmaster"`
	// MaxReceived is the most Received: header fields a message may carry
	// before it is refused as a mail loop with 554 5.4.6 (0: 50, as
	// Postfix's hopcount_limit). A message that already passed this relay
	// (its own Received line, same hostname) twice is refused too.
	MaxReceived int `toml:"max_received"`
	// MaxBytesInFlight bounds the bytes of all messages being analysed and
	// forwarded at once (0: 256 MiB). A message that would exceed it waits
	// for its share, at most analysis_wait.
	MaxBytesInFlight int64 `toml:"max_bytes_in_flight"`
	// AnalysisWait is how long a message may wait for its share of
	// max_bytes_in_flight before it is answered 451 4.3.2 (0: 30s).
	AnalysisWait Duration `toml:"analysis_wait"`
	// SpoolThreshold is the message size in bytes above which DATA is
	// written to a file in spool_dir instead of memory (0: 4 MiB;
	// negative: never). A spooled message is read into memory, once and in
	// one buffer of its size, only when it gets its share of
	// max_bytes_in_flight, so large messages that arrive or wait cost no
	// memory. Each file is created 0600 and unlinked at once: it
	// disappears with the transaction, or with the process if it dies.
	SpoolThreshold int64 `toml:"spool_threshold"`
	// SpoolDir is where large messages are spooled (see spool_threshold;
	// relative to the config file; empty: lychgate-spool-<uid> in the
	// system's temporary directory). It
	// is created 0700 and must belong to the relay's user; files left by a
	// relay process that no longer runs are removed.
	SpoolDir string `toml:"spool_dir"`
}

// NextHop configures where accepted mail goes.
type NextHop struct {
	// Inbound is the school mail server (host:port) for inbound and
	// internal mail. Required when any school is configured.
	Inbound string `toml:"inbound"`
	// Outbound is the smarthost (host:port) for mail leaving the school.
	// When empty, outbound mail is refused with a temporary error (4xx) at
	// RCPT TO, so the school's server keeps it queued.
	Outbound string `toml:"outbound"`
	// TLS is how STARTTLS is used towards the next hop: "opportunistic"
	// (when offered), "required" or "none".
	TLS string `toml:"tls"`
	// TLSSkipVerify disables certificate checks on the next hop (for
	// self-signed internal servers).
	TLSSkipVerify bool `toml:"tls_skip_verify"`
	// DialTimeout bounds connecting to the next hop.
	DialTimeout Duration `toml:"dial_timeout"`
	// CommandTimeout bounds each SMTP command to the next hop.
	CommandTimeout Duration `toml:"command_timeout"`
	// VerifyRecipients asks the school mail server at RCPT time whether an
	// inbound or internal recipient exists, so unknown addresses are refused
	// there (550 5.1.1) and never bounce a whole message later. Results are
	// cached for a few minutes; when the server cannot answer, the
	// recipient is accepted and DATA decides.
	VerifyRecipients bool `toml:"verify_recipients"`
}

// Redis configures the quarantine and outbox store.
type Redis struct {
	// URL locates the Redis server: redis://host:port/db, rediss:// for
	// TLS, or unix:///path/to/redis.sock?db=N.
	URL string `toml:"url"`
	// Timeout bounds one Redis operation.
	Timeout Duration `toml:"timeout"`
	// KeyPrefix is prepended to every key (default "lg"); it may not contain
	// spaces or braces, which Redis Cluster hash tags use.
	KeyPrefix string `toml:"key_prefix"`
	// SentinelAddrs, with MasterName, use Redis Sentinel instead of URL
	// (host:port of each sentinel).
	SentinelAddrs []string `toml:"sentinel_addrs"`
	// MasterName is the Sentinel master's name.
	MasterName string `toml:"master_name"`
	// ClusterAddrs use Redis Cluster instead of URL (host:port of some
	// nodes). Keys that change together share a hash tag.
	ClusterAddrs []string `toml:"cluster_addrs"`
	// PasswordFile names a file holding the Redis password (for Sentinel
	// or Cluster; with URL, a password in the URL also works). Secrets are
	// never written inline.
	PasswordFile string `toml:"password_file"`
	// WaitReplicas, with Sentinel or Cluster, makes every quarantine and
	// outbox write wait (WAIT) until this many replicas have it, and fail
	// (the sender gets 4xx) when they do not within the timeout, so a
	// failover cannot lose a message lychgate acknowledged. 0 does not wait:
	// faster, and writes keep working when no replica is up, but a
	// failover can lose the last writes. Needs at least this many replicas
	// per master.
	WaitReplicas int `toml:"wait_replicas"`
}

// Limits bounds parsing of one message (see message.Limits). A zero field
// means the message package's default (message.DefaultLimits), never
// "unlimited".
type Limits struct {
	// MaxParts is the most MIME parts (all levels) inspected (0: 500).
	MaxParts int `toml:"max_parts"`
	// MaxDepth is the deepest nesting of multiparts, attached messages and
	// archives followed (0: 10).
	MaxDepth int `toml:"max_depth"`
	// MaxHeaderBytes is the largest header block parsed (0: 1 MiB).
	MaxHeaderBytes int `toml:"max_header_bytes"`
	// MaxArchiveEntries is the most entries read from one archive (0: 1000).
	MaxArchiveEntries int `toml:"max_archive_entries"`
	// MaxExpandedBytes is the most bytes expanded from archives in one
	// message, a zip bomb guard (0: 100 MiB).
	MaxExpandedBytes int64 `toml:"max_expanded_bytes"`
}

// Scan configures the scanner pipeline.
type Scan struct {
	// ScannerTimeout bounds each scanner.
	ScannerTimeout Duration `toml:"scanner_timeout"`
	// Budget bounds scanning one message.
	Budget Duration `toml:"budget"`
}

// Quarantine configures the store.
type Quarantine struct {
	// Retention is how long held mail is kept.
	Retention Duration `toml:"retention"`
	// IncidentRetention is how long mail marked as an incident is kept.
	IncidentRetention Duration `toml:"incident_retention"`
	// SeverityRetention maps a severity name to how long mail whose worst finding has that severity is kept.
	SeverityRetention map[string]Duration `toml:"severity_retention"`
}

// Log configures logging.
type Log struct {
	// Level is the least severe level logged: debug, info, warn or error.
	Level string `toml:"level"`
	// Format is the log line format: "text" or "json".
	Format string `toml:"format"`
}

// School is one school of the trust.
type School struct {
	// ID is the school's stable short name: lowercase letters, digits, "_"
	// and "-". It appears in Redis keys, logs and the web UI.
	ID string `toml:"id"`
	// Name is the school's display name.
	Name string `toml:"name"`
	// Domains are the mail domains the school owns (at least one). A domain
	// belongs to one school only.
	Domains []string `toml:"domains"`
	// DSL are the Designated Safeguarding Lead's (and deputies') addresses;
	// they receive alerts.
	DSL []string `toml:"dsl"`
	// Groups maps a group name to address globs (case-insensitive, "*"
	// matches any run of characters). Group names are lowercase like ids;
	// staff, pupils and parents are also filled from Directory.
	Groups map[string][]string `toml:"groups"`
	// Directory names the MIS CSV exports (paths relative to the config).
	Directory Directory `toml:"directory"`
	// Profanity, Safeguarding and PII tune the content scanners for this school.
	Profanity    Profanity    `toml:"profanity"`
	Safeguarding Safeguarding `toml:"safeguarding"`
	PII          PII          `toml:"pii"`
	// Personal lists the school's own numbers and addresses staff may share.
	Personal SchoolPersonal `toml:"personal"`
	// Retention overrides [quarantine] retention for this school.
	Retention SchoolRetention `toml:"retention"`
	// Notify configures this school's notifications.
	Notify SchoolNotify `toml:"notify"`
	// PolicyText maps a finding category or rule id (or "default") to the policy paragraph quoted in warning bounces.
	PolicyText map[string]string `toml:"policy_text"`
	// Report configures this school's head teacher's report.
	Report SchoolReport `toml:"report"`
}

// Directory names the CSV exports that add group members.
type Directory struct {
	// Staff is the MIS staff export; its addresses join group "staff".
	Staff string `toml:"staff"`
	// Pupils is the MIS pupil export; its addresses join group "pupils".
	Pupils string `toml:"pupils"`
	// Parents is the MIS parent/carer export; its addresses join group
	// "parents".
	Parents string `toml:"parents"`
}

// Rule is one custom rule for the rules scanner.
type Rule struct {
	// ID is the rule's stable name (lowercase letters, digits, "_", "-"),
	// unique among rules; findings, logs and policy rules refer to it.
	ID string `toml:"id"`
	// Field is where the rule looks: subject, body, filename (attachment
	// names), any (all of these) or header:<Name> (one header field).
	Field string `toml:"field"`
	// Pattern is a Go regexp (RE2 syntax; "(?i)" for case-insensitive).
	// Exactly one of Pattern and Words is required.
	Pattern string `toml:"pattern"`
	// Words is a list of words matched on word boundaries,
	// case-insensitively.
	Words []string `toml:"words"`
	// Category is one of profanity, safeguarding, pii, spam, link,
	// attachment, personal-address, illegal, malformed, scanner-error.
	Category string `toml:"category"`
	// Severity is one of info, low, medium, high, critical.
	Severity string `toml:"severity"`
	// Score is added to the message's score for each match.
	Score float64 `toml:"score"`
	// Explanation is the human reason shown to the DSL and in warnings.
	Explanation string `toml:"explanation"`
	// Schools limits the rule to these school ids (empty: all).
	Schools []string `toml:"schools"`
	// Directions limits the rule to these directions: inbound, outbound,
	// internal (empty: all).
	Directions []string `toml:"directions"`
}

// PolicyRule maps findings to an action. For each finding the first
// matching rule applies (user rules before the built-in defaults); per
// recipient the strictest action over all findings wins.
type PolicyRule struct {
	// ID names the policy rule in logs and decisions (optional; unique
	// when set).
	ID string `toml:"id"`
	// Schools matches findings in mail of these school ids. This and the
	// other match lists: an empty list matches everything.
	Schools []string `toml:"schools"`
	// Directions matches these directions: inbound, outbound, internal.
	Directions []string `toml:"directions"`
	// SenderGroups matches senders in any of these groups.
	SenderGroups []string `toml:"sender_groups"`
	// RecipientGroups matches recipients in any of these groups.
	RecipientGroups []string `toml:"recipient_groups"`
	// Categories matches findings of these categories.
	Categories []string `toml:"categories"`
	// Rules matches findings of these rule ids (custom or built-in).
	Rules []string `toml:"rules"`
	// MinSeverity matches findings at least this severe ("": any).
	MinSeverity string `toml:"min_severity"`
	// MinScore matches findings scoring at least this much.
	MinScore float64 `toml:"min_score"`
	// Action is what happens to the recipient's copy: deliver, tag,
	// quarantine, reject or tempfail (required).
	Action string `toml:"action"`
	// NotifyDSL sends the school's DSL an alert.
	NotifyDSL bool `toml:"notify_dsl"`
	// WarnSender sends the sender a warning bounce explaining why.
	WarnSender bool `toml:"warn_sender"`
}

// Duration is a time.Duration written as a string ("30s", "5m").
type Duration struct{ time.Duration }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("invalid duration %q (write e.g. \"30s\" or \"5m\")", string(b))
	}
	d.Duration = v
	return nil
}

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// Default returns the configuration used when no file is given, and the
// values every loaded file starts from.
func Default() *Config {
	return &Config{
		Relay: Relay{
			Hostname:            "localhost",
			Listen:              "127.0.0.1:2525",
			TrustedNetworks:     []string{"127.0.0.0/8", "::1/128"},
			MaxMessageBytes:     25 << 20,
			MaxRecipients:       100,
			ReadTimeout:         Duration{5 * time.Minute},
			WriteTimeout:        Duration{5 * time.Minute},
			MaxConnections:      1000,
			MaxConnectionsPerIP: 50,
			BareLineEndings:     "reject",
			ShutdownTimeout:     Duration{30 * time.Second},
		},
		NextHop: NextHop{
			TLS:              "opportunistic",
			DialTimeout:      Duration{30 * time.Second},
			CommandTimeout:   Duration{5 * time.Minute},
			VerifyRecipients: true,
		},
		Redis: Redis{
			URL:       "redis://127.0.0.1:6379/0",
			Timeout:   Duration{2 * time.Second},
			KeyPrefix: "lg",
		},
		Scan: Scan{
			ScannerTimeout: Duration{30 * time.Second},
			Budget:         Duration{120 * time.Second},
		},
		Quarantine:  Quarantine{Retention: Duration{30 * 24 * time.Hour}, IncidentRetention: Duration{365 * 24 * time.Hour}},
		Log:         Log{Level: "info", Format: "text"},
		Links:       DefaultLinks(),
		Attachments: DefaultAttachments(),
		ClamAV:      DefaultClamAV(),
		Spam:        DefaultSpam(),
		Notify: Notify{DigestInterval: Duration{time.Hour}, Excerpt: "full", Redact: []string{"illegal", "safeguarding_sexual", "safeguarding_grooming"},
			RateWindow: Duration{10 * time.Minute}, RateLimit: 1, WarnOnHold: true, MaxAttempts: 20, RetryMin: Duration{30 * time.Second}, RetryMax: Duration{time.Hour}},
	}
}

// SchoolByDomain returns the school that owns domain (case-insensitive,
// exact domain match), or nil.
func (c *Config) SchoolByDomain(domain string) *School {
	domain = strings.TrimSuffix(strings.ToLower(domain), ".")
	for i := range c.Schools {
		for _, d := range c.Schools[i].Domains {
			if strings.EqualFold(d, domain) {
				return &c.Schools[i]
			}
		}
	}
	return nil
}

// SchoolByID returns the school with id, or nil.
func (c *Config) SchoolByID(id string) *School {
	for i := range c.Schools {
		if c.Schools[i].ID == id {
			return &c.Schools[i]
		}
	}
	return nil
}

// SchoolForAddress returns the school owning the domain of addr, or nil.
func (c *Config) SchoolForAddress(addr string) *School {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return nil
	}
	return c.SchoolByDomain(addr[at+1:])
}

// Path resolves p, a path from the configuration, against Dir. Absolute
// paths and "" are returned unchanged.
func (c *Config) Path(p string) string {
	if p == "" || filepath.IsAbs(p) || c.Dir == "" {
		return p
	}
	return filepath.Join(c.Dir, p)
}

// TrustedNets returns Relay.TrustedNetworks as prefixes. Parse parses them
// once; for a Config built in code they are parsed on each call, and
// invalid entries (which Validate reports) are left out. The caller may
// modify the returned slice.
func (c *Config) TrustedNets() []netip.Prefix {
	if c.trusted != nil {
		return slices.Clone(c.trusted)
	}
	return parsePrefixes(c.Relay.TrustedNetworks)
}

// IsTrusted reports whether ip lies in one of the trusted networks.
// IPv4-mapped IPv6 addresses (::ffff:10.0.0.1) count as IPv4, and zones are
// ignored.
func (c *Config) IsTrusted(ip netip.Addr) bool {
	ip = ip.Unmap().WithZone("")
	nets := c.trusted
	if nets == nil {
		nets = parsePrefixes(c.Relay.TrustedNetworks)
	}
	for _, p := range nets {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// parsePrefix parses a CIDR or a bare IP address (a single host), masking
// host bits: "10.1.2.3/8" is 10.0.0.0/8.
func parsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		if p.Addr().Is4In6() {
			return netip.Prefix{}, fmt.Errorf("write IPv4-mapped networks as IPv4")
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	if a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("zones are not allowed")
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// parsePrefixes returns the valid entries of nets as prefixes (non-nil;
// invalid entries, which Validate reports, are left out).
func parsePrefixes(nets []string) []netip.Prefix {
	out := make([]netip.Prefix, 0, len(nets))
	for _, s := range nets {
		if p, err := parsePrefix(s); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// normalisePrefixes rewrites each valid entry of nets in CIDR form, in
// place, and returns the parsed prefixes.
func normalisePrefixes(nets []string) []netip.Prefix {
	for i, s := range nets {
		if p, err := parsePrefix(s); err == nil {
			nets[i] = p.String()
		}
	}
	return parsePrefixes(nets)
}
