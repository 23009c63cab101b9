package message

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/jhillyerd/enmime/v2"
)

// maxProblems caps Message.Problems; the last slot says more were dropped.
const maxProblems = 100

// enmimeParser is immutable and shared by every Parse call.
var enmimeParser = enmime.NewParser(
	enmime.SkipMalformedParts(true),
	enmime.MultipartWOBoundaryAsSinglePart(true),
	enmime.SetReadPartErrorPolicy(func(*enmime.Part, error) bool { return true }),
	enmime.DisableCharacterDetection(true),
	enmime.DisableTextConversion(true),
	enmime.SetCustomParseMediaType(parseMediaType),
	enmime.MaxStoredPartErrors(20),
)

// enmimeReaders are the buffered readers enmime reads a message through.
// ReadParts wraps its input in a bufio.Reader of the default size (4 KB,
// a quarter of Parse's allocated bytes with the one of each part header
// enmime makes itself) unless it is given one of that size already; it
// keeps no reference to it (part contents, epilogues and header values
// are copies), so one is reused from message to message.
var enmimeReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, peekSize) }}

// readParts is enmimeParser.ReadParts(r) through a pooled reader.
func readParts(r io.Reader) (*enmime.Part, error) {
	br := enmimeReaders.Get().(*bufio.Reader)
	br.Reset(r)
	root, err := enmimeParser.ReadParts(br)
	br.Reset(nil)
	enmimeReaders.Put(br)
	return root, err
}

// Parse parses raw into a Message. It never fails and never panics: damage is
// recorded in Message.Problems. Limits with zero fields use DefaultLimits.
//
// Parse checks ctx between parts and archive entries; once ctx is done it
// stops, records a severe "parse_cancelled" problem and returns what it
// parsed so far.
//
// Raw is kept as given, not copied; the caller must not modify it while the
// Message is in use. Attachment.Data of a part that needed no transfer
// decoding may share memory with other fields, so scanners must treat every
// byte slice as read-only.
func Parse(ctx context.Context, raw []byte, lim Limits) *Message {
	return parse(ctx, raw, lim, false, elideMin)
}

// parse is Parse; plain turns off the shortcuts around enmime
// (fastpath.go, elide.go), and bodies of at least minCut bytes are cut out
// of what enmime reads.
func parse(ctx context.Context, raw []byte, lim Limits, plain bool, minCut int) *Message {
	p := &parser{
		lim:    lim.WithDefaults(),
		m:      &Message{Raw: raw},
		seen:   map[problemKey]struct{}{},
		plain:  plain,
		minCut: minCut,
	}
	p.guard("", func() { p.parseMessage(ctx, raw, "", 0, 0) })
	return p.m
}

// parser is the state of one Parse call.
type parser struct {
	lim  Limits
	m    *Message
	seen map[problemKey]struct{}
	// parts counts MIME parts in the whole message, nested ones included.
	parts int
	// expanded counts bytes expanded from archives.
	expanded int64
	// entries counts archive entries in the whole message.
	entries int
	// urlSeen maps part and link to its index in URLs.
	urlSeen map[problemKey]int
	// plain turns off the shortcuts around enmime (fastpath.go), for
	// the differential tests.
	plain bool
	// spans is a reusable buffer (hostURLs).
	spans [][2]int
	// html is the HTML scanner of htmlToText, kept for its buffers.
	html htmlScanner
	// minCut is the smallest body cut out of enmime's input (elide.go).
	minCut int
}

type problemKey struct{ part, name string }

// stopped reports whether ctx is done, recording parse_cancelled the first
// time it is.
func (p *parser) stopped(ctx context.Context) bool {
	err := ctx.Err()
	if err == nil {
		return false
	}
	p.problem("", "parse_cancelled", fmt.Sprintf("parsing stopped before the end of the message: %v", err), true)
	return true
}

// guard runs f, turning a panic into a parser_panic problem so that what
// was parsed before it is kept. Parsing untrusted input must never take
// down the relay (DESIGN invariant 4).
func (p *parser) guard(partID string, f func()) {
	defer func() {
		if r := recover(); r != nil {
			p.problem(partID, "parser_panic",
				fmt.Sprintf("parser panic: %v\n%s", r, firstLines(debug.Stack(), 12)), true)
		}
	}()
	f()
}

// problem records a Problem once per name and part, up to maxProblems.
func (p *parser) problem(partID, name, detail string, severe bool) {
	k := problemKey{partID, name}
	if _, ok := p.seen[k]; ok {
		return
	}
	switch n := len(p.m.Problems); {
	case n >= maxProblems:
		return
	case n == maxProblems-1:
		partID, name, detail, severe = "", "too_many_problems", "further problems were not recorded", true
	}
	p.seen[k] = struct{}{}
	p.m.Problems = append(p.m.Problems, Problem{PartID: partID, Name: name, Detail: validString(detail), Severe: severe})
}

