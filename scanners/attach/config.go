package attach

import "github.com/lychgate/lychgate/config"

// OptionsFromConfig builds Options from the [attachments] settings a,
// resolving hash list paths against the configuration's directory.
// (a.MaxCompressionRatio belongs to message.Limits, not to the scanner.)
func OptionsFromConfig(cfg *config.Config, a config.Attachments) Options {
	o := Options{ExtraDangerous: a.ExtraDangerous, AllowExtensions: a.AllowExtensions}
	for _, f := range a.HashFiles {
		o.HashFiles = append(o.HashFiles, cfg.Path(f))
	}
	return o
}
