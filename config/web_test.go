package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/lychgate/lychgate/config"
)

func TestWeb(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		want []string // substrings of the error; none for a valid file
	}{
		{"defaults", "[web]\nlisten = \"127.0.0.1:8025\"\n", nil},
		{"listen without port", "[web]\nlisten = \"127.0.0.1\"\n", []string{`lychgate.toml:2: web.listen: "127.0.0.1" is not host:port`}},
		{"cert without key", "[web]\ntls_cert = \"web.crt\"\n", []string{"lychgate.toml:1: web.tls_key: must be set when tls_cert is"}},
		{"key without cert", "[web]\ntls_key = \"web.key\"\n", []string{"web.tls_cert: must be set when tls_key is"}},
		{"missing files", "[web]\ntls_cert = \"/nonexistent/web.crt\"\ntls_key = \"/nonexistent/web.key\"\n", []string{"web.tls_cert:", "web.tls_key:"}},
		{"negative", "[web]\nsession_idle = \"-1m\"\nlock_after = -1\n", []string{"web.session_idle: must not be negative", "web.lock_after: must not be negative"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.Parse("lychgate.toml", []byte(tc.src))
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("Parse = %v, want no error", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Parse succeeded, want %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Parse error %q lacks %q", err, w)
				}
			}
		})
	}
	w := config.Web{}.WithDefaults()
	if w.SessionIdle.Duration != 30*time.Minute || w.SessionMax.Duration != 12*time.Hour || w.LockAfter != 5 ||
		w.LockBase.Duration != time.Minute || w.LockMax.Duration != time.Hour {
		t.Errorf("WithDefaults = %+v", w)
	}
}
