package message

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// archiveTree is the budget shared by one top-level archive and the
// archives nested in it (Limits.MaxArchiveEntries).
type archiveTree struct {
	entries int
	bomb    bombBudget
}

// maxCentralRecordsFactor bounds, as a multiple of MaxArchiveEntries, the
// central directory records an archive may declare before we refuse to
// open it at all: archive/zip allocates one *zip.File per record up front.
const maxCentralRecordsFactor = 16

// maxMessageEntriesFactor bounds, as a multiple of MaxArchiveEntries, the
// archive entries read from all archives of one message together.
const maxMessageEntriesFactor = 4

// isZip reports whether b starts like a zip archive (APPNOTE 4.3.7, 4.3.16).
func isZip(b []byte) bool {
	return len(b) >= 4 && b[0] == 'P' && b[1] == 'K' &&
		(b[2] == 3 && b[3] == 4 || b[2] == 5 && b[3] == 6 || b[2] == 7 && b[3] == 8)
}

// expandArchive lists the entries of the zip archive a as attachments
// ("<a.PartID>/<entry name>"), reading their data within the limits, and
// recurses into nested archives. Office documents also give their text.
func (p *parser) expandArchive(ctx context.Context, a Attachment, level int, tree *archiveTree) {
	if level > p.lim.MaxDepth {
		p.problem(a.PartID, "archive_limit",
			fmt.Sprintf("archive nested deeper than %d levels was not expanded", p.lim.MaxDepth), true)
		return
	}
	if tree == nil {
		tree = &archiveTree{bomb: bombBudget{packed: int64(len(a.Data))}}
	}
	if n := bytes.Count(a.Data, []byte("PK\x01\x02")); n > maxCentralRecordsFactor*p.lim.MaxArchiveEntries {
		p.problem(a.PartID, "archive_limit",
			fmt.Sprintf("archive may list %d entries; it was not expanded", n), true)
		return
	}
	zr, err := zip.NewReader(bytes.NewReader(a.Data), int64(len(a.Data)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		p.problem(a.PartID, "bad_archive", fmt.Sprintf("zip archive cannot be read: %v", err), true)
		return
	}
	var doc officeDoc
	for _, f := range zr.File {
		if p.stopped(ctx) {
			return
		}
		if tree.entries >= p.lim.MaxArchiveEntries || p.entries >= maxMessageEntriesFactor*p.lim.MaxArchiveEntries {
			p.problem(a.PartID, "archive_limit",
				fmt.Sprintf("only the first %d archive entries were read", tree.entries), true)
			break
		}
		tree.entries++
		p.entries++
		if strings.HasSuffix(f.Name, "/") {
			continue // a directory
		}
		name := entryName(f)
		if unsafeEntryPath(name) {
			p.problem(a.PartID, "suspicious_archive_path",
				"archive entry "+quoteShort(name)+" points outside the archive", false)
		}
		e := Attachment{
			PartID:    a.PartID + "/" + name,
			Filename:  path.Base(strings.ReplaceAll(name, `\`, "/")),
			Size:      int64(min(f.UncompressedSize64, math.MaxInt64)),
			Container: a.PartID,
			Depth:     a.Depth + 1,
		}
		if f.Flags&0x1 != 0 {
			// APPNOTE 4.4.4 bit 0: the entry is encrypted; its content
			// cannot be scanned.
			p.problem(a.PartID, "encrypted_archive",
				"archive entry "+quoteShort(name)+" is encrypted and cannot be scanned", true)
			e.Truncated = e.Size > 0
			p.addAttachment(ctx, e, "", level, tree)
			continue
		}
		if !p.declaredBomb(tree, f.CompressedSize64, f.UncompressedSize64, a.PartID, name) {
			e.Data = p.readEntry(f, a.PartID, name, tree)
		}
		e.Size = max(e.Size, int64(len(e.Data)))
		e.Truncated = int64(len(e.Data)) < e.Size
		doc.collect(name, e.Data)
		p.addAttachment(ctx, e, "", level, tree)
	}
	if t := doc.text(); t != "" {
		p.addTextContent(a.PartID, a.ContentType, t, false)
		for _, u := range doc.links {
			p.addURL(a.PartID, u, "")
		}
	}
}

// readEntry decompresses one entry within the message's expansion budget,
// never trusting the declared size.
func (p *parser) readEntry(f *zip.File, archiveID, name string, tree *archiveTree) []byte {
	remaining := p.lim.MaxExpandedBytes - p.expanded
	if remaining <= 0 {
		p.problem(archiveID, "archive_limit",
			fmt.Sprintf("archive expansion stopped at the limit of %d bytes", p.lim.MaxExpandedBytes), true)
		return nil
	}
	rc, err := f.Open()
	if err != nil {
		p.problem(archiveID, "bad_archive", fmt.Sprintf("archive entry %s cannot be opened: %v", quoteShort(name), err), true)
		return nil
	}
	defer func() { _ = rc.Close() }() // read side: nothing to flush
	limit := min(remaining, p.ratioLimit(tree, f.CompressedSize64))
	data, err := readLimited(rc, limit, int64(min(f.UncompressedSize64, 1<<20)))
	n := int64(len(data))
	if n > limit {
		data, n = data[:limit], limit
		p.expansionStopped(archiveID, name, limit < remaining)
	}
	p.expanded += n
	tree.bomb.unpacked += n
	if err != nil {
		p.problem(archiveID, "bad_archive", fmt.Sprintf("archive entry %s is damaged: %v", quoteShort(name), err), true)
	}
	return data
}

// entryName returns the entry's name as UTF-8: names without the UTF-8
// flag (APPNOTE 4.4.4 bit 11) that are not valid UTF-8 are CP437.
func entryName(f *zip.File) string {
	name := f.Name
	if !utf8.ValidString(name) {
		if d, err := charmap.CodePage437.NewDecoder().String(name); err == nil {
			name = d
		} else {
			name = strings.ToValidUTF8(name, "\uFFFD")
		}
	}
	if len(name) > 1024 {
		name = truncateUTF8(name, 1024)
	}
	return name
}

// unsafeEntryPath reports names that would escape the extraction
// directory ("zip slip"): absolute paths, drive letters and "..".
func unsafeEntryPath(name string) bool {
	n := strings.ReplaceAll(name, `\`, "/")
	if strings.HasPrefix(n, "/") || len(n) > 1 && n[1] == ':' {
		return true
	}
	for _, seg := range strings.Split(n, "/") {
		if seg == ".." {
			return true
		}
	}
	return false
}

// readLimited reads r until EOF or until it has more than limit bytes
// (then it returns limit+1 bytes). The buffer starts at hint and doubles,
// but never beyond limit+1, so a lying size costs at most the limit.
func readLimited(r io.Reader, limit, hint int64) ([]byte, error) {
	buf := make([]byte, 0, max(512, min(hint, limit+1)))
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) > limit {
				return buf, nil
			}
			nb := make([]byte, len(buf), min(int64(cap(buf))*2, limit+1))
			copy(nb, buf)
			buf = nb
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}
