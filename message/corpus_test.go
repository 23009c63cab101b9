package message

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"
)

// corpusDir holds the shared mail corpora (relative to this package): the
// ../shared beside a main checkout, or beside a worktree.
var corpusDir = func() string {
	for _, d := range []string{"../../shared/corpus", "../../../shared/corpus"} {
		if _, err := os.Stat(d); err == nil {
			return d
		}
	}
	return "../../shared/corpus"
}()

// corpusFiles returns the message files under dir, or skips the test when
// the directory is absent.
func corpusFiles(tb testing.TB, dir string) []string {
	tb.Helper()
	if _, err := os.Stat(dir); err != nil {
		tb.Skipf("corpus %s not present (%v); skipping", dir, err)
	}
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".md", ".tsv", ".txt", ".go", ".json", ".sh":
			return nil
		}
		files = append(files, p)
		return nil
	})
	if err != nil {
		tb.Fatalf("walk %s: %v", dir, err)
	}
	return files
}

// checkInvariants reports violations of what every parsed message must
// satisfy, whatever the input.
func checkInvariants(tb testing.TB, name string, raw []byte, m *Message) {
	tb.Helper()
	if m == nil {
		tb.Fatalf("%s: Parse returned nil", name)
	}
	if len(m.Raw) != len(raw) {
		tb.Errorf("%s: Raw has %d bytes, want %d", name, len(m.Raw), len(raw))
	}
	for i, t := range m.Texts {
		if t.PartID == "" {
			tb.Errorf("%s: Texts[%d] has an empty PartID", name, i)
		}
		if !utf8.ValidString(t.Content) || !utf8.ValidString(t.HTML) {
			tb.Errorf("%s: Texts[%d] (%s) is not valid UTF-8", name, i, t.PartID)
		}
	}
	for i, a := range m.Attachments {
		if a.PartID == "" {
			tb.Errorf("%s: Attachments[%d] has an empty PartID", name, i)
		}
		if a.Size < int64(len(a.Data)) {
			tb.Errorf("%s: Attachments[%d] (%s) Size %d < len(Data) %d", name, i, a.PartID, a.Size, len(a.Data))
		}
		if !utf8.ValidString(a.Filename) {
			tb.Errorf("%s: Attachments[%d] Filename is not valid UTF-8", name, i)
		}
	}
	for i, u := range m.URLs {
		if u.PartID == "" {
			tb.Errorf("%s: URLs[%d] has an empty PartID", name, i)
		}
	}
	for i, h := range m.Headers {
		if !utf8.ValidString(h.Value) || !utf8.ValidString(h.Name) {
			tb.Errorf("%s: Headers[%d] is not valid UTF-8", name, i)
		}
	}
	if len(m.Problems) > maxProblems {
		tb.Errorf("%s: %d problems, cap is %d", name, len(m.Problems), maxProblems)
	}
	for i, p := range m.Problems {
		if p.Name == "" || strings.ToLower(p.Name) != p.Name || strings.Contains(p.Name, " ") {
			tb.Errorf("%s: Problems[%d].Name %q is not snake_case", name, i, p.Name)
		}
	}
}

func TestCorpus(t *testing.T) {
	t.Parallel()
	files := corpusFiles(t, corpusDir)
	for i, f := range files {
		if testing.Short() && i%10 != 0 {
			continue // -short: every tenth message
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatalf("read %s: %v", f, err)
		}
		m := Parse(t.Context(), raw, Limits{})
		checkInvariants(t, f, raw, m)
		for _, p := range m.Problems {
			if p.Name == "parser_panic" {
				t.Errorf("%s: %s", f, p.Detail)
			}
		}
	}
}

// BenchmarkParse parses the SpamAssassin corpus; MB/s is over raw bytes.
func BenchmarkParse(b *testing.B) { benchParseFiles(b, filepath.Join(corpusDir, "spamassassin")) }

// BenchmarkParseCorpus parses every message of the shared corpora (the
// SpamAssassin ham and spam and the MIME test suites of mime-torture), one
// message per iteration in turn; MB/s is over raw bytes.
func BenchmarkParseCorpus(b *testing.B) { benchParseFiles(b, corpusDir) }

// benchParseFiles parses the corpus messages under dir, one per iteration
// in turn, and reports process CPU time per message (cpu-ns/op) beside
// the wall time (steadier on a shared machine: parsing and collecting
// garbage).
func benchParseFiles(b *testing.B, dir string) {
	files := corpusFiles(b, dir)
	msgs := make([][]byte, 0, len(files))
	var total int64
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			b.Fatalf("read %s: %v", f, err)
		}
		msgs = append(msgs, raw)
		total += int64(len(raw))
	}
	b.SetBytes(total / int64(len(msgs)))
	b.ReportAllocs()
	cpu0 := cpuTime()
	i := 0
	for b.Loop() {
		Parse(b.Context(), msgs[i%len(msgs)], Limits{})
		i++
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// cpuTime is the user and system CPU time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkParseSource parses a message like those Postfix's smtp-source
// sends in lychgate-bench row 2: four header fields, no MIME header, 10 KB
// of numbered lines of X.
func BenchmarkParseSource(b *testing.B) {
	raw := []byte("From: <sender@example.com>\r\nTo: <pupil1@bench.example.sch.uk>\r\nDate: Wed,  2 Dec 2026 00:01:59 +0000 (UTC)\r\nMessage-Id: <1679.0003.0000@vm>\r\n\r\n")
	for i := 1; len(raw) < 10240; i++ {
		raw = append(raw, byte('0'+i%10))
		raw = append(raw, bytes.Repeat([]byte("X"), 77)...)
		raw = append(raw, "\r\n"...)
	}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		Parse(b.Context(), raw, Limits{})
	}
}
