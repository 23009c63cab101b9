// Package attach is the attachment scanner: it looks at every attachment
// the message parser found — MIME parts, the members of zip, gzip, tar and
// TNEF (winmail.dat) containers, recursively, and the listed entries of
// rar and 7z archives — and reports files that hide or run code, plus
// files on the school's known-bad hash lists.
//
// File names come decoded from the parser (RFC 2231 parameters, RFC 2047
// encoded-words). The true type comes from the bytes
// (github.com/gabriel-vasile/mimetype, plus disk image signatures) and is
// compared with the name and the declared Content-Type.
//
// Rules (stable ids), category "attachment" unless noted:
//
//	attachment_executable         high      a program (PE, ELF, Mach-O, Java, MSI, shortcut) whatever its name
//	attachment_script             high      a script type (JavaScript, VBScript, PowerShell, shell, HTA ...) by name or content
//	attachment_dangerous_extension high     a name ending in an extension that runs code (data/dangerous-extensions.txt)
//	attachment_double_extension   high      a harmless-looking extension before a dangerous one (invoice.pdf.exe)
//	attachment_unicode_trick      high      right-to-left override or other bidi, invisible or look-alike characters in the name, or padding before the extension
//	attachment_type_mismatch      medium    the content is an archive, HTML or program although the name or declared type says a document or image
//	attachment_disk_image         high      ISO, IMG, VHD/VHDX or DMG disk images (by name or signature)
//	attachment_html               low       an HTML file attached (a page that opens locally, a common phishing carrier)
//	attachment_html_password_form high      an attached HTML page with a password field
//	attachment_pdf_javascript     high      a PDF with JavaScript
//	attachment_pdf_launch         high      a PDF with a Launch action
//	attachment_pdf_embedded_file  medium    a PDF carrying embedded files
//	attachment_office_macro       high      an Office document with a VBA project (OLE _VBA_PROJECT, OOXML vbaProject.bin)
//	attachment_macro_extension    medium    a macro-enabled Office extension (docm, xlsm, pptm ...) without macro content found
//	attachment_encrypted_archive  medium    an encrypted archive or entry: its content cannot be scanned
//	attachment_archive_bomb       high      an archive that expands far beyond its size (zip bomb); expansion was stopped
//	attachment_archive_limit      medium    an archive too deep, too large or with too many entries to scan fully
//	attachment_archive_listed     low       a rar or 7z archive: entries were listed and checked by name, not unpacked
//	attachment_hash_list          critical  (category "illegal") the file's SHA-256 or MD5 is on a configured hash list
//
// A hash-list finding carries the tag TagNoExcerpt: alerts must name the
// finding and the list but never include or attach the file.
//
// The scanner reports facts; it never decides what happens to the message.
package attach

import (
	"bufio"
	"context"
	"crypto/md5"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
)

// Name is the scanner's stable id.
const Name = "attachments"

// TagNoExcerpt marks a finding whose alert must not include or attach the
// file or any excerpt of it (hash-list matches of illegal material).
const TagNoExcerpt = "no_excerpt"

//go:embed data/dangerous-extensions.txt
var dangerousTxt string

// Options configures the scanner.
type Options struct {
	// Logger is kept for future diagnostics; nil discards.
	Logger *slog.Logger
	// HashFiles name lists of known-bad files: one hex SHA-256 (64
	// digits) or MD5 (32 digits) a line, optionally followed by white
	// space or a comma and a label; "#" comments.
	HashFiles []string
	// ExtraDangerous are more dangerous extensions (no dot).
	ExtraDangerous []string
	// AllowExtensions are extensions never reported as dangerous (no dot).
	AllowExtensions []string
}

// Scanner is the attachment scanner. It is safe for concurrent use.
type Scanner struct {
	log         *slog.Logger
	dangerous   map[string]bool
	sha256      map[[32]byte]string
	md5         map[[16]byte]string
	maxFindings int
}

var _ scanners.Scanner = (*Scanner)(nil)

