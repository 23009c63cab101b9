package links

import "github.com/lychgate/lychgate/config"

// OptionsFromConfig builds Options from the [links] settings l: every
// school's domains are protected, and list paths are resolved against
// the configuration's directory. Logger is left for the caller.
func OptionsFromConfig(cfg *config.Config, l config.Links) Options {
	o := Options{
		Protected:      l.Protected,
		SuspiciousTLDs: l.SuspiciousTLDs,
		DNSZones:       l.DNS.Zones,
		Resolver:       l.DNS.Resolver,
		DNSTimeout:     l.DNS.Timeout.Duration,
		MaxLookups:     l.DNS.MaxLookups,
	}
	for _, s := range cfg.Schools {
		o.SchoolDomains = append(o.SchoolDomains, s.Domains...)
	}
	for _, f := range l.BlockFiles {
		o.BlockFiles = append(o.BlockFiles, cfg.Path(f))
	}
	for _, f := range l.AllowFiles {
		o.AllowFiles = append(o.AllowFiles, cfg.Path(f))
	}
	for _, f := range l.ShortenerFiles {
		o.ShortenerFiles = append(o.ShortenerFiles, cfg.Path(f))
	}
	return o
}
