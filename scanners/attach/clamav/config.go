package clamav

import "github.com/lychgate/lychgate/config"

// OptionsFromConfig builds Options from the [clamav] settings. The scanner
// is off when av.Address is empty: do not build one then.
func OptionsFromConfig(av config.ClamAV) Options {
	return Options{Address: av.Address, Timeout: av.Timeout.Duration, MaxStreamBytes: av.MaxStreamBytes}
}
