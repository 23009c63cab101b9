// Package quarantinetest holds the conformance suite every quarantine store
// must pass (STYLE.md §8). It owns nothing else; it lives outside package
// quarantine so that the production binary does not import testing.
package quarantinetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/lychgate/lychgate/policy"
	"github.com/lychgate/lychgate/quarantine"
	"github.com/lychgate/lychgate/scanners"
)

// TestStore runs the conformance suite. newStore must return an empty store
// (its own key prefix on a shared Redis is enough) each time it is called.
// The subtests run in parallel.
func TestStore(t *testing.T, newStore func(t *testing.T) *quarantine.Store) {
	t.Helper()
	tests := []struct {
		name string
		run  func(*testing.T, *quarantine.Store)
	}{
		{"RoundTrip", testRoundTrip},
		{"IdempotentPut", testIdempotentPut},
		{"IDDependsOnHeldAndSchool", testIDs},
		{"GetNotFound", testNotFound},
		{"Find", testFind},
		{"ListNewestFirst", testListOrder},
		{"ListPagination", testListPagination},
		{"ListCategory", testListCategory},
		{"InvalidArguments", testInvalid},
		{"CancelledContext", testCancelled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, newStore(t))
		})
	}
}

// Message returns a small raw message with CRLF line ends and the given
// subject.
func Message(subject string) []byte {
	return []byte("From: teacher@school.example\r\nTo: parent@example.com\r\nSubject: " +
		subject + "\r\nMessage-ID: <" + subject + "@school.example>\r\n\r\nHello.\r\n")
}

// NewEntry returns an entry with the fields the relay fills in.
func NewEntry(school string, received time.Time, held ...string) *quarantine.Entry {
	return &quarantine.Entry{
		School:     school,
		Direction:  scanners.Outbound,
		From:       "teacher@school.example",
		Recipients: append([]string{"other@example.com"}, held...),
		Held:       held,
		Subject:    "test",
		HeaderFrom: "Teacher <teacher@school.example>",
		MessageID:  "<test@school.example>",
		Received:   received,
		Findings: []scanners.Finding{{
			Scanner: "rules", Rule: "swear_words", Category: scanners.Profanity,
			Severity: scanners.Medium, Score: 3, Explanation: "profanity in body",
			Evidence: []scanners.Evidence{{Part: "1", Field: "body", Offset: 4, Length: 4, Text: "darn"}},
		}},
		Decisions: []policy.Decision{{
			Recipient: held[0], School: school, Direction: scanners.Outbound,
			Action: policy.Quarantine, NotifyDSL: true, Reasons: []string{"staff-profanity: rules/swear_words"}, Score: 3,
		}},
		RemoteIP: "192.0.2.10",
	}
}

func put(t *testing.T, s *quarantine.Store, e *quarantine.Entry, raw []byte) bool {
	t.Helper()
	created, err := s.Put(t.Context(), e, raw)
	if err != nil {
		t.Fatalf("Put(%s) error: %v", e.School, err)
	}
	return created
}

var t0 = time.Date(2025, 3, 14, 9, 26, 53, 589_000_000, time.UTC)

