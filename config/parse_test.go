package config

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// writeFile writes data to name in dir and returns the path.
func writeFile(t *testing.T, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// writeKeyPair writes a self-signed certificate and its key into dir.
func writeKeyPair(t *testing.T, dir, certName, keyName string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "mx.example.test"},
		DNSNames:     []string{"mx.example.test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, certName, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	writeFile(t, dir, keyName, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})))
}

const fullConfig = `
[relay]
hostname = "mx.example.test"
listen = "0.0.0.0:25"
trusted_networks = ["10.0.0.0/8", "192.168.1.7", "2001:db8::/32", "10.1.2.3/16"]
max_message_bytes = 10485760
max_recipients = 50
tls_cert = "tls/cert.pem"
tls_key = "tls/key.pem"
read_timeout = "2m"
write_timeout = "1m"
max_connections = 200
max_connections_per_ip = 20
bare_line_endings = "fix"
shutdown_timeout = "10s"
subject_prefix = "[SUSPECT] "

[next_hop]
inbound = "mail.example.test:25"
outbound = "[2001:db8::5]:10025"
tls = "required"
tls_skip_verify = true
dial_timeout = "5s"
command_timeout = "1m"

[redis]
url = "rediss://user:pass@redis.example.test:6380/2"
timeout = "500ms"
key_prefix = "lychgate"

[limits]
max_parts = 100
max_depth = 5
max_header_bytes = 65536
max_archive_entries = 50
max_expanded_bytes = 1048576

[scan]
scanner_timeout = "10s"
budget = "60s"

[quarantine]
retention = "2160h"

[log]
level = "debug"
format = "json"

[[school]]
id = "north"
name = "North Primary"
domains = ["north.example.test"]
dsl = ["dsl@north.example.test"]
[school.groups]
staff = ["*@staff.north.example.test"]
"year_6" = ["y6-*@north.example.test"]
[school.directory]
staff = "mis/north-staff.csv"
pupils = "/dev/null/../` + "DIR" + `/mis/north-pupils.csv"
parents = ""

[[school]]
id = "south_high"
name = "South High"
domains = ["south.example.test", "students.south.example.test"]
groups.pupils = ["*@students.south.example.test"]

[[rule]]
id = "bank-details"
field = "header:Subject"
pattern = "(?i)sort code"
category = "pii"
severity = "medium"
score = 3
explanation = "bank details"
schools = ["north"]
directions = ["outbound"]

[[rule]]
id = "rude"
field = "any"
words = ["idiot"]
category = "profanity"
severity = "high"
score = 5.5

[[policy]]
id = "pupils-profanity"
schools = ["north", "south_high"]
directions = ["internal", "inbound"]
sender_groups = ["year_6"]
recipient_groups = ["pupils", "parents"]
categories = ["profanity"]
rules = ["rude", "builtin_rule"]
min_severity = "high"
min_score = 1.5
action = "quarantine"
notify_dsl = true
warn_sender = true
`

func TestParseFull(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeKeyPair(t, filepath.Join(dir, "tls"), "cert.pem", "key.pem")
	writeFile(t, dir, "mis/north-staff.csv", "email\n")
	writeFile(t, dir, "mis/north-pupils.csv", "email\n")
	// An absolute path stays absolute (the odd prefix only proves it is not
	// joined with Dir).
	src := strings.Replace(fullConfig, "/dev/null/../DIR", dir, 1)
	name := filepath.Join(dir, "lychgate.toml")
	writeFile(t, dir, "lychgate.toml", src)

	c, err := Load(name)
	if err != nil {
		t.Fatalf("Load(%s) = %v", name, err)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate() = %v, want nil", err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"File", c.File, name},
		{"Dir", c.Dir, dir},
		{"Relay.Hostname", c.Relay.Hostname, "mx.example.test"},
		{"Relay.TrustedNetworks", c.Relay.TrustedNetworks, []string{"10.0.0.0/8", "192.168.1.7/32", "2001:db8::/32", "10.1.0.0/16"}},
		{"Relay.MaxMessageBytes", c.Relay.MaxMessageBytes, int64(10 << 20)},
		{"Relay.ReadTimeout", c.Relay.ReadTimeout.Duration, 2 * time.Minute},
		{"Relay.BareLineEndings", c.Relay.BareLineEndings, "fix"},
		{"Relay.SubjectPrefix", c.Relay.SubjectPrefix, "[SUSPECT] "},
		{"NextHop.Outbound", c.NextHop.Outbound, "[2001:db8::5]:10025"},
		{"NextHop.TLSSkipVerify", c.NextHop.TLSSkipVerify, true},
		{"Redis.Timeout", c.Redis.Timeout.Duration, 500 * time.Millisecond},
		{"Limits.MaxExpandedBytes", c.Limits.MaxExpandedBytes, int64(1 << 20)},
		{"Quarantine.Retention", c.Quarantine.Retention.Duration, 90 * 24 * time.Hour},
		{"Log.Format", c.Log.Format, "json"},
		{"len(Schools)", len(c.Schools), 2},
		{"Schools[0].Groups[year_6]", c.Schools[0].Groups["year_6"], []string{"y6-*@north.example.test"}},
		{"Schools[1].Groups[pupils]", c.Schools[1].Groups["pupils"], []string{"*@students.south.example.test"}},
		{"Schools[0].Directory.Staff", c.Path(c.Schools[0].Directory.Staff), filepath.Join(dir, "mis/north-staff.csv")},
		{"Rules[0].Score", c.Rules[0].Score, 3.0},
		{"Rules[1].Words", c.Rules[1].Words, []string{"idiot"}},
		{"Policy[0].MinScore", c.Policy[0].MinScore, 1.5},
		{"Policy[0].WarnSender", c.Policy[0].WarnSender, true},
		{"SchoolForAddress", c.SchoolForAddress("a@Students.South.Example.Test").ID, "south_high"},
	}
	for _, ck := range checks {
		if fmt.Sprint(ck.got) != fmt.Sprint(ck.want) {
			t.Errorf("%s = %v, want %v", ck.name, ck.got, ck.want)
		}
	}
}

func TestParseDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
	}{
		{name: "empty file", src: ""},
		{name: "comments only", src: "# nothing here\n\n   # still nothing\n"},
		{name: "byte order mark", src: "\ufeff[relay]\nhostname = \"localhost\"\n"},
		{name: "CRLF line endings", src: "[relay]\r\nhostname = \"localhost\"\r\n"},
		{name: "empty tables", src: "[relay]\n[next_hop]\n[redis]\n[limits]\n[scan]\n[quarantine]\n[log]\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := Parse("lychgate.toml", []byte(tc.src))
			if err != nil {
				t.Fatalf("Parse(%q) = %v", tc.src, err)
			}
			d := Default()
			d.File, d.Dir = "lychgate.toml", "."
			if fmt.Sprintf("%+v", c.Relay) != fmt.Sprintf("%+v", d.Relay) || !reflect.DeepEqual(c.Redis, d.Redis) || c.Scan != d.Scan {
				t.Errorf("Parse(%q) = %+v, want the defaults %+v", tc.src, c, d)
			}
		})
	}
}

