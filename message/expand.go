package message

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// Attachment flags (Attachment.Flags): facts about active or hidden
// content the parser met while looking inside an attachment. The strings
// are stable.
const (
	// FlagPDFJavaScript: a PDF with /JavaScript or /JS.
	FlagPDFJavaScript = "pdf_javascript"
	// FlagPDFLaunch: a PDF with a /Launch action.
	FlagPDFLaunch = "pdf_launch"
	// FlagPDFEmbeddedFile: a PDF carrying embedded files.
	FlagPDFEmbeddedFile = "pdf_embedded_file"
	// FlagPDFOpenAction: a PDF that runs an action when opened.
	FlagPDFOpenAction = "pdf_open_action"
	// FlagVBA: an OLE2 compound file holding a VBA project (the
	// "_VBA_PROJECT" stream, MS-OVBA §2.3.4.1), e.g. a .doc or .xls with
	// macros, or the vbaProject.bin of an OOXML document.
	FlagVBA = "vba_macro"
	// FlagEncrypted: an archive entry (or a whole archive) that is
	// encrypted, so its content could not be read.
	FlagEncrypted = "encrypted"
	// FlagListedOnly: an entry of an archive format that is listed but
	// not unpacked (rar, 7z): its name and size are known, its content
	// is not.
	FlagListedOnly = "listed_only"
)

// bombSlack is how many bytes any archive entry may expand to before the
// compression ratio limit applies (small files compress extremely well).
const bombSlack = 1 << 20

// bombBudget is the compression-ratio budget of one archive tree: the
// tree may expand to MaxCompressionRatio times the bytes of its outermost
// archive (plus bombSlack), which also stops overlapping-entry bombs
// whose entries each look harmless.
type bombBudget struct {
	packed, unpacked int64
}

// ratioLimit returns how many bytes an entry of tree that occupies packed
// bytes may expand to.
func (p *parser) ratioLimit(tree *archiveTree, packed uint64) int64 {
	r := int64(p.lim.MaxCompressionRatio)
	limit := r*int64(min(packed, 1<<40)) + bombSlack
	if tree != nil && tree.bomb.packed > 0 {
		limit = min(limit, max(r*tree.bomb.packed+bombSlack-tree.bomb.unpacked, 0))
	}
	return limit
}

// declaredBomb reports (and records) an entry whose declared size already
// breaks the ratio limit, so it is not expanded at all. Sizes that lie
// are caught while reading: archive/zip refuses to read past the declared
// size, and readEntry stops at the ratio limit.
func (p *parser) declaredBomb(tree *archiveTree, packed, unpacked uint64, archiveID, name string) bool {
	if unpacked <= uint64(p.ratioLimit(tree, packed)) {
		return false
	}
	p.expansionStopped(archiveID, name, true)
	return true
}

// expansionStopped records why reading an archive entry stopped early:
// the compression ratio (a zip bomb) or the message's expansion limit.
func (p *parser) expansionStopped(archiveID, name string, ratio bool) {
	if ratio {
		p.problem(archiveID, "archive_bomb",
			fmt.Sprintf("archive entry %s expands more than %d times its compressed size (a zip bomb); expansion stopped",
				quoteShort(name), p.lim.MaxCompressionRatio), true)
		return
	}
	p.problem(archiveID, "archive_limit",
		fmt.Sprintf("archive expansion stopped at the limit of %d bytes", p.lim.MaxExpandedBytes), true)
}

// inspect returns the flags of attachment a (before it is recorded) and
// adds the links of PDF files to the message.
func (p *parser) inspect(a Attachment) []string {
	var flags []string
	switch {
	case isPDF(a.Data):
		// Streams count against the message's expansion budget and may
		// not inflate more than the compression ratio allows.
		budget := min(p.lim.MaxExpandedBytes-p.expanded, int64(p.lim.MaxCompressionRatio)*int64(len(a.Data))+bombSlack, 16<<20)
		info := AnalyzePDF(a.Data, budget)
		p.expanded += info.Inflated
		for _, f := range []struct {
			on   bool
			flag string
		}{{info.JavaScript, FlagPDFJavaScript}, {info.Launch, FlagPDFLaunch}, {info.EmbeddedFile, FlagPDFEmbeddedFile}, {info.OpenAction, FlagPDFOpenAction}} {
			if f.on {
				flags = append(flags, f.flag)
			}
		}
		for _, u := range info.URIs {
			p.addURL(a.PartID, u, "")
		}
	case isOLE(a.Data) && bytes.Contains(a.Data, vbaProjectName):
		flags = append(flags, FlagVBA)
	}
	return flags
}

