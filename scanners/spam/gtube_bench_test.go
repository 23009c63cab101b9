package spam

import (
	"bytes"
	"strings"
	"testing"
)

// smtp-source's test body: lines of repeated characters.
var gtubeBenchBody = []byte(strings.Repeat(strings.Repeat("X", 78)+"\r\n", 128))

func BenchmarkGTUBE(b *testing.B) {
	b.Run("contains", func(b *testing.B) {
		for b.Loop() {
			_ = bytes.Contains(gtubeBenchBody, []byte(gtube))
		}
	})
	b.Run("tail", func(b *testing.B) {
		for b.Loop() {
			_ = containsGTUBE(gtubeBenchBody)
		}
	})
}
