package config_test

import (
	"strings"
	"testing"

	"github.com/lychgate/lychgate/config"
)

func TestReportConfig(t *testing.T) {
	t.Parallel()
	base := "[next_hop]\ninbound = \"127.0.0.1:25\"\n[[school]]\nid = \"north\"\ndomains = [\"north.test\"]\ndsl = [\"dsl@north.test\"]\n"
	cfg, err := config.Parse("ok.toml", []byte(base+"[school.report]\nhead = \"head@north.test\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(cfg.ReportTo(&cfg.Schools[0]), ","); got != "dsl@north.test,head@north.test" {
		t.Errorf("ReportTo = %s, want the dsl and the head", got)
	}
	if r := cfg.Report.WithDefaults(); r.Every.Duration != config.DefaultReportEvery || r.Day != "monday" {
		t.Errorf("report defaults = %+v", r)
	}
	_, err = config.Parse("bad.toml", []byte("[report]\nevery = \"10m\"\nday = \"caturday\"\nhour = 24\n"+base+"[school.report]\nto = [\"nobody\"]\n"))
	for _, want := range []string{"bad.toml:2: report.every: must be at least 1h", "bad.toml:3: report.day:", "bad.toml:4: report.hour: must be 0 to 23",
		"bad.toml:12: school[0].report.to[0]: \"nobody\" is not an email address"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(bad report) = %v, want %q", err, want)
		}
	}
}

func TestWarnings(t *testing.T) {
	t.Parallel()
	src := "[next_hop]\ninbound = \"127.0.0.1:25\"\n[[school]]\nid = \"north\"\ndomains = [\"north.test\"]\n[school.groups]\nstaff = [\"*@north.test\", \"*@staff.north.test\", \"*@gmail.com\", \"*\", \"*@*\"]\n"
	cfg, err := config.Parse("w.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range cfg.Warnings() {
		got = append(got, w.Error())
	}
	want := []string{
		"w.toml:3: school[0].dsl: warning: school north has no dsl address",
		"w.toml:7: school[0].groups.staff[2]: warning: glob \"*@gmail.com\" is on gmail.com",
		"w.toml:7: school[0].groups.staff[3]: warning: glob \"*\" matches every address",
		"w.toml:7: school[0].groups.staff[4]: warning: glob \"*@*\" matches any domain",
	}
	if len(got) != len(want) {
		t.Fatalf("Warnings() = %q, want %d warnings", got, len(want))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("Warnings()[%d] = %q, want prefix %q", i, got[i], want[i])
		}
	}
}
