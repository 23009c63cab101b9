package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidateLinks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "block.txt"), []byte("bad.example\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := &Config{Dir: dir}
	good := DefaultLinks()
	good.BlockFiles = []string{"block.txt"}
	good.DNS.Zones = []string{"dbl.example"}
	good.DNS.Resolver = "127.0.0.1:53"
	av := DefaultClamAV()
	av.Address = "unix:///run/clamav/clamd.ctl"
	if err := ValidateLinks(c, good, DefaultAttachments(), av); err != nil {
		t.Errorf("ValidateLinks(good) = %v", err)
	}
	bad := DefaultLinks()
	bad.AllowFiles = []string{"missing.txt"}
	bad.DNS.Zones = []string{"nodot"}
	badAV := DefaultClamAV()
	badAV.Address = "clamd-host"
	badAtt := DefaultAttachments()
	badAtt.HashFiles = []string{"nohashes.txt"}
	err := ValidateLinks(c, bad, badAtt, badAV)
	if err == nil {
		t.Fatal("ValidateLinks(bad) = nil")
	}
	for _, want := range []string{"links.allow_files[0]", "links.dns.zones[0]", "links.dns.resolver", "clamav.address", "attachments.hash_files[0]"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("ValidateLinks(bad) = %v, want a problem at %s", err, want)
		}
	}
}
