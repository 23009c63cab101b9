package config

// Profanity is a school's changes to the built-in profanity lists. Files
// hold one entry a line; add lines may start with a tier ("mild:",
// "strong:", "slur:"; default strong). Paths are relative to the config.
type Profanity struct {
	// Add names a file of extra words and phrases.
	Add string `toml:"add"`
	// Remove names a file of built-in entries to drop.
	Remove string `toml:"remove"`
	// Allow names a file of ordinary words that contain a listed word and
	// must never match (place names, surnames: the Scunthorpe problem).
	Allow string `toml:"allow"`
}

// Safeguarding is a school's changes to the safeguarding lexicons.
type Safeguarding struct {
	// Disable turns off whole topics: self_harm, bullying, grooming, sexual,
	// abuse, extremism, weapons, drugs.
	Disable []string `toml:"disable"`
	// ExtraDir names a folder of <topic>.txt files with extra phrases in the
	// lexicon format ("<severity> <tag> <phrase>").
	ExtraDir string `toml:"extra_dir"`
}

// PII configures the pupil personal-data scanner for a school.
type PII struct {
	// SchoolNames are extra names the school is known by (its name is
	// always included), so "I go to <school>" is recognised.
	SchoolNames []string `toml:"school_names"`
}
