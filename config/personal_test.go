package config

import (
	"strings"
	"testing"
)

func TestPersonalValidation(t *testing.T) {
	t.Parallel()
	src := `[relay]
hostname = "mx.example.sch.uk"
[next_hop]
inbound = "127.0.0.1:25"
[personal_domains]
add = ["mail.example.net", "not a domain"]
[[school]]
id = "s"
domains = ["s.example.sch.uk"]
[school.personal]
official_numbers = ["01632 960123", "call me"]
official_addresses = ["pta.s@example.com", "nope"]
`
	_, err := Parse("lychgate.toml", []byte(src))
	if err == nil {
		t.Fatal("Parse = nil error, want three problems")
	}
	for _, want := range []string{
		`lychgate.toml:6: personal_domains.add[1]: "not a domain" is not a mail domain`,
		`lychgate.toml:11: school[0].personal.official_numbers[1]: "call me" is not a phone number`,
		`lychgate.toml:12: school[0].personal.official_addresses[1]: "nope" is not an email address`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Parse error %q lacks %q", err, want)
		}
	}
	if strings.Count(err.Error(), "\n") != 2 {
		t.Errorf("Parse error = %q, want exactly three problems", err)
	}
}
