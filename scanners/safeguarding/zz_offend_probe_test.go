package safeguarding

// THROWAWAY (h5/offend): not committed.

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/evaluate"
	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
)

func TestZZOffendProbe(t *testing.T) {
	fn := os.Getenv("OFFEND_PROBE")
	if fn == "" {
		t.Skip()
	}
	b, _ := os.ReadFile(fn)
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	lim := message.Limits{}.WithDefaults()
	n, hit := 0, 0
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		fs, _ := s.Scan(context.Background(), message.Parse(context.Background(), evaluate.PupilMail(line), lim), evaluate.PupilEnvelope())
		best := scanners.Severity(0)
		var ev []string
		for _, f := range fs {
			if strings.HasSuffix(f.Rule, "self_harm") && !f.HasTag(TagHyperbole) && f.Severity > best {
				best = f.Severity
			}
			for _, e := range f.Evidence {
				ev = append(ev, f.Rule+"/"+f.Severity.String()+":"+e.Text)
			}
		}
		n++
		if best >= scanners.Medium {
			hit++
		}
		t.Logf("%-6s %q %v", best, line, ev)
	}
	t.Logf("self_harm medium+: %d of %d", hit, n)
}
