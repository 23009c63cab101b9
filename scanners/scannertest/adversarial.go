package scannertest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
)

// The bounds Adversarial holds every scanner to.
const (
	// CaseBudget is the context deadline of one adversarial case: far more
	// than a linear scanner needs, far less than a quadratic one takes.
	CaseBudget = 60 * time.Second
	// CancelGrace is how long a scanner may take to return once its
	// context is cancelled in the middle of a scan.
	CancelGrace = 2 * time.Second
	// MaxFindings is the most findings one scan may return.
	MaxFindings = 200
	// MaxEvidence is the most evidence items one finding may carry.
	MaxEvidence = 100
)

// Sizes of the adversarial messages.
const (
	hugeLine    = 4 << 20 // bytes on one line
	repeatBytes = 1 << 20 // bytes of one repeated match
	manyParts   = 10000
	deepNesting = 200
)

// Limits are the parse limits of the adversarial messages: loose enough
// that the scanner, not the parser, meets the whole of each.
var Limits = message.Limits{MaxParts: 2 * manyParts, MaxTextBytes: 2 * hugeLine, MaxHeaderBytes: 1 << 20}

// Repeated returns a message whose body is match repeated, space
// separated, to about size bytes, wrapped into lines of about 76 bytes
// unless oneLine.
func Repeated(match string, size int, oneLine bool) []byte {
	var b strings.Builder
	b.Grow(size + 1024)
	b.WriteString("From: sender@example.test\r\nTo: rcpt@example.test\r\nSubject: adversarial\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	line := 0
	for b.Len() < size {
		b.WriteString(match)
		line += len(match) + 1
		if !oneLine && line >= 76 {
			b.WriteString("\r\n")
			line = 0
		} else {
			b.WriteByte(' ')
		}
	}
	b.WriteString("\r\n")
	return []byte(b.String())
}

// hugeLineMessage is 4 MB of ordinary words on one line, with match every
// few kilobytes.
func hugeLineMessage(match string) []byte {
	var b strings.Builder
	b.Grow(hugeLine + 1024)
	b.WriteString("From: sender@example.test\r\nTo: rcpt@example.test\r\nSubject: one line\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	for i := 0; b.Len() < hugeLine; i++ {
		if i%500 == 0 {
			b.WriteString(match + " ")
		}
		b.WriteString("lorem ipsum ")
	}
	b.WriteString("\r\n")
	return []byte(b.String())
}

// manyPartsMessage is a multipart with 10,000 text parts, each with match.
func manyPartsMessage(match string) []byte {
	var b strings.Builder
	b.WriteString("From: sender@example.test\r\nTo: rcpt@example.test\r\nSubject: many parts\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n")
	for i := range manyParts {
		fmt.Fprintf(&b, "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\npart %d %s\r\n", i, match)
	}
	b.WriteString("--b--\r\n")
	return []byte(b.String())
}

// deepMessage nests multiparts 200 levels deep (beyond any sane limit),
// each level with a text part holding match.
func deepMessage(match string) []byte {
	var b strings.Builder
	b.WriteString("From: sender@example.test\r\nTo: rcpt@example.test\r\nSubject: deep\r\nMIME-Version: 1.0\r\n")
	for i := range deepNesting {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n--b%d\r\nContent-Type: text/plain\r\n\r\nlevel %d %s\r\n--b%d\r\n", i, i, i, match, i)
	}
	b.WriteString("Content-Type: text/plain\r\n\r\nbottom\r\n")
	for i := deepNesting - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\r\n", i)
	}
	return []byte(b.String())
}

