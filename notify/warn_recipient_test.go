package notify_test

import (
	"fmt"
	"testing"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/policy"
	"github.com/lychgate/lychgate/scanners"
)

// TestWarnOnlySchoolStaff: a warning bounce goes to the sender only when
// the sender is in the staff group of a school and writes from one of that
// school's domains. Group membership alone (a staff export or a glob that
// lists a webmail address, a parent in the directory) never makes an
// outside address a bounce target, whatever the decisions ask for.
func TestWarnOnlySchoolStaff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		from      string
		school    string
		groups    []string
		direction scanners.Direction
		wantWarn  bool
	}{
		{"staff on the school domain", "teacher@school.test", "st", []string{"staff"}, scanners.Outbound, true},
		{"staff, internal mail", "teacher@school.test", "st", []string{"staff"}, scanners.Internal, true},
		{"staff-group address on webmail", "jane.smith84@gmail.example", "st", []string{"staff"}, scanners.Outbound, false},
		{"staff of st writing from another school's domain", "teacher@other.test", "st", []string{"staff"}, scanners.Outbound, false},
		{"staff-group address on an undeclared subdomain", "teacher@staff.school.test", "st", []string{"staff"}, scanners.Outbound, false},
		{"parent in the directory, inbound", "sarah@gmail.example", "st", []string{"parents"}, scanners.Inbound, false},
		{"parent in the directory, relayed outbound", "sarah@gmail.example", "st", []string{"parents"}, scanners.Outbound, false},
		{"staff personal account, inbound", "jane.smith84@gmail.example", "", nil, scanners.Inbound, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			e.cfg.Schools = append(e.cfg.Schools, config.School{ID: "other", Domains: []string{"other.test"}, DSL: []string{"dsl@other.test"}})
			ev := event("w-"+tc.name, tc.from, tc.groups, scanners.Medium, policy.Deliver, "")
			env := ev.Verdict.Envelope
			env.SenderSchool = tc.school
			env.Recipients[0].Direction = tc.direction
			ev.Verdict.Decisions[0].Direction = tc.direction
			if tc.direction != scanners.Outbound {
				env.Recipients[0].Addr = "jane.smith@school.test"
				ev.Verdict.Decisions[0].Recipient = "jane.smith@school.test"
			}
			if err := e.n.Notify(t.Context(), ev); err != nil {
				t.Fatal(err)
			}
			entries, err := e.rdb.Client(t).XRange(t.Context(), e.ob.Stream(), "-", "+").Result()
			if err != nil {
				t.Fatal(err)
			}
			var warned []string
			for _, m := range entries {
				if m.Values["kind"] == "warning" {
					warned = append(warned, fmt.Sprint(m.Values["to"]))
				}
			}
			switch {
			case tc.wantWarn && (len(warned) != 1 || warned[0] != tc.from):
				t.Errorf("Notify(%s) queued warnings to %q, want one to %s", tc.from, warned, tc.from)
			case !tc.wantWarn && len(warned) != 0:
				t.Errorf("Notify(%s) queued warnings to %q, want none", tc.from, warned)
			}
		})
	}
}
