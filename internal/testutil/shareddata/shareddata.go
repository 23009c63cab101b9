// Package shareddata finds, for tests, the shared labelled material that
// sits beside the checkout (../shared: corpus/ and data/, see their
// READMEs), reads the text column of its CSV sets, and says how much of
// it a corpus-wide test reads under the race detector (Race, Every).
// Tests that need it skip with a clear message when Dir returns "".
package shareddata

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the shared directory: the first "shared" beside the working
// directory or one of its parents that holds corpus/, or "" when there is
// none. From a package directory of a checkout at /work/main it finds
// /work/shared; from a worktree under /work/wt/NAME too.
func Dir() string {
	d, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		cand := filepath.Join(filepath.Dir(d), "shared")
		if fi, err := os.Stat(filepath.Join(cand, "corpus")); err == nil && fi.IsDir() {
			return cand
		}
		parent := filepath.Dir(d)
		if parent == d {
			return ""
		}
		d = parent
	}
}

// CSVTexts returns the "text" column (the first) of the CSV file f; it
// fails t when f cannot be read or has no such column.
func CSVTexts(t testing.TB, f string) []string {
	t.Helper()
	fh, err := os.Open(f)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	rows, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", f, err)
	}
	if len(rows) == 0 || rows[0][0] != "text" {
		t.Fatalf("%s: no text column", f)
	}
	out := make([]string, 0, len(rows)-1)
	for _, r := range rows[1:] {
		out = append(out, r[0])
	}
	return out
}

// Every is how many corpus items a corpus-wide test steps over: 8 under
// the race detector (an eighth of them), else 1.
func Every() int {
	if Race {
		return 8
	}
	return 1
}
