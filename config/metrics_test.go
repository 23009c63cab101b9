package config_test

import (
	"strings"
	"testing"

	"github.com/lychgate/lychgate/config"
)

func TestMetrics(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		src  string
		want string // substring of the error; "" for a valid file
	}{
		{"off by default", "", ""},
		{"own listener", "[metrics]\nlisten = \"127.0.0.1:9125\"\n", ""},
		{"next to the web listener", "[web]\nlisten = \"127.0.0.1:8025\"\n[metrics]\nlisten = \"10.0.0.1:9125\"\n", ""},
		{"not host:port", "[metrics]\nlisten = \"9125\"\n", `lychgate.toml:2: metrics.listen: "9125" is not host:port`},
		{"same as web", "[web]\nlisten = \"127.0.0.1:8025\"\n[metrics]\nlisten = \"127.0.0.1:8025\"\n", "metrics.listen: is the same address as web.listen"},
		{"unknown key", "[metrics]\npath = \"/m\"\n", "metrics.path"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := config.Parse("lychgate.toml", []byte(tc.src))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Parse = %v, want no error", err)
				}
				if tc.src == "" && cfg.Metrics.Listen != "" {
					t.Errorf("default metrics.listen = %q, want off", cfg.Metrics.Listen)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse = %v, want an error with %q", err, tc.want)
			}
		})
	}
}
