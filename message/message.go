// Package message owns the parsed view of one mail message that every scanner
// shares: decoded headers, addresses, every text part (HTML also turned into
// text), URLs, and attachments, recursively (nested message/rfc822 parts and
// archives included).
//
// A message is parsed once, from the raw bytes the relay received, by Parse.
// Parsing is lenient (RFC 5322, RFC 2045-2049, RFC 2047, RFC 2231): it always
// returns a usable *Message, and damage it met on the way (bad boundaries,
// unknown charsets, broken base64, limits reached) is recorded in
// Message.Problems, which the pipeline turns into "malformed" findings.
// Parse never panics on any input.
//
// Scanners read a Message concurrently and must never modify it.
//
// # Part IDs
//
// MIME parts are named as enmime names them: "0" for a single-part
// message, "1", "2", "1.2", ... for the leaves of a multipart (nested
// multiparts themselves end in ".0"). Anything inside a container gets the
// container's ID and a slash: the parts of a message/rfc822 part "2" are
// "2/1", "2/2"; the entries of a zip archive in part "3" are
// "3/dir/name.exe", and of a zip inside it "3/inner.zip/x.txt".
//
// # Text and links
//
// HTML is turned into the text a reader sees (htmlScanner, our own
// tokenizer, which gives x/net/html's tokens without its copies): script,
// style and similar raw-text elements are dropped, comments vanish,
// entities are decoded, zero-width characters removed.
// Links come from HTML attributes (href, src, action, background, srcset,
// meta refresh; anchors keep their text) and from plain text with xurls'
// relaxed matcher, so that scheme-less links such as "evil.example/login"
// are found too. Only web-like links are kept: mailto:, tel:, cid:, data:
// and javascript: are not links for this purpose. Links are deduplicated
// per part.
//
// Text is also taken from text-like attachments (text/*, .txt, .csv,
// .html, .svg, ...) and from office documents inside zip containers
// (OOXML word/document.xml, xl/sharedStrings.xml, ppt/slides/*.xml; ODF
// content.xml), with the attachment's PartID and content type.
//
// Besides zip, gzip and tar archives and TNEF (winmail.dat) are unpacked,
// and rar and 7z archives are listed (names only, from their headers; see
// expand.go). Attachment.Flags records active content (PDF JavaScript,
// Launch, embedded files; VBA projects in OLE files), and the links of
// PDF files join URLs. ScanHTML gives scanners the attribute context of
// HTML links and forms.
//
// # Problems
//
// Problem names are stable snake_case identifiers:
//
//	from enmime:  malformed_base64, bad_header, missing_boundary,
//	              missing_content_type, unknown_charset, unknown_encoding,
//	              charset_mismatch, malformed_part, data_has_boundary,
//	              mime_error (any other enmime error)
//	structure:    bad_mime, too_many_parts, too_deep, header_too_large,
//	              text_truncated, undeclared_charset
//	headers:      bad_address, bad_date, unknown_charset
//	archives:     archive_limit, archive_bomb, encrypted_archive, bad_archive,
//	              suspicious_archive_path
//	other:        too_many_urls, too_many_problems, parser_panic,
//	              parse_cancelled (the context ended before the end)
//
// Each name is recorded once per part, and at most 100 problems per message.
//
// # Limits
//
// enmime reads part bodies a byte at a time and copies them several
// times, so Parse hands it less: only the Content-* fields of a clean
// top-level header (fastpath.go), and placeholders instead of the bodies
// whose content it can produce the same way itself, found by following
// enmime's boundary reader exactly (elide.go): bodies without transfer
// encoding (kept as slices of the input), clean base64 (decoded once into
// a buffer of the decoded size) and quoted-printable, undeclared,
// latin-1 or windows-1252. Differential tests over the corpus and a fuzz
// target check that the Message is the same as without these shortcuts.
//
// Before enmime sees the bytes, multiparts nested deeper than MaxDepth have
// their bodies elided and parts after the MaxParts-th are cut, because
// enmime itself recurses without bounds. Archive entries are read through
// a limited reader, never trusting declared sizes; archives whose central
// directory lists more than 16×MaxArchiveEntries records are not opened,
// and all archives of one message together yield at most
// 4×MaxArchiveEntries entries.
package message

import (
	"strings"
	"time"
)

// Limits bounds the work Parse does on one message. Zero values mean the
// documented defaults (see DefaultLimits), never "unlimited".
type Limits struct {
	// MaxParts is the most MIME parts (all levels) that are inspected.
	MaxParts int
	// MaxDepth is the deepest nesting of multiparts, message/rfc822 parts and
	// archives that is followed.
	MaxDepth int
	// MaxHeaderBytes is the largest header block that is parsed; the rest is
	// a problem, not a crash.
	MaxHeaderBytes int
	// MaxArchiveEntries is the most entries read from one archive.
	MaxArchiveEntries int
	// MaxExpandedBytes is the most bytes expanded from archives in one
	// message (zip bomb guard).
	MaxExpandedBytes int64
	// MaxTextBytes is the most text kept per text part for scanning.
	MaxTextBytes int
	// MaxCompressionRatio is how many times its compressed size an archive
	// (and all archives inside it) may expand to, beyond the first MiB per
	// entry; more is a zip bomb (problem archive_bomb).
	MaxCompressionRatio int
}

