package users_test

import (
	"crypto/sha1" //nolint:gosec // RFC 6238 test vectors
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base32"
	"errors"
	"fmt"
	"hash"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/lychgate/lychgate/internal/testutil/redistest"
	"github.com/lychgate/lychgate/users"
)

// TestTOTPRFC6238 checks TOTP against the test vectors of RFC 6238
// Appendix B (8 digits, 30 s step, T0 = 0).
func TestTOTPRFC6238(t *testing.T) {
	t.Parallel()
	seed := "1234567890"
	keys := map[string][]byte{
		"SHA1":   []byte(strings.Repeat(seed, 2)),
		"SHA256": []byte(strings.Repeat(seed, 3) + "12"),
		"SHA512": []byte(strings.Repeat(seed, 6) + "1234"),
	}
	hashes := map[string]func() hash.Hash{"SHA1": sha1.New, "SHA256": sha256.New, "SHA512": sha512.New}
	tests := []struct {
		unix int64
		alg  string
		want string
	}{
		{59, "SHA1", "94287082"}, {59, "SHA256", "46119246"}, {59, "SHA512", "90693936"},
		{1111111109, "SHA1", "07081804"}, {1111111109, "SHA256", "68084774"}, {1111111109, "SHA512", "25091201"},
		{1111111111, "SHA1", "14050471"}, {1111111111, "SHA256", "67062674"}, {1111111111, "SHA512", "99943326"},
		{1234567890, "SHA1", "89005924"}, {1234567890, "SHA256", "91819424"}, {1234567890, "SHA512", "93441116"},
		{2000000000, "SHA1", "69279037"}, {2000000000, "SHA256", "90698825"}, {2000000000, "SHA512", "38618901"},
		{20000000000, "SHA1", "65353130"}, {20000000000, "SHA256", "77737706"}, {20000000000, "SHA512", "47863826"},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s_%d", tc.alg, tc.unix), func(t *testing.T) {
			t.Parallel()
			got := users.TOTP(hashes[tc.alg], keys[tc.alg], time.Unix(tc.unix, 0), 30*time.Second, 8)
			if got != tc.want {
				t.Errorf("TOTP(%s, %d) = %s, want %s", tc.alg, tc.unix, got, tc.want)
			}
		})
	}
	// Six digits are the last six of the eight (RFC 4226 §5.3).
	key := keys["SHA1"]
	at := time.Unix(1111111109, 0)
	code := users.TOTP(sha1.New, key, at, 30*time.Second, 6)
	if code != "081804" {
		t.Errorf("6-digit TOTP = %s, want 081804", code)
	}
	if _, ok := users.VerifyTOTP(key, code, at.Add(30*time.Second), 1); !ok {
		t.Errorf("VerifyTOTP one step later refused the code")
	}
	if _, ok := users.VerifyTOTP(key, code, at.Add(90*time.Second), 1); ok {
		t.Errorf("VerifyTOTP three steps later accepted the code")
	}
}

var prefixes atomic.Int64

type clock struct{ t atomic.Int64 }

func (c *clock) now() time.Time      { return time.UnixMilli(c.t.Load()) }
func (c *clock) add(d time.Duration) { c.t.Add(d.Milliseconds()) }
func newClock() *clock               { c := &clock{}; c.t.Store(time.Now().UnixMilli()); return c }

