package report

import (
	"encoding/csv"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lychgate/lychgate/quarantine"
	"github.com/lychgate/lychgate/scanners"
)

// NoIncidents is the sentence a quiet report says (a contract: the words
// "no incidents" appear in every format when there were none).
const NoIncidents = "There were no incidents this period: no message was held for review and the DSL recorded no incident."

// Span is the period as people read it: "2026-11-23 to 2026-11-29" for
// whole days (the last day inclusive), else both times.
func (p Period) Span() string {
	last := p.To.Add(-time.Nanosecond)
	if isMidnight(p.From) && isMidnight(p.To) {
		if p.From.Format(time.DateOnly) == last.Format(time.DateOnly) {
			return p.From.Format("Mon 2 Jan 2006")
		}
		return p.From.Format("Mon 2 Jan 2006") + " to " + last.Format("Mon 2 Jan 2006")
	}
	return p.From.Format("Mon 2 Jan 2006 15:04") + " to " + p.To.Format("Mon 2 Jan 2006 15:04")
}

func isMidnight(t time.Time) bool { return t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 }

// Row is one line of the counts table: a category or severity with its
// count this period and the previous one.
type Row struct {
	Name              string
	Count, Previous   int
	Change            string
	CountBar, PrevBar int // bar widths in the HTML chart (0-100)
}

func change(cur, prev int) string {
	switch {
	case cur == prev:
		return "same"
	case cur > prev:
		return fmt.Sprintf("+%d", cur-prev)
	}
	return fmt.Sprintf("−%d", prev-cur)
}

// Categories are the category rows, in scanners.Categories order, only
// those with a count in either period.
func (r *Report) Categories() []Row {
	var rows []Row
	names := make([]string, 0, len(scanners.Categories))
	for _, c := range scanners.Categories {
		names = append(names, string(c))
	}
	for c := range r.Current.Categories {
		if !slices.Contains(names, c) {
			names = append(names, c)
		}
	}
	for c := range r.Previous.Categories {
		if !slices.Contains(names, c) {
			names = append(names, c)
		}
	}
	for _, c := range names {
		cur, prev := r.Current.Categories[c], r.Previous.Categories[c]
		if cur == 0 && prev == 0 {
			continue
		}
		rows = append(rows, Row{Name: c, Count: cur, Previous: prev, Change: change(cur, prev)})
	}
	return bars(rows)
}

// Severities are the severity rows, worst first, only those with a count.
func (r *Report) Severities() []Row {
	var rows []Row
	for s := scanners.Critical; s >= scanners.Info; s-- {
		cur, prev := r.Current.Severities[s], r.Previous.Severities[s]
		if cur == 0 && prev == 0 {
			continue
		}
		rows = append(rows, Row{Name: s.String(), Count: cur, Previous: prev, Change: change(cur, prev)})
	}
	return bars(rows)
}

func bars(rows []Row) []Row {
	top := 0
	for _, r := range rows {
		top = max(top, r.Count, r.Previous)
	}
	for i := range rows {
		if top > 0 {
			rows[i].CountBar = rows[i].Count * 100 / top
			rows[i].PrevBar = rows[i].Previous * 100 / top
		}
	}
	return rows
}

