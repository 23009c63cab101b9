package message

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/gabriel-vasile/mimetype"
	"github.com/jhillyerd/enmime/v2"
)

// leaf turns one enmime leaf part into texts, links and attachments.
func (p *parser) leaf(ctx context.Context, pt *enmime.Part, id, prefix string, level, cdepth int) {
	ct := strings.ToLower(pt.ContentType)
	if ct == "" {
		ct = "text/plain" // RFC 2045 §5.2
	}
	isText := strings.HasPrefix(ct, "text/")
	if isText && !strings.EqualFold(pt.Disposition, "attachment") && pt.FileName == "" {
		p.textPart(pt, id, ct)
		return
	}
	p.addAttachment(ctx, Attachment{
		PartID:      id,
		Filename:    validString(pt.FileName),
		ContentType: ct,
		Size:        int64(len(pt.Content)),
		Data:        pt.Content,
		Container:   prefix,
		Depth:       cdepth,
	}, pt.Charset, level, nil)
}

// textPart adds an inline text part.
func (p *parser) textPart(pt *enmime.Part, id, ct string) {
	isHTML := ct == "text/html"
	var s string
	if pt.Charset == undeclaredCharset {
		var guessed bool
		s, guessed = decodeUndeclared(pt.Content, isHTML)
		if guessed {
			p.problem(id, "undeclared_charset", "8-bit text without a declared charset was read as windows-1252", false)
		}
	} else {
		s = validUTF8(pt.Content)
	}
	p.addTextContent(id, ct, s, isHTML)
}

// addTextContent adds s (UTF-8) as a Text of partID, converting HTML, and
// records its links.
func (p *parser) addTextContent(partID, ct, s string, isHTML bool) {
	if len(s) > p.lim.MaxTextBytes {
		p.problem(partID, "text_truncated",
			fmt.Sprintf("text of %d bytes was cut to the limit of %d", len(s), p.lim.MaxTextBytes), true)
		s = truncateUTF8(s, p.lim.MaxTextBytes)
	}
	if isHTML {
		p.addText(Text{PartID: partID, ContentType: ct, FromHTML: true, HTML: s, Content: p.htmlToText(s, partID)})
		// Links written as visible text, not as attributes.
		p.textURLs(partID, p.m.Texts[len(p.m.Texts)-1].Content)
		return
	}
	p.addText(Text{PartID: partID, ContentType: ct, Content: s})
	p.textURLs(partID, s)
}

// addText appends t, keeping Content within MaxTextBytes and valid UTF-8.
func (p *parser) addText(t Text) {
	if len(t.Content) > p.lim.MaxTextBytes {
		t.Content = truncateUTF8(t.Content, p.lim.MaxTextBytes)
	}
	p.m.Texts = append(p.m.Texts, t)
}

// addAttachment records a, then looks inside it: text-like files and
// office documents give texts, zip archives give entries, and
// message/rfc822 parts are parsed as messages. charset is the part's
// charset for text/* parts (already converted by enmime), else "". tree
// is the budget of the enclosing archive, nil outside archives.
func (p *parser) addAttachment(ctx context.Context, a Attachment, charset string, level int, tree *archiveTree) {
	if len(a.Data) > 0 {
		a.DetectedType = mimetype.Detect(a.Data).String()
		if i := strings.IndexByte(a.DetectedType, ';'); i >= 0 {
			a.DetectedType = a.DetectedType[:i]
		}
	}
	if a.ContentType == "" {
		a.ContentType = a.DetectedType
	}
	a.Flags = append(a.Flags, p.inspect(a)...)
	p.m.Attachments = append(p.m.Attachments, a)
	if a.Truncated || len(a.Data) == 0 {
		return
	}
	switch {
	case a.ContentType == "message/rfc822" || a.ContentType == "message/global":
		if level+1 > p.lim.MaxDepth {
			p.problem(a.PartID, "too_deep",
				fmt.Sprintf("message nested deeper than %d levels was not parsed", p.lim.MaxDepth), true)
			return
		}
		p.parseMessage(ctx, a.Data, a.PartID, level+1, a.Depth+1)
	case isZip(a.Data) || a.ContentType == "application/zip" || strings.EqualFold(path.Ext(a.Filename), ".zip"):
		p.expandArchive(ctx, a, level+1, tree)
	case p.expandMore(ctx, a, level+1, tree):
	case textLike(a):
		p.attachmentText(a, charset)
	}
}

// textExts are file name extensions whose content is scanned as text.
var textExts = map[string]bool{
	".txt": true, ".csv": true, ".tsv": true, ".log": true, ".md": true,
	".htm": true, ".html": true, ".xhtml": true, ".shtml": true, ".svg": true,
	".eml": false,
}

// htmlLike reports attachments whose text is HTML (or SVG, which carries
// links and text the same way).
func htmlLike(a Attachment) bool {
	switch strings.ToLower(path.Ext(a.Filename)) {
	case ".htm", ".html", ".xhtml", ".shtml", ".svg":
		return true
	}
	return a.ContentType == "text/html" || a.ContentType == "image/svg+xml" ||
		a.ContentType == "application/xhtml+xml"
}

// textLike reports attachments whose content is text to scan.
func textLike(a Attachment) bool {
	return strings.HasPrefix(a.ContentType, "text/") || textExts[strings.ToLower(path.Ext(a.Filename))] ||
		a.ContentType == "image/svg+xml" || a.ContentType == "application/xhtml+xml"
}

// attachmentText adds the text of a text-like attachment.
func (p *parser) attachmentText(a Attachment, charset string) {
	isHTML := htmlLike(a)
	data := a.Data
	if len(data) > p.lim.MaxTextBytes {
		data = data[:p.lim.MaxTextBytes]
	}
	var s string
	if charset != "" && charset != undeclaredCharset {
		s = validUTF8(data) // enmime converted text/* parts already
	} else {
		s, _ = decodeUndeclared(data, isHTML)
	}
	if len(a.Data) > p.lim.MaxTextBytes {
		p.problem(a.PartID, "text_truncated",
			fmt.Sprintf("text of %d bytes was cut to the limit of %d", len(a.Data), p.lim.MaxTextBytes), true)
	}
	p.addTextContent(a.PartID, a.ContentType, s, isHTML)
}