// joinID names a part inside a container (message/rfc822 part or archive).
func joinID(prefix, id string) string {
	if prefix == "" {
		return id
	}
	return prefix + "/" + id
}

// parseMessage parses one message: the top-level one (prefix "") or one
// nested in a message/rfc822 part, whose IDs get prefix. level is the
// nesting so far (for MaxDepth), cdepth the number of containers.
func (p *parser) parseMessage(ctx context.Context, raw []byte, prefix string, level, cdepth int) {
	if p.stopped(ctx) {
		return
	}
	hdrLen, bodyStart := HeaderEnd(raw)
	input := raw
	hdr := raw[:hdrLen]
	if hdrLen > p.lim.MaxHeaderBytes {
		p.problem(joinID(prefix, "0"), "header_too_large",
			fmt.Sprintf("header block of %d bytes exceeds the limit of %d; the rest was ignored", hdrLen, p.lim.MaxHeaderBytes), true)
		hdr, input = clipHeader(raw, p.lim.MaxHeaderBytes, hdrLen, bodyStart)
		bodyStart = min(len(hdr)+2, len(input)) // after the CRLF clipHeader adds
	}
	fields := splitHeader(hdr)
	if prefix == "" {
		p.fillHeaders(fields)
	} else {
		p.nestedHeaderText(fields, prefix)
	}
	ct := ""
	for _, f := range fields {
		if strings.EqualFold(f.name, "Content-Type") {
			ct = f.value
			break
		}
	}
	input, st := limitStructure(input, bodyStart, ct, p.lim.MaxDepth-level, p.lim.MaxParts-p.parts)
	if st.tooDeep {
		p.problem(joinID(prefix, "0"), "too_deep",
			fmt.Sprintf("multiparts nested deeper than %d levels were not parsed", p.lim.MaxDepth), true)
	}
	if st.tooMany {
		p.problem(joinID(prefix, "0"), "too_many_parts",
			fmt.Sprintf("only the first %d parts were parsed", p.lim.MaxParts), true)
	}
	input = p.clipText(input, bodyStart, fields, prefix)
	kept, clean := enmimeHeader(hdr)
	if root := p.simpleRoot(input, len(hdr), kept, clean); root != nil {
		p.walk(ctx, root, prefix, level, cdepth)
		return
	}
	edited, cuts := p.elide(input, len(hdr), bodyStart, clean)
	root, err := readParts(p.enmimeReader(edited, len(hdr), kept, clean))
	if len(cuts) > 0 && (err != nil || root == nil || !restore(root, cuts)) {
		// Not the tree the cuts were planned for: parse it all.
		root, err = readParts(p.enmimeReader(input, len(hdr), kept, clean))
	}
	if err != nil && len(input) > 0 && (input[0] == ' ' || input[0] == '\t') {
		// A header that starts with a continuation line defeats
		// net/textproto; retry without the leading white space.
		root, err = readParts(bytes.NewReader(bytes.TrimLeft(input, " \t")))
	}
	if err != nil || root == nil {
		p.problem(joinID(prefix, "0"), "bad_mime",
			fmt.Sprintf("MIME structure cannot be parsed: %v", err), true)
		p.addText(Text{PartID: joinID(prefix, "0"), ContentType: "text/plain",
			Content: validUTF8(input[min(bodyStart, len(input)):])})
		return
	}
	p.walk(ctx, root, prefix, level, cdepth)
}

// clipText bounds what enmime reads of a message that is one inline text
// part: only the first MaxTextBytes of its text are kept (addTextContent),
// yet enmime would decode all of it, twice (charset pass, then content).
// So a body longer than what decodes to at least MaxTextBytes (three times
// that for quoted-printable, 1.4 for base64; text never shrinks when made
// UTF-8) is cut at a line end before enmime sees it: a prefix, never a
// copy.
func (p *parser) clipText(input []byte, bodyStart int, fields []rawField, prefix string) []byte {
	if len(input)-bodyStart <= 3*p.lim.MaxTextBytes+64<<10 {
		return input
	}
	budget := p.lim.MaxTextBytes + 64<<10
	for _, f := range fields {
		switch strings.ToLower(f.name) {
		case "content-transfer-encoding":
			switch strings.ToLower(strings.TrimSpace(f.value)) {
			case "7bit", "8bit", "binary":
			case "base64":
				budget = p.lim.MaxTextBytes*7/5 + 64<<10
			default:
				budget = 3*p.lim.MaxTextBytes + 64<<10
			}
		case "content-type":
			mt, params, _, err := parseMediaType(f.value)
			if err != nil || !strings.HasPrefix(strings.ToLower(mt), "text/") || params["name"] != "" {
				return input
			}
		case "content-disposition":
			return input // attachments keep all their bytes
		}
	}
	cut := bodyStart + budget
	if i := bytes.LastIndexByte(input[bodyStart:cut], '\n'); i >= 0 {
		cut = bodyStart + i + 1
	}
	p.problem(joinID(prefix, "0"), "text_truncated",
		fmt.Sprintf("text of %d bytes was cut to the limit of %d", len(input)-bodyStart, p.lim.MaxTextBytes), true)
	return input[:cut]
}

