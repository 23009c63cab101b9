package relay

import (
	"crypto/tls"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"golang.org/x/crypto/bcrypt"
)

func TestAuthRelaysOutbound(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certPath, keyPath, _ := selfSigned(t, dir)
	hash, err := bcrypt.GenerateFromPassword([]byte("correct horse"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	// htpasswd -B writes $2y$; Go's bcrypt reads it as $2a$.
	users := filepath.Join(dir, "users")
	line := "office:" + strings.Replace(string(hash), "$2a$", "$2y$", 1) + "\n"
	if err := os.WriteFile(users, []byte("# school office laptops\n"+line), 0o600); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, envOpts{relayTOML: "tls_cert = \"" + certPath + "\"\ntls_key = \"" + keyPath + "\"\nauth_users_file = \"" + users + "\""})

	dial := func(t *testing.T) *smtp.Client {
		t.Helper()
		c, err := smtp.DialStartTLS(e.addr, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // self-signed test cert
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	cases := []struct {
		name     string
		auth     sasl.Client
		wantAuth int // 0: accepted
		wantRcpt int // outside recipient after login
	}{
		{"plain, right password", sasl.NewPlainClient("", "office", "correct horse"), 0, 250},
		{"login, right password", sasl.NewLoginClient("office", "correct horse"), 0, 250},
		{"wrong password", sasl.NewPlainClient("", "office", "battery staple"), 535, 550},
		{"unknown user", sasl.NewPlainClient("", "nobody", "correct horse"), 535, 550},
		{"no login at all", nil, 0, 550},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := dial(t)
			if tc.auth != nil {
				want := tc.wantAuth
				if want == 0 {
					want = 250
				}
				if err := c.Auth(tc.auth); code(err) != want {
					t.Fatalf("AUTH = %v, want %d", err, want)
				}
			}
			if err := c.Mail("office@"+school, nil); err != nil {
				t.Fatal(err)
			}
			if err := c.Rcpt("parent@example.net", nil); code(err) != tc.wantRcpt {
				t.Errorf("RCPT outside = %v, want %d", err, tc.wantRcpt)
			}
		})
	}

	t.Run("not offered without TLS", func(t *testing.T) {
		t.Parallel()
		c, err := smtp.Dial(e.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Hello("client.test"); err != nil {
			t.Fatal(err)
		}
		if ok, _ := c.Extension("AUTH"); ok {
			t.Error("AUTH offered before STARTTLS")
		}
	})
	t.Run("locked after repeated failures", func(t *testing.T) {
		t.Parallel()
		c := dial(t)
		for range maxAuthFailures {
			if err := c.Auth(sasl.NewPlainClient("", "office", "guess")); code(err) != 535 {
				t.Fatalf("AUTH wrong = %v, want 535", err)
			}
		}
		if err := c.Auth(sasl.NewPlainClient("", "office", "correct horse")); code(err) != 421 {
			t.Errorf("AUTH after %d failures = %v, want 421 even with the right password", maxAuthFailures, err)
		}
	})
}
