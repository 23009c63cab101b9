package main

import (
	"runtime/debug"
	"testing"
)

func TestVersionOf(t *testing.T) {
	t.Parallel()
	vcs := func(rev, at, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.time", Value: at}, {Key: "vcs.modified", Value: modified}}
	}
	for _, tc := range []struct {
		name     string
		version  string
		settings []debug.BuildSetting
		want     string
	}{
		{"tagged module", "v1.2.3", vcs("0123456789abcdef0123", "2026-12-01T09:00:00Z", "false"), "v1.2.3"},
		{"devel with stamp", "(devel)", vcs("0123456789abcdef0123", "2026-12-01T09:00:00Z", "false"), "devel-0123456789ab (2026-12-01)"},
		{"empty with stamp", "", vcs("0123456789abcdef0123", "2026-11-30T23:30:00-02:00", "false"), "devel-0123456789ab (2026-12-01)"},
		{"dirty tree", "(devel)", vcs("0123456789abcdef0123", "2026-12-01T09:00:00Z", "true"), "devel-0123456789ab-dirty (2026-12-01)"},
		{"short revision, no time", "(devel)", []debug.BuildSetting{{Key: "vcs.revision", Value: "abc"}}, "devel-abc"},
		{"no stamp (-buildvcs=false)", "(devel)", nil, "devel"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			bi := &debug.BuildInfo{Main: debug.Module{Path: "github.com/lychgate/lychgate", Version: tc.version}, Settings: tc.settings}
			if got := versionOf(bi); got != tc.want {
				t.Errorf("versionOf(%s) = %q, want %q", tc.name, got, tc.want)
			}
		})
	}
}