// clipHeader keeps the first max bytes of an oversized header block (cut
// at a line end) plus any Content-* and MIME-Version fields from the rest,
// so the body can still be parsed. It returns the new header block and the
// new message bytes (a copy).
func clipHeader(raw []byte, max, hdrLen, bodyStart int) (hdr, msg []byte) {
	cut := bytes.LastIndexByte(raw[:max], '\n') + 1
	var b bytes.Buffer
	b.Write(raw[:cut])
	for _, f := range splitHeader(raw[cut:hdrLen]) {
		ln := strings.ToLower(f.name)
		if (strings.HasPrefix(ln, "content-") || ln == "mime-version") && len(f.value) < 8192 {
			fmt.Fprintf(&b, "%s: %s\r\n", f.name, f.value)
		}
	}
	n := b.Len()
	b.WriteString("\r\n")
	b.Write(raw[bodyStart:])
	out := b.Bytes()
	return out[:n], out
}

// nestedHeaderText adds the main headers of a nested message as a Text,
// so scanners see the subject and senders of forwarded mail.
func (p *parser) nestedHeaderText(fields []rawField, prefix string) {
	var sb strings.Builder
	for _, f := range fields {
		switch strings.ToLower(f.name) {
		case "subject", "from", "to", "cc", "reply-to", "date":
			v, _ := decodeHeaderValue(f.value)
			sb.WriteString(f.name + ": " + v + "\n")
		}
	}
	if sb.Len() > 0 {
		p.addText(Text{PartID: prefix, ContentType: "message/rfc822", Content: sb.String()})
	}
}

// walk visits the enmime tree in order. Leaves become texts and
// attachments; multiparts only count towards the limits.
func (p *parser) walk(ctx context.Context, root *enmime.Part, prefix string, level, cdepth int) {
	type item struct {
		part  *enmime.Part
		level int
	}
	stack := []item{{root, level}}
	for len(stack) > 0 {
		if p.stopped(ctx) {
			return
		}
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		pt := it.part
		id := joinID(prefix, pt.PartID)
		p.partErrors(pt, id)
		if pt.FirstChild != nil || strings.HasPrefix(strings.ToLower(pt.ContentType), "multipart/") {
			if it.level+1 > p.lim.MaxDepth {
				p.problem(id, "too_deep", fmt.Sprintf("parts nested deeper than %d levels were not parsed", p.lim.MaxDepth), true)
				continue
			}
			var kids []*enmime.Part
			for c := pt.FirstChild; c != nil && len(kids) <= p.lim.MaxParts; c = c.NextSibling {
				kids = append(kids, c)
			}
			for i := len(kids) - 1; i >= 0; i-- {
				stack = append(stack, item{kids[i], it.level + 1})
			}
			continue
		}
		if pt != root {
			p.parts++
			if p.parts > p.lim.MaxParts {
				p.problem(joinID(prefix, "0"), "too_many_parts",
					fmt.Sprintf("only the first %d parts were parsed", p.lim.MaxParts), true)
				return
			}
		}
		p.guard(id, func() { p.leaf(ctx, pt, id, prefix, it.level, cdepth) })
	}
}

// enmimeProblems maps enmime's error names to our stable problem names.
var enmimeProblems = map[string]string{
	enmime.ErrorMalformedBase64:    "malformed_base64",
	enmime.ErrorMalformedHeader:    "bad_header",
	enmime.ErrorMissingBoundary:    "missing_boundary",
	enmime.ErrorMissingContentType: "missing_content_type",
	enmime.ErrorCharsetConversion:  "unknown_charset",
	enmime.ErrorContentEncoding:    "unknown_encoding",
	enmime.ErrorPlainTextFromHTML:  "html_to_text",
	enmime.ErrorCharsetDeclaration: "charset_mismatch",
	enmime.ErrorMalformedChildPart: "malformed_part",
	enmime.ErrorDataHasBoundary:    "data_has_boundary",
}

// partErrors converts enmime's errors on one part to problems.
func (p *parser) partErrors(pt *enmime.Part, id string) {
	for _, e := range pt.Errors {
		if e == nil {
			continue
		}
		if e.Name == enmime.ErrorCharsetConversion && strings.Contains(e.Detail, undeclaredCharset) {
			continue // our own marker, see parseMediaType
		}
		name, ok := enmimeProblems[e.Name]
		if !ok {
			name = "mime_error"
		}
		p.problem(id, name, e.Name+": "+e.Detail, e.Severe)
	}
}

// firstLines returns the first n lines of b.
func firstLines(b []byte, n int) string {
	lines := strings.SplitN(string(b), "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}