// vbaProjectName is "_VBA_PROJECT" as an OLE2 directory entry name
// (UTF-16LE).
var vbaProjectName = func() []byte {
	var b []byte
	for _, c := range "_VBA_PROJECT" {
		b = append(b, byte(c), 0)
	}
	return b
}()

// isOLE reports the OLE2 compound file signature ([MS-CFB] §2.2).
func isOLE(b []byte) bool {
	return bytes.HasPrefix(b, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
}

func isGzip(b []byte) bool { return len(b) > 10 && b[0] == 0x1f && b[1] == 0x8b && b[2] == 8 }

// isTar reports a POSIX or GNU tar header ("ustar" at offset 257).
func isTar(b []byte) bool { return len(b) >= 512 && bytes.Equal(b[257:262], []byte("ustar")) }

func isRar(b []byte) bool { return bytes.HasPrefix(b, []byte("Rar!\x1a\x07")) }

func is7z(b []byte) bool { return bytes.HasPrefix(b, []byte{'7', 'z', 0xBC, 0xAF, 0x27, 0x1C}) }

// isTNEF reports the TNEF signature ([MS-OXTNEF] §2.1.3.1): winmail.dat.
func isTNEF(b []byte) bool {
	return len(b) >= 6 && binary.LittleEndian.Uint32(b) == 0x223E9F78
}

// expandMore opens containers other than zip: gzip, tar and TNEF are
// unpacked, rar and 7z are listed. It reports whether a was one.
func (p *parser) expandMore(ctx context.Context, a Attachment, level int, tree *archiveTree) bool {
	var open func(context.Context, Attachment, int, *archiveTree)
	switch {
	case isGzip(a.Data):
		open = p.expandGzip
	case isTar(a.Data):
		open = p.expandTar
	case isTNEF(a.Data):
		open = p.expandTNEF
	case isRar(a.Data):
		open = p.listRar
	case is7z(a.Data):
		open = p.list7z
	default:
		return false
	}
	if level > p.lim.MaxDepth {
		p.problem(a.PartID, "archive_limit",
			fmt.Sprintf("archive nested deeper than %d levels was not expanded", p.lim.MaxDepth), true)
		return true
	}
	if tree == nil {
		tree = &archiveTree{bomb: bombBudget{packed: int64(len(a.Data))}}
	}
	open(ctx, a, level, tree)
	return true
}

// takeEntry counts one archive entry against the limits; false when the
// limit was reached (and recorded).
func (p *parser) takeEntry(a Attachment, tree *archiveTree) bool {
	if tree.entries >= p.lim.MaxArchiveEntries || p.entries >= maxMessageEntriesFactor*p.lim.MaxArchiveEntries {
		p.problem(a.PartID, "archive_limit",
			fmt.Sprintf("only the first %d archive entries were read", tree.entries), true)
		return false
	}
	tree.entries++
	p.entries++
	return true
}

// entry returns the attachment for the member name of archive a.
func entry(a Attachment, name string, size int64) Attachment {
	return Attachment{
		PartID:    a.PartID + "/" + name,
		Filename:  path.Base(strings.ReplaceAll(name, `\`, "/")),
		Size:      size,
		Container: a.PartID,
		Depth:     a.Depth + 1,
	}
}

// readMember reads one member from r within the expansion budget and, for
// compressed data, the ratio limit for packed bytes (packed < 0: not
// compressed).
func (p *parser) readMember(r io.Reader, a Attachment, name string, packed int64, hint int64, tree *archiveTree) []byte {
	remaining := p.lim.MaxExpandedBytes - p.expanded
	if remaining <= 0 {
		p.expansionStopped(a.PartID, name, false)
		return nil
	}
	limit := remaining
	if packed >= 0 {
		limit = min(limit, p.ratioLimit(tree, uint64(packed)))
	}
	data, err := readLimited(r, limit, min(hint, 1<<20))
	n := int64(len(data))
	if n > limit {
		data, n = data[:limit], limit
		p.expansionStopped(a.PartID, name, limit < remaining)
	}
	p.expanded += n
	if packed >= 0 {
		tree.bomb.unpacked += n
	}
	if err != nil {
		p.problem(a.PartID, "bad_archive", fmt.Sprintf("archive entry %s is damaged: %v", quoteShort(name), err), true)
	}
	return data
}

// expandGzip unpacks a gzip file (RFC 1952) into one member, named as
// the header says or as the file without ".gz".
func (p *parser) expandGzip(ctx context.Context, a Attachment, level int, tree *archiveTree) {
	zr, err := gzip.NewReader(bytes.NewReader(a.Data))
	if err != nil {
		p.problem(a.PartID, "bad_archive", fmt.Sprintf("gzip file cannot be read: %v", err), true)
		return
	}
	name := zr.Name
	if name == "" || !utf8Valid(name) {
		base := a.Filename
		switch ext := strings.ToLower(path.Ext(base)); ext {
		case ".tgz":
			name = strings.TrimSuffix(base, base[len(base)-len(ext):]) + ".tar"
		case ".gz":
			name = base[:len(base)-len(ext)]
		default:
			name = "data"
		}
	}
	if len(name) > 1024 {
		name = truncateUTF8(name, 1024)
	}
	if !p.takeEntry(a, tree) {
		return
	}
	// ISIZE, the last four bytes, is the size modulo 2^32 (RFC 1952 §2.3.1).
	isize := binary.LittleEndian.Uint32(a.Data[len(a.Data)-4:])
	e := entry(a, name, int64(isize))
	if !p.declaredBomb(tree, uint64(len(a.Data)), uint64(isize), a.PartID, name) {
		e.Data = p.readMember(zr, a, name, int64(len(a.Data)), int64(len(a.Data))*4, tree)
		e.Size = max(e.Size, int64(len(e.Data)))
	}
	e.Truncated = int64(len(e.Data)) < e.Size
	p.addAttachment(ctx, e, "", level, tree)
}

// expandTar unpacks the regular files of a tar archive (POSIX.1-2001).
func (p *parser) expandTar(ctx context.Context, a Attachment, level int, tree *archiveTree) {
	tr := tar.NewReader(bytes.NewReader(a.Data))
	for {
		if p.stopped(ctx) {
			return
		}
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			p.problem(a.PartID, "bad_archive", fmt.Sprintf("tar archive cannot be read: %v", err), true)
			return
		}
		if h.Typeflag != tar.TypeReg { // the reader reports old '\x00' entries as TypeReg too
			continue
		}
		if !p.takeEntry(a, tree) {
			return
		}
		name := strings.ToValidUTF8(h.Name, "\uFFFD")
		if len(name) > 1024 {
			name = truncateUTF8(name, 1024)
		}
		if unsafeEntryPath(name) {
			p.problem(a.PartID, "suspicious_archive_path",
				"archive entry "+quoteShort(name)+" points outside the archive", false)
		}
		e := entry(a, name, max(h.Size, 0))
		e.Data = p.readMember(tr, a, name, -1, h.Size, tree)
		e.Truncated = int64(len(e.Data)) < e.Size
		p.addAttachment(ctx, e, "", level, tree)
	}
}

// TNEF attribute ids ([MS-OXTNEF] §2.1.3.3): the type in the high word.
const (
	tnefAttachRendData = 0x00069002 // starts a new attachment
	tnefAttachTitle    = 0x00018010 // its (short) file name
	tnefAttachData     = 0x0006800F // its content
)

// expandTNEF unpacks the attachments of a TNEF stream (winmail.dat,
// [MS-OXTNEF]): each attAttachRendData starts one, attAttachTitle names
// it and attAttachData holds its bytes. Content is not copied.
func (p *parser) expandTNEF(ctx context.Context, a Attachment, level int, tree *archiveTree) {
	b := a.Data[6:] // signature and legacy key
	var cur *Attachment
	flush := func() {
		if cur == nil {
			return
		}
		if cur.Filename == "" {
			cur.Filename = "attachment"
		}
		e := entry(a, cur.Filename, int64(len(cur.Data)))
		e.Data = cur.Data
		cur = nil
		if p.takeEntry(a, tree) {
			p.addAttachment(ctx, e, "", level, tree)
		}
	}
	for len(b) >= 9 {
		id := binary.LittleEndian.Uint32(b[1:5])
		n := int(binary.LittleEndian.Uint32(b[5:9]))
		b = b[9:]
		if n < 0 || n > len(b) {
			p.problem(a.PartID, "bad_archive", "TNEF attribute runs past the end of the file", true)
			break
		}
		val := b[:n]
		b = b[min(n+2, len(b)):] // value and checksum
		switch id {
		case tnefAttachRendData:
			flush()
			cur = &Attachment{}
		case tnefAttachTitle:
			if cur != nil {
				cur.Filename = strings.ToValidUTF8(string(bytes.TrimRight(val, "\x00")), "\uFFFD")
				if len(cur.Filename) > 1024 {
					cur.Filename = truncateUTF8(cur.Filename, 1024)
				}
			}
		case tnefAttachData:
			if cur != nil {
				cur.Data = val
			}
		}
	}
	flush()
}

// listRar lists the entries of a RAR (4 or 5) archive: names and sizes
// only, as listed-only attachments; content is not unpacked.
func (p *parser) listRar(_ context.Context, a Attachment, _ int, tree *archiveTree) {
	entries, err := rarEntries(a.Data, maxCentralRecordsFactor*p.lim.MaxArchiveEntries)
	for _, re := range entries {
		if !p.takeEntry(a, tree) {
			return
		}
		name := strings.ToValidUTF8(re.name, "\uFFFD")
		if len(name) > 1024 {
			name = truncateUTF8(name, 1024)
		}
		e := entry(a, name, re.size)
		e.Truncated = true
		e.Flags = []string{FlagListedOnly}
		if re.encrypted {
			e.Flags = append(e.Flags, FlagEncrypted)
			p.problem(a.PartID, "encrypted_archive",
				"archive entry "+quoteShort(name)+" is encrypted and cannot be scanned", true)
		}
		p.m.Attachments = append(p.m.Attachments, e)
	}
	if err != nil {
		p.opaqueArchive(a, err)
	}
}

// list7z lists the entries of a 7-Zip archive (names only; see
// sevenZipNames).
func (p *parser) list7z(_ context.Context, a Attachment, _ int, tree *archiveTree) {
	names, err := sevenZipNames(a.Data, maxCentralRecordsFactor*p.lim.MaxArchiveEntries)
	if err != nil {
		p.opaqueArchive(a, err)
		return
	}
	for _, name := range names {
		if !p.takeEntry(a, tree) {
			return
		}
		e := entry(a, strings.ToValidUTF8(name, "\uFFFD"), 0)
		e.Truncated = true
		e.Flags = []string{FlagListedOnly}
		p.m.Attachments = append(p.m.Attachments, e)
	}
}

// opaqueArchive records an archive whose entries could not be listed;
// a password-protected one is an encrypted archive.
func (p *parser) opaqueArchive(a Attachment, err error) {
	if errors.Is(err, errRarEncrypted) || errors.Is(err, err7zEncrypted) {
		p.problem(a.PartID, "encrypted_archive", "archive is encrypted and cannot be scanned", true)
		return
	}
	p.problem(a.PartID, "bad_archive", fmt.Sprintf("archive cannot be listed: %v", err), true)
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }
