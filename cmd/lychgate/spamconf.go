package main

import (
	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/message"
)

// spamConfig returns the spam settings of cfg.
func spamConfig(cfg *config.Config) config.Spam { return cfg.Spam }

// messageLimits converts the configured parse limits.
func messageLimits(cfg *config.Config) message.Limits {
	return message.Limits{
		MaxParts:          cfg.Limits.MaxParts,
		MaxDepth:          cfg.Limits.MaxDepth,
		MaxHeaderBytes:    cfg.Limits.MaxHeaderBytes,
		MaxArchiveEntries: cfg.Limits.MaxArchiveEntries,
		MaxExpandedBytes:  cfg.Limits.MaxExpandedBytes,
	}.WithDefaults()
}
