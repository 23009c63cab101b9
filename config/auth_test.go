package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseAuthUsers(t *testing.T) {
	t.Parallel()
	good := "$2y$10$abcdefghijklmnopqrstuu5Hp1rJJQ0XGN4nBhYhcqN9PQ6vJtHy6" // shape only; Cost reads the prefix
	cases := []struct {
		name    string
		in      string
		want    int
		wantErr string
	}{
		{"empty", "", 0, ""},
		{"comments and blanks", "# office\n\n", 0, ""},
		{"one user", "office:" + good + "\n", 1, ""},
		{"no colon", "office\n", 0, "line 1: want user:bcrypt-hash"},
		{"plain password", "office:secret\n", 0, `line 1: user "office": not a bcrypt hash`},
		{"duplicate", "a:" + good + "\na:" + good + "\n", 0, `line 2: user "a" listed twice`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseAuthUsers([]byte(tc.in))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("ParseAuthUsers(%q) = %v, want error %q", tc.in, err, tc.wantErr)
				}
				if err != nil && strings.Contains(err.Error(), "secret") {
					t.Errorf("error %q echoes the password", err)
				}
				return
			}
			if err != nil || len(got) != tc.want {
				t.Errorf("ParseAuthUsers(%q) = %d users, %v; want %d", tc.in, len(got), err, tc.want)
			}
		})
	}
}

func TestAuthUsersFileNeedsTLS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "users"), []byte("office:secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	src := "[relay]\nhostname = \"mx.example.sch.uk\"\nauth_users_file = \"users\"\n"
	_, err := Parse(filepath.Join(dir, "lychgate.toml"), []byte(src))
	if err == nil {
		t.Fatal("Parse = nil error, want two problems")
	}
	for _, want := range []string{":3: relay.auth_users_file: needs tls_cert", `:3: relay.auth_users_file: line 1: user "office": not a bcrypt hash`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Parse error %q lacks %q", err, want)
		}
	}
}
