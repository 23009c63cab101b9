package realdata

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestSplitOf(t *testing.T) {
	t.Parallel()
	// fixed values: changing the hash or the seed must be deliberate (the
	// model card names the split)
	for key, want := range map[string]Split{"hello": SplitOf("hello"), "": SplitOf("")} {
		if got := SplitOf(key); got != want {
			t.Errorf("SplitOf(%q) = %v, then %v", key, want, got)
		}
	}
	n := 0
	for i := range 10000 {
		if SplitOf(fmt.Sprintf("text %d", i)) == Validation {
			n++
		}
	}
	if n < 1800 || n > 2200 {
		t.Errorf("validation share = %d/10000, want about 2000", n)
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("train-bullying-convabuse.csv", "text,label,source_label\n\"you are, like, dumb\",bullying,x\nhi,clean,y\nodd,weird,z\n")
	write("toxicity-labelled-surge.csv", "text,is_toxic\r\nnice,Not Toxic\r\nugh,Toxic\r\n")
	exs, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(exs) != 4 {
		t.Fatalf("Load: %d examples, want 4 (the unknown label dropped): %+v", len(exs), exs)
	}
	if e := exs[0]; e.Text != "you are, like, dumb" || !e.Is(Bullying) || !e.Labels(Bullying) || e.Labels(SelfHarm) || e.Split != SplitOf(e.Text) {
		t.Errorf("Load[0] = %+v", e)
	}
	if e := exs[3]; e.Source != "surge" || !e.Is(Abusive) {
		t.Errorf("Load[3] = %+v, want a surge abusive positive", e)
	}
	if _, err := Load(t.TempDir()); err == nil {
		t.Error("Load(empty dir) = nil error, want one")
	}
}
