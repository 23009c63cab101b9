package message

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"mime/quotedprintable"
	"strconv"
	"strings"
	"unicode"

	"github.com/jhillyerd/enmime/v2"
	"golang.org/x/text/encoding/charmap"
)

// Body elision: enmime reads every part body a byte at a time through one
// boundary reader per nesting level, and collects it with io.ReadAll (twice
// for text parts), so a 100 MB attachment costs the raw bytes plus about
// twice its decoded size at once, and most of Parse's CPU on ordinary mail
// goes there. For a part whose content enmime would return as its bytes
// unchanged (no transfer encoding) or as plain base64 decoding (clean
// base64), and that gets no charset conversion, Parse cuts the body out of
// what enmime reads, leaving a short placeholder, and puts the content
// back into the part afterwards: the raw bytes themselves, or decoded once
// into a buffer sized from the encoded length.
//
// Which bytes are a part's body is decided by following enmime's boundary
// reader exactly (enmimeParts), including its quirks: a delimiter is
// "--boundary" at most one byte after a CR or LF (or anywhere in the
// first 4096 bytes of a part) followed by white space, and a terminator
// "--boundary--". Placeholders hold no '-', CR or LF, so they can not
// create or hide a boundary; and the edited input is split again and must
// give the same parts with the placeholders as bodies, or nothing is cut.

// elideMin is the smallest body that is cut out (below it the placeholder
// and the second split cost about what they save).
const elideMin = 256

// elideNonce makes placeholders unguessable, so that a message can not
// hold a part whose content looks like another part's placeholder.
var elideNonce = func() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}()

// maxCutBoundary is the longest boundary whose parts are cut: enmime
// peeks the boundary's length ahead in a buffer of peekSize bytes, and
// fails on longer ones in ways not followed here.
const maxCutBoundary = 1000

// peekSize is enmime's first read of a part (bufio's default size), within
// which a delimiter need not follow a line end.
const peekSize = 4096

// mimePart is one part as enmime's boundary reader splits it.
type mimePart struct {
	hdr    []byte // header block, up to the blank line
	body   []byte // the rest of the part
	bodyAt int    // offset of body in the input
	// ends is true when the part ended at a delimiter found after a CR
	// or LF (not at the end of the input).
	ends bool
	// content type, transfer encoding and charset as enmime reads them;
	// ok is false when the header is not clean (enmimeHeader).
	ok         bool
	mtype, cte string
	params     map[string]string
	depth      int
}

// enmimeParts lists the parts of the message input (header block ending at
// hdrLen, body at bodyStart) as enmime would split them, leaves and
// multiparts, in tree order, and false when it can not be sure (the
// header is not clean, a boundary is missing, nesting is deep).
//
// known, when not nil, is an earlier split of a similar input: a part at
// the same position with the same header bytes takes its content fields
// from there instead of parsing them again.
//
// rootClean tells that the message header is clean (enmimeHeader), which
// the caller knows already.
func enmimeParts(input []byte, hdrLen, bodyStart int, known []mimePart, rootClean bool) ([]mimePart, bool) {
	root := mimePart{hdr: input[:hdrLen], body: input[min(bodyStart, len(input)):], bodyAt: bodyStart}
	if !rootClean {
		return nil, false
	}
	if !root.readHeaderKnown(`text/plain; charset="us-ascii"`, known, 0, true) {
		return nil, false
	}
	out := []mimePart{root}
	if !strings.HasPrefix(root.mtype, "multipart/") || root.params["boundary"] == "" {
		return out, true
	}
	return splitLevel(out, root.body, root.bodyAt, root.params["boundary"], 1, known)
}

// readHeaderKnown is readHeader, reusing known[i] when it has the same
// header bytes.
func (pt *mimePart) readHeaderKnown(defaultCT string, known []mimePart, i int, clean bool) bool {
	if i < len(known) && bytes.Equal(known[i].hdr, pt.hdr) {
		k := known[i]
		pt.ok, pt.mtype, pt.params, pt.cte = k.ok, k.mtype, k.params, k.cte
		return pt.ok
	}
	return pt.readHeader(defaultCT, clean)
}