func testRoundTrip(t *testing.T, s *quarantine.Store) {
	random := make([]byte, 300<<10) // incompressible, larger than one flate block
	if _, err := rand.Read(random); err != nil {
		t.Fatal(err)
	}
	raws := []struct {
		name string
		raw  []byte
	}{
		{"crlf", Message("crlf")},
		{"binary", []byte("Subject: x\r\n\r\n\x00\x01\xff\xfe\r\r\n\n.\r\n..\r\n\x80end")},
		{"empty", []byte{}},
		{"large random", random},
		{"large repetitive", bytes.Repeat([]byte("line of text\r\n"), 100_000)},
	}
	for _, r := range raws {
		t.Run(r.name, func(t *testing.T) {
			e := NewEntry("rt-school", t0, "Parent@Example.com")
			if !put(t, s, e, r.raw) {
				t.Fatal("Put of a new entry: created = false, want true")
			}
			if e.ID != quarantine.ID(r.raw, "rt-school", e.Held) {
				t.Errorf("Put set ID %q, want ID() = %q", e.ID, quarantine.ID(r.raw, "rt-school", e.Held))
			}
			if e.Status != quarantine.StatusHeld || e.Size != len(r.raw) || len(e.Hash) != 64 {
				t.Errorf("Put filled Status %q, Size %d, Hash %q; want held, %d, sha256 hex", e.Status, e.Size, e.Hash, len(r.raw))
			}
			if !slices.Equal(e.Categories, []string{"profanity"}) || e.MaxSeverity != scanners.Medium {
				t.Errorf("Put filled Categories %v, MaxSeverity %v; want [profanity], medium", e.Categories, e.MaxSeverity)
			}
			got, raw, err := s.Get(t.Context(), "rt-school", e.ID)
			if err != nil {
				t.Fatalf("Get(%s): %v", e.ID, err)
			}
			if !bytes.Equal(raw, r.raw) {
				t.Errorf("Get(%s) raw differs: %d bytes, want %d", e.ID, len(raw), len(r.raw))
			}
			if diff := entryDiff(got, e); diff != "" {
				t.Errorf("Get(%s) entry differs: %s", e.ID, diff)
			}
		})
	}
}

func testIdempotentPut(t *testing.T, s *quarantine.Store) {
	raw := Message("retry")
	first := NewEntry("idem", t0, "a@example.com", "b@example.com")
	if !put(t, s, first, raw) {
		t.Fatal("first Put: created = false, want true")
	}
	// The retry: same message, same held recipients in another order and
	// case, received later, with different findings.
	retry := NewEntry("idem", t0.Add(time.Minute), "B@example.com", "a@EXAMPLE.com")
	retry.Subject = "changed"
	if put(t, s, retry, raw) {
		t.Fatal("second Put of the same message: created = true, want false")
	}
	if retry.ID != first.ID {
		t.Fatalf("retry ID = %q, want %q", retry.ID, first.ID)
	}
	got, _, err := s.Get(t.Context(), "idem", first.ID)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if got.Subject != first.Subject || !got.Received.Equal(first.Received) {
		t.Errorf("after retry, entry has Subject %q, Received %v; want the first Put's %q, %v",
			got.Subject, got.Received, first.Subject, first.Received)
	}
	entries, next, err := s.List(t.Context(), quarantine.ListOptions{School: "idem"})
	if err != nil || len(entries) != 1 || next != "" {
		t.Fatalf("List after retry = %d entries, next %q, err %v; want 1, \"\", nil", len(entries), next, err)
	}
}

func testIDs(t *testing.T, s *quarantine.Store) {
	raw := Message("ids")
	a := NewEntry("ids", t0, "a@example.com")
	b := NewEntry("ids", t0, "b@example.com")
	ab := NewEntry("ids", t0, "a@example.com", "b@example.com")
	other := NewEntry("ids-other", t0, "a@example.com")
	for _, e := range []*quarantine.Entry{a, b, ab, other} {
		if !put(t, s, e, raw) {
			t.Errorf("Put(%s, held %v): created = false, want true", e.School, e.Held)
		}
	}
	ids := []string{a.ID, b.ID, ab.ID, other.ID}
	if len(slices.Compact(slices.Sorted(slices.Values(ids)))) != len(ids) {
		t.Errorf("IDs for different held recipients or schools collide: %v", ids)
	}
	for _, id := range ids {
		if len(id) != 24 {
			t.Errorf("ID %q has %d characters, want 24", id, len(id))
		}
	}
	if x, y := quarantine.ID(raw, "s", []string{"A@x", "b@x", "a@x"}), quarantine.ID(raw, "s", []string{"b@X", "a@x"}); x != y {
		t.Errorf("ID ignores order, case and duplicates: %q != %q", x, y)
	}
	if x, y := quarantine.ID(raw, "s", []string{"a@x"}), quarantine.ID(append(raw, ' '), "s", []string{"a@x"}); x == y {
		t.Errorf("ID of different content is the same: %q", x)
	}
}

func testNotFound(t *testing.T, s *quarantine.Store) {
	_, _, err := s.Get(t.Context(), "nf", "0123456789abcdef01234567")
	if !errors.Is(err, quarantine.ErrNotFound) {
		t.Errorf("Get(absent) error = %v, want ErrNotFound", err)
	}
	_, _, err = s.Find(t.Context(), nil, "0123456789abcdef01234567")
	if !errors.Is(err, quarantine.ErrNotFound) {
		t.Errorf("Find(no schools) error = %v, want ErrNotFound", err)
	}
}

