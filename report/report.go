// Package report builds the head teacher's report: for one school and
// period, how many messages were held for review, by category and
// severity, against the previous period of the same length, with a small
// chart, and the incidents the DSL recorded. It says "no incidents this
// period" in those words when nothing was held and nothing recorded.
//
// The same Report is rendered as text, CSV or HTML (`lychgate report`)
// and mailed through the notify outbox by the Scheduler, once per school
// and period however many relay instances run.
//
// The report is an aggregate: it names no sender, recipient, subject or
// DSL note. The review UI holds the details; reading the store for a
// report is audited as ActionReport.
package report

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/quarantine"
	"github.com/lychgate/lychgate/scanners"
)

// MaxEntries is the most quarantine entries one period reads; a report
// over more says it is incomplete.
const MaxEntries = 100000

// MaxIncidents is the most incidents a report lists.
const MaxIncidents = 200

// Period is what one period's quarantine holds.
type Period struct {
	// From and To bound the period: [From, To).
	From, To time.Time
	// Held is how many messages were held for review (all statuses: one
	// released or deleted since still counts).
	Held int
	// Categories maps a finding category to how many held messages had a
	// finding of it.
	Categories map[string]int
	// Severities counts held messages by their worst finding's severity,
	// indexed by scanners.Severity.
	Severities [scanners.Critical + 1]int
	// Daily counts held messages per day of the period, oldest first.
	Daily []int
	// Truncated is set when the period had more than MaxEntries entries.
	Truncated bool
}

// Incident is one incident the DSL recorded in the period.
type Incident struct {
	// ID is the quarantine entry.
	ID string
	// Recorded is when the DSL marked it; By is who did.
	Recorded time.Time
	By       string
	// Category is the DSL's incident category ("" when none was given).
	Category string
	// Received is when the message arrived; Findings its finding
	// categories and Severity its worst finding's.
	Received time.Time
	Findings []string
	Severity string
}

// Report is one school's report for one period.
type Report struct {
	SchoolID, School string
	Current          Period
	// Previous is the period of the same length just before Current.
	Previous  Period
	Incidents []Incident
	// IncidentsTruncated is set when there were more than MaxIncidents.
	IncidentsTruncated bool
	Generated          time.Time
}

// Quiet reports whether nothing was held and no incident was recorded:
// the report then says "no incidents this period".
func (r *Report) Quiet() bool { return r.Current.Held == 0 && len(r.Incidents) == 0 }

// Options are what Build reads.
type Options struct {
	Store *quarantine.Store
	// Actor is recorded in the school's audit log as reading the report.
	Actor quarantine.Actor
	// Now is the generation time (zero: time.Now()).
	Now time.Time
}

