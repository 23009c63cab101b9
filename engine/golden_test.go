package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/evaluate"
	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/policy"
	"github.com/lychgate/lychgate/scanners"
)

var update = flag.Bool("update", false, "rewrite engine/testdata/golden from the current results")

// golden is what a message must produce: every finding with its evidence,
// and the decision per recipient. No timestamps, sorted, so a diff reads
// like a code review of detection changes.
type golden struct {
	Findings  []scanners.Finding `json:"findings"`
	Decisions []policy.Decision  `json:"decisions"`
}

// TestGolden runs every labelled message in ../testdata/content through the
// whole engine (all scanners, default policy) and compares the outcome with
// engine/testdata/golden. Run `go test ./engine -run TestGolden -update`
// after an intended change and review the diff.
func TestGolden(t *testing.T) {
	t.Parallel()
	root := "../testdata/content"
	e, err := New(testConfig(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Ext(path) == ".eml" {
			files = append(files, path)
		}
		return err
	})
	if err != nil || len(files) == 0 {
		t.Fatalf("no labelled messages under %s: %v", root, err)
	}
	for _, path := range files {
		rel, _ := filepath.Rel(root, path)
		name := strings.ReplaceAll(strings.TrimSuffix(rel, ".eml"), string(filepath.Separator), "-")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			m := message.Parse(t.Context(), raw, message.Limits{})
			env, err := evaluate.ParseEnvelope(m.Header("X-Lychgate-Test-Envelope"))
			if err != nil {
				t.Fatal(err)
			}
			v := e.Analyze(context.Background(), raw, env)
			got, err := json.MarshalIndent(golden{Findings: v.Result.Findings, Decisions: v.Decisions}, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			file := filepath.Join("testdata", "golden", name+".golden.json")
			if *update {
				if err := os.WriteFile(file, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from %s:\n got: %s\nwant: %s", path, file, got, want)
			}
		})
	}
}