func TestAccounts(t *testing.T) {
	t.Parallel()
	rdb := redistest.Start(t).Client(t)
	clk := newClock()
	s := users.New(rdb, users.Options{Prefix: fmt.Sprint("u", prefixes.Add(1)), BcryptCost: bcrypt.MinCost,
		LockAfter: 3, LockBase: time.Minute, LockMax: 4 * time.Minute, Now: clk.now})
	ctx := t.Context()
	const pw = "correct horse battery"
	if err := s.Add(ctx, users.User{Name: "dsl1", Role: users.RoleDSL, Schools: []string{"a", "b"}}, pw); err != nil {
		t.Fatal(err)
	}

	t.Run("add refuses", func(t *testing.T) {
		for name, tc := range map[string]struct {
			u  users.User
			pw string
		}{
			"taken":      {users.User{Name: "dsl1", Role: users.RoleDSL, Schools: []string{"a"}}, pw},
			"short pw":   {users.User{Name: "x", Role: users.RoleDSL, Schools: []string{"a"}}, "short"},
			"no school":  {users.User{Name: "y", Role: users.RoleHead}, pw},
			"bad role":   {users.User{Name: "z", Role: "root", Schools: []string{"a"}}, pw},
			"bad name":   {users.User{Name: "Bad Name", Role: users.RoleDSL, Schools: []string{"a"}}, pw},
			"bad school": {users.User{Name: "w", Role: users.RoleDSL, Schools: []string{"a:b"}}, pw},
		} {
			if err := s.Add(ctx, tc.u, tc.pw); err == nil {
				t.Errorf("%s: Add(%+v) succeeded", name, tc.u)
			}
		}
	})

	t.Run("authenticate", func(t *testing.T) {
		u, err := s.Authenticate(ctx, "dsl1", pw, "")
		if err != nil || u.Role != users.RoleDSL || !u.HasSchool("b") {
			t.Fatalf("Authenticate = %+v, %v", u, err)
		}
		if _, err := s.Authenticate(ctx, "nobody", pw, ""); !errors.Is(err, users.ErrBadCredentials) {
			t.Errorf("unknown user: %v, want ErrBadCredentials", err)
		}
	})

	t.Run("lock-out with back-off", func(t *testing.T) {
		for i := range 3 {
			if _, err := s.Authenticate(ctx, "dsl1", "wrong password!", ""); !errors.Is(err, users.ErrBadCredentials) {
				t.Fatalf("failure %d: %v", i, err)
			}
		}
		var le *users.LockedError
		if _, err := s.Authenticate(ctx, "dsl1", pw, ""); !errors.As(err, &le) {
			t.Fatalf("right password while locked: %v, want LockedError", err)
		}
		if d := le.Until.Sub(clk.now()); d != time.Minute {
			t.Errorf("first lock-out %v, want 1m", d)
		}
		clk.add(time.Minute + time.Second)
		if _, err := s.Authenticate(ctx, "dsl1", "wrong password!", ""); !errors.Is(err, users.ErrBadCredentials) {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, "dsl1", pw, ""); !errors.As(err, &le) || le.Until.Sub(clk.now()) != 2*time.Minute {
			t.Fatalf("second lock-out: %v, want 2m", err)
		}
		clk.add(10 * time.Minute)
		if _, err := s.Authenticate(ctx, "dsl1", pw, ""); err != nil {
			t.Fatalf("after the lock-out: %v", err)
		}
		// The success reset the count: one failure does not lock.
		_, _ = s.Authenticate(ctx, "dsl1", "wrong password!", "")
		if _, err := s.Authenticate(ctx, "dsl1", pw, ""); err != nil {
			t.Errorf("after reset and one failure: %v", err)
		}
	})

	t.Run("totp", func(t *testing.T) {
		if err := s.Add(ctx, users.User{Name: "dsl2", Role: users.RoleDSL, Schools: []string{"a"}}, pw); err != nil {
			t.Fatal(err)
		}
		uri, err := s.EnrolTOTP(ctx, "dsl2")
		if err != nil {
			t.Fatal(err)
		}
		pu, err := url.Parse(uri)
		if err != nil {
			t.Fatal(err)
		}
		key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(pu.Query().Get("secret"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, "dsl2", pw, ""); !errors.Is(err, users.ErrTOTPRequired) {
			t.Errorf("no code: %v, want ErrTOTPRequired", err)
		}
		code := users.TOTP(sha1.New, key, clk.now(), 30*time.Second, 6)
		if _, err := s.Authenticate(ctx, "dsl2", pw, code); err != nil {
			t.Errorf("right code: %v", err)
		}
		if _, err := s.Authenticate(ctx, "dsl2", pw, code); !errors.Is(err, users.ErrBadCredentials) {
			t.Errorf("replayed code: %v, want ErrBadCredentials", err)
		}
	})

	t.Run("token, passwd, disable", func(t *testing.T) {
		tok, err := s.IssueToken(ctx, "dsl1")
		if err != nil {
			t.Fatal(err)
		}
		if u, err := s.ByToken(ctx, tok); err != nil || u.Name != "dsl1" {
			t.Errorf("ByToken = %v, %v", u, err)
		}
		tok2, _ := s.IssueToken(ctx, "dsl1")
		if _, err := s.ByToken(ctx, tok); !errors.Is(err, users.ErrNotFound) {
			t.Errorf("old token after reissue: %v, want ErrNotFound", err)
		}
		before, _ := s.Get(ctx, "dsl1")
		if err := s.SetPassword(ctx, "dsl1", "another long password"); err != nil {
			t.Fatal(err)
		}
		after, _ := s.Get(ctx, "dsl1")
		if after.Generation <= before.Generation {
			t.Errorf("passwd kept generation %d", after.Generation)
		}
		if _, err := s.Authenticate(ctx, "dsl1", pw, ""); err == nil {
			t.Errorf("old password still works")
		}
		if err := s.SetDisabled(ctx, "dsl1", true); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, "dsl1", "another long password", ""); !errors.Is(err, users.ErrBadCredentials) {
			t.Errorf("disabled sign-in: %v", err)
		}
		if _, err := s.ByToken(ctx, tok2); err == nil {
			t.Errorf("disabled account's token still works")
		}
		list, err := s.List(ctx)
		if err != nil || len(list) != 2 {
			t.Errorf("List = %v, %v", list, err)
		}
	})
}
