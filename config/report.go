package config

import (
	"strings"
	"time"
)

// This file holds the schema of the head teacher's report: [report] and
// [school.report]. Zero values mean the defaults (WithDefaults).

// Report schedules the head teacher's report: one mail per school and
// period with counts by category and severity, the trend against the
// previous period and the incidents recorded by the DSL (package report).
type Report struct {
	// Disabled stops the scheduled reports (`lychgate report` still works).
	Disabled bool `toml:"disabled"`
	// Every is the length of a report period (0: "168h", a week). Periods
	// follow each other without gaps and end on Day at Hour.
	Every Duration `toml:"every"`
	// Day is the weekday a period ends on, in the relay's local time
	// ("": monday); the report for the period just ended goes out then.
	Day string `toml:"day"`
	// Hour is the hour of the day (0-23, local time) a period ends at
	// (0: midnight, so a week runs Monday 00:00 to Monday 00:00).
	Hour int `toml:"hour"`
}

// SchoolReport configures one school's report.
type SchoolReport struct {
	// To receives the report; empty means the school's dsl addresses plus
	// Head.
	To []string `toml:"to"`
	// Head is the head teacher's address, added to the dsl addresses when
	// To is empty.
	Head string `toml:"head"`
}

// Report defaults for zero values.
const (
	DefaultReportEvery = 7 * 24 * time.Hour
	DefaultReportDay   = "monday"
)

// Weekdays are the values of report.day.
var Weekdays = []string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

// WithDefaults returns r with its zero values replaced by the defaults.
func (r Report) WithDefaults() Report {
	if r.Every.Duration <= 0 {
		r.Every.Duration = DefaultReportEvery
	}
	if r.Day == "" {
		r.Day = DefaultReportDay
	}
	r.Day = strings.ToLower(r.Day)
	return r
}

// Weekday is r.Day as a time.Weekday (Monday when unknown).
func (r Report) Weekday() time.Weekday {
	for i, d := range Weekdays {
		if strings.EqualFold(d, r.Day) {
			return time.Weekday(i)
		}
	}
	return time.Monday
}

// ReportTo is where school s's report goes: s.Report.To, or the dsl
// addresses plus the head's, or notify.fallback_dsl.
func (c *Config) ReportTo(s *School) []string {
	if len(s.Report.To) > 0 {
		return s.Report.To
	}
	to := append([]string(nil), s.DSL...)
	if s.Report.Head != "" {
		to = append(to, s.Report.Head)
	}
	if len(to) == 0 {
		to = append(to, c.Notify.FallbackDSL...)
	}
	return to
}

// report checks [report] and the schools' [school.report] tables.
func (v *checker) report() {
	r := &v.c.Report
	if r.Every.Duration < 0 {
		v.add("report.every", "must not be negative (0 means the default, 168h)")
	} else if r.Every.Duration > 0 && r.Every.Duration < time.Hour {
		v.add("report.every", "must be at least 1h")
	}
	if r.Day != "" {
		v.oneOf("report.day", strings.ToLower(r.Day), Weekdays)
	}
	if r.Hour < 0 || r.Hour > 23 {
		v.add("report.hour", "must be 0 to 23")
	}
	for i := range v.c.Schools {
		s := &v.c.Schools[i]
		at := indexKey("school", i) + ".report"
		for j, a := range s.Report.To {
			if !isAddress(a) {
				v.add(indexKey(at+".to", j), "%q is not an email address (write user@domain)", a)
			}
		}
		if s.Report.Head != "" && !isAddress(s.Report.Head) {
			v.add(at+".head", "%q is not an email address (write user@domain)", s.Report.Head)
		}
	}
}
