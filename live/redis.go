package live

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/lychgate/lychgate/config"
)

// waitTimeout bounds WAIT: the redis timeout, or a second.
func waitTimeout(t time.Duration) time.Duration {
	if t <= 0 {
		return time.Second
	}
	return t
}

// NewRedis connects to the standalone server of redis.url, or to Sentinel
// or Cluster when their addresses are configured, through go-redis'
// universal client. Every command honours its context's deadline. With
// Sentinel or Cluster and redis.wait_replicas set, every script (the
// quarantine's and the outbox's writes) returns only once that many
// replicas have its write (WAIT), and fails otherwise: a failover then
// cannot lose an acknowledged message.
func NewRedis(cfg *config.Config) (redis.UniversalClient, error) {
	rc := cfg.Redis
	t := rc.Timeout.Duration
	password := ""
	if rc.PasswordFile != "" {
		b, err := os.ReadFile(cfg.Path(rc.PasswordFile))
		if err != nil {
			return nil, fmt.Errorf("redis.password_file: %w", err)
		}
		password = strings.TrimSpace(string(b))
	}
	if len(rc.SentinelAddrs) > 0 || len(rc.ClusterAddrs) > 0 {
		uo := &redis.UniversalOptions{
			Addrs:                 append(append([]string{}, rc.SentinelAddrs...), rc.ClusterAddrs...),
			MasterName:            rc.MasterName,
			Password:              password,
			DialTimeout:           t,
			ReadTimeout:           t,
			WriteTimeout:          t,
			MaxRetries:            1,
			ContextTimeoutEnabled: true,
			IsClusterMode:         len(rc.ClusterAddrs) > 0,
		}
		// With redis.wait_replicas, every script waits until that many
		// replicas have its write (see waitClient).
		c := redis.NewUniversalClient(uo)
		if rc.WaitReplicas <= 0 {
			return c, nil
		}
		return withWait(c, rc.WaitReplicas, waitTimeout(t)), nil
	}
	opt, err := redis.ParseURL(rc.URL)
	if err != nil {
		return nil, fmt.Errorf("redis.url: %w", err)
	}
	if password != "" {
		opt.Password = password
	}
	if t > 0 {
		opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout = t, t, t
	}
	opt.MaxRetries = 1
	opt.ContextTimeoutEnabled = true
	return redis.NewClient(opt), nil
}