func testFind(t *testing.T, s *quarantine.Store) {
	raw := Message("find")
	e := NewEntry("find-b", t0, "a@example.com")
	put(t, s, e, raw)
	got, gotRaw, err := s.Find(t.Context(), []string{"find-a", "find-b", "find-c"}, e.ID)
	if err != nil {
		t.Fatalf("Find: %v", err)
	}
	if got.School != "find-b" || !bytes.Equal(gotRaw, raw) {
		t.Errorf("Find = school %q, %d bytes; want find-b, %d", got.School, len(gotRaw), len(raw))
	}
	if _, _, err := s.Find(t.Context(), []string{"find-a", "find-c"}, e.ID); !errors.Is(err, quarantine.ErrNotFound) {
		t.Errorf("Find in other schools error = %v, want ErrNotFound", err)
	}
}

// putMany puts n entries one second apart, the newest last, and returns
// their ids newest first.
func putMany(t *testing.T, s *quarantine.Store, school string, n int, mutate func(i int, e *quarantine.Entry)) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range n {
		e := NewEntry(school, t0.Add(time.Duration(i)*time.Second), fmt.Sprintf("r%d@example.com", i))
		if mutate != nil {
			mutate(i, e)
		}
		put(t, s, e, Message(fmt.Sprintf("m%d", i)))
		ids[n-1-i] = e.ID
	}
	return ids
}

func listAll(t *testing.T, s *quarantine.Store, o quarantine.ListOptions) (ids []string, pages int) {
	t.Helper()
	for {
		entries, next, err := s.List(t.Context(), o)
		if err != nil {
			t.Fatalf("List(%+v): %v", o, err)
		}
		pages++
		for _, e := range entries {
			ids = append(ids, e.ID)
		}
		if next == "" {
			return ids, pages
		}
		if pages > 1000 {
			t.Fatal("List does not end")
		}
		o.Cursor = next
	}
}

func testListOrder(t *testing.T, s *quarantine.Store) {
	want := putMany(t, s, "order", 5, nil)
	entries, next, err := s.List(t.Context(), quarantine.ListOptions{School: "order"})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if next != "" {
		t.Errorf("List of 5 with default limit: next = %q, want \"\"", next)
	}
	got := make([]string, len(entries))
	for i, e := range entries {
		got[i] = e.ID
	}
	if !slices.Equal(got, want) {
		t.Errorf("List = %v, want newest first %v", got, want)
	}
	if entries, _, err := s.List(t.Context(), quarantine.ListOptions{School: "order-empty"}); err != nil || len(entries) != 0 {
		t.Errorf("List(empty school) = %d entries, %v; want 0, nil", len(entries), err)
	}
}

func testListPagination(t *testing.T, s *quarantine.Store) {
	want := putMany(t, s, "pages", 7, nil)
	// Entries on the same millisecond are ordered and paged too.
	for i := range 5 {
		e := NewEntry("pages", t0.Add(-time.Hour), fmt.Sprintf("tie%d@example.com", i))
		put(t, s, e, Message("tie"))
	}
	for _, limit := range []int{1, 2, 3, 12, 13, 100} {
		t.Run(fmt.Sprint("limit ", limit), func(t *testing.T) {
			got, pages := listAll(t, s, quarantine.ListOptions{School: "pages", Limit: limit})
			if len(got) != 12 || len(slices.Compact(slices.Sorted(slices.Values(got)))) != 12 {
				t.Fatalf("List pages with limit %d: %d ids (%v), want 12 distinct", limit, len(got), got)
			}
			if !slices.Equal(got[:7], want) {
				t.Errorf("first 7 = %v, want %v", got[:7], want)
			}
			if wantPages := (12 + limit - 1) / limit; pages != wantPages {
				t.Errorf("pages with limit %d = %d, want %d", limit, pages, wantPages)
			}
		})
	}
	if _, _, err := s.List(t.Context(), quarantine.ListOptions{School: "pages", Cursor: "garbage"}); !errors.Is(err, quarantine.ErrInvalid) {
		t.Errorf("List(bad cursor) error = %v, want ErrInvalid", err)
	}
}

