package quarantine

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/lychgate/lychgate/scanners"
)

// Page sizes for List.
const (
	DefaultListLimit = 50
	MaxListLimit     = 1000
)

// ListOptions selects a page of entries.
type ListOptions struct {
	// School is required.
	School string
	// Category, if set, lists only entries with a finding of this category.
	Category string
	// Limit is the page size: DefaultListLimit if zero or less, at most
	// MaxListLimit.
	Limit int
	// Cursor is the next value of the previous page; empty for the first.
	Cursor string
}

// List returns a page of a school's entries, newest first, without their raw
// messages, and the cursor of the next page ("" when this is the last; the
// page after a non-empty cursor may still turn out empty if its entries
// expired meanwhile). Index members whose entry has expired are skipped and
// removed from the indexes. Entries added after the first page was read
// appear only on a new first page; none is listed twice.
func (s *Store) List(ctx context.Context, o ListOptions) (entries []Entry, next string, err error) {
	if err := validName("school", o.School); err != nil {
		return nil, "", fmt.Errorf("quarantine: list: %w", err)
	}
	key := s.indexKey(o.School)
	if o.Category != "" {
		if err := validName("category", o.Category); err != nil {
			return nil, "", fmt.Errorf("quarantine: list %s: %w", o.School, err)
		}
		key = s.categoryKey(o.School, o.Category)
	}
	limit := o.Limit
	if limit <= 0 {
		limit = DefaultListLimit
	}
	limit = min(limit, MaxListLimit)
	// pos is the last index member dealt with (listed, skipped or found
	// expired); only members after it are candidates. Filtering on pos, not
	// only on the Redis offset, keeps a member from being listed twice when
	// the index shrinks under us.
	var (
		pos     cursor
		havePos bool
		start   = "+inf"
	)
	if o.Cursor != "" {
		if pos, err = parseCursor(o.Cursor); err != nil {
			return nil, "", fmt.Errorf("quarantine: list %s: %w", o.School, err)
		}
		havePos = true
		start = strconv.FormatInt(pos.ms, 10) // inclusive: ties are filtered on pos
	}
	var (
		more   bool
		offset int64
		batch  = int64(limit) + 1
	)
	for !more {
		zs, err := s.rdb.ZRangeArgsWithScores(ctx, redis.ZRangeArgs{
			Key: key, Start: start, Stop: "-inf", ByScore: true, Rev: true,
			Offset: offset, Count: batch,
		}).Result()
		if err != nil {
			return nil, "", fmt.Errorf("quarantine: list %s: %w", o.School, err)
		}
		offset += int64(len(zs))
		cands := make([]cursor, 0, len(zs))
		for _, z := range zs {
			id, _ := z.Member.(string)
			c := cursor{ms: int64(z.Score), id: id}
			if havePos && !pos.before(c) {
				continue // dealt with already, on this page or an earlier one
			}
			cands = append(cands, c)
		}
		metas, err := s.metas(ctx, o.School, cands)
		if err != nil {
			return nil, "", fmt.Errorf("quarantine: list %s: %w", o.School, err)
		}
		var stale []string
		for i, c := range cands {
			if metas[i] == nil {
				stale = append(stale, c.id)
				pos, havePos = c, true
				continue
			}
			if len(entries) == limit {
				more = true
				break
			}
			pos, havePos = c, true
			e, err := decodeMeta(metas[i][0], metas[i][1:])
			if err != nil {
				// One damaged record must not hide the rest of the queue.
				s.log.Error("quarantine entry unreadable", "school", o.School, "id", c.id, "err", err)
				continue
			}
			entries = append(entries, *e)
		}
		if len(stale) > 0 && s.dropStale(ctx, o.School, key, stale) {
			offset -= int64(len(stale)) // they are no longer in key
		}
		if int64(len(zs)) < batch {
			break // the index is exhausted
		}
		batch = min(batch*2, MaxListLimit+1)
	}
	if more {
		next = pos.String()
	}
	return entries, next, nil
}

// metaFields are what lists read: the metadata and the lifecycle fields.
var metaFields = []string{fieldMeta, fieldStatus, fieldReviewer, fieldActed, fieldReleasedTo, fieldIncident, fieldIncCat, fieldIncNotes}

// metas returns metaFields of each id's hash, nil if it is gone.
func (s *Store) metas(ctx context.Context, school string, cands []cursor) ([][]any, error) {
	if len(cands) == 0 {
		return nil, nil
	}
	cmds := make([]*redis.SliceCmd, len(cands))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, c := range cands {
			cmds[i] = p.HMGet(ctx, s.entryKey(school, c.id), metaFields...)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([][]any, len(cands))
	for i, c := range cmds {
		if v := c.Val(); len(v) == len(metaFields) && v[0] != nil {
			out[i] = v
		}
	}
	return out, nil
}

// dropScript removes ids from the indexes, but only those whose entry hash
// still does not exist, so a concurrent Put of the same id is never orphaned.
//
// KEYS[1..n] entry hashes, KEYS[n+1..] indexes; ARGV[1] n, ARGV[2..n+1] ids
var dropScript = redis.NewScript(`
local n = tonumber(ARGV[1])
local removed = 0
for i = 1, n do
  if redis.call('EXISTS', KEYS[i]) == 0 then
    for j = n + 1, #KEYS do
      removed = removed + redis.call('ZREM', KEYS[j], ARGV[i + 1])
    end
  end
end
return removed
`)

// dropStale removes expired ids from the school's indexes: the one being
// listed, the main index and every known category index, and reports
// whether it did. Failure only leaves them for the next List, so it is
// logged, not returned.
func (s *Store) dropStale(ctx context.Context, school, listed string, ids []string) bool {
	keys := make([]string, 0, len(ids)+2+len(scanners.Categories)+len(Statuses))
	args := make([]any, 0, len(ids)+1)
	args = append(args, len(ids))
	for _, id := range ids {
		keys = append(keys, s.entryKey(school, id))
		args = append(args, id)
	}
	keys = append(keys, s.indexKey(school))
	if listed != s.indexKey(school) {
		keys = append(keys, listed)
	}
	for _, c := range scanners.Categories {
		if k := s.categoryKey(school, string(c)); k != listed {
			keys = append(keys, k)
		}
	}
	for _, st := range Statuses {
		if k := s.statusKey(school, st); k != listed {
			keys = append(keys, k)
		}
	}
	n, err := dropScript.Run(ctx, s.rdb, keys, args...).Int()
	if err != nil {
		s.log.Warn("quarantine index clean-up failed", "school", school, "err", err)
		return false
	}
	s.log.Debug("quarantine index cleaned", "school", school, "expired", len(ids), "removed", n)
	return true
}

// cursor is a position in an index: newest first, ties on the same
// millisecond broken by id, descending (Redis's reverse order).
type cursor struct {
	ms int64
	id string
}

// before reports whether c comes before d in listing order.
func (c cursor) before(d cursor) bool {
	if c.ms != d.ms {
		return c.ms > d.ms
	}
	return c.id > d.id
}

func (c cursor) String() string { return strconv.FormatInt(c.ms, 10) + "." + c.id }

func parseCursor(s string) (cursor, error) {
	msStr, id, ok := strings.Cut(s, ".")
	ms, err := strconv.ParseInt(msStr, 10, 64)
	if !ok || err != nil || validID(id) != nil {
		return cursor{}, fmt.Errorf("%w: cursor %q", ErrInvalid, s)
	}
	return cursor{ms: ms, id: id}, nil
}
