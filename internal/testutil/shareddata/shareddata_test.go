package shareddata

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDirFindsSharedBesideAParent(t *testing.T) {
	root := t.TempDir()
	pkg := filepath.Join(root, "main", "scanners", "profanity")
	for _, d := range []string{pkg, filepath.Join(root, "shared", "corpus")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(pkg)
	if got, want := Dir(), filepath.Join(root, "shared"); got != want {
		t.Errorf("Dir() = %q, want %q", got, want)
	}
}

func TestCSVTexts(t *testing.T) {
	f := filepath.Join(t.TempDir(), "x.csv")
	if err := os.WriteFile(f, []byte("text,label\n\"a, b\",1\nc,0\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got := CSVTexts(t, f)
	if len(got) != 2 || got[0] != "a, b" || got[1] != "c" {
		t.Errorf("CSVTexts = %q, want [a, b] [c]", got)
	}
}

func TestEvery(t *testing.T) {
	if want := map[bool]int{true: 8, false: 1}[Race]; Every() != want {
		t.Errorf("Every() = %d with Race %v, want %d", Every(), Race, want)
	}
}
