package message

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/internal/testutil/shareddata"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/corpus-parse.golden from the current Parse results")

// goldenFile holds one line per corpus message: its path under the corpus
// and a digest of everything Parse returned for it (dumpMessage). It pins
// the parse results over the whole corpus, so that optimisations of the
// parser are proven not to change them. After an intended change of
// behaviour, regenerate it with go test ./message -run TestCorpusGolden
// -update and review the changed lines.
const goldenFile = "testdata/corpus-parse.golden"

// dumpMessage renders everything Parse found (not Raw, which is the input;
// attachment data by length and digest) as indented JSON, so that two
// results can be compared and a difference read.
func dumpMessage(m *Message) []byte {
	type att struct {
		Attachment
		Data   int
		Digest string
	}
	atts := make([]att, len(m.Attachments))
	for i, a := range m.Attachments {
		sum := sha256.Sum256(a.Data)
		atts[i] = att{Attachment: a, Data: len(a.Data), Digest: hex.EncodeToString(sum[:8])}
	}
	c := *m
	c.Raw = nil
	c.Attachments = nil
	out, err := json.MarshalIndent(struct {
		*Message
		Attachments []att
	}{&c, atts}, "", " ")
	if err != nil {
		panic(fmt.Sprintf("dump message: %v", err))
	}
	return out
}

// digest is the short digest of a dump kept in the golden file.
func digest(dump []byte) string {
	sum := sha256.Sum256(dump)
	return hex.EncodeToString(sum[:12])
}

func readGolden(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open(goldenFile)
	if err != nil {
		t.Fatalf("open golden file: %v", err)
	}
	defer f.Close()
	want := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, sum, ok := strings.Cut(sc.Text(), "\t")
		if ok {
			want[name] = sum
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read golden file: %v", err)
	}
	return want
}

// TestCorpusGolden parses every corpus message and compares a digest of the
// result with the golden file. Set LYCHGATE_PARSE_DUMP=dir to write each
// full dump there (to diff two versions of the parser).
func TestCorpusGolden(t *testing.T) {
	files := corpusFiles(t, corpusDir)
	dumpDir := os.Getenv("LYCHGATE_PARSE_DUMP")
	got := map[string]string{}
	stride := corpusStride()
	if *updateGolden {
		stride = 1
	}
	for i, f := range files {
		if i%stride != 0 {
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatalf("read %s: %v", f, err)
		}
		name, _ := filepath.Rel(corpusDir, f)
		name = filepath.ToSlash(name)
		dump := dumpMessage(Parse(t.Context(), raw, Limits{}))
		got[name] = digest(dump)
		if dumpDir != "" {
			p := filepath.Join(dumpDir, name+".json")
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, dump, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if *updateGolden {
		names := make([]string, 0, len(got))
		for n := range got {
			names = append(names, n)
		}
		sort.Strings(names)
		var b strings.Builder
		for _, n := range names {
			b.WriteString(n + "\t" + got[n] + "\n")
		}
		if err := os.WriteFile(goldenFile, []byte(b.String()), 0o644); err != nil {
			t.Fatalf("write golden file: %v", err)
		}
		return
	}
	want := readGolden(t)
	bad := 0
	for n, sum := range got {
		w, ok := want[n]
		if !ok {
			continue // a corpus file added since; -update to pin it
		}
		if w != sum {
			bad++
			if bad <= 20 {
				t.Errorf("%s: Parse result changed (digest %s, golden %s); dump both with LYCHGATE_PARSE_DUMP and diff", n, sum, w)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d corpus messages parse differently from %s", bad, len(got), goldenFile)
	}
	if missing := len(want) - (len(got) - countNew(got, want)); missing > 0 && stride == 1 {
		t.Logf("%d golden entries have no corpus file here", missing)
	}
}

// corpusStride is 1 (every corpus message), or 8 under the race detector
// and 10 with -short, for the corpus-wide golden and differential tests.
func corpusStride() int {
	switch {
	case testing.Short():
		return 10
	case shareddata.Race:
		return 8
	}
	return 1
}

func countNew(got, want map[string]string) int {
	n := 0
	for k := range got {
		if _, ok := want[k]; !ok {
			n++
		}
	}
	return n
}
