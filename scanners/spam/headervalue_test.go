package spam

import (
	"fmt"
	"math"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/scanners"
)

// headerValueFmt is HeaderValue as first written with fmt, the reference
// for TestHeaderValueSameAsFmt.
func headerValueFmt(findings []scanners.Finding, t config.SpamThresholds) string {
	v := VerdictOf(findings, t)
	var b strings.Builder
	fmt.Fprintf(&b, "score=%.2f threshold=%g spam=%s", v.Score, v.Threshold, map[bool]string{true: "yes", false: "no"}[v.IsSpam])
	n := 0
	for _, f := range findings {
		if f.Scanner != Name || f.Rule == TotalRule || f.Score == 0 {
			continue
		}
		if n == 0 {
			b.WriteString(" reasons=")
		} else {
			b.WriteByte(',')
		}
		b.WriteString(f.Rule + "(" + strconv.FormatFloat(f.Score, 'g', 3, 64) + ")")
		n++
	}
	return b.String()
}

func TestHeaderValueSameAsFmt(t *testing.T) {
	scores := []float64{0, 1, -1.5, 2.5, 0.125, 6, 123.456, 1e21, -0.004, 1e-7, math.Copysign(0, -1)}
	thresholds := []config.SpamThresholds{
		{Tag: 5, Quarantine: 10, Reject: 20}, {Tag: 4.5}, {}, {Tag: 1000, Quarantine: 7.25}, {Tag: 1e-7},
	}
	for i := range scores {
		var fs []scanners.Finding
		for j, s := range scores[:i+1] {
			fs = append(fs, scanners.Finding{Scanner: Name, Rule: fmt.Sprintf("rule_%d", j), Score: s})
		}
		fs = append(fs, scanners.Finding{Scanner: "links", Rule: "other", Score: 3},
			scanners.Finding{Scanner: Name, Rule: TotalRule, Score: 9})
		for _, th := range thresholds {
			if got, want := HeaderValue(fs, th), headerValueFmt(fs, th); got != want {
				t.Errorf("HeaderValue(%d findings, %+v) = %q, want %q", len(fs), th, got, want)
			}
		}
	}
	if got, want := HeaderValue(nil, config.SpamThresholds{Tag: 5}), headerValueFmt(nil, config.SpamThresholds{Tag: 5}); got != want {
		t.Errorf("HeaderValue(nil) = %q, want %q", got, want)
	}
}

// TestTotalExplanationSameAsFmt: the total's explanation is what
// fmt.Sprintf gave.
func TestTotalExplanationSameAsFmt(t *testing.T) {
	for _, total := range []float64{0, 1, -1.5, 7.255, 123.456, 1e21, -0.004, math.Copysign(0, -1)} {
		for _, tag := range []float64{5, 4.5, 0, 1000, 1e-7, 1e21, 1234567} {
			for _, n := range []int{0, 1, 40} {
				if got, want := totalExplanation(total, n, tag), fmt.Sprintf("spam score %.2f from %d reasons (tag at %g)", total, n, tag); got != want {
					t.Errorf("totalExplanation(%v, %d, %v) = %q, want %q", total, n, tag, got, want)
				}
			}
		}
	}
}

// TestByWeightSameAsSliceStable: reasons sorted with byWeight come out in
// the order sort.SliceStable gave them, ties and NaN included.
func TestByWeightSameAsSliceStable(t *testing.T) {
	scores := []float64{1, -1, 2.5, 0, -2.5, 0.25, math.NaN(), 8, -0.25, 1, math.Inf(-1), 3, math.Copysign(0, -1), 2.5}
	for n := range len(scores) + 1 {
		for rot := range n + 1 {
			var a []Reason
			for i := range n {
				a = append(a, Reason{Rule: fmt.Sprint(i), Score: scores[(i+rot)%len(scores)]})
			}
			b := slices.Clone(a)
			sort.SliceStable(a, func(i, j int) bool { return math.Abs(a[i].Score) > math.Abs(a[j].Score) })
			slices.SortStableFunc(b, byWeight)
			for i := range a {
				if a[i].Rule != b[i].Rule {
					t.Fatalf("%d reasons, rotation %d: byWeight order %v, sort.SliceStable %v", n, rot, b, a)
				}
			}
		}
	}
}

// TestMayBeAddr: mayBeAddr is false only for strings netip.ParseAddr
// refuses.
func TestMayBeAddr(t *testing.T) {
	for _, s := range []string{"", "1.2.3.4", "192.0.2.300", "01.2.3.4", "1.2.3", "::1", "fe80::1%eth0", "%x", "a.b", "www.example.com",
		"1.2.3.4a", "a1.2.3.4", "example", "1.2.3.4:80", "::ffff:1.2.3.4", "1234", "2001:db8::", "1.2.3.4%x", "١.٢.٣.٤", "…"} {
		_, err := netip.ParseAddr(s)
		if !mayBeAddr(s) && err == nil {
			t.Errorf("mayBeAddr(%q) = false, but netip.ParseAddr accepts it", s)
		}
	}
}
