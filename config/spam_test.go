package config

import (
	"testing"

	"github.com/BurntSushi/toml"
)

func TestSpamDecode(t *testing.T) {
	src := `
[thresholds]
tag = 6
[[override]]
school = "s1"
direction = "internal"
quarantine = 12
[scores]
missing_date = 0.5
[bayes]
enabled = true
scope = "trust"
token_ttl = "720h"
[[dnsbl.ip]]
zone = "zen.example"
score = 3
`
	s := DefaultSpam()
	if _, err := toml.Decode(src, &s); err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := s.ThresholdsFor("s1", "internal"); got != (SpamThresholds{Tag: 6, Quarantine: 12, Reject: 20}) {
		t.Errorf("ThresholdsFor(s1, internal) = %+v", got)
	}
	if !s.Bayes.Enabled || s.Bayes.Scope != "trust" || s.Bayes.TokenTTL.Hours() != 720 || s.Scores["missing_date"] != 0.5 || s.DNSBL.IP[0].Score != 3 {
		t.Errorf("decoded %+v", s)
	}
	s.Override[0].Direction = "sideways"
	if err := s.Validate(); err == nil {
		t.Errorf("Validate() accepted direction sideways")
	}
}
