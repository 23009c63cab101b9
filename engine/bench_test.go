package engine

import (
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/scanners"
)

// BenchmarkAnalyzeCorpus runs every SpamAssassin corpus message in turn
// (as lychgate-bench row 3 sends them) through Analyze with every default
// scanner: parse, scan, decide, for one pupil recipient of the bench's
// school. Besides the wall
// time it reports the process's CPU time per message (cpu-ns/op), which
// the other work on a shared machine disturbs less. Skipped when the
// corpus is absent.
func BenchmarkAnalyzeCorpus(b *testing.B) {
	var files []string
	for _, d := range []string{"../../shared/corpus", "../../../shared/corpus"} { // beside a main checkout or a worktree
		if files, _ = filepath.Glob(filepath.Join(d, "spamassassin", "*", "*")); len(files) > 0 {
			break
		}
	}
	if len(files) == 0 {
		b.Skip("../shared/corpus/spamassassin is absent (CI has it)")
	}
	msgs := make([][]byte, 0, len(files))
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		msgs = append(msgs, raw)
	}
	e, env := benchEngine(b)
	b.ReportAllocs()
	cpu0 := cpuTime()
	i := 0
	for b.Loop() {
		e.Analyze(b.Context(), msgs[i%len(msgs)], env)
		i++
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// benchEngine is an engine with the school of lychgate-bench's
// configuration and the built-in defaults otherwise (no custom rules), and
// an envelope from an outside sender to one pupil of that school.
func benchEngine(b *testing.B) (*Engine, *scanners.Envelope) {
	b.Helper()
	cfg := config.Default()
	cfg.Schools = []config.School{{ID: "bench", Name: "Bench School", Domains: []string{"bench.example.sch.uk"},
		DSL: []string{"dsl@bench.example.sch.uk"}, Groups: map[string][]string{"pupils": {"pupil*@bench.example.sch.uk"}}}}
	e, err := New(cfg, Options{})
	if err != nil {
		b.Fatal(err)
	}
	env := e.NewEnvelope(Sender{From: "sender@example.com"})
	r, err := e.Classify(env, false, "pupil1@bench.example.sch.uk")
	if err != nil {
		b.Fatal(err)
	}
	env.Recipients = append(env.Recipients, r)
	b.Cleanup(func() { e.Close() })
	return e, env
}

// cpuTime is the user and system CPU time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// sourceMessage is a message like those Postfix's smtp-source sends in
// lychgate-bench row 2: four header fields and n bytes of numbered lines of
// X, no MIME header (so its text is undeclared us-ascii).
func sourceMessage(n int) []byte {
	b := []byte("From: <sender@example.com>\r\nTo: <pupil1@bench.example.sch.uk>\r\nDate: Wed,  2 Dec 2026 00:01:59 +0000 (UTC)\r\nMessage-Id: <1679.0003.0000@vm>\r\n\r\n")
	for i := 1; n > 0; i++ {
		line := []byte(strconv.Itoa(i % 10))
		for len(line) < 78 && len(line) < n {
			line = append(line, 'X')
		}
		n -= len(line)
		b = append(append(b, line...), "\r\n"...)
	}
	return b
}

// BenchmarkAnalyzeSource is Analyze of lychgate-bench row 2's 10 KB
// message, with every default scanner, as BenchmarkAnalyzeCorpus.
func BenchmarkAnalyzeSource(b *testing.B) {
	e, env := benchEngine(b)
	msg := sourceMessage(10240)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		e.Analyze(b.Context(), msg, env)
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}
