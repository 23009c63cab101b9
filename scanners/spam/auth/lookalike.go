package auth

import (
	"strings"

	"golang.org/x/net/idna"

	"github.com/lychgate/lychgate/textnorm"
)

// Lookalike reports whether domain d imitates own without being it: the
// same letters after folding look-alike characters (Cyrillic "а", "0" for
// "o", "rn" for "m", punycode), one edit away (a letter dropped, added,
// changed or two swapped) for names of six letters or more, or the own
// name with its dots replaced or another ending ("school-example.org",
// "school.example.co"), or the whole own domain at the start of another
// ("school.example.org.evil.example").
func Lookalike(d, own string) bool {
	d, own = strings.ToLower(d), strings.ToLower(own)
	if d == own || strings.HasSuffix(d, "."+own) {
		return false
	}
	// The school's domain worn as the start of another one
	// ("stmarys.sch.uk.evil.example").
	if strings.HasPrefix(d, own+".") || strings.HasPrefix(d, own+"-") {
		return true
	}
	fd, fo := fold(d), fold(own)
	if fd == fo {
		return true
	}
	// Compare without the final label(s) the school cannot vary: the
	// school's name part must be long enough to be a real imitation.
	nd, no := namePart(fd), namePart(fo)
	if len(no) >= 6 && editDistance1(nd, no) {
		return true
	}
	flat := strings.NewReplacer(".", "", "-", "").Replace
	return len(no) >= 6 && flat(nd) == flat(no)
}

// fold maps a domain to a skeleton: punycode decoded, confusables and
// leetspeak folded, "rn" to "m" and "vv" to "w".
func fold(d string) string {
	if u, err := idna.ToUnicode(d); err == nil {
		d = u
	}
	var b strings.Builder
	for _, label := range strings.Split(d, ".") {
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		parts := strings.Split(label, "-")
		for i, p := range parts {
			if i > 0 {
				b.WriteByte('-')
			}
			n := textnorm.String(p)
			n = strings.Map(func(r rune) rune {
				switch r {
				case 0x01:
					return 'l' // "1" or "i/l" ambiguity
				case '0':
					return 'o'
				case '1':
					return 'l'
				}
				return r
			}, n)
			b.WriteString(strings.ReplaceAll(n, " ", ""))
		}
	}
	s := b.String()
	s = strings.ReplaceAll(s, "rn", "m")
	s = strings.ReplaceAll(s, "vv", "w")
	s = strings.ReplaceAll(s, "i", "l")
	return s
}

// namePart drops the organisational suffix (".org", ".sch.uk") so that
// "example.org" and "exarnple.co" compare on "example".
func namePart(d string) string {
	org := OrgDomain(d)
	i := strings.IndexByte(org, '.')
	if i < 0 {
		return d
	}
	suffix := org[i:]
	return strings.TrimSuffix(d, suffix)
}

// editDistance1 reports whether a and b differ by exactly one insertion,
// deletion, substitution or transposition of adjacent bytes.
func editDistance1(a, b string) bool {
	if a == b {
		return false
	}
	la, lb := len(a), len(b)
	if la-lb > 1 || lb-la > 1 {
		return false
	}
	i := 0
	for i < la && i < lb && a[i] == b[i] {
		i++
	}
	switch {
	case la == lb:
		if a[i+1:] == b[i+1:] {
			return true
		}
		return i+1 < la && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
	case la > lb:
		return a[i+1:] == b[i:]
	default:
		return a[i:] == b[i+1:]
	}
}
