package bayes

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis key layout (every key shares the hash tag {scope}, so in Redis
// Cluster the whole classifier lives on one slot and a pipeline never
// crosses nodes):
//
//	<prefix>:bayes:{<scope>}:n          hash  s, h: trained spam and ham messages
//	<prefix>:bayes:{<scope>}:t:<token>  hash  s, h: messages containing the token; TTL TokenTTL
//	<prefix>:bayes:{<scope>}:m:<msg>    string "s" or "h": how a message was trained; TTL LearnedTTL
//
// <token> and <msg> are hashes (see tokenKey), so no message text is stored.
const (
	// DefaultTokenTTL is how long a token is kept after it was last trained.
	DefaultTokenTTL = 180 * 24 * time.Hour
	// DefaultLearnedTTL is how long a trained message is remembered, so
	// that training it again is a no-op and re-labelling moves its counts.
	DefaultLearnedTTL = 90 * 24 * time.Hour
	// chunk is the most commands sent in one pipeline round trip.
	chunk = 4096
)

// RedisOptions configures a RedisStore.
type RedisOptions struct {
	// Client is the shared Redis client (standalone, Sentinel or Cluster).
	Client redis.UniversalClient
	// Prefix starts every key (default "lg").
	Prefix string
	// Scope is the hash tag: one classifier database (default "global";
	// every relay instance with the same scope shares the counts).
	Scope string
	// TokenTTL and LearnedTTL default to DefaultTokenTTL and
	// DefaultLearnedTTL.
	TokenTTL, LearnedTTL time.Duration
}

// RedisStore is the production Store: counts in Redis, shared by every
// relay instance, written and read with pipelining.
type RedisStore struct {
	c                    redis.UniversalClient
	base                 string
	tokenTTL, learnedTTL time.Duration
}

// NewRedisStore returns a store over o.Client.
func NewRedisStore(o RedisOptions) (*RedisStore, error) {
	if o.Client == nil {
		return nil, errors.New("bayes: redis store needs a client")
	}
	if o.Prefix == "" {
		o.Prefix = "lg"
	}
	if o.Scope == "" {
		o.Scope = "global"
	}
	if o.TokenTTL <= 0 {
		o.TokenTTL = DefaultTokenTTL
	}
	if o.LearnedTTL <= 0 {
		o.LearnedTTL = DefaultLearnedTTL
	}
	return &RedisStore{c: o.Client, base: o.Prefix + ":bayes:{" + o.Scope + "}:", tokenTTL: o.TokenTTL, learnedTTL: o.LearnedTTL}, nil
}

// TotalsKey returns the key of the message totals (for operators and tests).
func (s *RedisStore) TotalsKey() string { return s.base + "n" }

func (s *RedisStore) tokKey(k string) string { return s.base + "t:" + k }
func (s *RedisStore) msgKey(k string) string { return s.base + "m:" + k }

// Lookup implements Store.
func (s *RedisStore) Lookup(ctx context.Context, keys []string) (Counts, []Counts, error) {
	out := make([]Counts, len(keys))
	var totals Counts
	for start := 0; start == 0 || start < len(keys); start += chunk {
		end := min(start+chunk, len(keys))
		pipe := s.c.Pipeline()
		var tot *redis.SliceCmd
		if start == 0 {
			tot = pipe.HMGet(ctx, s.TotalsKey(), "s", "h")
		}
		cmds := make([]*redis.SliceCmd, 0, end-start)
		for _, k := range keys[start:end] {
			cmds = append(cmds, pipe.HMGet(ctx, s.tokKey(k), "s", "h"))
		}
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return Counts{}, nil, fmt.Errorf("bayes: redis lookup: %w", err)
		}
		if tot != nil {
			totals = countsOf(tot.Val())
		}
		for i, c := range cmds {
			out[start+i] = countsOf(c.Val())
		}
		if end == len(keys) {
			break
		}
	}
	return totals, out, nil
}

// countsOf reads an HMGET s h reply; missing or negative values are zero.
func countsOf(v []any) Counts {
	var c Counts
	if len(v) == 2 {
		c.Spam = intOf(v[0])
		c.Ham = intOf(v[1])
	}
	return c
}

func intOf(v any) int64 {
	s, ok := v.(string)
	if !ok {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// Labels implements Store.
func (s *RedisStore) Labels(ctx context.Context, msgKeys []string) ([]Label, error) {
	out := make([]Label, len(msgKeys))
	for start := 0; start < len(msgKeys); start += chunk {
		end := min(start+chunk, len(msgKeys))
		pipe := s.c.Pipeline()
		cmds := make([]*redis.StringCmd, 0, end-start)
		for _, k := range msgKeys[start:end] {
			cmds = append(cmds, pipe.Get(ctx, s.msgKey(k)))
		}
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return nil, fmt.Errorf("bayes: redis labels: %w", err)
		}
		for i, c := range cmds {
			if v := c.Val(); len(v) == 1 && (Label(v[0]) == Spam || Label(v[0]) == Ham) {
				out[start+i] = Label(v[0])
			}
		}
	}
	return out, nil
}

// Apply implements Store. Token counts go first and the totals and labels
// last, in pipelines of at most a few thousand commands; a failure part way
// leaves some token counts raised without their totals, which skews scores
// slightly and is repaired by training again.
func (s *RedisStore) Apply(ctx context.Context, b *Batch) error {
	pipe := s.c.Pipeline()
	n := 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		_, err := pipe.Exec(ctx)
		n = 0
		if err != nil {
			return fmt.Errorf("bayes: redis apply: %w", err)
		}
		return nil
	}
	for k, d := range b.Tokens {
		key := s.tokKey(k)
		if d.Spam != 0 {
			pipe.HIncrBy(ctx, key, "s", d.Spam)
			n++
		}
		if d.Ham != 0 {
			pipe.HIncrBy(ctx, key, "h", d.Ham)
			n++
		}
		pipe.Expire(ctx, key, s.tokenTTL)
		n++
		if n >= chunk {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if b.Totals.Spam != 0 {
		pipe.HIncrBy(ctx, s.TotalsKey(), "s", b.Totals.Spam)
		n++
	}
	if b.Totals.Ham != 0 {
		pipe.HIncrBy(ctx, s.TotalsKey(), "h", b.Totals.Ham)
		n++
	}
	for k, l := range b.Learned {
		pipe.Set(ctx, s.msgKey(k), string([]byte{byte(l)}), s.learnedTTL)
		n++
	}
	return flush()
}