// readHeader sets the content fields of pt from its header block, as
// enmime reads them; false when the header is not clean or its
// Content-Type does not parse.
// clean tells that the header is known to be clean already.
func (pt *mimePart) readHeader(defaultCT string, clean bool) bool {
	if !clean {
		if !cleanHeader(pt.hdr) {
			return false
		}
	}
	ct, _ := enmimeField(pt.hdr, "content-type")
	if ct == "" {
		if defaultCT == "" {
			return false // enmime warns of a missing Content-Type
		}
		ct = defaultCT
	}
	mtype, params, _, err := parseMediaType(ct)
	if err != nil {
		return false
	}
	pt.mtype, pt.params = mtype, params
	pt.cte, _ = enmimeField(pt.hdr, "content-transfer-encoding")
	pt.cte = strings.ToLower(pt.cte)
	pt.ok = true
	return true
}

// splitLevel appends the parts of one multipart body (stream, at offset
// off in the input) with the given boundary, following enmime's
// boundaryReader.Next and Read, and recurses into nested multiparts.
func splitLevel(out []mimePart, stream []byte, off int, boundary string, depth int, known []mimePart) ([]mimePart, bool) {
	if depth > 8 || len(boundary) > maxCutBoundary {
		return out, false
	}
	prefix := []byte("--" + boundary)
	final := []byte("--" + boundary + "--")
	pos, parts := 0, 0
	for {
		// Next: skip blank lines and preamble up to a delimiter line.
		start := -1
		for start < 0 {
			if pos >= len(stream) {
				return out, true // EOF: no more parts
			}
			line := stream[pos:]
			eof := true
			if i := bytes.IndexByte(line, '\n'); i >= 0 {
				line, eof = line[:i+1], false
			}
			pos += len(line)
			switch {
			case line[0] == '\r' || line[0] == '\n':
			case bytes.Contains(line, final):
				return out, true
			case !eof && isDelimiter(line, prefix):
				start = pos
			case eof:
				return out, true
			case parts > 0:
				return out, false // enmime: expected boundary not present
			}
		}
		parts++
		end, ends := partEnd(stream, start, prefix, final)
		pt := mimePart{depth: depth, ends: ends}
		h, b := headerEnd(stream[start:end])
		pt.hdr = stream[start : start+h]
		pt.body = stream[start+b : end]
		pt.bodyAt = off + start + b
		pt.readHeaderKnown("", known, len(out), false)
		out = append(out, pt)
		if pt.ok && pt.params["boundary"] != "" && pt.mtype != "text/plain" && pt.mtype != "text/html" {
			var ok bool
			if out, ok = splitLevel(out, pt.body, pt.bodyAt, pt.params["boundary"], depth+1, known); !ok {
				return out, false
			}
		}
		pos = end
	}
}

