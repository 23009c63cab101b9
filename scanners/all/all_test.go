package all

import (
	"slices"
	"testing"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/directory"
)

// TestNamesMatchConfig keeps config.ScannerNames (which [scanners.<id>]
// validates against) in step with the factory table.
func TestNamesMatchConfig(t *testing.T) {
	t.Parallel()
	if got := Names(); !slices.Equal(got, config.ScannerNames) {
		t.Errorf("Names() = %v, want config.ScannerNames %v", got, config.ScannerNames)
	}
}

func TestBuildLeavesOutDisabled(t *testing.T) {
	// clamav is off too: it needs [clamav] address.
	t.Parallel()
	off := false
	cfg := config.Default()
	cfg.Scanners = map[string]config.ScannerSettings{"safeguarding": {Enabled: &off}, "personal_address": {Enabled: &off}}
	list, err := Build(cfg, Deps{Directory: directory.New(cfg)})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range list {
		names = append(names, s.Name())
	}
	if want := []string{"rules", "profanity", "pii", "classifier", "links", "attachments", "spam"}; !slices.Equal(names, want) {
		t.Errorf("Build with safeguarding and personal_address off = %v, want %v", names, want)
	}
}