func TestDefaultIsValid(t *testing.T) {
	t.Parallel()
	if err := Default().Validate(); err != nil {
		t.Errorf("Default().Validate() = %v, want nil", err)
	}
}

func TestParseWholeFileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		want string
	}{
		{
			name: "syntax error",
			src:  "[relay]\nhostname = \"mx.example.test\"\nlisten = \"127.0.0.1:25\n",
			want: "lychgate.toml:3: strings cannot contain newlines",
		},
		{
			name: "syntax error after multi-line string",
			src:  "[[rule]]\nexplanation = \"\"\"\na\nb\n\"\"\"\n= 5\n",
			want: "lychgate.toml:6: unexpected '=': key name appears blank",
		},
		{
			name: "duplicate key",
			src:  "[relay]\nhostname = \"a.test\"\n\nhostname = \"b.test\"\n",
			want: "lychgate.toml:4: Key 'relay.hostname' has already been defined.",
		},
		{
			name: "binary garbage",
			src:  "\x00\x01\x02\xff\xfe\x89PNG\r\n\x1a\n",
			want: "lychgate.toml:1: files cannot contain NULL bytes; probably using UTF-16; TOML files must be UTF-8",
		},
		{
			name: "binary garbage without NUL",
			src:  "\x89PNG\r\n\x1a\n\xff\xd8\xff\xe0",
			want: "lychgate.toml:1: invalid UTF-8 byte: 0x89",
		},
		{
			name: "invalid UTF-8 in a string",
			src:  "[relay]\nhostname = \"mx\xff.test\"\n",
			want: "lychgate.toml:2: invalid UTF-8 byte: 0xff",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse("lychgate.toml", []byte(tc.src))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q) = %v, want an *Error", tc.src, err)
			}
			if got := err.Error(); got != tc.want {
				t.Errorf("Parse(%q) = %q, want %q", tc.src, got, tc.want)
			}
		})
	}
}