// partEnd returns where the part starting at start ends, as enmime's
// boundaryReader.Read decides: at the first position that is a CR (the
// delimiter may follow one byte later), an LF, or any byte in the first
// peekSize bytes, where "--boundary" plus white space, or
// "--boundary--", follows; ends reports a CR or LF there.
func partEnd(stream []byte, start int, prefix, final []byte) (end int, ends bool) {
	nl := len(prefix) + 1
	for i := start; i < len(stream); i++ {
		pad := 0
		switch stream[i] {
		case '\r':
			pad = 2
		case '\n':
			pad = 1
		default:
			// Only a CR or LF can start a delimiter after the first
			// peekSize bytes; before, so can the byte before "--" or the
			// first '-' (the window is two bytes longer than prefix).
			j := bytes.IndexAny(stream[i:], "\r\n")
			if i-start < peekSize {
				if k := bytes.Index(stream[i:min(len(stream), start+peekSize+2)], dashes); k >= 0 && (j < 0 || k-1 < j) {
					j = max(k-1, 0)
				}
			}
			if j < 0 {
				return len(stream), false
			}
			if j > 0 {
				i += j - 1
				continue
			}
			if i-start >= peekSize {
				continue
			}
		}
		need := nl + pad + 1
		if i+need > len(stream) {
			continue // enmime's peek hits the end: no boundary here
		}
		peek := stream[i : i+need]
		if bytes.HasPrefix(peek, []byte("\n\n")) || bytes.HasPrefix(peek, []byte("\n\r")) ||
			bytes.HasPrefix(peek, []byte("\r\n\r")) || bytes.HasPrefix(peek, []byte("\r\n\n")) {
			continue
		}
		// The window is two bytes longer than prefix, so the prefix can
		// only be at 0 or 1 (isDelimiter needs a byte after it), and the
		// terminator only the whole window.
		w := peek[pad:]
		if bytes.HasPrefix(w, prefix) && unicode.IsSpace(rune(w[len(prefix)])) ||
			bytes.HasPrefix(w[1:], prefix) && unicode.IsSpace(rune(w[len(prefix)+1])) ||
			bytes.Equal(w, final) {
			return i, pad > 0
		}
	}
	return len(stream), false
}

var dashes = []byte("--")

// isDelimiter is enmime's test for a delimiter: the boundary prefix
// anywhere in b, followed by a white space byte.
func isDelimiter(b, prefix []byte) bool {
	i := bytes.Index(b, prefix)
	if i < 0 || i+len(prefix) >= len(b) {
		return false
	}
	return unicode.IsSpace(rune(b[i+len(prefix)]))
}

// headerEnd returns the length of the header block of a part and where
// its body starts, as enmime's header reader reads it: up to the first
// line that is empty ("\n" or "\r\n"), or all of b.
func headerEnd(b []byte) (hdrLen, bodyStart int) {
	for i := 0; i < len(b); {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			break
		}
		if j == 0 || j == 1 && b[i] == '\r' {
			return i, i + j + 1
		}
		i += j + 1
	}
	return len(b), len(b)
}

// enmimeField returns the value of the first field called name (lower
// case) in the clean header block hdr, as enmime's header reader builds
// it: lines trimmed of ASCII white space, continuations joined by one
// space, the value trimmed.
func enmimeField(hdr []byte, name string) (string, bool) {
	var v []byte
	found := false
	for rest := hdr; len(rest) > 0; {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		cont := line[0] == ' ' || line[0] == '\t'
		line = asciiTrim(line)
		if found {
			if !cont {
				break
			}
			v = append(append(v, ' '), line...)
			continue
		}
		if cont {
			continue
		}
		colon := bytes.IndexByte(line, ':')
		if colon == len(name) && bytes.EqualFold(line[:colon], []byte(name)) {
			found = true
			v = append(v, line[colon+1:]...)
		}
	}
	return string(asciiTrim(v)), found
}

func asciiTrim(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r' || b[0] == '\n') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\r' || b[len(b)-1] == '\n') {
		b = b[:len(b)-1]
	}
	return b
}

// elided is one body cut out of enmime's input.
type elided struct {
	pt     mimePart
	base64 bool // placeholder and content are base64 (decoded at restore)
	// content, when not nil, is the part's content, decoded already
	// (quoted-printable, or converted from its charset).
	content []byte
	marker  string
}

// cutCharsets are the charsets whose conversion Parse does itself for a
// cut body, each as enmime's charset table maps it (the names it looks up
// are lower-cased); other charsets leave the body to enmime.
var cutCharsets = map[string]*charmap.Charmap{
	"iso-8859-1":      charmap.ISO8859_1,
	"iso8859-1":       charmap.ISO8859_1,
	"iso8859_1":       charmap.ISO8859_1,
	"iso88591":        charmap.ISO8859_1,
	"iso_8859-1":      charmap.ISO8859_1,
	"iso_8859-1:1987": charmap.ISO8859_1,
	"windows-1252":    charmap.Windows1252,
	"cp1252":          charmap.Windows1252,
	"x-cp1252":        charmap.Windows1252,
	"latin1":          charmap.Windows1252,
	"l1":              charmap.Windows1252,
}

