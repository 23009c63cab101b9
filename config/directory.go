package config

import "strings"

// This file holds the schema the directory and the personal-address scanner
// read beyond [school.directory]: [personal_domains] and [school.personal].

// PersonalDomains adjusts the bundled list of personal/webmail mail domains
// (gmail.com, hotmail.co.uk, btinternet.com, ...). The schools' own domains
// are never personal, whatever these lists say.
type PersonalDomains struct {
	// Add lists more personal domains (a local ISP, say).
	Add []string `toml:"add"`
	// Remove lists bundled domains that are not personal for you (a
	// domain your trust or a partner really uses).
	Remove []string `toml:"remove"`
}

// SchoolPersonal lists the school's own contact details, which staff may
// give to parents and pupils.
type SchoolPersonal struct {
	// OfficialNumbers are the school's own phone numbers (the office, a
	// trip mobile), in any common format: "07700 900123", "+44 7700 900123".
	OfficialNumbers []string `toml:"official_numbers"`
	// OfficialAddresses are outside addresses that count as the school's
	// own (a PTA or club account on webmail, say).
	OfficialAddresses []string `toml:"official_addresses"`
}

// personal checks [personal_domains] and every school's [school.personal].
func (v *checker) personal() {
	for _, list := range []struct {
		key  string
		vals []string
	}{{"personal_domains.add", v.c.PersonalDomains.Add}, {"personal_domains.remove", v.c.PersonalDomains.Remove}} {
		for i, d := range list.vals {
			if !isDomain(strings.ToLower(strings.TrimSpace(d))) {
				v.add(indexKey(list.key, i), "%q is not a mail domain (write e.g. example.net)", d)
			}
		}
	}
	for i := range v.c.Schools {
		at := indexKey("school", i) + ".personal"
		p := &v.c.Schools[i].Personal
		for j, a := range p.OfficialAddresses {
			if !isAddress(a) {
				v.add(indexKey(at+".official_addresses", j), "%q is not an email address (write user@domain)", a)
			}
		}
		for j, n := range p.OfficialNumbers {
			digits := 0
			for _, r := range n {
				switch {
				case r >= '0' && r <= '9':
					digits++
				case strings.ContainsRune(" +-().", r):
				default:
					digits = -100
				}
			}
			if digits < 6 || digits > 15 {
				v.add(indexKey(at+".official_numbers", j), "%q is not a phone number (digits, spaces, + - ( ) only)", n)
			}
		}
	}
}
