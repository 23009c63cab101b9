package relay

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Address problems. Each is a relay trick or plain garbage; all are refused.
var (
	errAddrNoAt        = errors.New("no @")
	errAddrManyAt      = errors.New("more than one @ (user@other@school trick)")
	errAddrRouting     = errors.New("routing character in local part (% or ! hack, or source route remnant)")
	errAddrQuoted      = errors.New("quoted or escaped local part")
	errAddrIPLiteral   = errors.New("address literal domain")
	errAddrDomain      = errors.New("malformed domain")
	errAddrLocal       = errors.New("malformed local part")
	errAddrTooLong     = errors.New("too long")
	errAddrControlChar = errors.New("control or space character")
)

// checkAddress validates a path as go-smtp hands it over (source routes
// already stripped, quotes already removed, RFC 5321 §4.1.2) against the
// relay tricks of RFC 5321 §3.6 and §7.x: percent hacks, bang paths,
// quoted local parts that hide a second @, address literals, trailing dots
// and empty labels. It accepts UTF-8 (RFC 6531) but no control characters.
func checkAddress(addr string) error {
	if !utf8.ValidString(addr) {
		return errAddrControlChar
	}
	for _, r := range addr {
		if r < 0x21 || r == 0x7f || unicode.IsControl(r) || unicode.IsSpace(r) {
			return errAddrControlChar
		}
	}
	switch strings.Count(addr, "@") {
	case 0:
		return errAddrNoAt
	case 1:
	default:
		return errAddrManyAt
	}
	at := strings.IndexByte(addr, '@')
	local, domain := addr[:at], addr[at+1:]
	if len(local) == 0 || len(local) > 64 {
		return errAddrLocal
	}
	if len(domain) > 255 || len(addr) > 320 {
		return errAddrTooLong
	}
	if strings.ContainsAny(local, "%!:,;<>()[]") {
		return errAddrRouting
	}
	if strings.ContainsAny(local, "\"\\") {
		return errAddrQuoted
	}
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return errAddrLocal
	}
	if strings.HasPrefix(domain, "[") {
		return errAddrIPLiteral
	}
	return checkDomain(domain)
}

func checkDomain(domain string) error {
	if domain == "" || strings.HasSuffix(domain, ".") || strings.HasPrefix(domain, ".") {
		return errAddrDomain
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return errAddrDomain
	}
	allDigits := true
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return errAddrDomain
		}
		for _, r := range l {
			switch {
			case r == '-':
			case r >= '0' && r <= '9':
			case r < utf8.RuneSelf && (r|0x20 >= 'a' && r|0x20 <= 'z'):
				allDigits = false
			case r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r)):
				allDigits = false
			default:
				return errAddrDomain
			}
		}
	}
	if allDigits {
		// 10.0.0.5 written without brackets.
		return errAddrIPLiteral
	}
	return nil
}

// canonicalAddress maps a non-ASCII domain to its IDNA A-label form
// (UTS #46 mapping, then ASCII lower case), so "ſch.uk" (U+017F) or
// "sch.u\u212a" (Kelvin sign) is compared and forwarded as "sch.uk", never
// verbatim: what the relay decided on is what the next hop sees. ASCII
// domains are returned unchanged (they compare with ASCII case folding).
func canonicalAddress(addr string) (string, error) {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 || isASCII(addr[at+1:]) {
		return addr, nil
	}
	ascii, err := idna.Lookup.ToASCII(addr[at+1:])
	if err != nil {
		return "", fmt.Errorf("%w: %v", errAddrDomain, err)
	}
	return addr[:at+1] + strings.ToLower(ascii), nil
}