// Build reads school's quarantine for [from, to) and the period of the
// same length before it.
func Build(ctx context.Context, school *config.School, from, to time.Time, o Options) (*Report, error) {
	if !to.After(from) {
		return nil, errors.New("report: the period ends before it starts")
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	r := &Report{SchoolID: school.ID, School: school.Name, Generated: o.Now}
	if r.School == "" {
		r.School = school.ID
	}
	var err error
	if r.Current, err = period(ctx, o.Store, school.ID, from, to); err != nil {
		return nil, err
	}
	if r.Previous, err = period(ctx, o.Store, school.ID, from.Add(-to.Sub(from)), from); err != nil {
		return nil, err
	}
	if err := r.incidents(ctx, o.Store, from, to); err != nil {
		return nil, err
	}
	if o.Actor.Who != "" {
		detail := fmt.Sprintf("head teacher's report %s to %s", from.Format(time.DateOnly), to.Format(time.DateOnly))
		if err := o.Store.Audit(ctx, school.ID, o.Actor.Record(quarantine.ActionReport, detail)); err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
	}
	return r, nil
}

// days is the number of day buckets of [from, to): at least 1, at most 366.
func days(from, to time.Time) int {
	n := int((to.Sub(from) + 24*time.Hour - 1) / (24 * time.Hour))
	return min(max(n, 1), 366)
}

func period(ctx context.Context, store *quarantine.Store, school string, from, to time.Time) (Period, error) {
	p := Period{From: from, To: to, Categories: map[string]int{}, Daily: make([]int, days(from, to))}
	q := quarantine.Query{School: school, Since: from, Until: to, Limit: quarantine.MaxListLimit}
	for {
		entries, next, err := store.Search(ctx, q)
		if err != nil {
			return p, fmt.Errorf("report: %s: %w", school, err)
		}
		for i := range entries {
			e := &entries[i]
			p.Held++
			for _, c := range e.Categories {
				p.Categories[c]++
			}
			if e.MaxSeverity >= scanners.Info && e.MaxSeverity <= scanners.Critical {
				p.Severities[e.MaxSeverity]++
			}
			if d := int(e.Received.Sub(from) / (24 * time.Hour)); d >= 0 && d < len(p.Daily) {
				p.Daily[d]++
			}
		}
		if next == "" {
			return p, nil
		}
		if p.Held >= MaxEntries {
			p.Truncated = true
			return p, nil
		}
		q.Cursor = next
	}
}

func (r *Report) incidents(ctx context.Context, store *quarantine.Store, from, to time.Time) error {
	recs, err := store.AuditSearch(ctx, quarantine.AuditQuery{School: r.SchoolID, Action: quarantine.ActionIncident,
		Since: from, Until: to, Limit: MaxIncidents + 1})
	if err != nil {
		return fmt.Errorf("report: %s: %w", r.SchoolID, err)
	}
	seen := map[string]bool{}
	for _, a := range recs {
		if seen[a.ID] {
			continue // marked twice (a category changed): the latest counts
		}
		seen[a.ID] = true
		if len(r.Incidents) == MaxIncidents {
			r.IncidentsTruncated = true
			break
		}
		inc := Incident{ID: a.ID, Recorded: a.When, By: a.Who}
		e, _, err := store.Get(ctx, r.SchoolID, a.ID)
		switch {
		case errors.Is(err, quarantine.ErrNotFound):
			// Expired since: the audit record is all there is.
		case err != nil:
			return fmt.Errorf("report: %s: %w", r.SchoolID, err)
		default:
			inc.Category, inc.Received, inc.Findings, inc.Severity = e.IncidentCategory, e.Received, e.Categories, e.MaxSeverity.String()
		}
		r.Incidents = append(r.Incidents, inc)
	}
	slices.SortStableFunc(r.Incidents, func(a, b Incident) int { return a.Recorded.Compare(b.Recorded) })
	return nil
}

// LastPeriod is the latest report period of rc that ended at or before
// now: it ends on rc.Day at rc.Hour (local time of now) and lasts
// rc.Every. Periods of whole days are counted in calendar days, so a
// weekly report keeps its hour across daylight-saving changes.
func LastPeriod(rc config.Report, now time.Time) (from, to time.Time) {
	rc = rc.WithDefaults()
	loc := now.Location()
	// The anchor is a period end in the past: the first rc.Day of 2024.
	anchor := time.Date(2024, 1, 1, rc.Hour, 0, 0, 0, loc)
	for anchor.Weekday() != rc.Weekday() {
		anchor = anchor.AddDate(0, 0, 1)
	}
	every := rc.Every.Duration
	if every%(24*time.Hour) == 0 {
		n := int(every / (24 * time.Hour))
		k := int(now.Sub(anchor)/(24*time.Hour)) / n
		to = anchor.AddDate(0, 0, k*n)
		for to.After(now) {
			to = to.AddDate(0, 0, -n)
		}
		for next := to.AddDate(0, 0, n); !next.After(now); next = to.AddDate(0, 0, n) {
			to = next
		}
		return to.AddDate(0, 0, -n), to
	}
	k := now.Sub(anchor) / every
	to = anchor.Add(k * every)
	return to.Add(-every), to
}