// New builds a scanner, reading the hash lists.
func New(opts Options) (*Scanner, error) {
	s := &Scanner{log: opts.Logger, dangerous: map[string]bool{}, maxFindings: 50,
		sha256: map[[32]byte]string{}, md5: map[[16]byte]string{}}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	for _, l := range strings.Split(dangerousTxt, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			s.dangerous[l] = true
		}
	}
	for _, e := range opts.ExtraDangerous {
		s.dangerous[strings.ToLower(strings.Trim(e, ". "))] = true
	}
	for _, e := range opts.AllowExtensions {
		delete(s.dangerous, strings.ToLower(strings.Trim(e, ". ")))
	}
	for _, f := range opts.HashFiles {
		if err := s.loadHashes(f); err != nil {
			return nil, fmt.Errorf("attachments: hash list: %w", err)
		}
	}
	return s, nil
}

// loadHashes reads one hash list file.
func (s *Scanner) loadHashes(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }() // read side
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	base := path.Base(name)
	for n := 1; sc.Scan(); n++ {
		l := sc.Text()
		if i := strings.IndexByte(l, '#'); i >= 0 {
			l = l[:i]
		}
		fields := strings.FieldsFunc(l, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' || r == ';' })
		if len(fields) == 0 {
			continue
		}
		h := strings.ToLower(fields[0])
		h = strings.TrimPrefix(strings.TrimPrefix(h, "sha256:"), "md5:")
		b, err := hex.DecodeString(h)
		if err != nil {
			return fmt.Errorf("%s:%d: %q is not a hex hash", name, n, fields[0])
		}
		label := base
		if len(fields) > 1 {
			label = base + ": " + strings.Join(fields[1:], " ")
		}
		switch len(b) {
		case 32:
			s.sha256[[32]byte(b)] = label
		case 16:
			s.md5[[16]byte(b)] = label
		default:
			return fmt.Errorf("%s:%d: want a SHA-256 (64 hex digits) or MD5 (32), got %d digits", name, n, len(h))
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	return nil
}

// Name returns "attachments".
func (s *Scanner) Name() string { return Name }

// finder collects findings, one per rule and part.
type finder struct {
	out  []scanners.Finding
	seen map[string]bool
	max  int
}

func (f *finder) add(fd scanners.Finding) {
	k := fd.Rule + "\x00" + partOf(fd)
	if f.seen[k] || len(f.out) >= f.max {
		return
	}
	if f.seen == nil {
		f.seen = map[string]bool{}
	}
	f.seen[k] = true
	fd.Scanner = Name
	if fd.Category == "" {
		fd.Category = scanners.AttachmentRisk
	}
	f.out = append(f.out, fd)
}

func partOf(fd scanners.Finding) string {
	if len(fd.Evidence) > 0 {
		return fd.Evidence[0].Part
	}
	return ""
}

// Scan reports the attachment findings of m.
func (s *Scanner) Scan(ctx context.Context, m *message.Message, _ *scanners.Envelope) ([]scanners.Finding, error) {
	f := &finder{max: s.maxFindings}
	byID := make(map[string]int, len(m.Attachments))
	for i, a := range m.Attachments {
		byID[a.PartID] = i
	}
	htmlByPart := map[string]string{}
	for _, t := range m.Texts {
		if t.HTML != "" {
			htmlByPart[t.PartID] = t.HTML
		}
	}
	for i := range m.Attachments {
		if i%32 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("attachments: %w", err)
			}
		}
		a := &m.Attachments[i]
		s.checkAttachment(m, a, byID, htmlByPart, f)
	}
	s.checkProblems(m, byID, f)
	if len(s.sha256) > 0 || len(s.md5) > 0 {
		if err := s.checkHashes(ctx, m, f); err != nil {
			return nil, err
		}
	}
	return f.out, nil
}

// officeContainer returns the office document that a is a part of, if
// any (the zip container of "x.docx/word/document.xml").
func officeContainer(m *message.Message, a *message.Attachment, byID map[string]int) (*message.Attachment, bool) {
	if a.Container == "" {
		return nil, false
	}
	i, ok := byID[a.Container]
	if !ok {
		return nil, false
	}
	c := &m.Attachments[i]
	return c, isOfficeZip(c)
}

