package quarantine

import (
	"github.com/lychgate/lychgate/scanners"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ExportHeader is the header of the CSV incident log (for CPOMS,
// MyConcern and spreadsheets). The first ten columns are a contract;
// new columns are only ever added after them.
var ExportHeader = []string{"date", "school", "category", "severity", "sender", "recipients", "subject", "rule", "action", "reviewer",
	"id", "incident", "incident_category", "incident_notes"}

// ExportRow is e as a row under ExportHeader. Values that come from mail
// or reviewers are defused against spreadsheet formulas (CSVSafe).
func ExportRow(e *Entry) []string {
	var rules, actions []string
	for _, f := range e.Findings {
		if f.Severity == scanners.Info {
			continue // notes (spam reasons, authentication results), not what held it
		}
		if r := f.Scanner + "/" + f.Rule; !slices.Contains(rules, r) {
			rules = append(rules, r)
		}
	}
	for _, d := range e.Decisions {
		if a := string(d.Action); !slices.Contains(actions, a) {
			actions = append(actions, a)
		}
	}
	action := strings.Join(actions, ";")
	if e.Status != StatusHeld {
		action += ";" + e.Status
	}
	return []string{e.Received.UTC().Format(time.RFC3339), e.School, strings.Join(e.Categories, ";"), e.MaxSeverity.String(),
		CSVSafe(e.From), CSVSafe(strings.Join(e.Recipients, ";")), CSVSafe(e.Subject), strings.Join(rules, ";"), action, CSVSafe(e.Reviewer),
		e.ID, strconv.FormatBool(e.Incident), CSVSafe(e.IncidentCategory), CSVSafe(e.IncidentNotes)}
}

// CSVSafe defuses spreadsheet formulas in values that come from mail.
func CSVSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
