package directory

import (
	"slices"
	"testing"

	"github.com/lychgate/lychgate/config"
)

func TestLookup(t *testing.T) {
	t.Parallel()
	cfg := config.Default()
	cfg.Schools = []config.School{
		{ID: "a", Domains: []string{"a.sch.uk"}, Groups: map[string][]string{
			"staff":   {"*@staff.a.sch.uk", "head@a.sch.uk"},
			"pupils":  {"pupil*@a.sch.uk"},
			"parents": {"mum@example.com"},
			"leaders": {"HEAD@a.sch.uk"},
		}},
		{ID: "b", Domains: []string{"b.sch.uk"}},
	}
	d := New(cfg)
	cases := []struct {
		name       string
		addr       string
		wantSchool string
		wantGroups []string
	}{
		{"two groups, case-insensitive", "Head@A.sch.uk", "a", []string{"leaders", "staff"}},
		{"glob", "pupil42@a.sch.uk", "a", []string{"pupils"}},
		{"subdomain is not the school domain", "t@staff.a.sch.uk", "a", []string{"staff"}},
		{"outside parent", "mum@example.com", "a", []string{"parents"}},
		{"stranger", "x@example.com", "", nil},
		{"school without groups", "x@b.sch.uk", "b", nil},
		{"trailing dot", "pupil1@a.sch.uk.", "a", []string{"pupils"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, g := d.Lookup(tc.addr)
			if s != tc.wantSchool || !slices.Equal(g, tc.wantGroups) {
				t.Errorf("Lookup(%q) = %q %v, want %q %v", tc.addr, s, g, tc.wantSchool, tc.wantGroups)
			}
		})
	}
}