// isOfficeZip reports OOXML and ODF documents (zip containers).
func isOfficeZip(a *message.Attachment) bool {
	t := a.DetectedType
	if strings.Contains(t, "openxmlformats") || strings.Contains(t, "opendocument") || strings.Contains(t, "ms-excel.sheet.macroenabled") {
		return true
	}
	switch extOf(a.Filename) {
	case "docx", "docm", "dotx", "dotm", "xlsx", "xlsm", "xltx", "xltm", "xlsb", "xlam", "pptx", "pptm", "potx", "potm", "ppsx", "ppsm", "ppam", "odt", "ods", "odp", "vsdx", "vsdm":
		return true
	}
	return false
}

// extOf returns the lower-case extension of name without the dot, after
// the trailing dots and spaces Windows ignores.
func extOf(name string) string {
	name = strings.TrimRight(name, ". \t")
	return strings.TrimPrefix(strings.ToLower(path.Ext(name)), ".")
}

func (s *Scanner) checkAttachment(m *message.Message, a *message.Attachment, byID map[string]int, htmlByPart map[string]string, f *finder) {
	if c, ok := officeContainer(m, a, byID); ok {
		// Inside an office document only macros matter.
		if hasFlag(a, message.FlagVBA) || strings.EqualFold(path.Base(a.PartID), "vbaProject.bin") {
			f.add(scanners.Finding{Rule: "attachment_office_macro", Severity: scanners.High, Score: 6,
				Explanation: "the Office document " + display(c) + " contains a VBA macro project; macros are the commonest way documents install malware",
				Evidence:    []scanners.Evidence{nameEvidence(c), typeEvidence(a, "macro project "+strings.TrimPrefix(a.PartID, c.PartID+"/"))}})
		}
		return
	}
	name := a.Filename
	ext := extOf(name)
	s.checkName(a, ext, f)
	if hasFlag(a, message.FlagListedOnly) {
		return // no content to look at
	}
	s.checkType(a, ext, f)
	if isHTMLAttachment(a, ext) {
		if h, ok := htmlByPart[a.PartID]; ok && hasPasswordForm(h) {
			f.add(scanners.Finding{Rule: "attachment_html_password_form", Severity: scanners.High, Score: 6,
				Explanation: "the attached web page " + display(a) + " asks for a password; opened, it shows a fake sign-in form",
				Evidence:    []scanners.Evidence{nameEvidence(a), typeEvidence(a, "HTML form with a password field")}})
		} else {
			f.add(scanners.Finding{Rule: "attachment_html", Severity: scanners.Low, Score: 1,
				Explanation: "an HTML page is attached (" + display(a) + "); attached pages open in the browser and are a common phishing carrier",
				Evidence:    []scanners.Evidence{nameEvidence(a)}})
		}
	}
	for _, fl := range a.Flags {
		switch fl {
		case message.FlagPDFJavaScript:
			f.add(scanners.Finding{Rule: "attachment_pdf_javascript", Severity: scanners.High, Score: 5,
				Explanation: "the PDF " + display(a) + " contains JavaScript, which ordinary documents do not need",
				Evidence:    []scanners.Evidence{nameEvidence(a), typeEvidence(a, "/JavaScript")}})
		case message.FlagPDFLaunch:
			f.add(scanners.Finding{Rule: "attachment_pdf_launch", Severity: scanners.High, Score: 6,
				Explanation: "the PDF " + display(a) + " has a Launch action, which starts a program",
				Evidence:    []scanners.Evidence{nameEvidence(a), typeEvidence(a, "/Launch")}})
		case message.FlagPDFEmbeddedFile:
			f.add(scanners.Finding{Rule: "attachment_pdf_embedded_file", Severity: scanners.Medium, Score: 3,
				Explanation: "the PDF " + display(a) + " carries embedded files, which are not scanned inside the PDF",
				Evidence:    []scanners.Evidence{nameEvidence(a), typeEvidence(a, "/EmbeddedFile")}})
		case message.FlagVBA:
			f.add(scanners.Finding{Rule: "attachment_office_macro", Severity: scanners.High, Score: 6,
				Explanation: "the Office document " + display(a) + " contains a VBA macro project; macros are the commonest way documents install malware",
				Evidence:    []scanners.Evidence{nameEvidence(a), typeEvidence(a, "OLE _VBA_PROJECT stream")}})
		}
	}
	if macroExt[ext] && !hasFlag(a, message.FlagVBA) && !containsMacro(m, a) {
		f.add(scanners.Finding{Rule: "attachment_macro_extension", Severity: scanners.Medium, Score: 3,
			Explanation: "the file " + display(a) + " has a macro-enabled Office extension (." + ext + ")",
			Evidence:    []scanners.Evidence{extEvidence(a)}})
	}
}

