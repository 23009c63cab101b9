package quarantine_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lychgate/lychgate/internal/testutil/redistest"
	"github.com/lychgate/lychgate/quarantine"
	"github.com/lychgate/lychgate/quarantine/quarantinetest"
	"github.com/lychgate/lychgate/scanners"
)

var reviewer = quarantine.Actor{Who: "dsl", From: "test"}

// eventually polls cond until it holds or 10s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

// TestReleaseExactlyOnce: goroutines on two Store instances (two relays)
// release the same entry; exactly one delivers.
func TestReleaseExactlyOnce(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.WithAOF())
	prefix := fmt.Sprintf("race%d", prefixes.Add(1))
	a := quarantine.New(srv.Client(t), quarantine.Options{Prefix: prefix, Retention: time.Hour})
	b := quarantine.New(srv.Client(t), quarantine.Options{Prefix: prefix, Retention: time.Hour})
	e := quarantinetest.NewEntry("race", time.Now(), "pupil@school.example")
	raw := quarantinetest.Message("race")
	if _, err := a.Put(t.Context(), e, raw); err != nil {
		t.Fatal(err)
	}
	// Redis restarts between put and release: the entry is intact.
	srv.Restart(t)

	var delivered atomic.Int32
	var got [][]byte
	var mu sync.Mutex
	deliver := func(_ context.Context, from string, to []string, data []byte) error {
		delivered.Add(1)
		mu.Lock()
		got = append(got, data)
		mu.Unlock()
		return nil
	}
	var wg sync.WaitGroup
	var ok, notHeld atomic.Int32
	for i := range 16 {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Go(func() {
			_, err := s.Release(t.Context(), "race", e.ID, quarantine.ReleaseOptions{By: quarantine.Actor{Who: fmt.Sprintf("r%d", i)}}, deliver)
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, quarantine.ErrNotHeld):
				notHeld.Add(1)
			default:
				t.Errorf("Release: %v", err)
			}
		})
	}
	wg.Wait()
	if delivered.Load() != 1 || ok.Load() != 1 || notHeld.Load() != 15 {
		t.Fatalf("delivered %d, ok %d, not held %d; want 1, 1, 15", delivered.Load(), ok.Load(), notHeld.Load())
	}
	if string(got[0]) != string(raw) {
		t.Errorf("delivered %q, want the stored bytes", got[0])
	}
	after, body, err := a.Get(t.Context(), "race", e.ID)
	if err != nil || after.Status != quarantine.StatusReleased || body != nil || after.Reviewer == "" || !slices.Equal(after.ReleasedTo, e.Held) {
		t.Errorf("after release: %+v body %q err %v; want a released tombstone with reviewer", after, body, err)
	}
	// A late SMTP retry does not re-create it.
	if created, err := a.Put(t.Context(), quarantinetest.NewEntry("race", time.Now(), "pupil@school.example"), raw); err != nil || created {
		t.Errorf("Put after release = %v, %v; want false, nil", created, err)
	}
}

