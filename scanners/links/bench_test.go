package links

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
)

// benchHTML is a newsletter-like HTML body of about n bytes with a link
// every ~200 bytes (anchors with text, images, tracking redirects).
func benchHTML(n int) []byte {
	var b strings.Builder
	b.WriteString("From: news@example.com\r\nTo: office@school.example\r\nSubject: news\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body>")
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, `<p>Item %d: the term dates and the trip to the museum are below. `+
			`<a href="https://track%d.example.com/c?u=https%%3A%%2F%%2Fwww.site%d.example%%2Fpage">www.site%d.example/page</a> `+
			`<img src="https://cdn.example.net/img/%d.png" alt=""> see also www.other%d.example.org/x</p>`+"\r\n", i, i%50, i%300, i%300, i, i%70)
	}
	b.WriteString("</body></html>\r\n")
	return []byte(b.String())
}

// BenchmarkScan measures the link scanner on a parsed 1 MB HTML message
// (URL extraction from HTML via ScanHTML, decoding, unwrapping and every
// rule; DNS look-ups off). MB/s is of message bytes.
func BenchmarkScan(b *testing.B) {
	raw := benchHTML(1 << 20)
	m := message.Parse(context.Background(), raw, message.Limits{})
	s, err := New(Options{SchoolDomains: []string{"school.example"}})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Scan(b.Context(), m, &scanners.Envelope{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(m.URLs)), "urls")
}

// BenchmarkExtract measures URL extraction alone: the parser's (text and
// HTML attributes, as Parse does it) plus ScanHTML's pass.
func BenchmarkExtract(b *testing.B) {
	raw := benchHTML(1 << 20)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		m := message.Parse(context.Background(), raw, message.Limits{})
		for _, t := range m.Texts {
			if t.HTML != "" {
				_ = message.ScanHTML(t.HTML, 0)
			}
		}
	}
}

// BenchmarkScanCorpus scans 300 messages spread over the shared
// SpamAssassin corpus (parsed beforehand), one per iteration in turn;
// skipped when the corpus is absent.
func BenchmarkScanCorpus(b *testing.B) { benchScanCorpus(b, 300) }

// BenchmarkScanWholeCorpus scans every message of the shared SpamAssassin
// corpus in turn (parsed beforehand), as lychgate-bench row 3 sends them:
// more distinct hosts (about 6,800) than the host memo holds in one
// generation. Skipped when the corpus is absent.
func BenchmarkScanWholeCorpus(b *testing.B) { benchScanCorpus(b, 0) }

// benchScanCorpus scans at most most messages spread evenly over the
// corpus (0: every one), parsed beforehand, one per iteration in turn.
func benchScanCorpus(b *testing.B, most int) {
	dir := corpusDir()
	if dir == "" {
		b.Skip("corpus ../shared/corpus/spamassassin is absent")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*"))
	step := 1
	if most > 0 {
		step = max(len(files)/most, 1)
	} else {
		most = len(files)
	}
	var msgs []*message.Message
	for i := 0; i < len(files) && len(msgs) < most; i += step {
		raw, err := os.ReadFile(files[i])
		if err != nil {
			b.Fatal(err)
		}
		msgs = append(msgs, message.Parse(context.Background(), raw, message.Limits{}))
	}
	s, err := New(Options{SchoolDomains: []string{"school.example"}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := s.Scan(b.Context(), msgs[i%len(msgs)], &scanners.Envelope{}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