// containsMacro reports whether an entry of office zip a is a VBA project.
func containsMacro(m *message.Message, a *message.Attachment) bool {
	prefix := a.PartID + "/"
	for i := range m.Attachments {
		e := &m.Attachments[i]
		if strings.HasPrefix(e.PartID, prefix) && (hasFlag(e, message.FlagVBA) || strings.EqualFold(path.Base(e.PartID), "vbaProject.bin")) {
			return true
		}
	}
	return false
}

// macroExt are the macro-enabled and macro-capable Office extensions
// (Microsoft's file format references; see shared office-macro-extensions).
var macroExt = map[string]bool{
	"docm": true, "dotm": true, "xlsm": true, "xltm": true, "xlam": true, "xlsb": true,
	"pptm": true, "potm": true, "ppsm": true, "ppam": true, "sldm": true,
	"vsdm": true, "vssm": true, "vstm": true, "xla": true, "xlw": true, "ppa": true,
}

func hasFlag(a *message.Attachment, flag string) bool {
	for _, f := range a.Flags {
		if f == flag {
			return true
		}
	}
	return false
}

// display names an attachment for an explanation: its file name, or its
// part.
func display(a *message.Attachment) string {
	if a.Filename != "" {
		return fmt.Sprintf("%q", strings.Map(visibleRune, truncate(a.Filename, 120)))
	}
	return "in part " + a.PartID
}

// visibleRune replaces the characters that reorder or hide text, so an
// explanation shows the name as it is stored.
func visibleRune(r rune) rune {
	if bidiOrInvisible(r) {
		return '?'
	}
	return r
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// nameEvidence quotes the whole file name (or the part, when unnamed).
func nameEvidence(a *message.Attachment) scanners.Evidence {
	if a.Filename == "" {
		return scanners.Evidence{Part: a.PartID, Field: "attachment", Text: "unnamed part " + a.PartID}
	}
	t := a.Filename
	if len(t) > 300 {
		t = truncate(t, 300)
	}
	return scanners.Evidence{Part: a.PartID, Field: "filename", Length: len(a.Filename), Text: t}
}

// extEvidence points at the extension in the file name.
func extEvidence(a *message.Attachment) scanners.Evidence {
	name := strings.TrimRight(a.Filename, ". \t")
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return nameEvidence(a)
	}
	return scanners.Evidence{Part: a.PartID, Field: "filename", Offset: i, Length: len(name) - i, Text: name[i:]}
}

// typeEvidence states a fact about the content (not a span of text).
func typeEvidence(a *message.Attachment, fact string) scanners.Evidence {
	return scanners.Evidence{Part: a.PartID, Field: "attachment", Text: fact}
}

// checkHashes compares every attachment with content against the lists.
func (s *Scanner) checkHashes(ctx context.Context, m *message.Message, f *finder) error {
	for i := range m.Attachments {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("attachments: %w", err)
		}
		a := &m.Attachments[i]
		if len(a.Data) == 0 || a.Truncated {
			continue
		}
		var label, sum, algo string
		if len(s.sha256) > 0 {
			h := sha256.Sum256(a.Data)
			if l, ok := s.sha256[h]; ok {
				label, sum, algo = l, hex.EncodeToString(h[:]), "SHA-256"
			}
		}
		if label == "" && len(s.md5) > 0 {
			h := md5.Sum(a.Data) //nolint:gosec // matching published MD5 lists, not security
			if l, ok := s.md5[h]; ok {
				label, sum, algo = l, hex.EncodeToString(h[:]), "MD5"
			}
		}
		if label == "" {
			continue
		}
		fd := scanners.Finding{Rule: "attachment_hash_list", Category: scanners.Illegal, Severity: scanners.Critical, Score: 100,
			Explanation: "an attachment matches a known-file hash list (" + label + "); do not open it, and follow the school's procedure for illegal material",
			Evidence:    []scanners.Evidence{{Part: a.PartID, Field: "attachment", Text: algo + " " + sum}}}
		setNoExcerpt(&fd)
		f.add(fd)
	}
	return nil
}