// DefaultLimits returns the limits used when a field of Limits is zero.
func DefaultLimits() Limits {
	return Limits{
		MaxParts:          500,
		MaxDepth:          10,
		MaxHeaderBytes:    1 << 20,
		MaxArchiveEntries: 1000,
		MaxExpandedBytes:  100 << 20,
		MaxTextBytes:      4 << 20,

		MaxCompressionRatio: 100,
	}
}

// WithDefaults returns l with every zero field set to its default.
func (l Limits) WithDefaults() Limits {
	d := DefaultLimits()
	if l.MaxParts <= 0 {
		l.MaxParts = d.MaxParts
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = d.MaxHeaderBytes
	}
	if l.MaxArchiveEntries <= 0 {
		l.MaxArchiveEntries = d.MaxArchiveEntries
	}
	if l.MaxExpandedBytes <= 0 {
		l.MaxExpandedBytes = d.MaxExpandedBytes
	}
	if l.MaxTextBytes <= 0 {
		l.MaxTextBytes = d.MaxTextBytes
	}
	if l.MaxCompressionRatio <= 0 {
		l.MaxCompressionRatio = d.MaxCompressionRatio
	}
	return l
}

// Message is the parsed view of one message.
type Message struct {
	// Raw is the message exactly as received (CRLF line endings on the wire).
	Raw []byte
	// Headers are the top-level header fields in order, values decoded
	// (RFC 2047) to UTF-8.
	Headers []Header
	// Subject is the decoded Subject header.
	Subject string
	// From, To, Cc, ReplyTo and Sender are the parsed address headers.
	From    []Address
	To      []Address
	Cc      []Address
	ReplyTo []Address
	Sender  []Address
	// MessageID is the Message-ID header without angle brackets.
	MessageID string
	// Date is the parsed Date header, zero when missing or invalid.
	Date time.Time
	// Texts are the text parts in tree order: text/plain, text/html (also
	// converted to text), and text found inside attachments.
	Texts []Text
	// URLs are the links found in text and HTML parts.
	URLs []URL
	// Attachments are the non-text leaf parts, and entries of archives,
	// recursively.
	Attachments []Attachment
	// Problems is the damage met while parsing; each becomes a "malformed"
	// finding.
	Problems []Problem
}

// Header is one decoded header field.
type Header struct {
	Name  string
	Value string
}

// Address is one mailbox: display name and addr-spec.
type Address struct {
	Name string
	Addr string
}

// String returns the address as `"Name" <addr>` or `addr`.
func (a Address) String() string {
	if a.Name == "" {
		return a.Addr
	}
	return a.Name + " <" + a.Addr + ">"
}

// Text is the decoded text of one part, in UTF-8.
type Text struct {
	// PartID is the part's position in the MIME tree ("0", "1.2", ...);
	// for text found in an attachment, the attachment's PartID.
	PartID string
	// ContentType is the declared media type, e.g. "text/plain".
	ContentType string
	// FromHTML is true when Content was converted from HTML.
	FromHTML bool
	// HTML is the original (decoded) HTML for text/html parts, else empty.
	HTML string
	// Content is the text to scan.
	Content string
}

// URL is one link found in the message.
type URL struct {
	// PartID is the part the link was found in.
	PartID string
	// Raw is the link as written.
	Raw string
	// Host is the lower-cased host name, empty when none could be parsed.
	Host string
	// Anchor is the link text of an HTML anchor, when there is one.
	Anchor string
}

// Attachment is one non-text part, or one entry of an archive.
type Attachment struct {
	// PartID is the part's position; archive entries append "/<name>".
	PartID string
	// Filename is the declared file name (decoded), possibly empty.
	Filename string
	// ContentType is the declared media type (lower case). Archive entries
	// declare none, so theirs is DetectedType.
	ContentType string
	// DetectedType is the media type sniffed from the first bytes of Data
	// (magic numbers), e.g. "application/x-msdownload" for a program,
	// whatever the declared type or file name say; "" when Data is empty.
	DetectedType string
	// Size is the decoded size in bytes.
	Size int64
	// Data is the decoded content (may be truncated at limits; see
	// Truncated).
	Data []byte
	// Truncated is true when Data holds less than Size bytes.
	Truncated bool
	// Container is the PartID of the archive or message this came from,
	// empty for top-level parts.
	Container string
	// Depth is the nesting depth (0 for a top-level part).
	Depth int
	// Flags are facts found inside (Flag* constants: PDF scripts, VBA
	// macros, encrypted or listed-only archive entries).
	Flags []string
}

// Problem is one piece of damage met while parsing.
type Problem struct {
	// PartID is where it was found ("" for the message as a whole).
	PartID string
	// Name is a short stable identifier, e.g. "malformed_base64",
	// "missing_boundary", "unknown_charset", "too_many_parts".
	Name string
	// Detail is a human explanation.
	Detail string
	// Severe is true when content may have been lost or hidden.
	Severe bool
}

// HeaderValues returns the decoded values of every header field named name
// (case-insensitive), in order.
func (m *Message) HeaderValues(name string) []string {
	var out []string
	for _, h := range m.Headers {
		if strings.EqualFold(h.Name, name) {
			out = append(out, h.Value)
		}
	}
	return out
}

// Header returns the first decoded value of the header named name, or "".
func (m *Message) Header(name string) string {
	for _, h := range m.Headers {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}
