package message

import (
	"bytes"
	"html"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// officeDoc collects, while an archive is listed, the entries of an OOXML
// (ECMA-376: .docx, .xlsx, .pptx) or ODF (.odt, .ods, .odp) document that
// hold its text, and the external links of its relationship parts.
type officeDoc struct {
	word, sharedStrings, odf []byte
	slides                   map[int][]byte
	links                    []string
}

var (
	slideRe   = regexp.MustCompile(`^ppt/slides/slide([0-9]+)\.xml$`)
	relLinkRe = regexp.MustCompile(`Target="([^"]+)"[^>]*TargetMode="External"|TargetMode="External"[^>]*Target="([^"]+)"`)
)

// collect keeps the entry name/data if it carries document text.
func (d *officeDoc) collect(name string, data []byte) {
	if len(data) == 0 {
		return
	}
	switch {
	case name == "word/document.xml":
		d.word = data
	case name == "xl/sharedStrings.xml":
		d.sharedStrings = data
	case name == "content.xml":
		d.odf = data
	case strings.HasSuffix(name, ".rels"):
		for _, m := range relLinkRe.FindAllSubmatch(data, 1000) {
			d.links = append(d.links, html.UnescapeString(string(m[1])+string(m[2])))
		}
	default:
		if m := slideRe.FindStringSubmatch(name); m != nil {
			n, err := strconv.Atoi(m[1])
			if err != nil {
				return
			}
			if d.slides == nil {
				d.slides = map[int][]byte{}
			}
			d.slides[n] = data
		}
	}
}

// text returns the document's text, "" when the archive is no document.
func (d *officeDoc) text() string {
	var parts []string
	for _, b := range [][]byte{d.word, d.sharedStrings} {
		if b != nil {
			parts = append(parts, xmlText(b))
		}
	}
	nums := make([]int, 0, len(d.slides))
	for n := range d.slides {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	for _, n := range nums {
		parts = append(parts, xmlText(d.slides[n]))
	}
	if d.odf != nil {
		parts = append(parts, xmlText(d.odf))
	}
	return strings.TrimSpace(strings.Join(parts, "\n"))
}

// xmlText strips the tags of an office XML part, keeping the character
// data (entities decoded). Runs of a paragraph are joined without spaces,
// as Word splits words across runs; paragraphs, rows and line breaks end a
// line; tabs and cells become a tab.
func xmlText(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b) / 4)
	for len(b) > 0 {
		i := bytes.IndexByte(b, '<')
		if i < 0 {
			sb.WriteString(html.UnescapeString(string(b)))
			break
		}
		if seg := b[:i]; len(bytes.TrimSpace(seg)) > 0 || !bytes.ContainsAny(seg, "\r\n") {
			sb.WriteString(html.UnescapeString(string(seg)))
		}
		j := bytes.IndexByte(b[i:], '>')
		if j < 0 {
			break
		}
		tag := b[i+1 : i+j]
		b = b[i+j+1:]
		closing := len(tag) > 0 && tag[0] == '/'
		selfClosing := len(tag) > 0 && tag[len(tag)-1] == '/'
		name := bytes.TrimLeft(tag, "/")
		if k := bytes.IndexAny(name, " \t\r\n/"); k >= 0 {
			name = name[:k]
		}
		if k := bytes.LastIndexByte(name, ':'); k >= 0 {
			name = name[k+1:]
		}
		switch string(name) {
		case "p", "h", "si", "tr", "table-row":
			if closing {
				sb.WriteByte('\n')
			}
		case "br", "cr", "line-break":
			if closing || selfClosing {
				sb.WriteByte('\n')
			}
		case "tab", "tc", "table-cell":
			if closing || selfClosing {
				sb.WriteByte('\t')
			}
		case "s":
			if selfClosing {
				sb.WriteByte(' ')
			}
		}
	}
	return sb.String()
}
