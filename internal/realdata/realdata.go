// Package realdata reads the labelled real-text sets in ../shared/data
// (section 9 and section 8 of its SOURCES.md) and the ham corpus, maps their
// labels onto lychgate's topics, and splits every set deterministically
// into a training and a validation part. Both the classifier's training
// program (cmd/lychgate-train) and the real-text evaluation (package
// evaluate) read the data through this package, so they can never disagree
// about which text is held out.
//
// The split is by the unit the data is labelled at: a C-SSRS row is one
// Reddit user (all of that user's posts), a ConvAbuse row one user turn (the
// file has no conversation id), the others one text. A unit is in the
// validation split when FNV-1a-64 of SplitSeed and the unit's text, modulo
// 5, is 0: a fixed 20%, the same on every machine and every run.
//
// The package only reads files; it holds no state.
package realdata

import (
	"encoding/csv"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Topic is what a text is labelled for.
type Topic string

// The topics with labelled data.
const (
	// SelfHarm is suicidal ideation, plans, attempts and self-harm.
	SelfHarm Topic = "self_harm"
	// Bullying is bullying and harassment aimed at a person (including
	// sexual harassment).
	Bullying Topic = "bullying"
	// Abusive is offensive or abusive language (the tweet and comment sets).
	Abusive Topic = "abusive"
)

// Topics lists the topics in a fixed order.
var Topics = []Topic{SelfHarm, Bullying, Abusive}

// SplitSeed is mixed into the split hash. Changing it reshuffles the split
// (and the model card must say so).
const SplitSeed = "lychgate-split-v1"

// Split is which part of a set a text is in.
type Split int

// The splits.
const (
	Train Split = iota
	Validation
)

// String returns "train" or "validation".
func (s Split) String() string {
	if s == Validation {
		return "validation"
	}
	return "train"
}

// SplitOf returns the split of the unit whose key (its text) is key.
func SplitOf(key string) Split {
	h := fnv.New64a()
	h.Write([]byte(SplitSeed))
	h.Write([]byte{0})
	h.Write([]byte(key))
	if h.Sum64()%5 == 0 {
		return Validation
	}
	return Train
}

// Example is one labelled text.
type Example struct {
	// Source is the set it came from ("cssrs", "convabuse", "openai",
	// "davidson", "surge", "ham").
	Source string
	Text   string
	// Label is the set's own label after the mapping in SOURCES.md
	// ("suicidal", "bullying", "offensive", "clean", ...).
	Label string
	// Labelled are the topics the source labels: the text is a positive or
	// a negative for each of them, and says nothing about the others.
	Labelled []Topic
	// Positive are the topics the text is a positive for (a subset of
	// Labelled).
	Positive []Topic
	Split    Split
	// Path is the file of a ham message ("" otherwise).
	Path string
}

// Is reports whether e is a positive for t.
func (e *Example) Is(t Topic) bool { return slices.Contains(e.Positive, t) }

// Labels reports whether e's source labels t.
func (e *Example) Labels(t Topic) bool { return slices.Contains(e.Labelled, t) }

type source struct {
	name, file string
	textCol    string
	labelled   []Topic
	// positive maps a row's label to its positive topics and the label to
	// record; ok false drops the row.
	label func(row map[string]string) (label string, pos []Topic, ok bool)
}

var sources = []source{
	{name: "cssrs", file: "train-suicide-cssrs.csv", textCol: "text", labelled: []Topic{SelfHarm}, label: sec9},
	{name: "convabuse", file: "train-bullying-convabuse.csv", textCol: "text", labelled: []Topic{Bullying}, label: sec9},
	{name: "openai", file: "train-safeguarding-openai-moderation.csv", textCol: "text", labelled: []Topic{SelfHarm, Bullying}, label: sec9},
	{name: "davidson", file: "abuse-labelled-davidson2017.csv", textCol: "tweet", labelled: []Topic{Abusive}, label: func(r map[string]string) (string, []Topic, bool) {
		switch r["class"] {
		case "0":
			return "hate", []Topic{Abusive}, true
		case "1":
			return "offensive", []Topic{Abusive}, true
		case "2":
			return "clean", nil, true
		}
		return "", nil, false
	}},
	{name: "surge", file: "toxicity-labelled-surge.csv", textCol: "text", labelled: []Topic{Abusive}, label: func(r map[string]string) (string, []Topic, bool) {
		switch r["is_toxic"] {
		case "Toxic":
			return "toxic", []Topic{Abusive}, true
		case "Not Toxic":
			return "clean", nil, true
		}
		return "", nil, false
	}},
}

// sec9 maps the label column of the section-9 training files.
func sec9(r map[string]string) (string, []Topic, bool) {
	switch l := r["label"]; l {
	case "suicidal", "self_harm":
		return l, []Topic{SelfHarm}, true
	case "bullying", "harassment":
		return l, []Topic{Bullying}, true
	case "clean":
		return l, nil, true
	}
	return "", nil, false
}

// Sources returns the names of the labelled sets, in a fixed order.
func Sources() []string {
	var out []string
	for _, s := range sources {
		out = append(out, s.name)
	}
	return out
}

// Load reads every labelled set present in dir (missing files are skipped;
// it is an error when none is there), in a fixed order.
func Load(dir string) ([]Example, error) {
	var out []Example
	found := 0
	for _, s := range sources {
		f, err := os.Open(filepath.Join(dir, s.file))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("realdata: %w", err)
		}
		found++
		ex, err := readCSV(f, s)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("realdata: %s: %w", s.file, err)
		}
		out = append(out, ex...)
	}
	if found == 0 {
		return nil, fmt.Errorf("realdata: no labelled set in %s: %w", dir, fs.ErrNotExist)
	}
	return out, nil
}

func readCSV(r io.Reader, s source) ([]Example, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	hdr, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("read header: %w", err)
	}
	var out []Example
	row := map[string]string{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		clear(row)
		for i, h := range hdr {
			if i < len(rec) {
				row[h] = rec[i]
			}
		}
		label, pos, ok := s.label(row)
		text := strings.TrimSpace(row[s.textCol])
		if !ok || text == "" {
			continue
		}
		out = append(out, Example{Source: s.name, Text: text, Label: label, Labelled: s.labelled, Positive: pos, Split: SplitOf(text)})
	}
	return out, nil
}

// HamFiles lists the files under dir (a ham corpus, one message a file) in
// lexical order, each with its split (by file name).
func HamFiles(dir string) ([]Example, error) {
	var out []Example
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		out = append(out, Example{Source: "ham", Label: "clean", Labelled: Topics, Path: p, Split: SplitOf(filepath.Base(p))})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("realdata: %w", err)
	}
	return out, nil
}
