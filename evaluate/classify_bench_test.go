package evaluate_test

import (
	"context"
	"testing"

	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/classify"
	"github.com/lychgate/lychgate/textnorm"
)

func benchReal(b *testing.B, sc []scanners.Scanner) {
	ms, size := corpusMessages(b, 1000)
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
	ms, size := corpusMessages(b, 1000)
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
