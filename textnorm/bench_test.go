package textnorm_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/textnorm"
)

func corpus(b *testing.B) []string {
	b.Helper()
	var files []string
	for _, d := range []string{"../../shared/corpus", "../../../shared/corpus"} { // beside a checkout or a worktree
		if files, _ = filepath.Glob(filepath.Join(d, "spamassassin/ham/*")); len(files) > 0 {
			break
		}
	}
	if len(files) == 0 {
		b.Skip("ham corpus not present")
	}
	var out []string
	for _, f := range files[:min(len(files), 1000)] {
		raw, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, string(raw))
	}
	return out
}

func size(ts []string) (n int64) {
	for _, t := range ts {
		n += int64(len(t))
	}
	return n
}

// BenchmarkNormalize is normalisation alone over raw corpus messages.
func BenchmarkNormalize(b *testing.B) {
	ts := corpus(b)
	n := textnorm.NewNormalizer()
	b.SetBytes(size(ts))
	b.ReportAllocs()
	for b.Loop() {
		for _, t := range ts {
			n.Normalize(t)
		}
	}
}

// BenchmarkNormalizeMatch is normalisation plus a 2,000-pattern matcher.
func BenchmarkNormalizeMatch(b *testing.B) {
	ts := corpus(b)
	var pats []textnorm.Pattern
	for _, w := range []string{"fuck*", "*shit", "cunt", "bollocks", "kill yourself", "dont tell your mum", "scunthorpe", "arse*"} {
		pats = append(pats, textnorm.Pattern{Text: w})
	}
	for i := 0; i < 2000; i++ {
		pats = append(pats, textnorm.Pattern{Text: "zq" + string(rune('a'+i%26)) + string(rune('a'+(i/26)%26)) + string(rune('a'+(i/676)%26)) + "x"})
	}
	m, err := textnorm.Compile(pats)
	if err != nil {
		b.Fatal(err)
	}
	n := textnorm.NewNormalizer()
	var hits []textnorm.Hit
	b.SetBytes(size(ts))
	b.ReportAllocs()
	for b.Loop() {
		for _, t := range ts {
			hits = m.Match(n.Normalize(t), hits[:0])
		}
	}
}

// BenchmarkNormalizeRelayText is normalisation of the text make bench's
// relay rows send (smtp-source's body: "La de da de da N." lines, about
// 10 KB): short words, a number on every line, CRLF.
func BenchmarkNormalizeRelayText(b *testing.B) {
	var sb strings.Builder
	for n := 1; sb.Len() < 10<<10; n++ {
		sb.WriteString("La de da de da " + strconv.Itoa(n) + ".\r\n")
	}
	s := sb.String()
	n := textnorm.NewNormalizer()
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		n.Normalize(s)
	}
}

// BenchmarkNormalizeSourceText normalises the body Postfix's smtp-source
// sends in make bench row 2 (-l 10240): 10 KB of lines of a digit and 77
// X's, words of letters and digits that go through alnumWord.
func BenchmarkNormalizeSourceText(b *testing.B) {
	var sb strings.Builder
	for i := 1; sb.Len() < 10<<10; i++ {
		sb.WriteString(strconv.Itoa(i%10) + strings.Repeat("X", 77) + "\r\n")
	}
	s := sb.String()
	n := textnorm.NewNormalizer()
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		n.Normalize(s)
	}
}
