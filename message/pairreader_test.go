package message

import (
	"testing"
	"testing/iotest"
)

// TestPairReader checks pairReader with iotest.TestReader (reads of every
// size, EOF behaviour) for each split of one text, as the io.MultiReader
// it replaces would read it.
func TestPairReader(t *testing.T) {
	text := []byte("Content-Type: text/plain\r\n\r\nbody line one\r\nbody line two\r\n")
	for i := 0; i <= len(text); i++ {
		if err := iotest.TestReader(&pairReader{text[:i], text[i:]}, text); err != nil {
			t.Errorf("split at %d: %v", i, err)
		}
	}
}
