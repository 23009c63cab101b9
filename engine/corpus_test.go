package engine

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/lychgate/lychgate/scanners"
)

// TestCorpusThroughEveryScanner runs the MIME torture corpus (malformed
// boundaries, bad charsets, DSNs, archives, phishing) through the whole
// scanner set and policy: nothing may panic or time out, every finding must
// be well formed, and a message must always get a decision per recipient.
func TestCorpusThroughEveryScanner(t *testing.T) {
	t.Parallel()
	root := "../../shared/corpus/mime-torture"
	if _, err := os.Stat(root); err != nil {
		t.Skipf("%s is absent (CI has it): %v", root, err)
	}
	e, err := New(testConfig(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".eml" {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		env := e.NewEnvelope(Sender{From: "x@example.net"})
		r, err := e.Classify(env, false, "pupil1@a.sch.uk")
		if err != nil {
			return err
		}
		env.Recipients = append(env.Recipients, r)
		v := e.Analyze(context.Background(), raw, env)
		for _, f := range v.Result.Findings {
			if f.Category == scanners.ScannerError {
				t.Errorf("%s: scanner error: %s", path, f.Explanation)
			}
			if _, err := scanners.ParseCategory(string(f.Category)); err != nil || f.Rule == "" {
				t.Errorf("%s: malformed finding %+v", path, f)
			}
		}
		if len(v.Decisions) != 1 {
			t.Errorf("%s: %d decisions, want 1", path, len(v.Decisions))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Fatalf("scanned %d corpus messages, want the whole set", n)
	}
}
