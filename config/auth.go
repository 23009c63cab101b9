package config

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// ParseAuthUsers reads an auth_users_file: one "user:bcrypt-hash" a line,
// blank lines and lines starting with # ignored. Problems name the line
// (the file name is added by the caller); hashes are never echoed.
func ParseAuthUsers(data []byte) (map[string][]byte, error) {
	users := map[string][]byte{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		user, hash, ok := strings.Cut(line, ":")
		if !ok || user == "" {
			return nil, fmt.Errorf("line %d: want user:bcrypt-hash", n)
		}
		if _, err := bcrypt.Cost([]byte(hash)); err != nil {
			return nil, fmt.Errorf("line %d: user %q: not a bcrypt hash (make one with htpasswd -nbB user password)", n, user)
		}
		if _, dup := users[user]; dup {
			return nil, fmt.Errorf("line %d: user %q listed twice", n, user)
		}
		users[user] = []byte(hash)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return users, nil
}
