package config

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The closed name lists below duplicate the canonical ones so that config
// stays a leaf package (it imports no other lychgate package). Keep them in
// step with their source; they are never modified.
var (
	// categories is scanners.Categories.
	categories = []string{"profanity", "safeguarding", "pii", "spam", "link", "attachment",
		"personal-address", "illegal", "malformed", "scanner-error"}
	// severities are the names of scanners.Severity, in increasing order.
	severities = []string{"info", "low", "medium", "high", "critical"}
	// actions are policy.Deliver .. policy.Tempfail (policy.ParseAction).
	actions = []string{"deliver", "tag", "quarantine", "reject", "tempfail"}
	// directions are the message directions (DESIGN.md "Directions").
	directions = []string{"inbound", "outbound", "internal"}
	// builtinGroups are the groups the MIS directories fill (Directory).
	builtinGroups = []string{"staff", "pupils", "parents"}
	// ruleFields are the Rule.Field values besides header:<Name>.
	ruleFields = []string{"subject", "body", "any", "filename"}
)

// maxPEMBytes bounds reading TLS certificate and key files.
const maxPEMBytes = 1 << 20

// Validate checks the configuration and returns every problem, each an
// *Error, joined with errors.Join (nil when there is none). Line numbers
// are known for a Config from Parse or Load; for one built in code they are
// 0. Files it names (TLS certificate and key, directory exports) must be
// readable, relative to Dir.
func (c *Config) Validate() error {
	probs := c.problems()
	if len(probs) == 0 {
		return nil
	}
	return c.join(probs)
}

// checker collects problems by key; join adds file and line.
type checker struct {
	c     *Config
	probs []*Error
}

func (v *checker) add(key, format string, args ...any) {
	v.probs = append(v.probs, &Error{Key: key, Msg: fmt.Sprintf(format, args...)})
}

func (c *Config) problems() []*Error {
	v := &checker{c: c}
	v.relay()
	v.auth()
	v.nextHop()
	v.redis()
	v.limits()
	v.durations()
	v.log()
	groups := v.schools()
	v.rules()
	v.policy(groups)
	v.notify()
	v.personal()
	v.scanners()
	v.links()
	if err := c.Spam.Validate(); err != nil {
		v.add("spam", "%s", strings.TrimPrefix(err.Error(), "spam: "))
	}
	v.metrics()
	v.report()
	return v.probs
}

func (v *checker) relay() {
	r := &v.c.Relay
	if msg := hostnameProblem(r.Hostname); msg != "" {
		v.add("relay.hostname", "%s", msg)
	}
	if msg := hostPortProblem(r.Listen, false); msg != "" {
		v.add("relay.listen", "%s", msg)
	}
	for i, s := range r.TrustedNetworks {
		key := indexKey("relay.trusted_networks", i)
		p, err := parsePrefix(s)
		switch {
		case err != nil:
			v.add(key, "%q is not an IP network (CIDR such as 10.0.0.0/8) or an IP address", s)
		case p.Bits() == 0:
			v.add(key, "%s trusts every address and would make an open relay", p)
		}
	}
	if r.MaxMessageBytes <= 0 {
		v.add("relay.max_message_bytes", "must be positive")
	}
	if r.MaxRecipients <= 0 {
		v.add("relay.max_recipients", "must be positive")
	}
	if r.MaxConnections < 0 {
		v.add("relay.max_connections", "must not be negative")
	}
	if r.MaxConnectionsPerIP < 0 {
		v.add("relay.max_connections_per_ip", "must not be negative")
	}
	v.oneOf("relay.bare_line_endings", r.BareLineEndings, []string{"reject", "fix"})
	if r.NULBytes != "" {
		v.oneOf("relay.nul_bytes", r.NULBytes, []string{"reject", "strip"})
	}
	if r.MaxLineBytes < 0 || r.ForwardLineBytes < 0 || r.MaxConnectionsPerUntrustedIP < 0 || r.TrustedReservedConnections < 0 || r.MaxReceived < 0 || r.MaxBytesInFlight < 0 {
		v.add("relay", "max_line_bytes, forward_line_bytes, max_connections_per_untrusted_ip, trusted_reserved_connections, max_received and max_bytes_in_flight must not be negative")
	}
	if r.ForwardLineBytes > 0 && r.ForwardLineBytes < 78 {
		v.add("relay.forward_line_bytes", "must be at least 78")
	}
	if strings.ContainsAny(r.SubjectPrefix, "\r\n") {
		v.add("relay.subject_prefix", "must not contain line breaks")
	}
	v.tls()
}

