package main

import (
	"github.com/lychgate/lychgate/config"
)

// spamConfig returns the spam settings of cfg.
func spamConfig(cfg *config.Config) config.Spam { return cfg.Spam }
