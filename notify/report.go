package notify

import (
	"context"
	"fmt"
	"time"
)

// KindReport is the head teacher's report (package report).
const KindReport = "report"

func (o *Outbox) markKey(key string) string { return o.aux + "mark:" + key }

// Marked reports whether key was marked (Mark) and has not expired: a
// scheduled job (a school's report for one period) that some instance
// already did.
func (o *Outbox) Marked(ctx context.Context, key string) (bool, error) {
	n, err := o.rdb.Exists(ctx, o.markKey(key)).Result()
	if err != nil {
		return false, fmt.Errorf("notify: marker %s: %w", key, err)
	}
	return n > 0, nil
}

// Mark records key as done for ttl (longer than the outbox's own
// de-duplication, which lasts SeenTTL).
func (o *Outbox) Mark(ctx context.Context, key string, ttl time.Duration) error {
	if err := o.rdb.Set(ctx, o.markKey(key), "1", ttl).Err(); err != nil {
		return fmt.Errorf("notify: marker %s: %w", key, err)
	}
	return nil
}
