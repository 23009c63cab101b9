package quarantine_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lychgate/lychgate/internal/testutil/redistest"
	"github.com/lychgate/lychgate/quarantine"
)

// TestReview covers what the review UI needs beyond the lifecycle: an
// incident with category and notes (shown on reads, listed under the
// incident filter), reasons in the audit, audit search, "send me a copy"
// (the entry stays held), not-a-problem, counts, trend and the review
// queue.
func TestReview(t *testing.T) {
	t.Parallel()
	rdb := redistest.Start(t).Client(t)
	s := newStore(t, rdb)
	ctx := t.Context()
	a := put(t, s, "rev", "pupil1@school.example")
	b := put(t, s, "rev", "pupil2@school.example")
	why := quarantine.Actor{Who: "dsl1", From: "192.0.2.1", Reason: "threats to a pupil"}

	t.Run("incident", func(t *testing.T) {
		if err := s.RecordIncident(ctx, "rev", a.ID, quarantine.Incident{By: why, Category: "bullying", Notes: "spoke to the head of year"}); err != nil {
			t.Fatal(err)
		}
		e, _, err := s.Get(ctx, "rev", a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !e.Incident || e.IncidentCategory != "bullying" || e.IncidentNotes != "spoke to the head of year" {
			t.Errorf("Get after RecordIncident = incident %v %q %q", e.Incident, e.IncidentCategory, e.IncidentNotes)
		}
		got, _, err := s.Search(ctx, quarantine.Query{School: "rev", Status: quarantine.StatusIncident})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != a.ID || got[0].IncidentCategory != "bullying" {
			t.Errorf("Search(status incident) = %+v, want only %s with its category", got, a.ID)
		}
		if err := s.RecordIncident(ctx, "rev", "nosuchid", quarantine.Incident{By: why}); !errors.Is(err, quarantine.ErrNotFound) {
			t.Errorf("RecordIncident(missing) = %v, want ErrNotFound", err)
		}
	})

	t.Run("copy keeps it held", func(t *testing.T) {
		var gotFrom string
		var gotTo []string
		var gotMsg []byte
		deliver := func(_ context.Context, from string, to []string, raw []byte) error {
			gotFrom, gotTo, gotMsg = from, to, raw
			return nil
		}
		err := s.Copy(ctx, "rev", b.ID, quarantine.CopyOptions{By: why, To: []string{"dsl@school.example"}, From: "lychgate@school.example"}, deliver)
		if err != nil {
			t.Fatal(err)
		}
		if gotFrom != "lychgate@school.example" || !slices.Equal(gotTo, []string{"dsl@school.example"}) {
			t.Errorf("copy envelope %s -> %v", gotFrom, gotTo)
		}
		if !bytes.Contains(gotMsg, []byte("Content-Type: message/rfc822")) || !bytes.Contains(gotMsg, quarantinetestMessage("rev", "pupil2@school.example")) {
			t.Errorf("copy does not carry the original as message/rfc822:\n%s", gotMsg)
		}
		e, raw, err := s.Get(ctx, "rev", b.ID)
		if err != nil || e.Status != quarantine.StatusHeld || raw == nil {
			t.Errorf("after copy: %v status %q body %v, want still held with its body", err, e.Status, raw != nil)
		}
	})

	t.Run("not a problem", func(t *testing.T) {
		if err := s.NotAProblem(ctx, "rev", b.ID, why); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("delete reason", func(t *testing.T) {
		if err := s.Delete(ctx, "rev", b.ID, quarantine.Actor{Who: "dsl2", From: "cli", Reason: "spam"}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("audit search", func(t *testing.T) {
		all, err := s.AuditSearch(ctx, quarantine.AuditQuery{School: "rev"})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, r := range all {
			actions = append(actions, r.Action)
		}
		want := []string{quarantine.ActionDelete, quarantine.ActionNotAProblem, quarantine.ActionCopy, quarantine.ActionIncident}
		if !slices.Equal(actions, want) {
			t.Errorf("AuditSearch actions (newest first) = %v, want %v", actions, want)
		}
		if all[0].Reason != "spam" || all[3].Reason != "threats to a pupil" || !strings.Contains(all[3].Detail, "bullying") {
			t.Errorf("reasons/details = %q %q %q", all[0].Reason, all[3].Reason, all[3].Detail)
		}
		for _, tc := range []struct {
			name string
			q    quarantine.AuditQuery
			want int
		}{
			{"by user", quarantine.AuditQuery{School: "rev", Who: "DSL1"}, 3},
			{"by action", quarantine.AuditQuery{School: "rev", Action: quarantine.ActionCopy}, 1},
			{"by id", quarantine.AuditQuery{School: "rev", ID: a.ID}, 1},
			{"future", quarantine.AuditQuery{School: "rev", Since: time.Now().Add(time.Hour)}, 0},
			{"past", quarantine.AuditQuery{School: "rev", Until: time.Now().Add(-time.Hour)}, 0},
			{"limit", quarantine.AuditQuery{School: "rev", Limit: 2}, 2},
		} {
			got, err := s.AuditSearch(ctx, tc.q)
			if err != nil || len(got) != tc.want {
				t.Errorf("%s: AuditSearch(%+v) = %d records, %v; want %d", tc.name, tc.q, len(got), err, tc.want)
			}
		}
	})

	t.Run("counts trend queue", func(t *testing.T) {
		c, err := s.Counts(ctx, "rev", []string{"profanity", "spam"})
		if err != nil {
			t.Fatal(err)
		}
		if c.Status["held"] != 1 || c.Status["deleted"] != 1 || c.Status["incident"] != 1 || c.Category["profanity"] != 2 || c.Category["spam"] != 0 {
			t.Errorf("Counts = %+v", c)
		}
		tr, err := s.Trend(ctx, "rev", time.Now(), 30)
		if err != nil || len(tr) != 30 || tr[29] != 2 {
			t.Errorf("Trend = %v, %v; want 30 days ending with 2", tr, err)
		}
		q, err := s.OldestHeld(ctx, "rev", 10)
		if err != nil || len(q) != 1 || q[0].ID != a.ID {
			t.Errorf("OldestHeld = %+v, %v; want %s", q, err, a.ID)
		}
	})
}

func quarantinetestMessage(school, held string) []byte {
	// put() stores quarantinetest.Message(school+held).
	return []byte("Subject: " + school + held + "\r\n")
}