// Summary is the report's first sentence.
func (r *Report) Summary() string {
	if r.Quiet() {
		return NoIncidents
	}
	inc := "no incident was recorded by the DSL"
	switch n := len(r.Incidents); {
	case n == 1:
		inc = "the DSL recorded 1 incident"
	case n > 1:
		inc = fmt.Sprintf("the DSL recorded %d incidents", n)
	}
	return fmt.Sprintf("%s held for review (previous period: %d, %s); %s.",
		plural(r.Current.Held, "message"), r.Previous.Held, change(r.Current.Held, r.Previous.Held), inc)
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// Subject is the report mail's subject.
func (r *Report) Subject() string {
	s := fmt.Sprintf("Safeguarding report for %s, %s", r.School, r.Current.Span())
	if r.Quiet() {
		return s + ": no incidents"
	}
	return s + fmt.Sprintf(": %d held, %d incident(s)", r.Current.Held, len(r.Incidents))
}

// WriteText writes the plain-text report.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Safeguarding report for %s (%s)\n", r.School, r.SchoolID)
	fmt.Fprintf(&b, "Period: %s\nPrevious period: %s\n\n", r.Current.Span(), r.Previous.Span())
	b.WriteString(r.Summary() + "\n")
	if !r.Quiet() {
		table := func(title string, rows []Row) {
			if len(rows) == 0 {
				return
			}
			fmt.Fprintf(&b, "\n%s            this period  previous  change\n", title)
			for _, row := range rows {
				fmt.Fprintf(&b, "  %-22s %8d  %8d  %s\n", row.Name, row.Count, row.Previous, row.Change)
			}
		}
		table("By category", r.Categories())
		table("By severity", r.Severities())
		b.WriteString("\nHeld per day (this period, previous in brackets)\n")
		top := max(slices.Max(r.Current.Daily), 1)
		for i, n := range r.Current.Daily {
			day := r.Current.From.AddDate(0, 0, i)
			prev := 0
			if i < len(r.Previous.Daily) {
				prev = r.Previous.Daily[i]
			}
			fmt.Fprintf(&b, "  %s %-20s %3d (%d)\n", day.Format("Mon 02 Jan"), strings.Repeat("#", (n*20+top-1)/top), n, prev)
		}
		b.WriteString("\nIncidents recorded by the DSL\n")
		if len(r.Incidents) == 0 {
			b.WriteString("  none\n")
		}
		for _, inc := range r.Incidents {
			fmt.Fprintf(&b, "  %s  %s  entry %s%s\n", inc.Recorded.Format("2006-01-02 15:04"), orNone(inc.Category), inc.ID, inc.detail())
		}
	}
	if r.IncidentsTruncated || r.Current.Truncated || r.Previous.Truncated {
		b.WriteString("\nThis report is incomplete: the period has more entries than one report reads.\n")
	}
	fmt.Fprintf(&b, "\nGenerated %s by lychgate. Senders, recipients, subjects and notes are in the review UI, not in this report.\n",
		r.Generated.Format("2006-01-02 15:04 MST"))
	_, err := io.WriteString(w, b.String())
	return err
}

func orNone(s string) string {
	if s == "" {
		return "(no category)"
	}
	return s
}

func (inc Incident) detail() string {
	var parts []string
	if len(inc.Findings) > 0 {
		parts = append(parts, strings.Join(inc.Findings, ", "))
	}
	if inc.Severity != "" {
		parts = append(parts, inc.Severity)
	}
	if inc.By != "" {
		parts = append(parts, "recorded by "+inc.By)
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, "; ") + ")"
}

// CSVHeader is the header row of WriteCSV. Each row is one measure:
// kind summary (name "held" or "no incidents"), category, severity, day
// (name the date) or incident (name the DSL's category, detail the entry
// id); previous is the previous period's count where there is one.
var CSVHeader = []string{"school", "from", "to", "kind", "name", "count", "previous", "detail"}

// WriteCSV writes the report as CSV rows (CSVHeader first).
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	from, to := r.Current.From.Format(time.RFC3339), r.Current.To.Format(time.RFC3339)
	row := func(kind, name string, count int, prev, detail string) {
		_ = cw.Write([]string{r.SchoolID, from, to, kind, quarantine.CSVSafe(name), strconv.Itoa(count), prev, quarantine.CSVSafe(detail)})
	}
	_ = cw.Write(CSVHeader)
	if r.Quiet() {
		row("summary", "no incidents", 0, strconv.Itoa(r.Previous.Held), NoIncidents)
	} else {
		row("summary", "held", r.Current.Held, strconv.Itoa(r.Previous.Held), "")
	}
	row("summary", "incidents", len(r.Incidents), "", "")
	for _, c := range r.Categories() {
		row("category", c.Name, c.Count, strconv.Itoa(c.Previous), "")
	}
	for _, s := range r.Severities() {
		row("severity", s.Name, s.Count, strconv.Itoa(s.Previous), "")
	}
	for i, n := range r.Current.Daily {
		prev := ""
		if i < len(r.Previous.Daily) {
			prev = strconv.Itoa(r.Previous.Daily[i])
		}
		row("day", r.Current.From.AddDate(0, 0, i).Format(time.DateOnly), n, prev, "")
	}
	for _, inc := range r.Incidents {
		row("incident", inc.Category, 1, "", inc.ID+" "+inc.Recorded.Format(time.RFC3339))
	}
	cw.Flush()
	return cw.Error()
}

// DayBar is one day of the HTML chart.
type DayBar struct {
	X, Y, H, PrevY, PrevH int
	Label                 string
	Count, Previous       int
}