func (v *checker) auth() {
	r := &v.c.Relay
	if r.AuthUsersFile == "" {
		return
	}
	if r.TLSCert == "" {
		v.add("relay.auth_users_file", "needs tls_cert and tls_key: passwords are only accepted over STARTTLS")
	}
	data, err := os.ReadFile(v.c.Path(r.AuthUsersFile))
	if err != nil {
		v.add("relay.auth_users_file", "%s", fileProblem(err))
		return
	}
	if _, err := ParseAuthUsers(data); err != nil {
		v.add("relay.auth_users_file", "%s", err.Error())
	}
}

func (v *checker) tls() {
	r := &v.c.Relay
	switch {
	case r.TLSCert == "" && r.TLSKey == "":
		return
	case r.TLSKey == "":
		v.add("relay.tls_key", "must be set when tls_cert is")
		return
	case r.TLSCert == "":
		v.add("relay.tls_cert", "must be set when tls_key is")
		return
	}
	cert, err := readSmallFile(v.c.Path(r.TLSCert), maxPEMBytes)
	if err != nil {
		v.add("relay.tls_cert", "%s", fileProblem(err))
	}
	key, err2 := readSmallFile(v.c.Path(r.TLSKey), maxPEMBytes)
	if err2 != nil {
		v.add("relay.tls_key", "%s", fileProblem(err2))
	}
	if err != nil || err2 != nil {
		return
	}
	if _, err := tls.X509KeyPair(cert, key); err != nil {
		v.add("relay.tls_cert", "not usable with tls_key: %v", err)
	}
}

func (v *checker) nextHop() {
	n := &v.c.NextHop
	switch {
	case n.Inbound != "":
		if msg := hostPortProblem(n.Inbound, true); msg != "" {
			v.add("next_hop.inbound", "%s", msg)
		}
	case len(v.c.Schools) > 0:
		v.add("next_hop.inbound", "must be set when schools are configured (the school mail server, host:port)")
	}
	if n.Outbound != "" {
		if msg := hostPortProblem(n.Outbound, true); msg != "" {
			v.add("next_hop.outbound", "%s", msg)
		}
	}
	v.oneOf("next_hop.tls", n.TLS, []string{"opportunistic", "required", "none"})
}

func (v *checker) redis() {
	r := &v.c.Redis
	if r.WaitReplicas < 0 {
		v.add("redis.wait_replicas", "must not be negative")
	}
	switch {
	case len(r.SentinelAddrs) > 0 && len(r.ClusterAddrs) > 0:
		v.add("redis.cluster_addrs", "set sentinel_addrs or cluster_addrs, not both")
	case len(r.SentinelAddrs) > 0 && r.MasterName == "":
		v.add("redis.master_name", "must be set with sentinel_addrs")
	case len(r.SentinelAddrs) == 0 && len(r.ClusterAddrs) == 0:
		if msg := redisURLProblem(r.URL); msg != "" {
			v.add("redis.url", "%s", msg)
		}
	}
	for _, list := range []struct {
		key   string
		addrs []string
	}{{"redis.sentinel_addrs", r.SentinelAddrs}, {"redis.cluster_addrs", r.ClusterAddrs}} {
		for i, a := range list.addrs {
			if msg := hostPortProblem(a, true); msg != "" {
				v.add(indexKey(list.key, i), "%s", msg)
			}
		}
	}
	if r.PasswordFile != "" {
		if err := readableFile(v.c.Path(r.PasswordFile)); err != nil {
			v.add("redis.password_file", "%s", fileProblem(err))
		}
	}
	switch {
	case r.KeyPrefix == "":
		v.add("redis.key_prefix", "must not be empty")
	case strings.ContainsAny(r.KeyPrefix, "{} \t\r\n"):
		v.add("redis.key_prefix", "must not contain spaces or braces")
	}
}

