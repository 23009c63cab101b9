package clamav

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/attach"
)

// TestPipeline runs clamd and the hash-list scanner together in the real
// pipeline: a virus and a listed file are both reported, and a clamd that
// is gone becomes a scanner-error finding (never a silent pass).
func TestPipeline(t *testing.T) {
	t.Parallel()
	c := startClamd(t)
	listed := []byte("a picture on the child-protection list")
	sum := sha256.Sum256(listed)
	list := filepath.Join(t.TempDir(), "hashes.txt")
	if err := os.WriteFile(list, []byte(hex.EncodeToString(sum[:])+" case-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	av, err := New(Options{Address: "unix://" + c.sock})
	if err != nil {
		t.Fatal(err)
	}
	hashes, err := attach.New(attach.Options{HashFiles: []string{list}})
	if err != nil {
		t.Fatal(err)
	}
	p := scanners.NewPipeline([]scanners.Scanner{av, hashes}, scanners.PipelineOptions{})
	raw := mail("eicar.com", []byte(eicar))
	res := p.Run(t.Context(), message.Parse(context.Background(), raw, message.Limits{}), &scanners.Envelope{})
	if !hasRule(res.Findings, "clamav_virus") {
		t.Errorf("findings = %+v, want clamav_virus", res.Findings)
	}
	res = p.Run(t.Context(), message.Parse(context.Background(), mail("photo.jpg", listed), message.Limits{}), &scanners.Envelope{})
	var hit *scanners.Finding
	for i := range res.Findings {
		if res.Findings[i].Rule == "attachment_hash_list" {
			hit = &res.Findings[i]
		}
	}
	if hit == nil || hit.Category != scanners.Illegal || hit.Severity != scanners.Critical || !attach.NoExcerpt(*hit) {
		t.Errorf("findings = %+v, want a critical illegal hash-list finding without excerpt", res.Findings)
	}

	// clamd gone: the socket path now leads nowhere.
	gone, err := New(Options{Address: filepath.Join(t.TempDir(), "no-clamd.sock")})
	if err != nil {
		t.Fatal(err)
	}
	p = scanners.NewPipeline([]scanners.Scanner{gone}, scanners.PipelineOptions{})
	res = p.Run(t.Context(), message.Parse(context.Background(), raw, message.Limits{}), &scanners.Envelope{})
	found := false
	for _, f := range res.Findings {
		if f.Category == scanners.ScannerError && f.Scanner == Name {
			found = true
		}
	}
	if !found || res.Runs[0].Status != scanners.StatusError {
		t.Errorf("with clamd gone: findings %+v runs %+v, want a clamav scanner-error", res.Findings, res.Runs)
	}
}

func hasRule(fs []scanners.Finding, rule string) bool {
	for _, f := range fs {
		if f.Rule == rule {
			return true
		}
	}
	return false
}
