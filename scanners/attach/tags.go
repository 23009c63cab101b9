package attach

import "github.com/lychgate/lychgate/scanners"

// NoExcerpt reports whether an alert about f must leave out the file and
// any excerpt of it: hash-list matches (rule attachment_hash_list) and any
// finding of category "illegal". Such findings also carry TagNoExcerpt.
func NoExcerpt(f scanners.Finding) bool {
	return f.Category == scanners.Illegal || f.Rule == "attachment_hash_list"
}

// setNoExcerpt marks a hash-list finding for the notifiers.
func setNoExcerpt(fd *scanners.Finding) {
	if !fd.HasTag(TagNoExcerpt) {
		fd.Tags = append(fd.Tags, TagNoExcerpt)
	}
}
