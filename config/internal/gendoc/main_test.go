package main

import (
	"bytes"
	"os"
	"testing"
	"time"
)

// TestDocsUpToDate fails when docs/config.md does not match the schema;
// run `go generate ./config` to fix it.
func TestDocsUpToDate(t *testing.T) {
	t.Parallel()
	want, missing, err := render("../..")
	if err != nil {
		t.Fatalf("render = %v", err)
	}
	for _, k := range missing {
		t.Errorf("config key %s has no doc comment: document its field in package config", k)
	}
	got, err := os.ReadFile("../../../docs/config.md")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("docs/config.md is stale: run go generate ./config")
	}
}

func TestShortDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string
	}{
		{"720h", "720h"}, {"5m", "5m"}, {"90s", "90s"}, {"1500ms", "1.5s"}, {"0s", "0s"},
	}
	for _, tc := range tests {
		d, err := time.ParseDuration(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := shortDuration(d); got != tc.want {
			t.Errorf("shortDuration(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
