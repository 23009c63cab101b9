package config

import (
	"bytes"
	"errors"
	"os"
	"testing"
)

// FuzzParse checks that Parse never panics and that whatever it returns is
// consistent: a config that validates, or problems that all name the file
// and a line within it.
func FuzzParse(f *testing.F) {
	if data, err := os.ReadFile("../examples/lychgate.toml"); err == nil {
		f.Add(data)
	}
	f.Add([]byte(fullConfig))
	for _, s := range []string{
		"",
		"[relay]\nmax_message_bytes = 0\n",
		"[[school]]\nid = \"a\"\n[school.groups]\nstaff = [\"\"]\n[[school]]\ndomains = 3\n",
		"relay = { hostname = \"\", trusted_networks = [\"x\", 1] }\n",
		"[[rule]]\nid = \"r\"\npattern = \"(\"\nexplanation = '''\n[[rule]]\n'''\n",
		"a.\"b\".'c' = [[1], {x = 1}]\n",
		"[next_hop]\ninbound = \"[::1]:25\"\n[redis]\nurl = \"unix:///tmp/r.sock\"\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.toml", data)
		if err == nil {
			if c == nil {
				t.Fatalf("Parse(%q) = nil, nil", data)
			}
			if err := c.Validate(); err != nil {
				t.Fatalf("Parse(%q) succeeded but Validate() = %v", data, err)
			}
			c.TrustedNets()
			return
		}
		if c != nil {
			t.Fatalf("Parse(%q) returned a config and %v", data, err)
		}
		probs := Problems(err)
		if len(probs) == 0 {
			t.Fatalf("Parse(%q) = %v, which holds no *Error", data, err)
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		for _, p := range probs {
			if p.File != "fuzz.toml" || p.Line < 0 || p.Line > lines || p.Msg == "" {
				t.Fatalf("Parse(%q): bad problem %#v", data, p)
			}
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("errors.As(%v, *Error) = false", err)
		}
	})
}
