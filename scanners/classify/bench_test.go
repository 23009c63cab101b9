package classify

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/textnorm"
)

// The benchmarks read the first 1000 messages of the ham corpus (as the
// evaluate package's classifier benchmarks do) and report, beside MB/s of
// wall time, MB per CPU-second of the process, which the other work on a
// shared machine disturbs less.

func benchMessages(b *testing.B) ([]*message.Message, []string, int64) {
	b.Helper()
	d := sharedDir("corpus/spamassassin/ham")
	files, _ := filepath.Glob(filepath.Join(d, "*"))
	if d == "" || len(files) == 0 {
		b.Skip("../shared/corpus/spamassassin/ham is absent: no corpus text to benchmark")
	}
	files = files[:min(len(files), 1000)]
	lim := message.Limits{}.WithDefaults()
	var ms []*message.Message
	var texts []string
	var size int64
	var fields []textnorm.Field
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		m := message.Parse(context.Background(), raw, lim)
		ms = append(ms, m)
		fields = textnorm.MessageFields(m, fields[:0])
		for _, f := range fields {
			if f.Name == "subject" || f.Name == "body" {
				texts = append(texts, f.Text)
				size += int64(len(f.Text))
			}
		}
	}
	return ms, texts, size
}

// cpuMetric reports MB/cpu-s when the benchmark ends.
func cpuMetric(b *testing.B, size int64) func() {
	start := processCPU()
	return func() {
		if d := processCPU() - start; d > 0 && b.N > 0 {
			b.ReportMetric(float64(size)*float64(b.N)/1e6/d.Seconds(), "MB/cpu-s")
		}
	}
}

// BenchmarkBest is Model.Best over the subject and bodies of the corpus.
func BenchmarkBest(b *testing.B) {
	m, err := Default()
	if err != nil {
		b.Fatal(err)
	}
	_, texts, size := benchMessages(b)
	b.SetBytes(size)
	b.ReportAllocs()
	defer cpuMetric(b, size)()
	var best []float64
	var spans [][2]int
	for b.Loop() {
		for _, t := range texts {
			best, spans = m.Best(t, best, spans)
		}
	}
}

// BenchmarkBestReference is the reference implementation (the code before
// the fused scorer) on the same texts, for comparison in one run.
func BenchmarkBestReference(b *testing.B) {
	m, err := Default()
	if err != nil {
		b.Fatal(err)
	}
	_, texts, size := benchMessages(b)
	b.SetBytes(size)
	b.ReportAllocs()
	defer cpuMetric(b, size)()
	for b.Loop() {
		for _, t := range texts {
			refBest(m, t)
		}
	}
}

// BenchmarkScan is the Scanner on the corpus messages.
func BenchmarkScan(b *testing.B) {
	s, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	ms, _, size := benchMessages(b)
	ctx := context.Background()
	env := &scanners.Envelope{}
	b.SetBytes(size)
	b.ReportAllocs()
	defer cpuMetric(b, size)()
	for b.Loop() {
		for _, m := range ms {
			if _, err := s.Scan(ctx, m, env); err != nil {
				b.Fatal(err)
			}
		}
	}
}
