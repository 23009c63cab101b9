package attach

import "github.com/lychgate/lychgate/scanners"

// NoExcerpt reports whether an alert about f must leave out the file and
// any excerpt of it: hash-list matches (rule attachment_hash_list) and any
// finding of category "illegal". Notifiers can call it today; once
// scanners.Finding carries Tags, the same findings also carry TagNoExcerpt.
func NoExcerpt(f scanners.Finding) bool {
	return f.Category == scanners.Illegal || f.Rule == "attachment_hash_list"
}

// setNoExcerpt marks a hash-list finding for the notifiers. Finding has no
// Tags field on this branch yet (the coordinator adds it); until then the
// rule id and category are the mark, read by NoExcerpt. When Tags lands,
// this becomes: fd.Tags = append(fd.Tags, TagNoExcerpt).
func setNoExcerpt(fd *scanners.Finding) {
	_ = fd
}
