// Package users owns the accounts of the review UI: who may sign in, with
// which role, for which schools; their bcrypt password hashes, optional
// TOTP second factor (RFC 6238, see totp.go), personal API tokens, the
// lock-out with back-off after repeated failures, and the session
// generation that "sign out everywhere" bumps.
//
// # Keys
//
// All keys share the hash tag {users}, so they live in one Redis Cluster
// slot (with the default prefix "lg"):
//
//	lg:{users}:u:<name>      hash: role, schools, hash (bcrypt), disabled,
//	                         totp (secret, base32), totp_last, gen, created,
//	                         token (SHA-256 of the API token)
//	lg:{users}:tok:<sha256>  string: the user name of an API token
//	lg:{users}:fail:<name>   hash: n (consecutive failures), until (unix ms)
//	lg:{users}:names         set: every user name
//
// Passwords are never stored; API tokens only as their SHA-256 (they are
// 32 random bytes, so no stretching is needed). A Store is safe for
// concurrent use.
//
// Non-goals: password reset by mail, single sign-on, self-service sign-up.
package users

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/crypto/bcrypt"
)

// Role is what a user may do. The roles are fixed; see the methods.
type Role string

// The roles.
const (
	// RoleDSL is the Designated Safeguarding Lead: everything for their
	// schools, including the raw source.
	RoleDSL Role = "dsl"
	// RoleDeputyDSL is a deputy: what the DSL does, except the raw source.
	RoleDeputyDSL Role = "deputy-dsl"
	// RoleICT is the ICT manager: metadata and findings, never a body, no
	// actions on mail.
	RoleICT Role = "ict"
	// RoleHead is the head teacher: reports, counts and the audit log only.
	RoleHead Role = "head"
	// RoleAdmin manages users and settings; sees no mail.
	RoleAdmin Role = "admin"
)

// Roles lists every role.
var Roles = []Role{RoleDSL, RoleDeputyDSL, RoleICT, RoleHead, RoleAdmin}

// ParseRole returns the role named s.
func ParseRole(s string) (Role, error) {
	if slices.Contains(Roles, Role(s)) {
		return Role(s), nil
	}
	return "", fmt.Errorf("%w: unknown role %q (want dsl, deputy-dsl, ict, head or admin)", ErrInvalid, s)
}

// CanListMail reports whether r may list and open quarantine entries
// (metadata and findings).
func (r Role) CanListMail() bool { return r == RoleDSL || r == RoleDeputyDSL || r == RoleICT }

// CanReadBodies reports whether r may read message bodies and attachments.
func (r Role) CanReadBodies() bool { return r == RoleDSL || r == RoleDeputyDSL }

// CanReadRaw reports whether r may read the raw source of a message.
func (r Role) CanReadRaw() bool { return r == RoleDSL }

// CanAct reports whether r may release, delete, copy, record incidents
// and export the incident log.
func (r Role) CanAct() bool { return r == RoleDSL || r == RoleDeputyDSL }

// CanReadAudit reports whether r may read the audit log.
func (r Role) CanReadAudit() bool { return r == RoleDSL || r == RoleHead || r == RoleAdmin }

// CanReadReports reports whether r may see the incident reports.
func (r Role) CanReadReports() bool { return r == RoleDSL || r == RoleDeputyDSL || r == RoleHead }

// CanManageUsers reports whether r may see and manage accounts.
func (r Role) CanManageUsers() bool { return r == RoleAdmin }

// User is one account.
type User struct {
	Name    string   `json:"name"`
	Role    Role     `json:"role"`
	Schools []string `json:"schools"`
	// Email is where "send me a copy" sends evidence ("" for none).
	Email   string    `json:"email,omitempty"`
	Created time.Time `json:"created"`
	// Disabled accounts cannot sign in or use their token.
	Disabled bool `json:"disabled,omitempty"`
	// TOTP is true when the account has a second factor.
	TOTP bool `json:"totp,omitempty"`
	// Generation changes on every password change, disable and "sign out
	// everywhere"; sessions of an older generation are invalid.
	Generation int64 `json:"generation"`
}

