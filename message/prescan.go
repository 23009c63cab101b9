package message

import (
	"bytes"
	"strings"
)

// structure is what limitStructure found out about a MIME body.
type structure struct {
	// parts is the number of body parts (delimiters) seen.
	parts   int
	tooDeep bool
	tooMany bool
}

// limitStructure bounds the work enmime will do on b, a message whose body
// starts at bodyStart and whose top-level Content-Type is rootCT. enmime
// recurses into every nested multipart with no limit, holding buffers per
// level, so before handing it the bytes we follow the boundaries the way
// its boundary reader does (RFC 2046 §5.1.1: a line starting with
// "--boundary") and:
//   - elide the bodies of multiparts nested deeper than maxDepth (their
//     siblings and later parts are kept), and
//   - cut the message before the part after the maxParts-th.
//
// The result is b itself when nothing was removed, a prefix of b when only
// a cut was made, and a new slice otherwise.
func limitStructure(b []byte, bodyStart int, rootCT string, maxDepth, maxParts int) ([]byte, structure) {
	var st structure
	boundary := multipartBoundary(rootCT)
	if boundary == "" {
		return b, st
	}
	body := b[bodyStart:]
	if maxDepth < 1 {
		st.tooDeep = true
		return b[:bodyStart], st
	}
	// Fast path: nesting needs a boundary parameter per level and every
	// part needs a delimiter at the start of a line.
	if countFold(body, "boundary") < maxDepth && bytes.Count(body, []byte("\n--")) < maxParts {
		return b, st
	}
	stack := [][]byte{[]byte("--" + boundary)}
	var cuts [][2]int
	skipping, skipStart := false, 0
	i := bodyStart
	for i < len(b) {
		lineStart := i
		line, next := nextLine(b, i)
		i = next
		level, term := matchBoundary(stack, line)
		if level < 0 {
			continue
		}
		if skipping {
			cuts = append(cuts, [2]int{skipStart, lineStart})
			skipping = false
		}
		if term {
			stack = stack[:level]
			if len(stack) == 0 {
				break
			}
			continue
		}
		stack = stack[:level+1]
		st.parts++
		if st.parts > maxParts {
			st.tooMany = true
			return assemble(b[:lineStart], cuts), st
		}
		// The part header runs to a blank line, or to the next boundary.
		hdrStart := i
		for i < len(b) {
			l, n := nextLine(b, i)
			if lv, _ := matchBoundary(stack, l); lv >= 0 {
				break
			}
			i = n
			if len(bytes.TrimRight(l, "\r")) == 0 {
				break
			}
		}
		inner := partBoundary(b[hdrStart:i])
		if inner == "" {
			continue
		}
		if len(stack)+1 > maxDepth {
			st.tooDeep = true
			skipping, skipStart = true, i
			continue
		}
		stack = append(stack, []byte("--"+inner))
	}
	if skipping {
		cuts = append(cuts, [2]int{skipStart, len(b)})
	}
	return assemble(b, cuts), st
}

// nextLine returns the line at i without its LF, and where the next starts.
func nextLine(b []byte, i int) ([]byte, int) {
	j := bytes.IndexByte(b[i:], '\n')
	if j < 0 {
		return b[i:], len(b)
	}
	return b[i : i+j], i + j + 1
}

// matchBoundary reports which boundary of the stack (outermost first, as
// outer readers see a line first) line is a delimiter or terminator of.
func matchBoundary(stack [][]byte, line []byte) (level int, term bool) {
	if len(line) < 3 || line[0] != '-' || line[1] != '-' {
		return -1, false
	}
	for lv, bd := range stack {
		if !bytes.HasPrefix(line, bd) {
			continue
		}
		rest := line[len(bd):]
		if bytes.HasPrefix(rest, []byte("--")) {
			return lv, true
		}
		if len(rest) == 0 || rest[0] == ' ' || rest[0] == '\t' || rest[0] == '\r' {
			return lv, false
		}
	}
	return -1, false
}

// partBoundary returns the boundary a part header declares, if enmime would
// recurse into it (any type but text/plain and text/html).
func partBoundary(hdr []byte) string {
	for _, f := range splitHeader(hdr) {
		if strings.EqualFold(f.name, "Content-Type") {
			return multipartBoundary(f.value)
		}
	}
	return ""
}

// multipartBoundary returns the boundary parameter of a Content-Type value
// that enmime would treat as a multipart.
func multipartBoundary(ct string) string {
	if ct == "" || !containsFold(ct, "boundary") {
		return ""
	}
	mt, params, _, err := parseMediaType(ct)
	if err != nil {
		return ""
	}
	switch strings.ToLower(mt) {
	case "text/plain", "text/html":
		return ""
	}
	return params["boundary"]
}

// assemble returns b without the byte ranges in cuts (sorted, disjoint).
func assemble(b []byte, cuts [][2]int) []byte {
	if len(cuts) == 0 {
		return b
	}
	out := make([]byte, 0, len(b))
	prev := 0
	for _, c := range cuts {
		if c[0] > len(b) {
			break
		}
		out = append(out, b[prev:c[0]]...)
		prev = min(c[1], len(b))
	}
	return append(out, b[prev:]...)
}

// countFold counts ASCII case-insensitive occurrences of the lower-case
// word w in b.
func countFold(b []byte, w string) int {
	n := 0
	first := []byte{w[0], w[0] - 'a' + 'A'}
	for {
		i := bytes.IndexAny(b, string(first))
		if i < 0 {
			return n
		}
		b = b[i:]
		if len(b) >= len(w) && strings.EqualFold(string(b[:len(w)]), w) {
			n++
			b = b[len(w):]
			continue
		}
		b = b[1:]
	}
}

// containsFold reports whether s contains the lower-case word w, ignoring
// ASCII case.
func containsFold(s, w string) bool {
	return countFold([]byte(s), w) > 0
}