// Adversarial runs s over hostile messages built around match, a text s
// reports (a word on its list, say; "" when it reports nothing from text):
// a 4 MB line without a line break, 1 MB of match repeated, 10,000 parts,
// multiparts nested 200 deep, and a scan whose context is cancelled while
// it runs. Each case must finish within CaseBudget with well-formed
// findings, at most MaxFindings of them with at most MaxEvidence items
// each; the 1 MB repetition must score no more than 64 KB of it (scores
// saturate); and a cancelled scan must return within CancelGrace.
//
// It checks what a scanner does with the messages, not how fast: speed
// belongs in benchmarks (see Repeated).
func Adversarial(t *testing.T, s scanners.Scanner, env *scanners.Envelope, match string) {
	t.Helper()
	word := match
	if word == "" {
		word = "hello"
	}
	cases := []struct {
		name string
		raw  func() []byte
	}{
		{"huge single line", func() []byte { return hugeLineMessage(word) }},
		{"1 MB of one repeated match", func() []byte { return Repeated(word, repeatBytes, false) }},
		{"10000 parts", func() []byte { return manyPartsMessage(word) }},
		{"deep nesting", func() []byte { return deepMessage(word) }},
	}
	scores := map[string]float64{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := message.Parse(t.Context(), tc.raw(), Limits)
			scores[tc.name] = scanBounded(t, s, m, env)
		})
	}
	t.Run("score saturates", func(t *testing.T) {
		m := message.Parse(t.Context(), Repeated(word, 64<<10, false), Limits)
		small := scanBounded(t, s, m, env)
		if big, ok := scores["1 MB of one repeated match"]; ok && big > small+1e-9 {
			t.Errorf("score of 1 MB of %q = %v, of 64 KB = %v: want no growth with repetition", word, big, small)
		}
	})
	t.Run("cancelled mid-scan", func(t *testing.T) {
		m := message.Parse(t.Context(), Repeated(word, hugeLine, true), Limits)
		parent, cancel := context.WithCancel(t.Context())
		defer cancel()
		// Cancelled right after the scanner's first look at it (so the scan
		// is under way), or after a moment for scanners that only watch
		// Done.
		ctx := &cancelOnCheck{Context: parent, cancel: cancel}
		stop := time.AfterFunc(10*time.Millisecond, cancel)
		defer stop.Stop()
		done := make(chan error, 1)
		go func() {
			_, err := s.Scan(ctx, m, env)
			done <- err
		}()
		<-parent.Done()
		select {
		case err := <-done:
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("Scan after cancel = %v, want nil or context.Canceled", err)
			}
		case <-time.After(CancelGrace):
			t.Errorf("Scan did not return within %v of its context being cancelled", CancelGrace)
			<-done // do not leak the scan into the next test
		}
	})
}

// cancelOnCheck is a context that is cancelled just after the first call
// of its Err method, which reports it still live.
type cancelOnCheck struct {
	context.Context
	cancel context.CancelFunc
	calls  atomic.Int32
}

func (c *cancelOnCheck) Err() error {
	if c.calls.Add(1) == 1 {
		defer c.cancel()
		return nil
	}
	return c.Context.Err()
}

// scanBounded scans m under CaseBudget, checks the findings and returns
// their total score.
func scanBounded(t *testing.T, s scanners.Scanner, m *message.Message, env *scanners.Envelope) float64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), CaseBudget)
	defer cancel()
	fs, err := s.Scan(ctx, m, env)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Scan did not finish within its budget of %v", CaseBudget)
		}
		t.Fatalf("Scan = %v", err)
	}
	if len(fs) > MaxFindings {
		t.Errorf("Scan returned %d findings, want at most %d", len(fs), MaxFindings)
	}
	total := 0.0
	for _, f := range fs {
		if len(f.Evidence) > MaxEvidence {
			t.Errorf("finding %s/%s has %d evidence items, want at most %d", f.Scanner, f.Rule, len(f.Evidence), MaxEvidence)
		}
		if math.IsNaN(f.Score) || math.IsInf(f.Score, 0) || f.Score < 0 {
			t.Errorf("finding %s/%s: score %v", f.Scanner, f.Rule, f.Score)
		}
		CheckFinding(t, m, f)
		total += f.Score
	}
	return total
}
