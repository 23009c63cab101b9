package quarantine

import (
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/lychgate/lychgate/internal/testutil/redistest"
	"github.com/lychgate/lychgate/scanners"
)

// White-box tests: the key layout, TTLs and index clean-up that the
// conformance suite cannot see through the API.

func testEntry(school string, received time.Time, held string, cat scanners.Category) *Entry {
	return &Entry{
		School: school, Held: []string{held}, Recipients: []string{held}, Received: received,
		Findings: []scanners.Finding{{Scanner: "rules", Rule: "r", Category: cat, Severity: scanners.Low}},
	}
}

func TestKeysTTLAndIndexes(t *testing.T) {
	t.Parallel()
	rdb := redistest.Start(t).Client(t)
	s := New(rdb, Options{Prefix: "wb", Retention: 90 * time.Minute, Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	ctx := t.Context()
	e := testEntry("st-mary", time.UnixMilli(1_700_000_000_123), "a@example.com", scanners.Spam)
	raw := []byte("Subject: hi\r\n\r\nbody\r\n")
	for i := range 2 {
		created, err := s.Put(ctx, e, raw)
		if err != nil || created != (i == 0) {
			t.Fatalf("Put #%d = %v, %v; want %v, nil", i+1, created, err, i == 0)
		}
	}

	key := "wb:{st-mary}:q:" + e.ID
	ttl, err := rdb.PTTL(ctx, key).Result()
	if err != nil || ttl <= 89*time.Minute || ttl > 90*time.Minute {
		t.Errorf("PTTL %s = %v, %v; want about 90m", key, ttl, err)
	}
	fields, err := rdb.HKeys(ctx, key).Result()
	slices.Sort(fields)
	if err != nil || !slices.Equal(fields, []string{"dir", "enc", "from", "meta", "raw", "rcpt", "sev", "st", "text"}) {
		t.Errorf("HKEYS %s = %v, %v; want [dir enc from meta raw rcpt sev st text]", key, fields, err)
	}
	for _, idx := range []string{"wb:{st-mary}:q:idx", "wb:{st-mary}:q:cat:spam", "wb:{st-mary}:q:st:held"} {
		zs, err := rdb.ZRangeWithScores(ctx, idx, 0, -1).Result()
		if err != nil || len(zs) != 1 || zs[0].Member != e.ID || zs[0].Score != 1_700_000_000_123 {
			t.Errorf("ZRANGE %s = %v, %v; want one member %s with score 1700000000123", idx, zs, err, e.ID)
		}
		if ttl := rdb.PTTL(ctx, idx).Val(); ttl != -1 {
			t.Errorf("PTTL %s = %v, want none (-1)", idx, ttl)
		}
	}
	if n := rdb.Exists(ctx, "wb:{st-mary}:q:cat:profanity").Val(); n != 0 {
		t.Errorf("category index of a category the entry lacks exists")
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	s := New(nil, Options{})
	if s.prefix != DefaultPrefix || s.retention != DefaultRetention || s.log == nil {
		t.Errorf("New(Options{}) = prefix %q, retention %v, logger %v; want %q, %v, non-nil",
			s.prefix, s.retention, s.log, DefaultPrefix, DefaultRetention)
	}
}

// TestListDropsExpired: members whose hash expired are skipped, removed from
// every index, and do not stop a page from filling.
func TestListDropsExpired(t *testing.T) {
	t.Parallel()
	rdb := redistest.Start(t).Client(t)
	s := New(rdb, Options{Prefix: "exp", Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))})
	ctx := t.Context()
	base := time.UnixMilli(1_700_000_000_000)
	var ids []string // newest first
	for i := range 10 {
		e := testEntry("exp", base.Add(time.Duration(i)*time.Second), fmt.Sprintf("r%d@example.com", i), scanners.Spam)
		if _, err := s.Put(ctx, e, []byte("x")); err != nil {
			t.Fatal(err)
		}
		ids = append([]string{e.ID}, ids...)
	}
	// Expire (delete) entries 1, 2, 3 and 7 of the newest-first order.
	for _, i := range []int{1, 2, 3, 7} {
		if err := rdb.Del(ctx, s.entryKey("exp", ids[i])).Err(); err != nil {
			t.Fatal(err)
		}
	}
	live := []string{ids[0], ids[4], ids[5], ids[6], ids[8], ids[9]}

	var got []string
	o := ListOptions{School: "exp", Category: "spam", Limit: 2}
	for {
		entries, next, err := s.List(ctx, o)
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		if len(entries) != 2 && next != "" {
			t.Errorf("List page of %d with a next cursor, want full pages until the last", len(entries))
		}
		for _, e := range entries {
			got = append(got, e.ID)
		}
		if next == "" {
			break
		}
		o.Cursor = next
	}
	if !slices.Equal(got, live) {
		t.Errorf("List skipping expired = %v, want %v", got, live)
	}
	for _, idx := range []string{s.indexKey("exp"), s.categoryKey("exp", "spam")} {
		if n := rdb.ZCard(ctx, idx).Val(); n != int64(len(live)) {
			t.Errorf("ZCARD %s after List = %d, want %d", idx, n, len(live))
		}
	}
}

// TestDropStaleSparesRecreated: clean-up never removes the index member of
// an entry that exists again (a Put racing the clean-up).
func TestDropStaleSparesRecreated(t *testing.T) {
	t.Parallel()
	rdb := redistest.Start(t).Client(t)
	s := New(rdb, Options{Prefix: "race"})
	ctx := t.Context()
	e := testEntry("race", time.Now(), "a@example.com", scanners.Link)
	if _, err := s.Put(ctx, e, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if !s.dropStale(ctx, "race", s.indexKey("race"), []string{e.ID, "gone"}) {
		t.Fatal("dropStale failed")
	}
	for _, idx := range []string{s.indexKey("race"), s.categoryKey("race", "link")} {
		if _, err := rdb.ZScore(ctx, idx, e.ID).Result(); err != nil {
			t.Errorf("ZSCORE %s %s after dropStale: %v, want the member kept", idx, e.ID, err)
		}
	}
}

func TestCursor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"valid", "1700000000123.abcdef0123456789abcdef01", true},
		{"no dot", "1700000000123", false},
		{"bad number", "x.abc", false},
		{"bad id", "1.a:b", false},
		{"empty id", "1.", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := parseCursor(tc.in)
			if (err == nil) != tc.ok {
				t.Fatalf("parseCursor(%q) error = %v, want ok %v", tc.in, err, tc.ok)
			}
			if tc.ok && c.String() != tc.in {
				t.Errorf("parseCursor(%q).String() = %q, want round trip", tc.in, c.String())
			}
		})
	}
}