func TestLifecycle(t *testing.T) {
	t.Parallel()
	rdb := redistest.Start(t).Client(t)
	tests := []struct {
		name string
		run  func(t *testing.T, s *quarantine.Store)
	}{
		{"ReleaseToOtherAddress", func(t *testing.T, s *quarantine.Store) {
			e := put(t, s, "rel", "a@example.com")
			var to []string
			_, err := s.Release(t.Context(), "rel", e.ID, quarantine.ReleaseOptions{By: reviewer, To: []string{"dsl@school.example"}},
				func(_ context.Context, _ string, rcpt []string, _ []byte) error { to = rcpt; return nil })
			if err != nil || !slices.Equal(to, []string{"dsl@school.example"}) {
				t.Fatalf("Release --to = %v, delivered to %v", err, to)
			}
		}},
		{"FailedDeliveryStaysHeld", func(t *testing.T, s *quarantine.Store) {
			e := put(t, s, "fail", "a@example.com")
			_, err := s.Release(t.Context(), "fail", e.ID, quarantine.ReleaseOptions{By: reviewer},
				func(context.Context, string, []string, []byte) error { return errors.New("hop down") })
			if err == nil {
				t.Fatal("Release with failing delivery succeeded")
			}
			got, raw, err := s.Get(t.Context(), "fail", e.ID)
			if err != nil || got.Status != quarantine.StatusHeld || raw == nil {
				t.Fatalf("after failed release: %v %v", got, err)
			}
		}},
		{"DeleteKeepsTombstone", func(t *testing.T, s *quarantine.Store) {
			e := put(t, s, "del", "a@example.com")
			if err := s.Delete(t.Context(), "del", e.ID, reviewer); err != nil {
				t.Fatal(err)
			}
			got, raw, err := s.Get(t.Context(), "del", e.ID)
			if err != nil || got.Status != quarantine.StatusDeleted || raw != nil || got.Reviewer != "dsl" {
				t.Fatalf("after delete: %+v raw %q %v", got, raw, err)
			}
			if err := s.Delete(t.Context(), "del", e.ID, reviewer); !errors.Is(err, quarantine.ErrNotHeld) {
				t.Errorf("second Delete = %v, want ErrNotHeld", err)
			}
			if created, err := s.Put(t.Context(), quarantinetest.NewEntry("del", e.Received, "a@example.com"), quarantinetest.Message("dela@example.com")); created || err != nil {
				t.Errorf("late retry Put after delete = %v, %v; want false, nil", created, err)
			}
			if _, err := s.Release(t.Context(), "del", e.ID, quarantine.ReleaseOptions{By: reviewer}, nil); !errors.Is(err, quarantine.ErrNotHeld) {
				t.Errorf("Release of deleted = %v, want ErrNotHeld", err)
			}
			list, _, err := s.Search(t.Context(), quarantine.Query{School: "del", Status: quarantine.StatusDeleted})
			if err != nil || len(list) != 1 || list[0].ID != e.ID {
				t.Errorf("Search deleted = %v, %v", list, err)
			}
		}},
		{"AuditEveryAction", func(t *testing.T, s *quarantine.Store) {
			e1 := put(t, s, "aud", "a@example.com")
			e2 := put(t, s, "aud", "b@example.com")
			if _, _, err := s.View(t.Context(), []string{"aud"}, e1.ID, reviewer); err != nil {
				t.Fatal(err)
			}
			if err := s.MarkIncident(t.Context(), "aud", e1.ID, reviewer); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Release(t.Context(), "aud", e1.ID, quarantine.ReleaseOptions{By: reviewer},
				func(context.Context, string, []string, []byte) error { return nil }); err != nil {
				t.Fatal(err)
			}
			if err := s.Delete(t.Context(), "aud", e2.ID, reviewer); err != nil {
				t.Fatal(err)
			}
			if err := s.Audit(t.Context(), "aud", quarantine.AuditEntry{Who: "dsl", From: "test", Action: quarantine.ActionExport}); err != nil {
				t.Fatal(err)
			}
			log, err := s.AuditLog(t.Context(), "aud", 0)
			if err != nil {
				t.Fatal(err)
			}
			var actions []string
			for _, a := range log {
				actions = append(actions, a.Action)
				if a.Who != "dsl" || a.When.IsZero() || a.From != "test" {
					t.Errorf("audit entry %+v lacks who, when or from", a)
				}
			}
			want := []string{"view", "incident", "release", "delete", "export"}
			if !slices.Equal(actions, want) {
				t.Errorf("audit actions = %v, want %v", actions, want)
			}
		}},
		{"RetentionExpiry", func(t *testing.T, s *quarantine.Store) {
			short := quarantine.New(rdb, quarantine.Options{Prefix: "exp" + fmt.Sprint(prefixes.Add(1)), Retention: time.Hour,
				SeverityRetention: map[scanners.Severity]time.Duration{scanners.Medium: 150 * time.Millisecond}})
			e := put(t, short, "ret", "a@example.com")
			if d := short.RetentionFor("ret", scanners.Critical); d != time.Hour {
				t.Errorf("RetentionFor(critical) = %v, want 1h", d)
			}
			eventually(t, "entry to expire", func() bool {
				_, _, err := short.Get(t.Context(), "ret", e.ID)
				return errors.Is(err, quarantine.ErrNotFound)
			})
			n, err := short.Sweep(t.Context(), "ret")
			if err != nil || n != 1 {
				t.Fatalf("Sweep = %d, %v; want 1", n, err)
			}
			log, _ := short.AuditLog(t.Context(), "ret", 0)
			if len(log) != 1 || log[0].Action != quarantine.ActionExpire || log[0].ID != e.ID {
				t.Errorf("audit after expiry = %+v", log)
			}
		}},
		{"SearchFilters", func(t *testing.T, s *quarantine.Store) {
			base := time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)
			var ids []string
			for i := range 30 {
				e := quarantinetest.NewEntry("srch", base.Add(time.Duration(i)*time.Minute), fmt.Sprintf("r%d@example.com", i))
				e.Subject = fmt.Sprintf("subject %d", i)
				if i%3 == 0 {
					e.Subject = "Bullying report"
					e.Findings[0].Severity = scanners.High
				}
				if _, err := s.Put(t.Context(), e, quarantinetest.Message(fmt.Sprint(i))); err != nil {
					t.Fatal(err)
				}
				ids = append(ids, e.ID)
			}
			cases := []struct {
				name string
				q    quarantine.Query
				want int
			}{
				{"all", quarantine.Query{}, 30},
				{"text", quarantine.Query{Text: "bullying REPORT"}, 10},
				{"severity", quarantine.Query{MinSeverity: scanners.High}, 10},
				{"recipient", quarantine.Query{Recipient: "r29@"}, 1},
				{"sender", quarantine.Query{Sender: "TEACHER@"}, 30},
				{"date range", quarantine.Query{Since: base.Add(10 * time.Minute), Until: base.Add(20 * time.Minute)}, 10},
				{"direction", quarantine.Query{Direction: scanners.Inbound}, 0},
				{"finding text", quarantine.Query{Text: "darn"}, 30},
				{"status+category", quarantine.Query{Status: "held", Category: "profanity"}, 30},
				{"whole recipient address (index)", quarantine.Query{Recipient: "R29@example.com"}, 1},
				{"whole address with text", quarantine.Query{Recipient: "r27@example.com", Text: "bullying"}, 1},
				{"whole address, other text", quarantine.Query{Recipient: "r28@example.com", Text: "bullying"}, 0},
				{"whole address, other status", quarantine.Query{Recipient: "r29@example.com", Status: "deleted"}, 0},
				{"whole address, category", quarantine.Query{Recipient: "r29@example.com", Category: "profanity"}, 1},
				{"whole address, other category", quarantine.Query{Recipient: "r29@example.com", Category: "spam"}, 0},
				{"unknown address", quarantine.Query{Recipient: "nobody@example.com"}, 0},
			}
			for _, tc := range cases {
				q := tc.q
				q.School, q.Limit = "srch", 4
				var got []string
				for {
					page, next, err := s.Search(t.Context(), q)
					if err != nil {
						t.Fatalf("%s: %v", tc.name, err)
					}
					for _, e := range page {
						got = append(got, e.ID)
					}
					if next == "" {
						break
					}
					q.Cursor = next
				}
				if len(got) != tc.want {
					t.Errorf("%s: %d results, want %d", tc.name, len(got), tc.want)
				}
				if tc.name == "all" {
					rev := slices.Clone(ids)
					slices.Reverse(rev)
					if !slices.Equal(got, rev) {
						t.Errorf("all: not newest first without duplicates")
					}
				}
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, newStore(t, rdb))
		})
	}
}

