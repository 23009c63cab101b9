package textnorm

import (
	_ "embed"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

//go:embed confusables.tsv
var confusablesTSV string

var (
	foldOnce  sync.Once
	foldTable map[rune]string
)

// foldRanges are the blocks whose compatibility decompositions are folded to
// ASCII: Latin letters with diacritics, ligatures, super/subscripts, letter-like
// symbols, enclosed alphanumerics, full-width forms and the mathematical
// alphanumerics (𝐟𝐮𝐜𝐤).
var foldRanges = [][2]rune{
	{0x00A0, 0x024F}, {0x0250, 0x02FF}, {0x1D00, 0x1DBF}, {0x1E00, 0x1EFF},
	{0x2070, 0x209F}, {0x2100, 0x218F}, {0x2460, 0x24FF}, {0x3200, 0x33FF},
	{0xFB00, 0xFB06}, {0xFF00, 0xFFEF}, {0x1D400, 0x1D7FF}, {0x1F100, 0x1F1FF},
	{0x1E030, 0x1E08F},
}

// folds returns the table from a non-ASCII rune to the lower-case ASCII
// letters and digits it stands for. It is built once, on first use.
func folds() map[rune]string {
	foldOnce.Do(buildFolds)
	return foldTable
}

func buildFolds() {
	t := make(map[rune]string, 6000)
	// 1. Compatibility decomposition (NFKD), marks removed, case folded.
	var sb strings.Builder
	for _, rg := range foldRanges {
		for r := rg[0]; r <= rg[1]; r++ {
			d := norm.NFKD.String(string(r))
			sb.Reset()
			ok := true
			for _, c := range d {
				switch {
				case unicode.Is(unicode.Mn, c):
				case c < 0x80 && (isASCIILetter(byte(c)) || isDigit(byte(c))):
					sb.WriteByte(lowerASCII(byte(c)))
				default:
					ok = false
				}
			}
			if ok && sb.Len() > 0 && sb.Len() <= 4 {
				t[r] = sb.String()
			}
		}
	}
	// Letters NFKD leaves alone but case folding maps to ASCII.
	t['ß'] = "ss"
	t['ẞ'] = "ss"
	t['ſ'] = "s"
	t['ø'], t['Ø'] = "o", "o"
	t['đ'], t['Đ'] = "d", "d"
	t['ł'], t['Ł'] = "l", "l"
	t['æ'], t['Æ'] = "ae", "ae"
	t['œ'], t['Œ'] = "oe", "oe"
	t['ı'] = "i"
	// 2. Unicode confusables (TR39 skeleton), where NFKD gave nothing.
	for line := range strings.SplitSeq(confusablesTSV, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		cp, target, ok := strings.Cut(line, "\t")
		if !ok || !strings.HasPrefix(cp, "U+") {
			continue
		}
		v, err := strconv.ParseUint(cp[2:], 16, 32)
		if err != nil {
			continue
		}
		r := rune(v)
		if _, done := t[r]; !done {
			t[r] = target
		}
	}
	foldTable = t
}

// ignorable reports whether r is removed outright: zero-width and other
// format characters, combining marks, variation selectors and fillers that
// render as nothing.
func ignorable(r rune) bool {
	switch r {
	case 0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x2800, 0x3164, 0xFFA0:
		return true
	}
	return unicode.In(r, unicode.Cf, unicode.Mn, unicode.Me)
}

// apostrophe reports whether r is an apostrophe-like character.
func apostrophe(r rune) bool {
	switch r {
	case '\'', 0x2019, 0x2018, 0x02BC, 0x2032, 0xFF07, 0x0060, 0x00B4:
		return true
	}
	return false
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isDigit(c byte) bool       { return c >= '0' && c <= '9' }
func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 0x20
	}
	return c
}
