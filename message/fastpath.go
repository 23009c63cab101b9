package message

import (
	"bytes"
	"encoding/binary"
	"io"
	"strings"

	"github.com/jhillyerd/enmime/v2"
)

// This file holds the shortcuts Parse takes around enmime where enmime's
// result is known not to depend on what is skipped. parser.plain turns
// them all off, for the differential tests, which parse the corpus and
// random input both ways and require the same Message.

// enmimeHeader returns the fields of the header block hdr that enmime
// reads (Content-Type, Content-Disposition, Content-Transfer-Encoding,
// Content-ID: every Content-* field, and MIME-Version), as their lines
// appear in hdr, and true; or nil and false when hdr has a line that
// enmime's header reader would complain about or rewrite (a line starting
// with a colon or white space, one without a colon, a field name with a
// character outside 33-126, a control character), in which case enmime
// must see it all so that its warnings are the same.
//
// The top-level header is most of a typical message's header bytes
// (Received chains, DKIM signatures), and enmime copies each line twice
// and builds a map of all of them; Parse splits and decodes the header
// itself (splitHeader, fillHeaders), so enmime needs only the fields that
// shape the MIME structure. With only clean lines dropped, enmime's
// header map differs only in fields it never reads, and it records the
// same problems.
func enmimeHeader(hdr []byte) ([]byte, bool) {
	return scanHeader(hdr, true)
}

// cleanHeader reports whether enmime reads hdr without complaint (see
// enmimeHeader).
func cleanHeader(hdr []byte) bool {
	_, ok := scanHeader(hdr, false)
	return ok
}

// scanHeader is enmimeHeader; collect false skips gathering the fields.
func scanHeader(hdr []byte, collect bool) ([]byte, bool) {
	var out []byte
	keep := false // the field being read is kept
	first := true
	for rest := hdr; len(rest) > 0; {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i+1], rest[i+1:]
		} else {
			rest = nil
		}
		body := bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
		if hasControl(body) {
			return nil, false
		}
		if len(body) == 0 {
			return nil, false // HeaderEnd ends hdr before a blank line
		}
		if body[0] == ' ' || body[0] == '\t' {
			if first {
				return nil, false // enmime's reader rejects this
			}
			if keep {
				out = append(out, line...)
			}
			continue
		}
		first = false
		colon := bytes.IndexByte(body, ':')
		if colon <= 0 {
			return nil, false
		}
		for _, c := range body[:colon] {
			if c < 33 || c > 126 {
				return nil, false
			}
		}
		name := body[:colon]
		keep = collect && len(name) > len("content-") && bytes.EqualFold(name[:len("content-")], []byte("content-")) ||
			bytes.EqualFold(name, []byte("mime-version"))
		if keep {
			if out == nil {
				out = make([]byte, 0, 512)
			}
			out = append(out, line...)
		}
	}
	if len(out) > 0 && out[len(out)-1] != '\n' {
		// The last kept line ended the input; what follows it must
		// still be the end of the header.
		return nil, false
	}
	return out, true
}

// enmimeReader returns what enmime reads of input, whose header block is
// input[:hdrLen]: the whole input, or the kept fields of the header
// followed by the rest of input (from its blank line on).
// kept is enmimeHeader(input[:hdrLen]) when clean, else nil.
func (p *parser) enmimeReader(input []byte, hdrLen int, kept []byte, clean bool) io.Reader {
	if !p.plain && clean && hdrLen <= len(input) {
		return &pairReader{kept, input[hdrLen:]}
	}
	return bytes.NewReader(input)
}

// simpleRoot returns the part enmime reads from a message that is one
// text part and needs nothing decoded, or nil when enmime must read it.
// That is a message whose header enmime reads without complaint (clean)
// and whose MIME fields (kept) are at most one Content-Type of a text/*
// type with no file name, no charset or US-ASCII or UTF-8 (which
// parseMediaType marks undeclaredCharset), at most one
// Content-Transfer-Encoding of 7bit, 8bit or binary, and MIME-Version;
// none folded. With no Content-Type enmime takes RFC 2045 §5.2's default,
// text/plain in US-ASCII. For these enmime gives the media type as
// parseMediaType returns it, no disposition or file name, the body as it
// stands (from the line after the empty one) as content, and one error:
// the charset reader it cannot find for undeclaredCharset, which
// partErrors drops. Half the SpamAssassin corpus, and all mail from
// simple senders (Postfix's smtp-source, scripts), is like this; enmime
// would read the header twice and copy the body twice to find that out.
func (p *parser) simpleRoot(input []byte, hdrLen int, kept []byte, clean bool) *enmime.Part {
	if p.plain || !clean || hdrLen >= len(input) {
		return nil
	}
	body := input[hdrLen:]
	switch {
	case bytes.HasPrefix(body, []byte("\r\n")):
		body = body[2:]
	case body[0] == '\n':
		body = body[1:]
	default:
		return nil // cannot happen: HeaderEnd stops at an empty line
	}
	var ctype, cte string
	var haveCT, haveCTE bool
	for rest := kept; len(rest) > 0; {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		if line[0] == ' ' || line[0] == '\t' {
			return nil // folded
		}
		name, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.Trim(value, " \t\r")
		switch {
		case bytes.EqualFold(name, []byte("content-type")) && !haveCT:
			haveCT, ctype = true, string(value)
		case bytes.EqualFold(name, []byte("content-transfer-encoding")) && !haveCTE:
			haveCTE, cte = true, string(value)
		case bytes.EqualFold(name, []byte("mime-version")):
		default:
			return nil // another MIME field, or one given twice
		}
	}
	switch strings.ToLower(cte) {
	case "", "7bit", "8bit", "binary":
	default:
		return nil
	}
	if ctype == "" {
		ctype = `text/plain; charset="us-ascii"`
	}
	mtype, params, invalid, err := parseMediaType(ctype)
	if err != nil || len(invalid) > 0 || !strings.HasPrefix(mtype, "text/") ||
		params["charset"] != undeclaredCharset || params["name"] != "" || params["file"] != "" {
		return nil
	}
	return &enmime.Part{PartID: "0", ContentType: mtype, Charset: undeclaredCharset, Content: body}
}

// pairReader reads a and then b: io.MultiReader over two bytes.Readers in
// one allocation instead of four.
type pairReader struct{ a, b []byte }

func (r *pairReader) Read(p []byte) (int, error) {
	if len(r.a) == 0 && len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.a)
	r.a = r.a[n:]
	if len(r.a) == 0 && n < len(p) {
		m := copy(p[n:], r.b)
		r.b = r.b[m:]
		n += m
	}
	return n, nil
}

// hasControl reports whether b holds a control character other than tab
// (below 0x20, or 0x7f), reading eight bytes at a time: a word with no
// byte below 0x20 and none equal to 0x7f is passed over, any other is
// read byte by byte (a tab only costs that).
func hasControl(b []byte) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		del := x ^ 0x7f*ones // a zero byte where x has 0x7f
		if (x-0x20*ones)&^x&highs == 0 && (del-ones)&^del&highs == 0 {
			continue
		}
		if hasControlBytes(b[i : i+8]) {
			return true
		}
	}
	return hasControlBytes(b[i:])
}

func hasControlBytes(b []byte) bool {
	for _, c := range b {
		if c < ' ' && c != '\t' || c == 0x7f {
			return true
		}
	}
	return false
}