func put(t *testing.T, s *quarantine.Store, school, held string) *quarantine.Entry {
	t.Helper()
	e := quarantinetest.NewEntry(school, time.Now(), held)
	if _, err := s.Put(t.Context(), e, quarantinetest.Message(school+held)); err != nil {
		t.Fatal(err)
	}
	return e
}

// BenchmarkSearch100k lists and searches a school of 100,000 entries.
func BenchmarkSearch100k(b *testing.B) {
	rdb := redistest.Start(b).Client(b)
	s := newStore(b, rdb)
	base := time.Now().Add(-100_000 * time.Second)
	raw := quarantinetest.Message("bench")
	for i := range 100_000 {
		e := quarantinetest.NewEntry("big", base.Add(time.Duration(i)*time.Second), fmt.Sprintf("r%d@example.com", i))
		if i%1000 == 0 {
			e.Subject = "needle"
		}
		if _, err := s.Put(b.Context(), e, raw); err != nil {
			b.Fatal(err)
		}
	}
	cases := []struct {
		name string
		q    quarantine.Query
	}{
		{"NewestPage", quarantine.Query{School: "big", Limit: 50}},
		{"HeldPage", quarantine.Query{School: "big", Status: "held", Limit: 50}},
		{"FreeTextRare", quarantine.Query{School: "big", Text: "needle", Limit: 50}},
		{"RecipientOne", quarantine.Query{School: "big", Recipient: "r4242@", Limit: 50}},
		{"RecipientAddress", quarantine.Query{School: "big", Recipient: "r4242@example.com", Limit: 50}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := s.Search(b.Context(), tc.q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("ListNewestPage", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := s.List(b.Context(), quarantine.ListOptions{School: "big", Limit: 50}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