// cutContent returns what enmime would make the content of pt, when Parse
// can make it the same way: b64 for clean base64 (decoded later, by
// restore), else the content itself (the body, for no transfer encoding).
func cutContent(pt mimePart, isRoot bool, minCut int) (content []byte, b64, ok bool) {
	if !pt.ok || len(pt.body) < minCut || pt.params["boundary"] != "" || pt.mtype == "" {
		return nil, false, false
	}
	if !isRoot && !pt.ends {
		return nil, false, false
	}
	var cm *charmap.Charmap
	if strings.HasPrefix(pt.mtype, "text/") {
		if cs := pt.params["charset"]; cs != undeclaredCharset {
			if cm = cutCharsets[strings.ToLower(cs)]; cm == nil {
				return nil, false, false // enmime converts it
			}
		}
	}
	switch pt.cte {
	case "", "7bit", "8bit", "binary":
		content = pt.body
	case "base64":
		if !cleanBase64(pt.body) {
			return nil, false, false
		}
		if cm == nil {
			return nil, true, true
		}
		content = decodeBase64(pt.body)
	case "quoted-printable":
		var err error
		if content, err = decodeQP(pt.body); err != nil {
			return nil, false, false
		}
	default:
		return nil, false, false
	}
	if cm != nil {
		var err error
		if content, err = decodeSingleByte(cm, content); err != nil {
			return nil, false, false
		}
	}
	return content, false, true
}

// qpMaxLine is where enmime's quoted-printable cleaner breaks a line with
// a soft line break ("=\r\n") so that the decoder's buffer never fills.
const qpMaxLine = 1024

// decodeQP decodes a quoted-printable body as enmime does: its cleaner
// first escapes what mime/quotedprintable would reject ('=' not followed
// by two hex digits or a line end, bytes outside printable ASCII but tab,
// CR and LF) and breaks lines longer than qpMaxLine, then
// mime/quotedprintable decodes.
func decodeQP(b []byte) ([]byte, error) {
	clean := b
	if !qpClean(b) {
		clean = cleanQP(b)
	}
	if out, ok := decodeCleanQP(clean); ok {
		return out, nil
	}
	return decodeQPReader(clean)
}

// decodeQPReader decodes with mime/quotedprintable's Reader.
func decodeQPReader(clean []byte) ([]byte, error) {
	out := bytes.NewBuffer(make([]byte, 0, len(clean)))
	_, err := out.ReadFrom(quotedprintable.NewReader(bytes.NewReader(clean)))
	return out.Bytes(), err
}

