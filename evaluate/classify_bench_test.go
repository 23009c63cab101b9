package evaluate_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/classify"
	"github.com/lychgate/lychgate/textnorm"
)

// realCorpus parses up to n ham messages from ../shared beside a main
// checkout or a worktree (skips when absent).
func realCorpus(b *testing.B, n int) ([]*message.Message, int64) {
	b.Helper()
	var files []string
	for _, d := range []string{"../../shared", "../../../shared"} {
		if files, _ = filepath.Glob(filepath.Join(d, "corpus/spamassassin/ham/*")); len(files) > 0 {
			break
		}
	}
	if len(files) == 0 {
		b.Skip("ham corpus ../shared/corpus/spamassassin/ham not present")
	}
	var ms []*message.Message
	var size int64
	lim := message.Limits{}.WithDefaults()
	for _, f := range files[:min(n, len(files))] {
		raw, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		m := message.Parse(context.Background(), raw, lim)
		for _, t := range m.Texts {
			size += int64(len(t.Content))
		}
		size += int64(len(m.Subject))
		ms = append(ms, m)
	}
	return ms, size
}

func benchReal(b *testing.B, sc []scanners.Scanner) {
	ms, size := realCorpus(b, 1000)
	ctx := context.Background()
	env := &scanners.Envelope{}
	b.SetBytes(size)
	b.ReportAllocs()
	defer startCPU(b, size).stop()
	for b.Loop() {
		for _, m := range ms {
			for _, s := range sc {
				if _, err := s.Scan(ctx, m, env); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
}

func withClassifier(b *testing.B) []scanners.Scanner {
	b.Helper()
	c, err := classify.New(classify.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return append(allScanners(b)[:2], c)
}

// BenchmarkClassifier is the classifier scanner alone on ham text.
func BenchmarkClassifier(b *testing.B) { benchReal(b, withClassifier(b)[2:]) }

// BenchmarkContentReal is profanity and safeguarding on ham text.
func BenchmarkContentReal(b *testing.B) { benchReal(b, withClassifier(b)[:2]) }

// BenchmarkContentWithClassifier is the three content scanners together,
// each reading the message itself (the slowest arrangement).
func BenchmarkContentWithClassifier(b *testing.B) { benchReal(b, withClassifier(b)) }

// BenchmarkContentPipeline is the three content scanners as the relay's
// pipeline runs them: each message normalised once (textnorm.Text),
// profanity and safeguarding reading it through one textnorm.Group
// (scanners/all), and the classifier reading the message.
func BenchmarkContentPipeline(b *testing.B) {
	ms, size := realCorpus(b, 1000)
	shared := groupedScanners(b)
	c := withClassifier(b)[2]
	ctx := context.Background()
	env := &scanners.Envelope{}
	var text textnorm.Text
	b.SetBytes(size)
	b.ReportAllocs()
	defer startCPU(b, size).stop()
	for b.Loop() {
		for _, m := range ms {
			text.Reset(m)
			for _, s := range shared {
				if _, err := s.(textScanner).ScanText(ctx, &text, env); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := c.Scan(ctx, m, env); err != nil {
				b.Fatal(err)
			}
		}
	}
}
