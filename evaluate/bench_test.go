package evaluate_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/engine"
	"github.com/lychgate/lychgate/evaluate"
	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/profanity"
	"github.com/lychgate/lychgate/scanners/safeguarding"
	"github.com/lychgate/lychgate/textnorm"
)

// corpusMessages parses up to n ham messages (skips when absent).
func corpusMessages(b *testing.B, n int) ([]*message.Message, int64) {
	b.Helper()
	// ../shared beside a main checkout (hamDir) or beside a worktree.
	var files []string
	for _, d := range []string{hamDir, filepath.Join("..", hamDir)} {
		if files, _ = filepath.Glob(filepath.Join(d, "*")); len(files) > 0 {
			break
		}
	}
	if len(files) == 0 {
		b.Skipf("ham corpus %s not present", hamDir)
	}
	parse := messageParse
	var ms []*message.Message
	var size int64
	for _, f := range files {
		if len(ms) == n {
			break
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		m := parse(raw)
		for _, t := range m.Texts {
			size += int64(len(t.Content))
		}
		size += int64(len(m.Subject))
		ms = append(ms, m)
	}
	return ms, size
}

func benchScanners(b *testing.B, sc []scanners.Scanner) {
	ms, size := corpusMessages(b, 1000)
	ctx := context.Background()
	env := &scanners.Envelope{}
	b.SetBytes(size) // bytes of decoded text scanned per iteration
	b.ReportAllocs()
	b.ResetTimer()
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

// BenchmarkProfanity is normalisation plus all profanity lists, on corpus
// text.
func BenchmarkProfanity(b *testing.B) { benchScanners(b, allScanners(b)[:1]) }

// BenchmarkSafeguarding is normalisation plus all lexicons.
func BenchmarkSafeguarding(b *testing.B) { benchScanners(b, allScanners(b)[1:2]) }

// BenchmarkContent is profanity and safeguarding together (each normalises
// on its own).
func BenchmarkContent(b *testing.B) { benchScanners(b, allScanners(b)[:2]) }

// textScanner is a scanner that can work from a shared normalised text.
type textScanner interface {
	ScanText(ctx context.Context, t *textnorm.Text, env *scanners.Envelope) ([]scanners.Finding, error)
}

// BenchmarkContentShared is "normalisation + all lists": each message is
// normalised once (textnorm.Text) and profanity and safeguarding both match
// that, reading it once between them (one textnorm.Group, as
// scanners/all builds them).
func BenchmarkContentShared(b *testing.B) { benchShared(b, groupedScanners(b)) }

// BenchmarkContentSharedNoGroup is BenchmarkContentShared with each
// scanner reading the Text on its own.
func BenchmarkContentSharedNoGroup(b *testing.B) { benchShared(b, allScanners(b)[:2]) }

// groupedScanners returns profanity and safeguarding sharing one Group.
func groupedScanners(b testing.TB) []scanners.Scanner {
	sc := allScanners(b)
	p, s := sc[0].(*profanity.Scanner), sc[1].(*safeguarding.Scanner)
	g, err := textnorm.NewGroup(append(p.Matchers(), s.Matchers()...)...)
	if err != nil {
		b.Fatal(err)
	}
	gp, err := p.WithGroup(g)
	if err != nil {
		b.Fatal(err)
	}
	gs, err := s.WithGroup(g)
	if err != nil {
		b.Fatal(err)
	}
	return []scanners.Scanner{gp, gs}
}

func benchShared(b *testing.B, sc []scanners.Scanner) {
	ms, size := corpusMessages(b, 1000)
	ctx := context.Background()
	env := &scanners.Envelope{}
	var text textnorm.Text
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	defer startCPU(b, size).stop()
	for b.Loop() {
		for _, m := range ms {
			text.Reset(m)
			for _, s := range sc {
				if _, err := s.(textScanner).ScanText(ctx, &text, env); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
}

// BenchmarkText is normalisation alone, of every field of each message.
func BenchmarkText(b *testing.B) {
	ms, size := corpusMessages(b, 1000)
	var text textnorm.Text
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	defer startCPU(b, size).stop()
	for b.Loop() {
		for _, m := range ms {
			text.Reset(m)
		}
	}
}

// BenchmarkNormalizeAllLists is the matching core alone: every field of each
// message normalised once and every word list of profanity and
// safeguarding (its anchor terms) matched over it in one grouped pass,
// without building findings.
func BenchmarkNormalizeAllLists(b *testing.B) {
	sc := allScanners(b)
	p, s := sc[0].(*profanity.Scanner), sc[1].(*safeguarding.Scanner)
	ms := append(p.Matchers(), s.Matchers()...)
	g, err := textnorm.NewGroup(ms...)
	if err != nil {
		b.Fatal(err)
	}
	msgs, size := corpusMessages(b, 1000)
	var text textnorm.Text
	hits := 0
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	defer startCPU(b, size).stop()
	for b.Loop() {
		for _, m := range msgs {
			text.Reset(m)
			for i := range text.Fields {
				hits += len(text.Hits(g, ms[0], i))
			}
		}
	}
	if hits == 0 {
		b.Fatal("no list matched anything in the corpus")
	}
}

// BenchmarkAnalyze is what the relay does per message besides SMTP: parse
// once and run every scanner of the built-in configuration except spam
// (its own benchmarks are in scanners/spam) and clamav, weighed by the
// policy, over up to 1000 ham and 1000 spam messages. MB/s is over raw
// bytes; ns/op is per message.
func BenchmarkAnalyze(b *testing.B) {
	var files []string
	for _, d := range []string{hamDir, filepath.Join("..", hamDir)} {
		ham, _ := filepath.Glob(filepath.Join(d, "*"))
		spam, _ := filepath.Glob(filepath.Join(d, "..", "spam", "*"))
		if len(ham) > 0 {
			files = append(ham[:min(1000, len(ham))], spam[:min(1000, len(spam))]...)
			break
		}
	}
	if len(files) == 0 {
		b.Skipf("ham corpus %s not present", hamDir)
	}
	var raws [][]byte
	var size int64
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		raws = append(raws, raw)
		size += int64(len(raw))
	}
	cfg := config.Default()
	off := false
	if cfg.Scanners == nil {
		cfg.Scanners = map[string]config.ScannerSettings{}
	}
	for _, id := range []string{"spam", "clamav"} {
		cfg.Scanners[id] = config.ScannerSettings{Enabled: &off}
	}
	e, err := engine.New(cfg, engine.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = e.Close() })
	env := evaluate.DefaultEnvelope()
	ctx := context.Background()
	b.SetBytes(size / int64(len(raws)))
	b.ReportAllocs()
	defer startCPU(b, size/int64(len(raws))).stop()
	i := 0
	for b.Loop() {
		e.Analyze(ctx, raws[i%len(raws)], env)
		i++
	}
}

// cpuMeter reports a benchmark's throughput per CPU second besides MB/s
// (which is per second of wall time): on a shared machine the wall time
// of a run includes the time other processes had the core, its CPU time
// does not. The benchmarks are one goroutine, so the process's CPU time
// is the work plus its garbage collection.
type cpuMeter struct {
	b     *testing.B
	bytes int64
	start time.Duration
}

func startCPU(b *testing.B, bytes int64) *cpuMeter {
	return &cpuMeter{b: b, bytes: bytes, start: processCPU()}
}

func (c *cpuMeter) stop() {
	d := processCPU() - c.start
	if d <= 0 || c.b.N == 0 {
		return
	}
	c.b.ReportMetric(float64(c.bytes)*float64(c.b.N)/1e6/d.Seconds(), "MB/cpu-s")
}
