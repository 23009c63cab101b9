// Package all is the registry of every scanner lychgate ships: Build turns
// the configuration into the ordered scanner list the pipeline runs. Adding a
// scanner means adding it here (see docs/adding-a-scanner.md).
package all

import (
	"fmt"
	"log/slog"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/directory"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/personal"
	"github.com/lychgate/lychgate/scanners/rules"
)

// Deps are the shared resources scanners may use. Scanners never build their
// own global clients.
type Deps struct {
	Logger *slog.Logger
	// Directory is the school directory (staff, pupils, parents); when nil,
	// Build makes one from cfg.
	Directory *directory.Directory
}

// Build returns the configured scanners in pipeline order. On error nothing
// is left open.
func Build(cfg *config.Config, deps Deps) ([]scanners.Scanner, error) {
	var out []scanners.Scanner
	r, err := rules.New(cfg.Rules)
	if err != nil {
		return nil, fmt.Errorf("scanner rules: %w", err)
	}
	out = append(out, r)
	content, err := contentScanners(cfg)
	if err != nil {
		return nil, err
	}
	out = append(out, content...)
	dir := deps.Directory
	if dir == nil {
		dir = directory.New(cfg)
	}
	p, err := personal.New(dir, personal.OptionsFromConfig(cfg))
	if err != nil {
		return nil, fmt.Errorf("scanner personal_address: %w", err)
	}
	out = append(out, p)
	return out, nil
}
