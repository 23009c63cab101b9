package spam

import (
	"fmt"
	"math"
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
