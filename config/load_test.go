package config

import (
	"strings"
	"testing"
)

// errorLines returns the problems in err as "file:line: key: msg" lines.
func errorLines(t *testing.T, err error) []string {
	t.Helper()
	var out []string
	for _, p := range Problems(err) {
		out = append(out, p.Error())
	}
	return out
}

// schoolsOK is a [next_hop] block that makes configs with schools valid.
const schoolsOK = "[next_hop]\ninbound = \"127.0.0.1:2626\"\n"

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{
			name: "max_message_bytes zero",
			src: `[relay]
hostname = "mx.example.test"
max_message_bytes = 0
`,
			want: []string{"lychgate.toml:3: relay.max_message_bytes: must be positive"},
		},
		{
			name: "max_recipients negative",
			src:  "[relay]\nmax_recipients = -1\n",
			want: []string{"lychgate.toml:2: relay.max_recipients: must be positive"},
		},
		{
			name: "hostname empty",
			src:  "\n\n[relay]\n  hostname = \"\"   # comment\n",
			want: []string{"lychgate.toml:4: relay.hostname: must not be empty"},
		},
		{
			name: "hostname not a host name",
			src:  "[relay]\nhostname = \"mx example\"\n",
			want: []string{`lychgate.toml:2: relay.hostname: "mx example" is not a host name (such as mx.example.sch.uk)`},
		},
		{
			name: "listen without port",
			src:  "[relay]\nlisten = \"127.0.0.1\"\n",
			want: []string{`lychgate.toml:2: relay.listen: "127.0.0.1" is not host:port (such as 127.0.0.1:25)`},
		},
		{
			name: "listen bad port",
			src:  "[relay]\nlisten = \"127.0.0.1:smtp\"\n",
			want: []string{`lychgate.toml:2: relay.listen: port "smtp" must be a number from 1 to 65535`},
		},
		{
			name: "trusted network element in multi-line array",
			src: `[relay]
trusted_networks = [
  "10.0.0.0/8", # the school LAN
  "192.168.1.300/24",
]
`,
			want: []string{`lychgate.toml:4: relay.trusted_networks[1]: "192.168.1.300/24" is not an IP network (CIDR such as 10.0.0.0/8) or an IP address`},
		},
		{
			name: "trusted network open relay",
			src:  "[relay]\ntrusted_networks = [\"10.0.0.0/8\", \"::/0\"]\n",
			want: []string{"lychgate.toml:2: relay.trusted_networks[1]: ::/0 trusts every address and would make an open relay"},
		},
		{
			name: "tls_cert without tls_key falls back to the table line",
			src:  "# certificates\n[relay]\ntls_cert = \"cert.pem\"\n",
			want: []string{"lychgate.toml:2: relay.tls_key: must be set when tls_cert is"},
		},
		{
			name: "tls_key without tls_cert",
			src:  "[relay]\ntls_key = \"key.pem\"\n",
			want: []string{"lychgate.toml:1: relay.tls_cert: must be set when tls_key is"},
		},
		{
			name: "bare_line_endings",
			src:  "[relay]\nbare_line_endings = \"strip\"\n",
			want: []string{`lychgate.toml:2: relay.bare_line_endings: must be one of reject, fix, not "strip"`},
		},
		{
			name: "subject_prefix with line break",
			src:  "[relay]\nsubject_prefix = \"[X]\\r\\nBcc: a@b.test\"\n",
			want: []string{"lychgate.toml:2: relay.subject_prefix: must not contain line breaks"},
		},
		{
			name: "negative connection limits",
			src:  "[relay]\nmax_connections = -1\nmax_connections_per_ip = -2\n",
			want: []string{
				"lychgate.toml:2: relay.max_connections: must not be negative",
				"lychgate.toml:3: relay.max_connections_per_ip: must not be negative",
			},
		},
		{
			name: "zero timeout",
			src:  "[scan]\nbudget = \"0s\"\n",
			want: []string{"lychgate.toml:2: scan.budget: must be positive"},
		},
		{
			name: "inbound required with schools and no next_hop table",
			src:  "[[school]]\nid = \"a\"\ndomains = [\"a.example.test\"]\n",
			want: []string{"lychgate.toml: next_hop.inbound: must be set when schools are configured (the school mail server, host:port)"},
		},
		{
			name: "inbound required with schools falls back to next_hop line",
			src:  "[next_hop]\noutbound = \"10.0.0.5:10025\"\n[[school]]\nid = \"a\"\ndomains = [\"a.example.test\"]\n",
			want: []string{"lychgate.toml:1: next_hop.inbound: must be set when schools are configured (the school mail server, host:port)"},
		},
		{
			name: "outbound without host",
			src:  "[next_hop]\noutbound = \":25\"\n",
			want: []string{`lychgate.toml:2: next_hop.outbound: ":25" names no host (write host:port)`},
		},
		{
			name: "next_hop tls",
			src:  "[next_hop]\ntls = \"always\"\n",
			want: []string{`lychgate.toml:2: next_hop.tls: must be one of opportunistic, required, none, not "always"`},
		},
		{
			name: "redis scheme",
			src:  "[redis]\nurl = \"http://127.0.0.1:6379\"\n",
			want: []string{"lychgate.toml:2: redis.url: must be a redis://host:port/db, rediss://host:port/db or unix:///path URL"},
		},
		{
			name: "redis url without host does not repeat the password",
			src:  "[redis]\nurl = \"redis://:s3cret@/0\"\n",
			want: []string{"lychgate.toml:2: redis.url: names no host (write redis://host:port/db)"},
		},
		{
			name: "redis database",
			src:  "[redis]\nurl = \"rediss://redis.example.test:6380/zero\"\n",
			want: []string{"lychgate.toml:2: redis.url: database must be a number (redis://host:6379/0)"},
		},
		{
			name: "redis key prefix",
			src:  "[redis]\nkey_prefix = \"{lg}\"\n",
			want: []string{"lychgate.toml:2: redis.key_prefix: must not contain spaces or braces"},
		},
		{
			name: "negative limit",
			src:  "[limits]\nmax_parts = 10\nmax_depth = -1\n",
			want: []string{"lychgate.toml:3: limits.max_depth: must not be negative (0 means the default)"},
		},
		{
			name: "log level",
			src:  "[log]\nlevel = \"verbose\"\n",
			want: []string{`lychgate.toml:2: log.level: must be one of debug, info, warn, error, not "verbose"`},
		},
		{
			name: "duplicate school id",
			src: schoolsOK + `[[school]]
id = "a"
domains = ["a.example.test"]

[[school]]
id = "a"
domains = ["b.example.test"]
`,
			want: []string{`lychgate.toml:8: school[1].id: duplicate school id "a" (also school[0])`},
		},
		{
			name: "school id not lowercase",
			src:  schoolsOK + "[[school]]\nid = \"StMary\"\ndomains = [\"a.example.test\"]\n",
			want: []string{`lychgate.toml:4: school[0].id: must be lowercase letters, digits, "_" and "-" (at most 64), not "StMary"`},
		},
		{
			name: "school without domains falls back to its header",
			src:  schoolsOK + "[[school]]\nid = \"a\"\ndomains = [\"a.example.test\"]\n\n[[school]]\nid = \"b\"\n",
			want: []string{"lychgate.toml:7: school[1].domains: must list at least one domain"},
		},
		{
			name: "domain owned by two schools",
			src: schoolsOK + `[[school]]
id = "a"
domains = ["a.example.test"]
[[school]]
id = "b"
domains = [
  "b.example.test",
  "A.Example.Test",
]
`,
			want: []string{`lychgate.toml:10: school[1].domains[1]: "A.Example.Test" already belongs to school "a"`},
		},
		{
			name: "bad domain and bad dsl",
			src:  schoolsOK + "[[school]]\nid = \"a\"\ndomains = [\"a..test\"]\ndsl = [\"DSL <dsl@a.test>\", \"dsl@a.test\", \"nobody\"]\n",
			want: []string{
				`lychgate.toml:5: school[0].domains[0]: "a..test" is not a domain name`,
				`lychgate.toml:6: school[0].dsl[0]: "DSL <dsl@a.test>" is not an email address (write user@domain)`,
				`lychgate.toml:6: school[0].dsl[2]: "nobody" is not an email address (write user@domain)`,
			},
		},
		{
			name: "empty group glob in a groups table after the second school",
			src: schoolsOK + `[[school]]
id = "a"
domains = ["a.example.test"]
[school.groups]
staff = ["*@a.example.test"]

[[school]]
id = "b"
domains = ["b.example.test"]

[school.groups]
staff = ["*@staff.b.example.test"]
pupils = [
  "pupil*@b.example.test",
  "",
]
`,
			want: []string{"lychgate.toml:17: school[1].groups.pupils[1]: must not be empty"},
		},
		{
			name: "group name with a space",
			src:  schoolsOK + "[[school]]\nid = \"a\"\ndomains = [\"a.example.test\"]\ngroups = { \"Year 7\" = [\"y7*@a.example.test\"] }\n",
			want: []string{`lychgate.toml:6: school[0].groups."Year 7": group name must be lowercase letters, digits, "_" and "-" (at most 64)`},
		},
		{
			name: "directory export missing",
			src:  schoolsOK + "[[school]]\nid = \"a\"\ndomains = [\"a.example.test\"]\n[school.directory]\nstaff = \"no-such-staff.csv\"\n",
			want: []string{"lychgate.toml:7: school[0].directory.staff: cannot read no-such-staff.csv: no such file or directory"},
		},
		{
			name: "unknown top-level key",
			src:  "[relay]\nhostname = \"mx.example.test\"\n\n[relays]\nhostname = \"x\"\n",
			want: []string{"lychgate.toml:4: relays: unknown key"},
		},
		{
			name: "unknown key before any table",
			src:  "hostname = \"mx.example.test\"\n",
			want: []string{"lychgate.toml:1: hostname: unknown key"},
		},
		{
			name: "unknown key in second school",
			src: schoolsOK + `[[school]]
id = "a"
domains = ["a.example.test"]
[[school]]
id = "b"
domains = ["b.example.test"]
dls = ["dsl@b.example.test"]
`,
			want: []string{"lychgate.toml:9: school[1].dls: unknown key"},
		},
		{
			name: "key in wrong case",
			src:  "[relay]\nMax_Recipients = 10\n",
			want: []string{"lychgate.toml:2: relay.Max_Recipients: unknown key (did you mean max_recipients?)"},
		},
		{
			name: "type mismatch integer",
			src:  "[relay]\nhostname = \"mx.example.test\"\nmax_message_bytes = \"25MB\"\n",
			want: []string{"lychgate.toml:3: relay.max_message_bytes: must be an integer, not a string"},
		},
		{
			name: "type mismatch in second school",
			src:  schoolsOK + "[[school]]\nid = \"a\"\ndomains = [\"a.example.test\"]\n[[school]]\nid = \"b\"\ndomains = \"b.example.test\"\n",
			want: []string{"lychgate.toml:8: school[1].domains: must be an array, not a string"},
		},
		{
			name: "type mismatch in array element",
			src:  "[relay]\ntrusted_networks = [\"10.0.0.0/8\", 10]\n",
			want: []string{"lychgate.toml:2: relay.trusted_networks[1]: must be a string, not an integer"},
		},
		{
			name: "type mismatch table for string",
			src:  "[redis]\nurl = { host = \"x\" }\n",
			want: []string{"lychgate.toml:2: redis.url: must be a string, not a table"},
		},
		{
			name: "type mismatch section",
			src:  "relay = 5\n",
			want: []string{"lychgate.toml:1: relay: must be a table, not an integer"},
		},
		{
			name: "bad duration",
			src:  "[relay]\nread_timeout = \"5 minutes\"\nwrite_timeout = 30\n",
			want: []string{
				`lychgate.toml:2: relay.read_timeout: invalid duration "5 minutes" (write e.g. "30s" or "5m")`,
				`lychgate.toml:3: relay.write_timeout: invalid duration "30" (write e.g. "30s" or "5m")`,
			},
		},
		{
			name: "school written as a table",
			src:  "[school]\nid = \"a\"\n",
			want: []string{"lychgate.toml:1: school: must be an array of tables: write [[school]], not [school]"},
		},
		{
			name: "dotted key at top level",
			src:  "relay.max_recipients = 0\n",
			want: []string{"lychgate.toml:1: relay.max_recipients: must be positive"},
		},
		{
			name: "inline table",
			src:  "# relay\nrelay = { hostname = \"mx.example.test\", listen = \"nowhere\" }\n",
			want: []string{`lychgate.toml:2: relay.listen: "nowhere" is not host:port (such as 127.0.0.1:25)`},
		},
		{
			name: "rule problems",
			src: `[[rule]]
id = "r1"
field = "subject"
pattern = "(?i)free (money"
category = "spam"
severity = "low"

[[rule]]
id = "r1"
field = "headers"
words = ["a", " "]
category = "rude"
severity = "severe"
score = nan
schools = ["nowhere"]
directions = ["sideways"]

[[rule]]
id = "r3"
field = "header:X Mailer"
category = "spam"
severity = "info"
`,
			want: []string{
				"lychgate.toml:4: rule[0].pattern: invalid regexp: missing closing ): \"(?i)free (money\"",
				`lychgate.toml:9: rule[1].id: duplicate rule id "r1" (also rule[0])`,
				`lychgate.toml:10: rule[1].field: must be one of subject, body, any, filename or header:<Name>, not "headers"`,
				"lychgate.toml:11: rule[1].words[1]: must not be empty",
				`lychgate.toml:12: rule[1].category: must be one of profanity, safeguarding, pii, spam, link, attachment, personal-address, illegal, malformed, scanner-error, not "rude"`,
				`lychgate.toml:13: rule[1].severity: must be one of info, low, medium, high, critical, not "severe"`,
				"lychgate.toml:14: rule[1].score: must be a finite number",
				`lychgate.toml:15: rule[1].schools[0]: unknown school "nowhere"`,
				`lychgate.toml:16: rule[1].directions[0]: must be one of inbound, outbound, internal, not "sideways"`,
				"lychgate.toml:18: rule[2]: needs a pattern or words",
				`lychgate.toml:20: rule[2].field: "header:X Mailer" needs a header field name, such as header:X-Mailer`,
			},
		},
		{
			name: "rule with pattern and words",
			src:  "[[rule]]\nid = \"r\"\nfield = \"body\"\npattern = \"x\"\nwords = [\"x\"]\ncategory = \"spam\"\nseverity = \"low\"\n",
			want: []string{"lychgate.toml:5: rule[0].words: set pattern or words, not both"},
		},
		{
			name: "rule missing category and severity",
			src:  "\n[[rule]]\nid = \"r\"\nfield = \"any\"\nwords = [\"x\"]\n",
			want: []string{
				"lychgate.toml:2: rule[0].category: must be one of profanity, safeguarding, pii, spam, link, attachment, personal-address, illegal, malformed, scanner-error",
				"lychgate.toml:2: rule[0].severity: must be one of info, low, medium, high, critical",
			},
		},
		{
			name: "multi-line strings do not confuse line numbers",
			src: `[[rule]]
id = "r"
field = "body"
explanation = """
[[rule]]
id = "fake" \"""
"""
words = ['''
''', "ok"]
category = "spam"
severity = "loud"
`,
			want: []string{
				"lychgate.toml:8: rule[0].words[0]: must not be empty",
				`lychgate.toml:11: rule[0].severity: must be one of info, low, medium, high, critical, not "loud"`,
			},
		},
		{
			name: "policy problems",
			src: schoolsOK + `[[school]]
id = "a"
domains = ["a.example.test"]
[school.groups]
office = ["office@a.example.test"]

[[policy]]
id = "p"
schools = ["a", "b"]
sender_groups = ["office", "staff"]
recipient_groups = ["pupil"]
categories = ["swearing"]
directions = ["inbound"]
min_severity = "hi"
action = "hold"

[[policy]]
id = "p"
min_score = inf
`,
			want: []string{
				`lychgate.toml:11: policy[0].schools[1]: unknown school "b"`,
				`lychgate.toml:13: policy[0].recipient_groups[0]: unknown group "pupil" (define it in a school's groups, or use staff, pupils or parents)`,
				`lychgate.toml:14: policy[0].categories[0]: must be one of profanity, safeguarding, pii, spam, link, attachment, personal-address, illegal, malformed, scanner-error, not "swearing"`,
				`lychgate.toml:16: policy[0].min_severity: must be one of info, low, medium, high, critical, not "hi"`,
				`lychgate.toml:17: policy[0].action: must be one of deliver, tag, quarantine, reject, tempfail, not "hold"`,
				"lychgate.toml:19: policy[1].action: must be one of deliver, tag, quarantine, reject, tempfail",
				`lychgate.toml:20: policy[1].id: duplicate policy id "p" (also policy[0])`,
				"lychgate.toml:21: policy[1].min_score: must be a finite number",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := Parse("lychgate.toml", []byte(tc.src))
			if err == nil {
				t.Fatalf("Parse(%q) = nil error, want %q", tc.src, tc.want)
			}
			if c != nil {
				t.Errorf("Parse returned a config with an error")
			}
			got := errorLines(t, err)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("Parse errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			if err.Error() != strings.Join(tc.want, "\n") {
				t.Errorf("err.Error() = %q, want the lines joined", err.Error())
			}
		})
	}
}