func (v *checker) limits() {
	l := &v.c.Limits
	for _, f := range []struct {
		key string
		n   int64
	}{
		{"limits.max_parts", int64(l.MaxParts)},
		{"limits.max_depth", int64(l.MaxDepth)},
		{"limits.max_header_bytes", int64(l.MaxHeaderBytes)},
		{"limits.max_archive_entries", int64(l.MaxArchiveEntries)},
		{"limits.max_expanded_bytes", l.MaxExpandedBytes},
	} {
		if f.n < 0 {
			v.add(f.key, "must not be negative (0 means the default)")
		}
	}
}

func (v *checker) durations() {
	c := v.c
	for _, f := range []struct {
		key string
		d   time.Duration
	}{
		{"relay.read_timeout", c.Relay.ReadTimeout.Duration},
		{"relay.write_timeout", c.Relay.WriteTimeout.Duration},
		{"relay.shutdown_timeout", c.Relay.ShutdownTimeout.Duration},
		{"next_hop.dial_timeout", c.NextHop.DialTimeout.Duration},
		{"next_hop.command_timeout", c.NextHop.CommandTimeout.Duration},
		{"redis.timeout", c.Redis.Timeout.Duration},
		{"scan.scanner_timeout", c.Scan.ScannerTimeout.Duration},
		{"scan.budget", c.Scan.Budget.Duration},
		{"quarantine.retention", c.Quarantine.Retention.Duration},
	} {
		if f.d <= 0 {
			v.add(f.key, "must be positive")
		}
	}
}

func (v *checker) log() {
	v.oneOf("log.level", v.c.Log.Level, []string{"debug", "info", "warn", "error"})
	v.oneOf("log.format", v.c.Log.Format, []string{"text", "json"})
}

// schools checks the schools and returns every group name defined.
func (v *checker) schools() map[string]bool {
	groups := make(map[string]bool)
	for _, g := range builtinGroups {
		groups[g] = true
	}
	ids := make(map[string]int)
	owner := make(map[string]int) // lowercased domain → school index
	for i := range v.c.Schools {
		s := &v.c.Schools[i]
		at := indexKey("school", i)
		v.id(at+".id", s.ID, "school", ids, i)
		if len(s.Domains) == 0 {
			v.add(at+".domains", "must list at least one domain")
		}
		for j, d := range s.Domains {
			key := indexKey(at+".domains", j)
			if !isDomain(d) {
				v.add(key, "%q is not a domain name", d)
				continue
			}
			ld := strings.ToLower(strings.TrimSuffix(d, "."))
			switch k, ok := owner[ld]; {
			case ok && k == i:
				v.add(key, "%q is listed twice", d)
			case ok:
				v.add(key, "%q already belongs to school %q", d, v.c.Schools[k].ID)
			default:
				owner[ld] = i
			}
		}
		for j, a := range s.DSL {
			if !isAddress(a) {
				v.add(indexKey(at+".dsl", j), "%q is not an email address (write user@domain)", a)
			}
		}
		for _, name := range sortedKeys(s.Groups) {
			key := joinKey(at+".groups", name)
			if !isID(name) {
				v.add(key, "group name must be lowercase letters, digits, \"_\" and \"-\" (at most 64)")
			}
			groups[name] = true
			for j, g := range s.Groups[name] {
				if strings.TrimSpace(g) == "" {
					v.add(indexKey(key, j), "must not be empty")
				}
			}
		}
		for _, f := range []struct{ key, path string }{
			{at + ".directory.staff", s.Directory.Staff},
			{at + ".directory.pupils", s.Directory.Pupils},
			{at + ".directory.parents", s.Directory.Parents},
			{at + ".profanity.add", s.Profanity.Add},
			{at + ".profanity.remove", s.Profanity.Remove},
			{at + ".profanity.allow", s.Profanity.Allow},
		} {
			if f.path == "" {
				continue
			}
			if err := readableFile(v.c.Path(f.path)); err != nil {
				v.add(f.key, "%s", fileProblem(err))
			}
		}
		for j, topic := range s.Safeguarding.Disable {
			if !slices.Contains(safeguardingTopics, topic) {
				v.add(indexKey(at+".safeguarding.disable", j), "unknown topic %q (want one of %s)", topic, strings.Join(safeguardingTopics, ", "))
			}
		}
		if d := s.Safeguarding.ExtraDir; d != "" {
			if st, err := os.Stat(v.c.Path(d)); err != nil || !st.IsDir() {
				v.add(at+".safeguarding.extra_dir", "%q is not a readable folder", d)
			}
		}
	}
	return groups
}

