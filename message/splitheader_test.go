package message

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// splitHeaderReference is splitHeader as it was before its fields and
// folded values were allocated once; the reference of
// TestSplitHeaderEqualsReference.
//
// It unfolds the header block hdr (RFC 5322 §2.2.3) into fields.
// Lines that are neither fields nor continuations are joined to the
// previous field, as enmime does. It is linear in len(hdr): hdr becomes one
// string, of which names and one-line values are substrings, and the pieces
// of a folded field are gathered in one buffer and turned into a string
// once.
func splitHeaderReference(hdr []byte) []rawField {
	if len(hdr) == 0 {
		return nil
	}
	s := string(hdr)
	out := make([]rawField, 0, 16)
	var val []byte // value of a folded field being read
	open := false  // out has a field that continuation lines may extend
	folded := false
	flush := func() {
		if open && folded {
			out[len(out)-1].value = string(val)
		}
	}
	for len(s) > 0 {
		var line string
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			line, s = s[:i], s[i+1:]
		} else {
			line, s = s, ""
		}
		line = strings.TrimRight(line, "\r")
		if len(line) == 0 {
			continue
		}
		colon := strings.IndexByte(line, ':')
		if line[0] == ' ' || line[0] == '\t' || colon <= 0 {
			if open {
				if !folded {
					val = append(val[:0], out[len(out)-1].value...)
					folded = true
				}
				val = append(val, ' ')
				val = append(val, strings.TrimSpace(line)...)
			}
			continue
		}
		flush()
		out = append(out, rawField{name: strings.TrimSpace(line[:colon]), value: strings.TrimSpace(line[colon+1:])})
		open, folded = true, false
	}
	flush()
	return out
}

var splitHeaderCases = []string{
	"",
	"\n",
	"Subject: x",
	"Subject: x\r\n",
	"Subject: x\r\n folded\r\n\tagain\r\nTo: a@b\r\n",
	" leading: continuation\r\nSubject: x\r\n",
	"Subject: x\r\nnot a field\r\n:colon\r\nTo:  y  \r\n",
	"A: 1\nB: 2\n C\nD: 3\n\tE\n F\nG:\n",
	"A: 1\n\n\nB: 2\r\r\n",
	"A: 1\n \n\t\n",
	strings.Repeat("Received: from a\r\n\tby b\r\n", 40) + "X: y",
}

func TestSplitHeaderEqualsReference(t *testing.T) {
	t.Parallel()
	check := func(name string, hdr []byte) {
		got, want := splitHeader(hdr), splitHeaderReference(hdr)
		if len(got) == 0 && len(want) == 0 {
			return
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: splitHeader %q, reference %q", name, got, want)
		}
	}
	for _, c := range splitHeaderCases {
		check(strings.ReplaceAll(c[:min(len(c), 40)], "\n", "|"), []byte(c))
	}
	stride := corpusStride()
	for i, f := range corpusFiles(t, corpusDir) {
		if i%stride != 0 {
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		n, _ := HeaderEnd(raw)
		check(f, raw[:n])
	}
}

func FuzzSplitHeader(f *testing.F) {
	for _, c := range splitHeaderCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, hdr []byte) {
		got, want := splitHeader(hdr), splitHeaderReference(hdr)
		if (len(got) != 0 || len(want) != 0) && !reflect.DeepEqual(got, want) {
			t.Errorf("splitHeader %q, reference %q", got, want)
		}
	})
}