// HasSchool reports whether u may see school's mail.
func (u *User) HasSchool(school string) bool { return slices.Contains(u.Schools, school) }

// Errors.
var (
	// ErrInvalid wraps arguments that can never succeed.
	ErrInvalid = errors.New("users: invalid argument")
	// ErrExists is returned by Add for a name already taken.
	ErrExists = errors.New("users: user exists")
	// ErrNotFound is returned for an unknown user or token.
	ErrNotFound = errors.New("users: no such user")
	// ErrBadCredentials is returned by Authenticate for a wrong name,
	// password or code, and for a disabled account (the caller cannot
	// tell which).
	ErrBadCredentials = errors.New("users: wrong user name, password or code")
	// ErrTOTPRequired is returned by Authenticate when the password was
	// right but the account needs a TOTP code and none was given.
	ErrTOTPRequired = errors.New("users: second factor required")
)

// LockedError is returned by Authenticate while an account is locked out.
type LockedError struct {
	Until time.Time
}

func (e *LockedError) Error() string {
	return "users: too many failed sign-ins; locked until " + e.Until.UTC().Format(time.RFC3339)
}

// Options configures a Store.
type Options struct {
	// Prefix starts every key ("lg" if empty).
	Prefix string
	// BcryptCost is the cost of new hashes (bcrypt.DefaultCost, 10, if
	// zero; tests use bcrypt.MinCost).
	BcryptCost int
	// LockAfter is how many consecutive failures lock an account (5 if
	// zero).
	LockAfter int
	// LockBase is the first lock-out; each further failure doubles it (1
	// minute if zero), up to LockMax (1 hour if zero).
	LockBase, LockMax time.Duration
	// Issuer names the service in TOTP enrolment URIs ("lychgate").
	Issuer string
	// Logger receives warnings; discarded if nil.
	Logger *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Store keeps accounts in Redis.
type Store struct {
	rdb   redis.UniversalClient
	o     Options
	log   *slog.Logger
	dummy []byte // a hash to compare against for unknown users
}

// MinPasswordLen is the shortest password Add and SetPassword accept.
const MinPasswordLen = 12

// New returns a Store that keeps its accounts in rdb.
func New(rdb redis.UniversalClient, o Options) *Store {
	if o.Prefix == "" {
		o.Prefix = "lg"
	}
	if o.BcryptCost == 0 {
		o.BcryptCost = bcrypt.DefaultCost
	}
	if o.LockAfter <= 0 {
		o.LockAfter = 5
	}
	if o.LockBase <= 0 {
		o.LockBase = time.Minute
	}
	if o.LockMax <= 0 {
		o.LockMax = time.Hour
	}
	if o.Issuer == "" {
		o.Issuer = "lychgate"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Store{rdb: rdb, o: o, log: o.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.dummy, _ = bcrypt.GenerateFromPassword([]byte("lychgate dummy password"), o.BcryptCost)
	return s
}

func (s *Store) userKey(name string) string  { return s.o.Prefix + ":{users}:u:" + name }
func (s *Store) tokenKey(hash string) string { return s.o.Prefix + ":{users}:tok:" + hash }
func (s *Store) failKey(name string) string  { return s.o.Prefix + ":{users}:fail:" + name }
func (s *Store) namesKey() string            { return s.o.Prefix + ":{users}:names" }

// addScript creates an account atomically unless the name is taken.
// KEYS[1] user hash, KEYS[2] names set; ARGV name, then field/value pairs.
// Returns 1, or 0 if it exists.
var addScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
for i = 2, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('SADD', KEYS[2], ARGV[1])
return 1
`)

// ValidName checks a user name: 1 to 64 of a-z, 0-9, '.', '-', '_', '@'.
func ValidName(name string) error {
	if name == "" || len(name) > 64 {
		return fmt.Errorf("%w: user name must be 1 to 64 characters", ErrInvalid)
	}
	for _, c := range []byte(name) {
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' || c == '@'
		if !ok {
			return fmt.Errorf("%w: user name %q: only a-z, 0-9, '.', '-', '_' and '@'", ErrInvalid, name)
		}
	}
	return nil
}

func checkPassword(pw string) error {
	if len(pw) < MinPasswordLen {
		return fmt.Errorf("%w: password shorter than %d characters", ErrInvalid, MinPasswordLen)
	}
	if len(pw) > 72 {
		return fmt.Errorf("%w: password longer than 72 bytes (bcrypt's limit)", ErrInvalid)
	}
	return nil
}

// Add creates an account with a password. u.Name, u.Role and at least one
// school are required (an admin needs none).
func (s *Store) Add(ctx context.Context, u User, password string) error {
	if err := ValidName(u.Name); err != nil {
		return err
	}
	if _, err := ParseRole(string(u.Role)); err != nil {
		return err
	}
	if len(u.Schools) == 0 && u.Role != RoleAdmin {
		return fmt.Errorf("%w: user %s needs at least one school", ErrInvalid, u.Name)
	}
	for _, sc := range u.Schools {
		if sc == "" || strings.ContainsAny(sc, ", {}:") {
			return fmt.Errorf("%w: school id %q", ErrInvalid, sc)
		}
	}
	if err := checkPassword(password); err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.o.BcryptCost)
	if err != nil {
		return fmt.Errorf("users: add %s: %w", u.Name, err)
	}
	if strings.ContainsAny(u.Email, "\r\n,<> ") {
		return fmt.Errorf("%w: email %q", ErrInvalid, u.Email)
	}
	n, err := addScript.Run(ctx, s.rdb, []string{s.userKey(u.Name), s.namesKey()}, u.Name,
		"hash", string(hash), "role", string(u.Role), "schools", strings.Join(u.Schools, ","),
		"email", u.Email, "created", s.o.Now().UnixMilli(), "gen", 1).Int()
	if err != nil {
		return fmt.Errorf("users: add %s: %w", u.Name, err)
	}
	if n == 0 {
		return fmt.Errorf("users: add %s: %w", u.Name, ErrExists)
	}
	return nil
}

// Get returns the account name.
func (s *Store) Get(ctx context.Context, name string) (*User, error) {
	u, _, err := s.get(ctx, name)
	return u, err
}

type secrets struct {
	hash, totp, token string
	totpLast          int64
}

func (s *Store) get(ctx context.Context, name string) (*User, secrets, error) {
	if err := ValidName(name); err != nil {
		return nil, secrets{}, err
	}
	m, err := s.rdb.HGetAll(ctx, s.userKey(name)).Result()
	if err != nil {
		return nil, secrets{}, fmt.Errorf("users: get %s: %w", name, err)
	}
	if m["hash"] == "" || m["role"] == "" {
		return nil, secrets{}, fmt.Errorf("users: %s: %w", name, ErrNotFound)
	}
	u := &User{Name: name, Role: Role(m["role"]), Email: m["email"], Disabled: m["disabled"] == "1", TOTP: m["totp"] != ""}
	if m["schools"] != "" {
		u.Schools = strings.Split(m["schools"], ",")
	}
	if ms, err := strconv.ParseInt(m["created"], 10, 64); err == nil {
		u.Created = time.UnixMilli(ms).UTC()
	}
	u.Generation, _ = strconv.ParseInt(m["gen"], 10, 64)
	sec := secrets{hash: m["hash"], totp: m["totp"], token: m["token"]}
	sec.totpLast, _ = strconv.ParseInt(m["totp_last"], 10, 64)
	return u, sec, nil
}

// List returns every account, sorted by name.
func (s *Store) List(ctx context.Context) ([]User, error) {
	names, err := s.rdb.SMembers(ctx, s.namesKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("users: list: %w", err)
	}
	var out []User
	for _, name := range names {
		u, err := s.Get(ctx, name)
		if err != nil {
			continue
		}
		out = append(out, *u)
	}
	slices.SortFunc(out, func(a, b User) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// SetPassword replaces name's password and signs out all its sessions.
func (s *Store) SetPassword(ctx context.Context, name, password string) error {
	if _, err := s.Get(ctx, name); err != nil {
		return err
	}
	if err := checkPassword(password); err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.o.BcryptCost)
	if err != nil {
		return fmt.Errorf("users: passwd %s: %w", name, err)
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, s.userKey(name), "hash", string(hash))
		p.HIncrBy(ctx, s.userKey(name), "gen", 1)
		p.Del(ctx, s.failKey(name))
		return nil
	})
	if err != nil {
		return fmt.Errorf("users: passwd %s: %w", name, err)
	}
	return nil
}

// SetDisabled disables (or enables again) name; disabling signs out every
// session and revokes the API token.
func (s *Store) SetDisabled(ctx context.Context, name string, disabled bool) error {
	_, sec, err := s.get(ctx, name)
	if err != nil {
		return err
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		if disabled {
			p.HSet(ctx, s.userKey(name), "disabled", "1")
			p.HIncrBy(ctx, s.userKey(name), "gen", 1)
			if sec.token != "" {
				p.Del(ctx, s.tokenKey(sec.token))
				p.HDel(ctx, s.userKey(name), "token")
			}
		} else {
			p.HDel(ctx, s.userKey(name), "disabled")
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("users: disable %s: %w", name, err)
	}
	return nil
}

// SignOutEverywhere invalidates every session of name.
func (s *Store) SignOutEverywhere(ctx context.Context, name string) error {
	if err := s.rdb.HIncrBy(ctx, s.userKey(name), "gen", 1).Err(); err != nil {
		return fmt.Errorf("users: sign out %s: %w", name, err)
	}
	return nil
}

// failScript counts a failure and returns the lock-out end (unix ms, 0 for
// none). KEYS[1] fail hash; ARGV now ms, lock after, base ms, max ms, ttl ms.
var failScript = redis.NewScript(`
local n = redis.call('HINCRBY', KEYS[1], 'n', 1)
local after = tonumber(ARGV[2])
local untilms = 0
if n >= after then
  local d = tonumber(ARGV[3]) * math.pow(2, n - after)
  if d > tonumber(ARGV[4]) then d = tonumber(ARGV[4]) end
  untilms = tonumber(ARGV[1]) + d
  redis.call('HSET', KEYS[1], 'until', untilms)
end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return untilms
`)

// Authenticate checks name's password and, if the account has one, its
// TOTP code. After LockAfter consecutive failures the account is locked
// for LockBase, doubling with each further failure up to LockMax; while
// locked every attempt fails with *LockedError (without checking the
// password). A success resets the count.
func (s *Store) Authenticate(ctx context.Context, name, password, code string) (*User, error) {
	if ValidName(name) != nil {
		_ = bcrypt.CompareHashAndPassword(s.dummy, []byte(password)) // same time as a real check
		return nil, ErrBadCredentials
	}
	now := s.o.Now()
	until, err := s.rdb.HGet(ctx, s.failKey(name), "until").Int64()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("users: authenticate %s: %w", name, err)
	}
	if until > now.UnixMilli() {
		return nil, &LockedError{Until: time.UnixMilli(until)}
	}
	u, sec, err := s.get(ctx, name)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	ok := false
	if u == nil {
		_ = bcrypt.CompareHashAndPassword(s.dummy, []byte(password))
	} else {
		ok = bcrypt.CompareHashAndPassword([]byte(sec.hash), []byte(password)) == nil && !u.Disabled
	}
	if ok && sec.totp != "" {
		if code == "" {
			return nil, ErrTOTPRequired // the password is not counted as a failure
		}
		ok, err = s.checkTOTP(ctx, name, sec, code, now)
		if err != nil {
			return nil, err
		}
	}
	if !ok {
		lockMax := max(s.o.LockMax, s.o.LockBase)
		until, err := failScript.Run(ctx, s.rdb, []string{s.failKey(name)}, now.UnixMilli(), s.o.LockAfter,
			s.o.LockBase.Milliseconds(), lockMax.Milliseconds(), (24 * time.Hour).Milliseconds()).Int64()
		if err != nil {
			return nil, fmt.Errorf("users: authenticate %s: %w", name, err)
		}
		if until > 0 {
			s.log.Warn("account locked after failed sign-ins", "user", name, "until", time.UnixMilli(until).UTC())
		}
		return nil, ErrBadCredentials
	}
	if err := s.rdb.Del(ctx, s.failKey(name)).Err(); err != nil {
		return nil, fmt.Errorf("users: authenticate %s: %w", name, err)
	}
	return u, nil
}

// totpLastScript accepts a TOTP time step only if it is later than the
// last one used, so a code cannot be replayed. KEYS[1] user; ARGV step.
var totpLastScript = redis.NewScript(`
local last = tonumber(redis.call('HGET', KEYS[1], 'totp_last') or '0')
if tonumber(ARGV[1]) <= last then return 0 end
redis.call('HSET', KEYS[1], 'totp_last', ARGV[1])
return 1
`)

func (s *Store) checkTOTP(ctx context.Context, name string, sec secrets, code string, now time.Time) (bool, error) {
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(sec.totp)
	if err != nil {
		return false, fmt.Errorf("users: %s: stored TOTP secret: %w", name, err)
	}
	step, ok := VerifyTOTP(key, code, now, 1)
	if !ok {
		return false, nil
	}
	n, err := totpLastScript.Run(ctx, s.rdb, []string{s.userKey(name)}, step).Int()
	if err != nil {
		return false, fmt.Errorf("users: %s: totp: %w", name, err)
	}
	return n == 1, nil
}

// EnrolTOTP gives name a new random TOTP secret (replacing any) and
// returns the otpauth:// URI to show as a QR code or type into an
// authenticator app.
func (s *Store) EnrolTOTP(ctx context.Context, name string) (uri string, err error) {
	if _, err := s.Get(ctx, name); err != nil {
		return "", err
	}
	key := make([]byte, 20)
	_, _ = rand.Read(key)
	secret := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(key)
	if err := s.rdb.HSet(ctx, s.userKey(name), "totp", secret, "totp_last", 0).Err(); err != nil {
		return "", fmt.Errorf("users: totp %s: %w", name, err)
	}
	return TOTPURI(s.o.Issuer, name, key), nil
}

// RemoveTOTP removes name's second factor.
func (s *Store) RemoveTOTP(ctx context.Context, name string) error {
	if err := s.rdb.HDel(ctx, s.userKey(name), "totp", "totp_last").Err(); err != nil {
		return fmt.Errorf("users: totp %s: %w", name, err)
	}
	return nil
}

// IssueToken creates a new personal API token for name, replacing (and
// revoking) any earlier one, and returns it. Only its SHA-256 is stored.
func (s *Store) IssueToken(ctx context.Context, name string) (string, error) {
	u, sec, err := s.get(ctx, name)
	if err != nil {
		return "", err
	}
	if u.Disabled {
		return "", fmt.Errorf("users: token %s: %w: account disabled", name, ErrInvalid)
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	tok := "lgt_" + hex.EncodeToString(b)
	h := tokenHash(tok)
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		if sec.token != "" {
			p.Del(ctx, s.tokenKey(sec.token))
		}
		p.Set(ctx, s.tokenKey(h), name, 0)
		p.HSet(ctx, s.userKey(name), "token", h)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("users: token %s: %w", name, err)
	}
	return tok, nil
}

func tokenHash(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// ByToken returns the enabled account whose API token is tok.
func (s *Store) ByToken(ctx context.Context, tok string) (*User, error) {
	if !strings.HasPrefix(tok, "lgt_") || len(tok) != 68 {
		return nil, ErrNotFound
	}
	h := tokenHash(tok)
	name, err := s.rdb.Get(ctx, s.tokenKey(h)).Result()
	if errors.Is(err, redis.Nil) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("users: token: %w", err)
	}
	u, sec, err := s.get(ctx, name)
	if err != nil {
		return nil, err
	}
	if u.Disabled || subtle.ConstantTimeCompare([]byte(sec.token), []byte(h)) != 1 {
		return nil, ErrNotFound
	}
	return u, nil
}