// decodeCleanQP is what mime/quotedprintable's Reader returns for b, in
// one pass into one buffer, for the bodies its cleaner lets through
// (printable ASCII, tab, CR and LF; every '=' an escape of two hex digits
// or a soft line break right before the line end); false for any other
// (decodeQPReader reads those). Like the Reader, it strips white space
// (space, tab, CR, LF) from the end of each line, drops the '=' of a soft
// line break with the line end, and ends a hard line with CRLF when it
// ended so, else LF. TestDecodeCleanQPEqualsReader and FuzzDecodeQP
// compare the two.
func decodeCleanQP(b []byte) ([]byte, bool) {
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
		for i := 0; i < len(body); {
			// A run of bytes kept as they are, copied at once.
			j := i
			for j < len(body) && qpText[body[j]] {
				j++
			}
			out = append(out, body[i:j]...)
			if j == len(body) {
				break
			}
			switch body[j] {
			case '=':
				if j+2 >= len(body) || !isHex(body[j+1]) || !isHex(body[j+2]) {
					return nil, false
				}
				out = append(out, qpUnhex(body[j+1])<<4|qpUnhex(body[j+2]))
				i = j + 3
			case '\r':
				out = append(out, '\r')
				i = j + 1
			default:
				return nil, false
			}
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

// qpText marks the bytes quoted-printable keeps as they are: printable
// ASCII but '=', and tab.
var qpText = func() (t [256]bool) {
	for c := ' '; c <= '~'; c++ {
		t[c] = c != '='
	}
	t['\t'] = true
	return t
}()

func qpUnhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// qpClean reports whether cleanQP would return b unchanged: printable
// ASCII, tab, CR and LF only, every '=' an escape or soft line break, and
// no line of qpMaxLine bytes or more.
func qpClean(b []byte) bool {
	line := 0
	for i := 0; i < len(b); {
		j := i
		for j < len(b) && qpText[b[j]] {
			j++
		}
		if line += j - i; line >= qpMaxLine {
			return false
		}
		if j == len(b) {
			return true
		}
		switch b[j] {
		case '\r', '\n':
			line = 0
		case '=':
			if line+2 >= qpMaxLine || !qpEscape(b[j+1:min(j+3, len(b))]) {
				return false
			}
			if line++; line >= qpMaxLine {
				return false
			}
		default:
			return false
		}
		i = j + 1
	}
	return true
}

// cleanQP is enmime's quoted-printable cleaner (see decodeQP).
func cleanQP(b []byte) []byte {
	clean := make([]byte, 0, len(b)+len(b)/64)
	line := 0
	breakIf := func(full bool) {
		if full {
			clean = append(clean, "=\r\n"...)
			line = 0
		}
	}
	for i, c := range b {
		breakIf(line >= qpMaxLine)
		switch {
		case c == '=':
			breakIf(line+2 >= qpMaxLine)
			if qpEscape(b[i+1 : min(i+3, len(b))]) {
				clean = append(clean, '=')
				line++
			} else {
				clean = append(clean, "=3D"...)
				line += 3
			}
		case c == '\t':
			clean = append(clean, c)
			line++
		case c == '\r' || c == '\n':
			clean = append(clean, c)
			line = 0
		case c < ' ' || c > '~':
			breakIf(line+2 >= qpMaxLine)
			clean = append(clean, '=', upperHex[c>>4], upperHex[c&15])
			line += 3
		default:
			clean = append(clean, c)
			line++
		}
	}
	return clean
}

const upperHex = "0123456789ABCDEF"

// qpEscape reports whether the bytes after '=' make an escape or a soft
// line break.
func qpEscape(v []byte) bool {
	if len(v) > 0 && v[0] == '\n' {
		return true
	}
	if len(v) < 2 {
		return false
	}
	if v[0] == '\r' && v[1] == '\n' {
		return true
	}
	return isHex(v[0]) && isHex(v[1])
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'A' <= c && c <= 'F' || 'a' <= c && c <= 'f'
}

// base64Class: 1 for the base64 alphabet, 2 for what enmime's cleaner
// drops silently (white space and '='), 0 for anything else.
var base64Class = func() (t [256]uint8) {
	for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" {
		t[c] = 1
	}
	for _, c := range "\t\n\r =" {
		t[c] = 2
	}
	return t
}()

// cleanBase64 reports whether b is base64 that enmime's cleaner passes
// without complaint and its decoder decodes without error.
func cleanBase64(b []byte) bool {
	n := 0
	for _, c := range b {
		switch base64Class[c] {
		case 0:
			return false
		case 1:
			n++
		}
	}
	return n%4 != 1
}

// decodeBase64 decodes clean base64 (cleanBase64) in one pass into a
// buffer sized from its length, as enmime's cleaner and decoder would.
func decodeBase64(b []byte) []byte {
	out := make([]byte, 0, len(b)/4*3+3)
	var chunk [1024]byte
	n := 0
	flush := func() {
		k, _ := base64.RawStdEncoding.Decode(out[len(out):cap(out)], chunk[:n])
		out = out[:len(out)+k]
		n = 0
	}
	for _, c := range b {
		if base64Class[c] != 1 {
			continue
		}
		chunk[n] = c
		n++
		if n == len(chunk) {
			flush()
		}
	}
	flush()
	return out
}

// elide plans the cuts for input and returns the edited input and what
// was cut, or input itself and nil.
// rootClean is enmimeHeader's verdict on input[:hdrLen].
func (p *parser) elide(input []byte, hdrLen, bodyStart int, rootClean bool) ([]byte, []elided) {
	if p.plain || !rootClean || len(input) < p.minCut {
		return input, nil
	}
	parts, ok := enmimeParts(input, hdrLen, bodyStart, nil, true)
	if !ok {
		return input, nil
	}
	var cuts []elided
	for i, pt := range parts {
		if content, b64, ok := cutContent(pt, i == 0, p.minCut); ok {
			cuts = append(cuts, elided{pt: pt, base64: b64, content: content, marker: "lychgateelided" + elideNonce + strconv.Itoa(len(cuts))})
		}
	}
	if len(cuts) == 0 {
		return input, nil
	}
	size := len(input)
	for _, c := range cuts {
		size -= len(c.pt.body) - len(c.marker)*2
	}
	edited := make([]byte, 0, size)
	prev := 0
	for _, c := range cuts {
		edited = append(edited, input[prev:c.pt.bodyAt]...)
		if c.pt.cte == "base64" {
			edited = base64.RawStdEncoding.AppendEncode(edited, []byte(c.marker))
		} else {
			edited = append(edited, c.marker...)
		}
		prev = c.pt.bodyAt + len(c.pt.body)
	}
	edited = append(edited, input[prev:]...)
	// The edited input must split into the same parts, with the
	// placeholders as the cut bodies.
	again, ok := enmimeParts(edited, hdrLen, bodyStart, parts, true)
	if !ok || len(again) != len(parts) {
		return input, nil
	}
	k := 0
	for i := range parts {
		a, b := parts[i], again[i]
		if !bytes.Equal(a.hdr, b.hdr) || a.depth != b.depth || a.ends != b.ends {
			return input, nil
		}
		switch {
		case k < len(cuts) && cuts[k].pt.bodyAt == a.bodyAt:
			if string(b.body) != placeholderOf(cuts[k]) {
				return input, nil
			}
			k++
		case a.ok && a.params["boundary"] != "":
			// A multipart: its body changed with its parts.
		case !bytes.Equal(a.body, b.body):
			return input, nil
		}
	}
	if k != len(cuts) {
		return input, nil
	}
	return edited, cuts
}

// placeholderOf is the body that stands for c in the edited input.
func placeholderOf(c elided) string {
	if c.pt.cte == "base64" {
		return base64.RawStdEncoding.EncodeToString([]byte(c.marker))
	}
	return c.marker
}

// restore puts the cut contents back into enmime's tree: each part whose
// content is a placeholder's marker. It reports false if the tree does not
// hold every marker exactly once.
func restore(root *enmime.Part, cuts []elided) bool {
	if len(cuts) == 0 {
		return true
	}
	byMarker := make(map[string]int, len(cuts))
	for i, c := range cuts {
		byMarker[c.marker] = i
	}
	found := make([]bool, len(cuts))
	n := 0
	stem := "lychgateelided" + elideNonce
	var visit func(pt *enmime.Part, depth int) bool
	visit = func(pt *enmime.Part, depth int) bool {
		for ; pt != nil; pt = pt.NextSibling {
			if len(pt.Content) < len(stem)+8 && bytes.HasPrefix(pt.Content, []byte(stem)) {
				i, ok := byMarker[string(pt.Content)]
				if !ok || found[i] {
					return false
				}
				found[i] = true
				n++
				c := cuts[i]
				if c.base64 {
					pt.Content = decodeBase64(c.pt.body)
				} else {
					pt.Content = c.content
				}
			}
			if depth < 64 && !visit(pt.FirstChild, depth+1) {
				return false
			}
		}
		return true
	}
	return visit(root, 0) && n == len(cuts)
}