// safeguardingTopics are the topics of scanners/safeguarding (the canonical
// list is there).
var safeguardingTopics = []string{"self_harm", "bullying", "grooming", "sexual", "abuse", "extremism", "weapons", "drugs"}

func (v *checker) rules() {
	ids := make(map[string]int)
	for i := range v.c.Rules {
		r := &v.c.Rules[i]
		at := indexKey("rule", i)
		v.id(at+".id", r.ID, "rule", ids, i)
		if msg := fieldProblem(r.Field); msg != "" {
			v.add(at+".field", "%s", msg)
		}
		switch {
		case r.Pattern != "" && len(r.Words) > 0:
			v.add(at+".words", "set pattern or words, not both")
		case r.Pattern == "" && len(r.Words) == 0:
			v.add(at, "needs a pattern or words")
		case r.Pattern != "":
			if _, err := regexp.Compile(r.Pattern); err != nil {
				v.add(at+".pattern", "%s", regexpProblem(err))
			}
		}
		for j, w := range r.Words {
			if strings.TrimSpace(w) == "" {
				v.add(indexKey(at+".words", j), "must not be empty")
			}
		}
		v.oneOf(at+".category", r.Category, categories)
		v.oneOf(at+".severity", r.Severity, severities)
		if math.IsNaN(r.Score) || math.IsInf(r.Score, 0) {
			v.add(at+".score", "must be a finite number")
		}
		v.schoolRefs(at+".schools", r.Schools)
		v.each(at+".directions", r.Directions, directions)
	}
}

func (v *checker) policy(groups map[string]bool) {
	ids := make(map[string]int)
	for i := range v.c.Policy {
		p := &v.c.Policy[i]
		at := indexKey("policy", i)
		if p.ID != "" {
			v.id(at+".id", p.ID, "policy", ids, i)
		}
		v.oneOf(at+".action", p.Action, actions)
		v.schoolRefs(at+".schools", p.Schools)
		v.each(at+".directions", p.Directions, directions)
		v.each(at+".categories", p.Categories, categories)
		for _, f := range []struct {
			key   string
			names []string
		}{{at + ".sender_groups", p.SenderGroups}, {at + ".recipient_groups", p.RecipientGroups}} {
			for j, g := range f.names {
				if !groups[g] {
					v.add(indexKey(f.key, j), "unknown group %q (define it in a school's groups, or use staff, pupils or parents)", g)
				}
			}
		}
		for j, r := range p.Rules {
			if strings.TrimSpace(r) == "" {
				v.add(indexKey(at+".rules", j), "must not be empty")
			}
		}
		if p.MinSeverity != "" {
			v.oneOf(at+".min_severity", p.MinSeverity, severities)
		}
		if math.IsNaN(p.MinScore) || math.IsInf(p.MinScore, 0) {
			v.add(at+".min_score", "must be a finite number")
		}
	}
}

// id checks an identifier and records it in seen (id → index).
func (v *checker) id(key, id, what string, seen map[string]int, i int) {
	if id == "" {
		v.add(key, "must not be empty")
		return
	}
	if !isID(id) {
		v.add(key, "must be lowercase letters, digits, \"_\" and \"-\" (at most 64), not %q", id)
		return
	}
	if k, dup := seen[id]; dup {
		v.add(key, "duplicate %s id %q (also %s)", what, id, indexKey(what, k))
		return
	}
	seen[id] = i
}

func (v *checker) schoolRefs(key string, ids []string) {
	for j, id := range ids {
		if v.c.SchoolByID(id) == nil {
			v.add(indexKey(key, j), "unknown school %q", id)
		}
	}
}

func (v *checker) oneOf(key, val string, allowed []string) {
	if slices.Contains(allowed, val) {
		return
	}
	if val == "" {
		v.add(key, "must be one of %s", strings.Join(allowed, ", "))
		return
	}
	v.add(key, "must be one of %s, not %q", strings.Join(allowed, ", "), val)
}

