package nexthop

import (
	"bytes"
	"strings"
	"testing"
)

// TestPooledFoldWriterStartsClean: a pooled writer given back in the
// middle of a line (a failed Data) writes the next message as a new one
// does.
func TestPooledFoldWriterStartsClean(t *testing.T) {
	in := "Subject: " + strings.Repeat("x", 300) + "\r\n\r\nbody\r" // ends on a pending CR
	var first bytes.Buffer
	f := getFoldWriter(&first, 40)
	_, _ = f.Write([]byte(in))
	f.release() // without Flush: a line and a CR left in it
	for _, limit := range []int{40, 998, 8} {
		var got, want bytes.Buffer
		g := getFoldWriter(&got, limit)
		_, _ = g.Write([]byte(in))
		_ = g.Flush()
		g.release()
		n := NewFoldWriter(&want, limit)
		_, _ = n.Write([]byte(in))
		_ = n.Flush()
		if got.String() != want.String() {
			t.Errorf("limit %d: pooled writer wrote %q, new one %q", limit, got.String(), want.String())
		}
	}
}
