package directory

import (
	_ "embed"
	"strings"
)

//go:embed data/personal-domains.txt
var bundledPersonalDomains string

// BundledPersonalDomains returns the built-in personal/webmail domains (see
// NOTICE for their sources), lower-case and sorted.
func BundledPersonalDomains() []string {
	var out []string
	for _, l := range strings.Split(bundledPersonalDomains, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		out = append(out, l)
	}
	return out
}

// gmailDomains ignore dots in the local part.
var gmailDomains = map[string]bool{"gmail.com": true, "googlemail.com": true}

// plusDomains deliver local+tag@ to local@ (sub-addressing, RFC 5233).
var plusDomains = map[string]bool{
	"gmail.com": true, "googlemail.com": true, "outlook.com": true, "hotmail.com": true,
	"hotmail.co.uk": true, "live.com": true, "live.co.uk": true, "msn.com": true,
	"icloud.com": true, "me.com": true, "mac.com": true, "fastmail.com": true,
	"fastmail.fm": true, "protonmail.com": true, "proton.me": true, "pm.me": true,
	"tutanota.com": true, "tuta.io": true,
}

// Canonical returns the form of addr used to compare addresses: Normalize,
// then "googlemail.com" as "gmail.com" with the dots of a Gmail local part
// removed, and a "+tag" removed where the domain delivers sub-addresses to
// the main mailbox (the big webmail providers, and the schools' own domains:
// Microsoft 365 and Google Workspace both do). Quoted local parts are left
// alone.
func (d *Directory) Canonical(addr string) string {
	return canonical(addr, func(dom string) bool { return d.SchoolOf("x@"+dom) != "" })
}

func canonical(addr string, own func(domain string) bool) string {
	addr = Normalize(addr)
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || strings.HasPrefix(addr, "\"") {
		return addr
	}
	local, domain := addr[:at], addr[at+1:]
	changed := false // an address already canonical is returned as it is, not copied
	if domain == "googlemail.com" {
		domain, changed = "gmail.com", true
	}
	if i := strings.IndexByte(local, '+'); i > 0 && (plusDomains[domain] || (own != nil && own(domain))) {
		local, changed = local[:i], true
	}
	if gmailDomains[domain] && strings.IndexByte(local, '.') >= 0 {
		local, changed = strings.ReplaceAll(local, ".", ""), true
	}
	if !changed {
		return addr
	}
	return local + "@" + domain
}

// DomainOf returns the lower-cased domain of addr without a trailing dot
// ("" if addr has no "@").
func DomainOf(addr string) string {
	addr = Normalize(addr)
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return ""
	}
	return addr[at+1:]
}

// IsPersonalDomain reports whether domain is a personal/webmail domain:
// in the bundled list or [personal_domains] add, not in remove, and not one
// of the schools' own domains.
func (d *Directory) IsPersonalDomain(domain string) bool {
	domain = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(domain)), ".")
	if domain == "" || d.cfg.SchoolByDomain(domain) != nil {
		return false
	}
	return d.personal[domain]
}

// IsPersonalAddress reports whether addr's domain is a personal domain.
func (d *Directory) IsPersonalAddress(addr string) bool {
	return d.IsPersonalDomain(DomainOf(addr))
}
