package evaluate_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/lychgate/lychgate/evaluate"
	"github.com/lychgate/lychgate/internal/realdata"
	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/classify"
	"github.com/lychgate/lychgate/scanners/profanity"
	"github.com/lychgate/lychgate/scanners/safeguarding"
)

// shared finds the shared data folder beside the checkout: ../shared from
// the repository root of a main checkout, ../../shared from a worktree.
func shared(t *testing.T) string {
	t.Helper()
	for _, d := range []string{"../../shared", "../../../shared"} {
		if _, err := os.Stat(d + "/data"); err == nil {
			return d
		}
	}
	t.Skip("labelled real texts ../shared/data absent (they live outside the repository)")
	return ""
}

func TestPupilMailParses(t *testing.T) {
	t.Parallel()
	m := message.Parse(evaluate.PupilMail("line one\nI want to kill myself\r\n"), message.Limits{}.WithDefaults())
	if len(m.Texts) != 1 || m.Texts[0].Content == "" {
		t.Fatalf("PupilMail: texts = %+v, want one text part", m.Texts)
	}
	sg, err := safeguarding.New(safeguarding.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := sg.Scan(t.Context(), m, evaluate.PupilEnvelope())
	if err != nil {
		t.Fatal(err)
	}
	if !evaluate.Flags(fs, realdata.SelfHarm, scanners.Medium) {
		t.Fatalf("Flags(%v, self_harm, medium) = false, want true", fs)
	}
	if evaluate.Flags(fs, realdata.Bullying, scanners.Low) {
		t.Fatalf("Flags(%v, bullying, low) = true, want false", fs)
	}
}

// TestRealText runs the real scanners over the validation splits of the
// labelled sets in ../shared/data and logs the table (go test -v -run
// TestRealText ./evaluate). It skips when the data is absent.
func TestRealText(t *testing.T) {
	t.Parallel()
	dir := shared(t)
	if testing.Short() {
		t.Skip("scans a few thousand texts")
	}
	lim := message.Limits{}.WithDefaults()
	c, err := classify.New(classify.Options{})
	if err != nil {
		t.Fatal(err)
	}
	adult := &scanners.Envelope{From: "a@example.com", Recipients: []scanners.Recipient{{Addr: "b@school.test", Direction: scanners.Inbound, School: "school"}}}
	for _, run := range []struct {
		name string
		list []scanners.Scanner
		env  *scanners.Envelope
	}{
		{"profanity + safeguarding", contentScanners(t), nil},
		{"profanity + safeguarding + classifier", append(contentScanners(t), c), nil},
		{"profanity + safeguarding + classifier, as adult mail (no pupil weighting)", append(contentScanners(t), c), adult},
	} {
		r, err := evaluate.RealText(t.Context(), evaluate.RealOptions{
			Scanners: run.list, DataDir: dir + "/data", HamDir: dir + "/corpus/spamassassin/ham", Envelope: run.env,
			Parse: func(b []byte) *message.Message { return message.Parse(b, lim) },
		})
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := r.Write(&b, false); err != nil {
			t.Fatal(err)
		}
		t.Logf("\n%s: %s", run.name, b.String())
		if r.Cells["all"][realdata.SelfHarm] == nil || r.Cells["all"][realdata.Bullying] == nil {
			t.Fatalf("RealText: no self_harm or bullying cell in %v", r.Cells["all"])
		}
	}
}

func contentScanners(t *testing.T) []scanners.Scanner {
	t.Helper()
	p, err := profanity.New(profanity.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sg, err := safeguarding.New(safeguarding.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return []scanners.Scanner{p, sg}
}