func (v *checker) each(key string, vals, allowed []string) {
	for j, s := range vals {
		v.oneOf(indexKey(key, j), s, allowed)
	}
}

// isID reports whether s is a valid school, rule, policy or group id.
func isID(s string) bool {
	if s == "" || len(s) > 64 || s[0] == '-' || s[0] == '_' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// isDomain reports whether s is a syntactically valid domain name (RFC
// 1035 §2.3.1 labels; a trailing dot is allowed).
func isDomain(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	for _, l := range strings.Split(s, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

func hostnameProblem(h string) string {
	switch {
	case h == "":
		return "must not be empty"
	case !isDomain(h):
		return fmt.Sprintf("%q is not a host name (such as mx.example.sch.uk)", h)
	}
	return ""
}

// isAddress reports whether s is a bare address, user@domain.
func isAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	return at > 0 && isDomain(s[at+1:])
}

// hostPortProblem checks a host:port address; needHost is false for a
// listen address, where an empty host means every interface.
func hostPortProblem(s string, needHost bool) string {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Sprintf("%q is not host:port (such as 127.0.0.1:25)", s)
	}
	if host == "" && needHost {
		return fmt.Sprintf("%q names no host (write host:port)", s)
	}
	if host != "" {
		if _, err := netip.ParseAddr(host); err != nil && !isDomain(host) {
			return fmt.Sprintf("%q is not an IP address or host name", host)
		}
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 || n == 0 && needHost {
		return fmt.Sprintf("port %q must be a number from 1 to 65535", port)
	}
	return ""
}

// redisURLProblem checks a Redis URL. It never repeats the URL, which may
// hold a password.
func redisURLProblem(s string) string {
	const want = "must be a redis://host:port/db, rediss://host:port/db or unix:///path URL"
	u, err := url.Parse(s)
	if err != nil {
		return want
	}
	switch u.Scheme {
	case "redis", "rediss":
		if u.Hostname() == "" {
			return "names no host (write redis://host:port/db)"
		}
		if p := u.Port(); p != "" {
			if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
				return "port must be a number from 1 to 65535"
			}
		}
		if db := strings.TrimPrefix(u.Path, "/"); db != "" {
			if n, err := strconv.Atoi(db); err != nil || n < 0 {
				return "database must be a number (redis://host:6379/0)"
			}
		}
	case "unix":
		if u.Path == "" {
			return "names no socket path (unix:///run/redis/redis.sock)"
		}
	default:
		return want
	}
	return ""
}

func fieldProblem(f string) string {
	if slices.Contains(ruleFields, f) {
		return ""
	}
	if name, ok := strings.CutPrefix(f, "header:"); ok {
		if !isHeaderName(name) {
			return fmt.Sprintf("%q needs a header field name, such as header:X-Mailer", f)
		}
		return ""
	}
	if f == "" {
		return "must be one of subject, body, any, filename or header:<Name>"
	}
	return fmt.Sprintf("must be one of subject, body, any, filename or header:<Name>, not %q", f)
}

// isHeaderName reports whether s is a header field name (RFC 5322 §2.2:
// printable US-ASCII except colon).
func isHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 33 || s[i] > 126 || s[i] == ':' {
			return false
		}
	}
	return true
}

func regexpProblem(err error) string {
	var se *syntax.Error
	if errors.As(err, &se) {
		return fmt.Sprintf("invalid regexp: %s: %q", se.Code, se.Expr)
	}
	return "invalid regexp: " + err.Error()
}

// readableFile checks that path is a regular file that can be opened.
func readableFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close() //nolint:errcheck // read path
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return &fs.PathError{Op: "open", Path: path, Err: errors.New("not a regular file")}
	}
	return nil
}

// readSmallFile reads a regular file of at most limit bytes.
func readSmallFile(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close() //nolint:errcheck // read path
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "open", Path: path, Err: errors.New("not a regular file")}
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("larger than %d bytes", limit)}
	}
	return b, nil
}

func fileProblem(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Sprintf("cannot read %s: %v", pe.Path, pe.Err)
	}
	return err.Error()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