// Chart is the data of the inline SVG chart: held messages per day, this
// period (dark) beside the previous one (light).
func (r *Report) Chart() (bars []DayBar, width, height int) {
	const h, bw = 100, 14
	n := len(r.Current.Daily)
	top := 1
	for i, c := range r.Current.Daily {
		top = max(top, c)
		if i < len(r.Previous.Daily) {
			top = max(top, r.Previous.Daily[i])
		}
	}
	for i, c := range r.Current.Daily {
		prev := 0
		if i < len(r.Previous.Daily) {
			prev = r.Previous.Daily[i]
		}
		ch, ph := c*h/top, prev*h/top
		label := r.Current.From.AddDate(0, 0, i).Format("Mon")
		if n > 14 {
			label = r.Current.From.AddDate(0, 0, i).Format("2")
		}
		bars = append(bars, DayBar{X: 10 + i*(2*bw+8), Y: 10 + h - ch, H: ch, PrevY: 10 + h - ph, PrevH: ph, Label: label, Count: c, Previous: prev})
	}
	return bars, 20 + n*(2*bw+8), h + 40
}

var page = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{.R.Subject}}</title></head>
<body style="font-family: sans-serif; max-width: 44em">
<h1 style="font-size: 1.3em">Safeguarding report for {{.R.School}}</h1>
<p>Period: {{.R.Current.Span}}<br>Previous period: {{.R.Previous.Span}}</p>
<p><strong>{{.R.Summary}}</strong></p>
{{if not .R.Quiet}}
{{if .CID}}<img src="cid:{{.CID}}" width="{{.W}}" height="{{.IH}}" alt="{{.R.ChartAlt}}">
{{else}}<svg xmlns="http://www.w3.org/2000/svg" width="{{.W}}" height="{{.H}}" role="img" aria-label="{{.R.ChartAlt}}">
{{range .Bars}}<rect x="{{.X}}" y="{{.Y}}" width="14" height="{{.H}}" fill="#1f4e79"><title>{{.Count}} this period</title></rect>
<rect x="{{.X}}" y="{{.PrevY}}" width="14" height="{{.PrevH}}" fill="#a6c8e6" transform="translate(14 0)"><title>{{.Previous}} previous period</title></rect>
<text x="{{.X}}" y="128" font-size="10">{{.Label}}</text>
{{end}}</svg>{{end}}
<p style="font-size: 0.8em">Held per day{{range $i, $b := .Bars}}{{if $i}},{{else}}:{{end}} {{$b.Label}} {{$b.Count}}{{end}}. Dark bars this period, light bars the previous one.</p>
{{with .R.Categories}}<h2 style="font-size: 1.1em">By category</h2>
<table cellpadding="3"><tr><th align="left">category</th><th>this period</th><th>previous</th><th>change</th></tr>
{{range .}}<tr><td>{{.Name}}</td><td align="right">{{.Count}}</td><td align="right">{{.Previous}}</td><td align="right">{{.Change}}</td></tr>
{{end}}</table>{{end}}
{{with .R.Severities}}<h2 style="font-size: 1.1em">By severity</h2>
<table cellpadding="3"><tr><th align="left">severity</th><th>this period</th><th>previous</th><th>change</th></tr>
{{range .}}<tr><td>{{.Name}}</td><td align="right">{{.Count}}</td><td align="right">{{.Previous}}</td><td align="right">{{.Change}}</td></tr>
{{end}}</table>{{end}}
<h2 style="font-size: 1.1em">Incidents recorded by the DSL</h2>
{{if .R.Incidents}}<table cellpadding="3"><tr><th align="left">recorded</th><th align="left">category</th><th align="left">entry</th><th align="left">findings</th></tr>
{{range .R.Incidents}}<tr><td>{{.Recorded.Format "2006-01-02 15:04"}}</td><td>{{or .Category "(no category)"}}</td><td><code>{{.ID}}</code></td><td>{{range $i, $f := .Findings}}{{if $i}}, {{end}}{{$f}}{{end}} {{.Severity}}</td></tr>
{{end}}</table>{{else}}<p>none</p>{{end}}
{{end}}
{{if or .R.IncidentsTruncated .R.Current.Truncated .R.Previous.Truncated}}<p>This report is incomplete: the period has more entries than one report reads.</p>{{end}}
<p style="font-size: 0.8em; color: #555">Generated {{.R.Generated.Format "2006-01-02 15:04 MST"}} by lychgate. Senders, recipients, subjects and notes are in the review UI, not in this report.</p>
</body></html>
`))

// WriteHTML writes the report as an HTML page with an inline SVG chart.
func (r *Report) WriteHTML(w io.Writer) error { return r.writeHTML(w, "") }

// writeHTML writes the page; with cid the chart is the image
// cid:<cid> (ChartPNG) instead of inline SVG.
func (r *Report) writeHTML(w io.Writer, cid string) error {
	bars, width, height := r.Chart()
	return page.Execute(w, map[string]any{"R": r, "Bars": bars, "W": width, "H": height, "IH": height - 20, "CID": cid})
}
