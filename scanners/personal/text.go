package personal

import (
	"regexp"
	"strings"
	"unicode"
)

var (
	emailRE = regexp.MustCompile(`(?i)[a-z0-9][a-z0-9._%+'-]*@[a-z0-9-]+(?:\.[a-z0-9-]+)+`)
	// mobileRE matches UK mobile numbers: 07xxx xxxxxx, +44 7xxx xxxxxx,
	// with spaces or hyphens in the usual places.
	mobileRE = regexp.MustCompile(`(?:\+44\s?\(?0?\)?\s?|\b0)7\d{3}[\s-]?\d{3}[\s-]?\d{3}\b`)
	// quoteRE finds where quoted history starts.
	quoteRE = regexp.MustCompile(`(?im)^(?:On\b[^\n]{0,200}(?:\n[^\n]{0,200})?\bwrote:|-{2,}\s*Original Message\s*-{2,}|-{3,}\s*Forwarded message\s*-{3,}|Begin forwarded message:|From:[^\n]*\n(?:[^\n]*\n)?(?:Sent|Date):|_{20,}|>)`)
	// cueRE finds words that introduce a personal contact.
	cueRE            = regexp.MustCompile(`(?i)\b(?:personal|private|my own|home|gmail|hotmail|email me|e-mail me|mail me|contact me|reach me|get hold of me|text me|call me|ring me|message me|whatsapp|mobile|mob|my number|my phone|phone me)\b|\bm(?:ob)?\s*:`)
	forwardSubjectRE = regexp.MustCompile(`(?i)^\s*(?:fwd?|fw)\s*:`)
	forwardBodyRE    = regexp.MustCompile(`(?im)^(?:-{3,}\s*Forwarded message\s*-{3,}|Begin forwarded message:|-{2,}\s*Original Message\s*-{2,})`)
	nameBeforeRE     = regexp.MustCompile(`(\p{Lu}[\p{L}'.-]*(?:\s+\p{Lu}[\p{L}'.-]*){0,3})\s*["']?\s*[<\[(]\s*(?:mailto:)?$`)
)

// quoteStart returns the offset where quoted history starts in s (len(s)
// if none).
func quoteStart(s string) int {
	if loc := quoteRE.FindStringIndex(s); loc != nil {
		return loc[0]
	}
	return len(s)
}

// cueBefore returns the cue phrase in the 80 bytes before off on the same
// paragraph, or "".
func cueBefore(s string, off int) string {
	start := max(0, off-80)
	for start > 0 && start < len(s) && s[start]&0xC0 == 0x80 {
		start++ // not in the middle of a UTF-8 sequence
	}
	win := s[start:off]
	if i := strings.LastIndex(win, "\n\n"); i >= 0 {
		win = win[i+2:]
	}
	all := cueRE.FindAllString(win, -1)
	if len(all) == 0 {
		return ""
	}
	return all[len(all)-1]
}

// nameBefore returns the display name written just before an address at
// off ("Jane Smith <" or "Jane Smith [mailto:"), or "".
func nameBefore(s string, off int) string {
	start := max(0, off-80)
	for start > 0 && start < len(s) && s[start]&0xC0 == 0x80 {
		start++
	}
	win := s[start:off]
	if i := strings.LastIndexByte(win, '\n'); i >= 0 && strings.TrimSpace(win[i:]) != "" {
		win = win[i+1:]
	}
	if m := nameBeforeRE.FindStringSubmatch(win); m != nil {
		return m[1]
	}
	return ""
}

// canonicalNumber returns a UK phone number as national digits ("07700
// 900123", "+44 (0)7700 900123" → "07700900123"), or "" if s has no
// digits.
func canonicalNumber(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	d := b.String()
	switch {
	case strings.HasPrefix(d, "440"):
		d = d[2:]
	case strings.HasPrefix(d, "44"):
		d = "0" + d[2:]
	}
	return d
}
