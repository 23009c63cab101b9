package config

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