func TestParseMultipleErrors(t *testing.T) {
	t.Parallel()
	src := `[relay]
hostname = ""
listen = "127.0.0.1"
max_message_bytes = "lots"
colour = "blue"

[[school]]
id = "dup"
domains = ["a.example.test"]

[[school]]
id = "dup"
domains = ["a.example.test"]

[[rule]]
id = "r"
field = "body"
pattern = "["
category = "spam"
severity = "low"
`
	want := []string{
		"lychgate.toml: next_hop.inbound: must be set when schools are configured (the school mail server, host:port)",
		"lychgate.toml:2: relay.hostname: must not be empty",
		`lychgate.toml:3: relay.listen: "127.0.0.1" is not host:port (such as 127.0.0.1:25)`,
		"lychgate.toml:4: relay.max_message_bytes: must be an integer, not a string",
		"lychgate.toml:5: relay.colour: unknown key",
		`lychgate.toml:12: school[1].id: duplicate school id "dup" (also school[0])`,
		`lychgate.toml:13: school[1].domains[0]: "a.example.test" already belongs to school "dup"`,
		`lychgate.toml:18: rule[0].pattern: invalid regexp: missing closing ]: "["`,
	}
	_, err := Parse("lychgate.toml", []byte(src))
	got := errorLines(t, err)
	if !slices.Equal(got, want) {
		t.Errorf("Parse errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, p := range Problems(err) {
		if p.File != "lychgate.toml" {
			t.Errorf("%v: File = %q, want lychgate.toml", p, p.File)
		}
	}
}

func TestParseFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeKeyPair(t, dir, "cert.pem", "key.pem")
	writeKeyPair(t, filepath.Join(dir, "other"), "cert.pem", "key.pem")
	writeFile(t, dir, "empty.pem", "")
	name := filepath.Join(dir, "lychgate.toml")
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{
			name: "key pair relative to the config",
			src:  "[relay]\ntls_cert = \"cert.pem\"\ntls_key = \"key.pem\"\n",
		},
		{
			name: "missing certificate",
			src:  "[relay]\ntls_cert = \"missing.pem\"\ntls_key = \"key.pem\"\n",
			want: []string{name + ":2: relay.tls_cert: cannot read " + filepath.Join(dir, "missing.pem") + ": no such file or directory"},
		},
		{
			name: "directory instead of a key",
			src:  "[relay]\ntls_cert = \"cert.pem\"\ntls_key = \"other\"\n",
			want: []string{name + ":3: relay.tls_key: cannot read " + filepath.Join(dir, "other") + ": not a regular file"},
		},
		{
			name: "certificate and key do not match",
			src:  "[relay]\ntls_cert = \"cert.pem\"\ntls_key = \"other/key.pem\"\n",
			want: []string{name + ":2: relay.tls_cert: not usable with tls_key: tls: private key does not match public key"},
		},
		{
			name: "empty certificate",
			src:  "[relay]\ntls_cert = \"empty.pem\"\ntls_key = \"key.pem\"\n",
			want: []string{name + ":2: relay.tls_cert: not usable with tls_key: tls: failed to find any PEM data in certificate input"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(name, []byte(tc.src))
			got := errorLines(t, err)
			if !slices.Equal(got, tc.want) {
				t.Errorf("Parse errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	t.Parallel()
	_, err := Load(filepath.Join(t.TempDir(), "nope.toml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want fs.ErrNotExist", err)
	}
}

func TestParseHugeFile(t *testing.T) {
	t.Parallel()
	const n = 2000
	var b strings.Builder
	b.WriteString("[next_hop]\ninbound = \"127.0.0.1:2626\"\n")
	for i := range n {
		fmt.Fprintf(&b, "\n[[school]]\nid = \"s%d\"\ndomains = [\"s%d.example.test\"]\n[school.groups]\nstaff = [\"*@staff.s%d.example.test\"]\n", i, i, i)
	}
	for i := range n {
		fmt.Fprintf(&b, "\n[[rule]]\nid = \"r%d\"\nfield = \"body\"\nwords = [\"w%d\", \"x%d\"]\ncategory = \"spam\"\nseverity = \"low\"\nschools = [\"s%d\"]\n", i, i, i, i)
	}
	valid := b.String()
	start := time.Now()
	c, err := Parse("big.toml", []byte(valid))
	if err != nil {
		t.Fatalf("Parse(big) = %v", err)
	}
	if len(c.Schools) != n || len(c.Rules) != n {
		t.Errorf("Parse(big) = %d schools, %d rules, want %d each", len(c.Schools), len(c.Rules), n)
	}

	// One problem at the very end is found on the right line.
	lines := strings.Count(valid, "\n")
	bad := valid + "\n[[rule]]\nid = \"r0\"\nfield = \"body\"\nwords = [\"z\"]\ncategory = \"spam\"\nseverity = \"low\"\n"
	_, err = Parse("big.toml", []byte(bad))
	want := fmt.Sprintf(`big.toml:%d: rule[%d].id: duplicate rule id "r0" (also rule[0])`, lines+3, n)
	if err == nil || err.Error() != want {
		t.Errorf("Parse(big with duplicate) = %v, want %s", err, want)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("parsing %d bytes twice took %v", len(bad), d)
	}

	tooBig := bytes.Repeat([]byte("#"), MaxFileSize+1)
	_, err = Parse("big.toml", tooBig)
	if want := "big.toml: file is larger than 16 MiB"; err == nil || err.Error() != want {
		t.Errorf("Parse(%d bytes) = %v, want %s", len(tooBig), err, want)
	}
}

func TestExampleConfig(t *testing.T) {
	t.Parallel()
	const name = "../examples/lychgate.toml"
	c, err := Load(name)
	if err != nil {
		t.Fatalf("Load(%s) = %v", name, err)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate() = %v", err)
	}
	// The example is the local demo (make run): everything on loopback.
	checks := []struct{ name, got, want string }{
		{"relay.listen", c.Relay.Listen, "127.0.0.1:2525"},
		{"next_hop.inbound", c.NextHop.Inbound, "127.0.0.1:2626"},
		{"next_hop.outbound", c.NextHop.Outbound, "127.0.0.1:2626"},
		{"redis.url", c.Redis.URL, "redis://127.0.0.1:6390/0"},
		{"relay.trusted_networks", strings.Join(c.Relay.TrustedNetworks, ","), "127.0.0.0/8"},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s = %q, want %q", ck.name, ck.got, ck.want)
		}
	}
	if len(c.Schools) < 2 || len(c.Rules) < 2 {
		t.Errorf("example has %d schools and %d rules, want a trust of two schools and two rules", len(c.Schools), len(c.Rules))
	}

	// Every key of the schema appears in the example, at least commented
	// out ([[policy]]).
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	uncommented := strings.ReplaceAll(string(data), "# ", "")
	for _, key := range schemaKeys() {
		if !strings.Contains(uncommented, "\n"+key+" = ") && !strings.Contains(uncommented, "\n"+key+" =") {
			t.Errorf("examples/lychgate.toml does not show key %q", key)
		}
	}
}

func TestValidateInCode(t *testing.T) {
	t.Parallel()
	c := Default()
	c.Relay.MaxRecipients = 0
	c.Schools = []School{{ID: "a", Domains: []string{"a.example.test"}}}
	want := []string{
		"relay.max_recipients: must be positive",
		"next_hop.inbound: must be set when schools are configured (the school mail server, host:port)",
	}
	got := errorLines(t, c.Validate())
	if !slices.Equal(got, want) {
		t.Errorf("Validate() = %q, want %q", got, want)
	}
}

func TestTrusted(t *testing.T) {
	t.Parallel()
	parsed, err := Parse("lychgate.toml", []byte("[relay]\ntrusted_networks = [\"10.0.0.0/8\", \"2001:db8::1\", \"::ffff:192.0.2.1\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	code := Default()
	code.Relay.TrustedNetworks = []string{"10.0.0.0/8", "2001:db8::1", "::ffff:192.0.2.1", "bogus"}
	for _, c := range []*Config{parsed, code} {
		got := fmt.Sprint(c.TrustedNets())
		if want := "[10.0.0.0/8 2001:db8::1/128 192.0.2.1/32]"; got != want {
			t.Errorf("TrustedNets() = %s, want %s", got, want)
		}
	}
	if got, want := parsed.Relay.TrustedNetworks, []string{"10.0.0.0/8", "2001:db8::1/128", "192.0.2.1/32"}; !slices.Equal(got, want) {
		t.Errorf("TrustedNetworks after Parse = %q, want %q", got, want)
	}
	tests := []struct {
		ip   string
		want bool
	}{
		{"10.1.2.3", true},
		{"11.0.0.1", false},
		{"::ffff:10.0.0.1", true},
		{"2001:db8::1", true},
		{"2001:db8::2", false},
		{"fe80::1%eth0", false},
		{"192.0.2.1", true},
	}
	for _, tc := range tests {
		ip := netip.MustParseAddr(tc.ip)
		for _, c := range []*Config{parsed, code} {
			if got := c.IsTrusted(ip); got != tc.want {
				t.Errorf("IsTrusted(%s) = %v, want %v", tc.ip, got, tc.want)
			}
		}
	}
	if parsed.IsTrusted(netip.Addr{}) {
		t.Errorf("IsTrusted(zero Addr) = true, want false")
	}
}

func TestPath(t *testing.T) {
	t.Parallel()
	c := &Config{Dir: filepath.FromSlash("/etc/lychgate")}
	tests := []struct{ in, want string }{
		{"", ""},
		{"mis/staff.csv", filepath.FromSlash("/etc/lychgate/mis/staff.csv")},
		{"../tls/cert.pem", filepath.FromSlash("/etc/tls/cert.pem")},
		{filepath.FromSlash("/var/lib/x.csv"), filepath.FromSlash("/var/lib/x.csv")},
	}
	for _, tc := range tests {
		if got := c.Path(tc.in); got != tc.want {
			t.Errorf("Path(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := (&Config{}).Path("x.csv"); got != "x.csv" {
		t.Errorf("Path with no Dir = %q, want x.csv", got)
	}
}

func TestErrorFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{"all parts", &Error{File: "lychgate.toml", Line: 14, Key: "relay.max_message_bytes", Msg: "must be positive"}, "lychgate.toml:14: relay.max_message_bytes: must be positive"},
		{"no line", &Error{File: "lychgate.toml", Key: "next_hop.inbound", Msg: "must be set"}, "lychgate.toml: next_hop.inbound: must be set"},
		{"no key", &Error{File: "lychgate.toml", Line: 3, Msg: "strings cannot contain newlines"}, "lychgate.toml:3: strings cannot contain newlines"},
		{"no file", &Error{Key: "relay.listen", Msg: "bad"}, "relay.listen: bad"},
		{"line without file", &Error{Line: 2, Key: "k", Msg: "bad"}, "line 2: k: bad"},
	}
	for _, tc := range tests {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("%s: Error() = %q, want %q", tc.name, got, tc.want)
		}
	}
	if p := Problems(nil); p != nil {
		t.Errorf("Problems(nil) = %v, want nil", p)
	}
	wrapped := fmt.Errorf("reload: %w", errors.Join(&Error{Msg: "a"}, errors.New("other"), &Error{Msg: "b"}))
	if p := Problems(wrapped); len(p) != 2 || p[0].Msg != "a" || p[1].Msg != "b" {
		t.Errorf("Problems(wrapped) = %v, want a and b", p)
	}
}
