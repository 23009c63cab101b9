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
// if none): the first line start where quoteRE matches.
//
// Running quoteRE over all of s costs a slow pass over every byte; every
// branch of it starts a line with one of a few bytes and ends within three
// lines, so it runs only from such line starts, over those three lines
// (each line is read at most three times). The result is quoteRE's.
func quoteStart(s string) int {
	for ls := 0; ls < len(s); {
		next := strings.IndexByte(s[ls:], '\n')
		if next < 0 {
			next = len(s)
		} else {
			next += ls + 1
		}
		switch s[ls] {
		case 'o', 'O', '-', 'b', 'B', 'f', 'F', '_', '>':
			end := next
			for n := 0; n < 2 && end < len(s); n++ {
				if i := strings.IndexByte(s[end:], '\n'); i >= 0 {
					end += i + 1
				} else {
					end = len(s)
				}
			}
			if loc := quoteRE.FindStringIndex(s[ls:end]); loc != nil && loc[0] == 0 {
				return ls
			}
		}
		ls = next
	}
	return len(s)
}

// emailChar reports whether c can be part of an emailRE match (bytes of
// non-ASCII runes count: under (?i), [a-z] also matches U+212A and U+017F).
func emailChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80 || strings.IndexByte("._%+'-@", c) >= 0
}

// findEmails is emailRE.FindAllStringIndex(s, -1), faster: a match is made
// only of emailChar bytes and holds an "@", so emailRE runs only on the
// runs of such bytes that hold one, with the same result.
func findEmails(s string) [][]int {
	var out [][]int
	for i := 0; i < len(s); {
		at := strings.IndexByte(s[i:], '@')
		if at < 0 {
			break
		}
		at += i
		lo, hi := at, at+1
		for lo > i && emailChar(s[lo-1]) {
			lo--
		}
		for hi < len(s) && emailChar(s[hi]) {
			hi++
		}
		for _, loc := range emailRE.FindAllStringIndex(s[lo:hi], -1) {
			out = append(out, []int{lo + loc[0], lo + loc[1]})
		}
		i = hi
	}
	return out
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
