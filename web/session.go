package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// session is one signed-in browser. Its id lives only in the cookie; Redis
// keys it by the id's SHA-256, so a read of Redis does not yield cookies.
type session struct {
	key     string // Redis key
	User    string
	Gen     int64
	Created time.Time
	CSRF    string
}

var errNoSession = errors.New("web: no valid session")

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

func (s *Server) sessionKey(id string) string {
	sum := sha256.Sum256([]byte(id))
	return s.prefix + ":{web}:sess:" + hex.EncodeToString(sum[:])
}

// newSession stores a session for user and returns its cookie value.
func (s *Server) newSession(ctx context.Context, user string, gen int64) (string, error) {
	id := randomToken()
	err := s.rdb.HSet(ctx, s.sessionKey(id), "user", user, "gen", gen, "created", s.now().UnixMilli(), "csrf", randomToken()).Err()
	if err == nil {
		err = s.rdb.PExpire(ctx, s.sessionKey(id), s.idle).Err()
	}
	if err != nil {
		return "", fmt.Errorf("web: new session: %w", err)
	}
	return id, nil
}

// loadSession returns the session of cookie id if it exists, has not been
// idle too long (Redis TTL) and is not older than the absolute limit; it
// renews the idle timeout.
func (s *Server) loadSession(ctx context.Context, id string) (*session, error) {
	if len(id) != 64 {
		return nil, errNoSession
	}
	key := s.sessionKey(id)
	m, err := s.rdb.HGetAll(ctx, key).Result()
	if err != nil {
		return nil, fmt.Errorf("web: session: %w", err)
	}
	if m["user"] == "" {
		return nil, errNoSession
	}
	ms, _ := strconv.ParseInt(m["created"], 10, 64)
	gen, _ := strconv.ParseInt(m["gen"], 10, 64)
	sess := &session{key: key, User: m["user"], Gen: gen, Created: time.UnixMilli(ms), CSRF: m["csrf"]}
	if s.now().Sub(sess.Created) >= s.absolute {
		_ = s.rdb.Del(ctx, key).Err()
		return nil, errNoSession
	}
	if err := s.rdb.PExpire(ctx, key, s.idle).Err(); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("web: session: %w", err)
	}
	return sess, nil
}

func (s *Server) endSession(ctx context.Context, sess *session) error {
	if err := s.rdb.Del(ctx, sess.key).Err(); err != nil {
		return fmt.Errorf("web: end session: %w", err)
	}
	return nil
}