func testListCategory(t *testing.T, s *quarantine.Store) {
	ids := putMany(t, s, "cats", 6, func(i int, e *quarantine.Entry) {
		if i%2 == 1 {
			e.Findings[0].Category = scanners.Spam
		}
		if i == 4 {
			e.Findings = append(e.Findings, scanners.Finding{Scanner: "links", Rule: "bad_link", Category: scanners.Link, Severity: scanners.High})
		}
	})
	// ids is newest first: index 0 is i=5.
	tests := []struct {
		cat  string
		want []string
	}{
		{"spam", []string{ids[0], ids[2], ids[4]}},
		{"profanity", []string{ids[1], ids[3], ids[5]}},
		{"link", []string{ids[1]}},
		{"illegal", nil},
	}
	for _, tc := range tests {
		got, _ := listAll(t, s, quarantine.ListOptions{School: "cats", Category: tc.cat, Limit: 2})
		if !slices.Equal(got, tc.want) {
			t.Errorf("List(category %s) = %v, want %v", tc.cat, got, tc.want)
		}
	}
	e, _, err := s.Get(t.Context(), "cats", ids[1])
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if !slices.Equal(e.Categories, []string{"link", "profanity"}) || e.MaxSeverity != scanners.High {
		t.Errorf("entry with two findings: Categories %v, MaxSeverity %v; want [link profanity], high", e.Categories, e.MaxSeverity)
	}
}

func testInvalid(t *testing.T, s *quarantine.Store) {
	for _, school := range []string{"", "a{b", "a}b", "a:b", "a b"} {
		e := NewEntry(school, t0, "a@example.com")
		if _, err := s.Put(t.Context(), e, Message("x")); !errors.Is(err, quarantine.ErrInvalid) {
			t.Errorf("Put(school %q) error = %v, want ErrInvalid", school, err)
		}
		if _, _, err := s.Get(t.Context(), school, "abc"); !errors.Is(err, quarantine.ErrInvalid) {
			t.Errorf("Get(school %q) error = %v, want ErrInvalid", school, err)
		}
		if _, _, err := s.List(t.Context(), quarantine.ListOptions{School: school}); !errors.Is(err, quarantine.ErrInvalid) {
			t.Errorf("List(school %q) error = %v, want ErrInvalid", school, err)
		}
	}
	for _, id := range []string{"", "a:b", "{x}", "../x", "idx x"} {
		if _, _, err := s.Get(t.Context(), "inv", id); !errors.Is(err, quarantine.ErrInvalid) {
			t.Errorf("Get(id %q) error = %v, want ErrInvalid", id, err)
		}
	}
	e := NewEntry("inv", t0, "a@example.com")
	e.Hash = "0000"
	if _, err := s.Put(t.Context(), e, Message("x")); !errors.Is(err, quarantine.ErrInvalid) {
		t.Errorf("Put(wrong hash) error = %v, want ErrInvalid", err)
	}
}

func testCancelled(t *testing.T, s *quarantine.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	e := NewEntry("cancel", t0, "a@example.com")
	if created, err := s.Put(ctx, e, Message("c")); err == nil || created {
		t.Errorf("Put(cancelled ctx) = %v, %v; want false, error", created, err)
	}
	if _, _, err := s.Get(t.Context(), "cancel", e.ID); !errors.Is(err, quarantine.ErrNotFound) {
		t.Errorf("Get after cancelled Put error = %v, want ErrNotFound", err)
	}
}

// entryDiff compares the stored fields of two entries.
func entryDiff(got, want *quarantine.Entry) string {
	g, w := *got, *want
	if !g.Received.Equal(w.Received) {
		return fmt.Sprintf("Received %v, want %v", g.Received, w.Received)
	}
	g.Received, w.Received = time.Time{}, time.Time{}
	gs, ws := fmt.Sprintf("%+v", g), fmt.Sprintf("%+v", w)
	if gs != ws {
		return fmt.Sprintf("\n got %s\nwant %s", gs, ws)
	}
	return ""
}
