package safeguarding

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/lychgate/lychgate/internal/testutil/shareddata"
	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
)

// BenchmarkScanHam is the scanner alone on up to 1000 ham messages from
// ../shared beside a main checkout or a worktree.
func BenchmarkScanHam(b *testing.B) {
	var files []string
	if d := shareddata.Dir(); d != "" {
		files, _ = filepath.Glob(filepath.Join(d, "corpus/spamassassin/ham/*"))
	}
	if len(files) == 0 {
		b.Skip("ham corpus ../shared/corpus/spamassassin/ham not present")
	}
	var ms []*message.Message
	var size int64
	for _, f := range files[:min(1000, len(files))] {
		raw, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		m := message.Parse(context.Background(), raw, message.Limits{}.WithDefaults())
		for _, t := range m.Texts {
			size += int64(len(t.Content))
		}
		ms = append(ms, m)
	}
	s, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	env := &scanners.Envelope{}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		for _, m := range ms {
			if _, err := s.Scan(b.Context(), m, env); err != nil {
				b.Fatal(err)
			}
		}
	}
}
