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
	links := func(c *Config) []string {
		v := &checker{c: c}
		v.links()
		var out []string
		for _, p := range v.probs {
			out = append(out, p.Error())
		}
		return out
	}
	good := &Config{Dir: dir, Links: DefaultLinks(), Attachments: DefaultAttachments(), ClamAV: DefaultClamAV()}
	good.Links.BlockFiles = []string{"block.txt"}
	good.Links.DNS.Zones = []string{"dbl.example"}
	good.Links.DNS.Resolver = "127.0.0.1:53"
	good.ClamAV.Address = "unix:///run/clamav/clamd.ctl"
	if probs := links(good); len(probs) != 0 {
		t.Errorf("links(good) = %v, want none", probs)
	}
	bad := &Config{Dir: dir, Links: DefaultLinks(), Attachments: DefaultAttachments(), ClamAV: DefaultClamAV()}
	bad.Links.AllowFiles = []string{"missing.txt"}
	bad.Links.DNS.Zones = []string{"nodot"}
	bad.ClamAV.Address = "clamd-host"
	bad.Attachments.HashFiles = []string{"nohashes.txt"}
	got := strings.Join(links(bad), "\n")
	for _, want := range []string{"links.allow_files[0]", "links.dns.zones[0]", "links.dns.resolver", "clamav.address", "attachments.hash_files[0]"} {
		if !strings.Contains(got, want) {
			t.Errorf("links(bad) = %v, want a problem at %s", got, want)
		}
	}
}
