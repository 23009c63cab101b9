package message

import (
	"bytes"
	"os"
	"testing"
)

// decodeCleanQPReference and qpCleanReference are decodeCleanQP and
// qpClean as they were, a byte at a time; the new ones copy runs of
// plain bytes at once (TestQPEqualsReference, FuzzDecodeQP).

func decodeCleanQPReference(b []byte) ([]byte, bool) {
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		line := b
		b = nil
		if i := bytes.IndexByte(line, '\n'); i >= 0 {
			line, b = line[:i+1], line[i+1:]
		}
		if len(line) >= peekSize {
			return nil, false // the Reader's bufio.Reader splits such lines
		}
		t := len(line)
		for t > 0 && (line[t-1] == '\n' || line[t-1] == '\r' || line[t-1] == ' ' || line[t-1] == '\t') {
			t--
		}
		body, end := line[:t], line[t:]
		soft := t > 0 && body[t-1] == '='
		if soft {
			// The Reader's only accepted ends after a soft break.
			if !bytes.HasPrefix(end, []byte("\n")) && !bytes.HasPrefix(end, []byte("\r\n")) {
				return nil, false
			}
			body = body[:t-1]
		}
		for i := 0; i < len(body); i++ {
			c := body[i]
			switch {
			case c == '=':
				if i+2 >= len(body) || !isHex(body[i+1]) || !isHex(body[i+2]) {
					return nil, false
				}
				c = qpUnhex(body[i+1])<<4 | qpUnhex(body[i+2])
				i += 2
			case c == '\t' || c == '\r':
			case c < ' ' || c > '~':
				return nil, false
			}
			out = append(out, c)
		}
		if !soft && len(end) > 0 && end[len(end)-1] == '\n' {
			if len(end) >= 2 && end[len(end)-2] == '\r' {
				out = append(out, '\r', '\n')
			} else {
				out = append(out, '\n')
			}
		}
	}
	return out, true
}

func qpCleanReference(b []byte) bool {
	line := 0
	for i, c := range b {
		switch {
		case c == '\r' || c == '\n':
			line = 0
			continue
		case c == '=':
			if line+2 >= qpMaxLine || !qpEscape(b[i+1:min(i+3, len(b))]) {
				return false
			}
		case c != '\t' && (c < ' ' || c > '~'):
			return false
		}
		line++
		if line >= qpMaxLine {
			return false
		}
	}
	return true
}

// checkQPReference fails when decodeCleanQP or qpClean answers b
// differently from its reference (output and whether it decodes).
func checkQPReference(t *testing.T, name string, b []byte) {
	t.Helper()
	got, ok := decodeCleanQP(b)
	want, wok := decodeCleanQPReference(b)
	if ok != wok || !bytes.Equal(got, want) {
		t.Errorf("%s: decodeCleanQP(%.80q) = %.80q, %v; reference %.80q, %v", name, b, got, ok, want, wok)
	}
	if got, want := qpClean(b), qpCleanReference(b); got != want {
		t.Errorf("%s: qpClean(%.80q) = %v, reference %v", name, b, got, want)
	}
}

func TestQPEqualsReference(t *testing.T) {
	t.Parallel()
	long := bytes.Repeat([]byte("x"), qpMaxLine+4)
	for _, c := range qpCases {
		checkQPReference(t, c, []byte(c))
	}
	// Lines around qpMaxLine, with an escape or a CR near its end.
	for n := qpMaxLine - 4; n <= qpMaxLine+2; n++ {
		for _, tail := range []string{"", "=41", "=\r\n", "\r", "\rx", "\n", "\x01"} {
			checkQPReference(t, "long", append(append([]byte(nil), long[:n]...), tail...))
		}
	}
	for _, f := range corpusFiles(t, corpusDir) {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		_, body := HeaderEnd(raw)
		checkQPReference(t, f, raw[min(body, len(raw)):])
		checkQPReference(t, f, cleanQP(raw[min(body, len(raw)):]))
	}
}
