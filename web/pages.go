package web

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/quarantine"
	"github.com/lychgate/lychgate/scanners"
)

type count struct {
	Name  string
	Count int64
}

type schoolDash struct {
	ID, Name                           string
	Held, Released, Deleted, Incidents int64
	Severity, Categories               []count
	Oldest                             []quarantine.Entry
	Chart                              template.HTML
	TrendTotal                         int64
}

func (s *Server) schoolName(id string) string {
	if sc := s.config().SchoolByID(id); sc != nil && sc.Name != "" {
		return sc.Name
	}
	return id
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request, p *principal) {
	if ro := p.user.Role; !ro.CanListMail() && !ro.CanReadReports() {
		http.Redirect(w, r, "/users", http.StatusSeeOther) // admin: no mail, not even counts
		return
	}
	ctx := r.Context()
	var dash []schoolDash
	cats := make([]string, 0, len(scanners.Categories))
	for _, c := range scanners.Categories {
		cats = append(cats, string(c))
	}
	for _, sc := range p.schools {
		c, err := s.quarantine().Counts(ctx, sc, cats)
		if err != nil {
			s.storeDown(w, r, err)
			return
		}
		d := schoolDash{ID: sc, Name: s.schoolName(sc), Held: c.Status[quarantine.StatusHeld], Released: c.Status[quarantine.StatusReleased],
			Deleted: c.Status[quarantine.StatusDeleted], Incidents: c.Status[quarantine.StatusIncident]}
		for _, name := range cats {
			if n := c.Category[name]; n > 0 {
				d.Categories = append(d.Categories, count{name, n})
			}
		}
		held, _, err := s.quarantine().Search(ctx, quarantine.Query{School: sc, Status: quarantine.StatusHeld, Limit: quarantine.MaxListLimit})
		if err != nil {
			s.storeDown(w, r, err)
			return
		}
		bySev := map[scanners.Severity]int64{}
		for _, e := range held {
			bySev[e.MaxSeverity]++
		}
		for sev := scanners.Critical; sev >= scanners.Info; sev-- {
			if bySev[sev] > 0 {
				d.Severity = append(d.Severity, count{sev.String(), bySev[sev]})
			}
		}
		if p.user.Role.CanListMail() {
			if d.Oldest, err = s.quarantine().OldestHeld(ctx, sc, 10); err != nil {
				s.storeDown(w, r, err)
				return
			}
		}
		trend, err := s.quarantine().Trend(ctx, sc, s.now(), 30)
		if err != nil {
			s.storeDown(w, r, err)
			return
		}
		for _, n := range trend {
			d.TrendTotal += n
		}
		d.Chart = chart(trend, s.now())
		dash = append(dash, d)
	}
	s.auditAll(r, p, quarantine.ActionReport, "dashboard")
	s.render(w, r, http.StatusOK, "dashboard", map[string]any{"Title": "Dashboard", "Dash": dash})
}

func (s *Server) storeDown(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("web store request failed", "path", r.URL.Path, "err", err)
	code, msg := errStatus(err)
	s.fail(w, r, page, code, msg)
}

// chart draws a 30-day bar chart as inline SVG. Everything in it is a
// number or a fixed string, so it is safe to emit as HTML.
func chart(days []int64, until time.Time) template.HTML {
	const w, h, pad = 600, 140, 20
	var peak int64 = 1
	for _, n := range days {
		peak = max(peak, n)
	}
	bw := float64(w-2*pad) / float64(len(days))
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="messages held per day, last %d days">`, w, h+30, w, h+30, len(days))
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#888"/>`, pad, h, w-pad, h)
	for i, n := range days {
		bh := float64(h-pad) * float64(n) / float64(peak)
		x := float64(pad) + float64(i)*bw
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#3a6ea5"><title>%s: %d</title></rect>`,
			x+1, float64(h)-bh, bw-2, bh, until.AddDate(0, 0, i-len(days)+1).Format("2 Jan"), n)
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" fill="#444">%s</text>`, pad, h+16, until.AddDate(0, 0, -len(days)+1).Format("2 Jan"))
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" fill="#444" text-anchor="end">%s</text>`, w-pad, h+16, until.Format("2 Jan"))
	fmt.Fprintf(&b, `<text x="%d" y="12" font-size="11" fill="#444">max %d/day</text>`, pad, peak)
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // built from numbers and fixed strings only
}

func (s *Server) listPage(w http.ResponseWriter, r *http.Request, p *principal) {
	if !s.allowed(w, r, page, p.user.Role.CanListMail()) {
		return
	}
	v := r.URL.Query()
	schools, ok := s.schoolsFor(w, r, page, p, v.Get("school"))
	if !ok {
		return
	}
	q, err := query(r)
	if err != nil {
		s.fail(w, r, page, http.StatusBadRequest, err.Error())
		return
	}
	entries, next, err := s.search(r, schools, q, v.Get("cursor"))
	if err != nil {
		s.storeDown(w, r, err)
		return
	}
	s.auditSchools(r, p, schools, quarantine.ActionList, r.URL.RawQuery)
	nextURL := ""
	if next != "" {
		nv := r.URL.Query()
		nv.Set("cursor", next)
		nextURL = "/quarantine?" + nv.Encode()
	}
	var cats []string
	for _, c := range scanners.Categories {
		cats = append(cats, string(c))
	}
	s.render(w, r, http.StatusOK, "list", map[string]any{"Title": "Quarantine", "Entries": entries, "Next": nextURL, "Q": v,
		"Categories": cats, "Statuses": []string{"held", "released", "deleted", "incident"},
		"Severities": []string{"info", "low", "medium", "high", "critical"}, "Done": done(v)})
}

// done is the confirmation shown after an action (fixed texts only).
func done(v map[string][]string) string {
	d := ""
	if x := v["done"]; len(x) > 0 {
		d = x[0]
	}
	return map[string]string{
		"release": "Released.", "delete": "Deleted. The record stays in the audit trail.", "incident": "Recorded as an incident.",
		"copy": "A copy is on its way to you. The message is still held.", "not-a-problem": "Noted as not a problem.",
		"bulk": "Done for the selected messages.",
	}[d]
}

type findingView struct {
	F       scanners.Finding
	Context [][]segment
}

func (s *Server) messagePage(w http.ResponseWriter, r *http.Request, p *principal) {
	if !s.allowed(w, r, page, p.user.Role.CanListMail()) {
		return
	}
	detail := "metadata"
	if p.user.Role.CanReadBodies() {
		detail = "body"
	}
	e, raw, ok := s.lookup(w, r, page, p, detail)
	if !ok {
		return
	}
	data := map[string]any{"Title": e.Subject, "E": e, "Done": done(r.URL.Query()), "HasBody": raw != nil}
	var fv []findingView
	var m *message.Message
	if raw != nil {
		m = message.Parse(r.Context(), raw, message.DefaultLimits())
		var hdrs []message.Header
		for _, h := range m.Headers {
			switch strings.ToLower(h.Name) {
			case "from", "to", "cc", "reply-to", "subject", "date", "message-id", "return-path", "sender", "x-mailer", "authentication-results":
				hdrs = append(hdrs, h)
			}
		}
		data["Headers"] = hdrs
		data["Attachments"] = attachments(m, e)
	}
	for _, f := range e.Findings {
		v := findingView{F: f}
		if m != nil && p.user.Role.CanReadBodies() {
			for _, ev := range f.Evidence {
				if c := evidenceContext(m, ev.Text, 60); c != nil {
					v.Context = append(v.Context, c)
				}
			}
		}
		fv = append(fv, v)
	}
	data["Findings"] = fv
	if m != nil && p.user.Role.CanReadBodies() {
		ps := parts(m, evidenceTexts(e))
		data["Parts"] = ps
	}
	s.render(w, r, http.StatusOK, "message", data)
}

// bodyFrame serves one HTML part sanitised, as its own document with a
// CSP that forbids scripts and remote loads, for the sandboxed iframe.
func (s *Server) bodyFrame(w http.ResponseWriter, r *http.Request, p *principal) {
	if !s.allowed(w, r, page, p.user.Role.CanReadBodies()) {
		return
	}
	e, raw, ok := s.lookup(w, r, page, p, "html part "+r.URL.Query().Get("part"))
	if !ok {
		return
	}
	if raw == nil {
		s.fail(w, r, page, http.StatusGone, "the message was "+e.Status+"; its body is gone")
		return
	}
	m := message.Parse(r.Context(), raw, message.DefaultLimits())
	html, ok := htmlPart(m, r.URL.Query().Get("part"))
	if !ok {
		s.fail(w, r, page, http.StatusNotFound, "no such HTML part")
		return
	}
	w.Header().Set("Content-Security-Policy", bodyCSP)
	w.Header().Set("X-Frame-Options", "SAMEORIGIN")
	s.render(w, r, http.StatusOK, "frame", map[string]any{"Body": template.HTML(sanitize(html))}) //nolint:gosec // sanitised by bluemonday
}

// rawSource is the message as received, for the DSL only, as plain text
// that the browser must not sniff.
func (s *Server) rawSource(w http.ResponseWriter, r *http.Request, p *principal) {
	if !s.allowed(w, r, page, p.user.Role.CanReadRaw()) {
		return
	}
	e, raw, ok := s.lookup(w, r, page, p, "raw source")
	if !ok {
		return
	}
	if raw == nil {
		s.fail(w, r, page, http.StatusGone, "the message was "+e.Status+"; its body is gone")
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	_, _ = w.Write(raw)
}

// attachment downloads attachment n after a warning page; the download is
// always application/octet-stream as an attachment, never shown inline.
func (s *Server) attachment(w http.ResponseWriter, r *http.Request, p *principal) {
	if !s.allowed(w, r, page, p.user.Role.CanReadBodies()) {
		return
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 0 {
		s.fail(w, r, page, http.StatusNotFound, "no such attachment")
		return
	}
	confirmed := r.URL.Query().Get("confirm") == "yes"
	detail := "attachment warning"
	if confirmed {
		detail = "attachment download " + strconv.Itoa(n)
	}
	e, raw, ok := s.lookup(w, r, page, p, detail)
	if !ok {
		return
	}
	if raw == nil {
		s.fail(w, r, page, http.StatusGone, "the message was "+e.Status+"; its attachments are gone")
		return
	}
	m := message.Parse(r.Context(), raw, message.DefaultLimits())
	if n >= len(m.Attachments) {
		s.fail(w, r, page, http.StatusNotFound, "no such attachment")
		return
	}
	a := m.Attachments[n]
	if !confirmed {
		s.render(w, r, http.StatusOK, "attachment", map[string]any{"Title": "Download attachment", "E": e, "A": attachments(m, e)[n]})
		return
	}
	name := strings.Map(func(c rune) rune {
		if c < 0x20 || c == '"' || c == '\\' || c == '/' || c > 0x7e {
			return '_'
		}
		return c
	}, a.Filename)
	if name == "" {
		name = "attachment.bin"
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.quarantined"`)
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	_, _ = w.Write(a.Data)
}

func (s *Server) formParams(r *http.Request) (actionParams, error) {
	ap := actionParams{Reason: r.PostFormValue("reason"), Category: r.PostFormValue("category"), Notes: r.PostFormValue("notes")}
	to, err := parseAddrs(r.PostFormValue("to"))
	ap.To = to
	return ap, err
}

func (s *Server) actionForm(w http.ResponseWriter, r *http.Request, p *principal) {
	action := r.PathValue("action")
	if !actions[action] {
		s.fail(w, r, page, http.StatusNotFound, "no such action")
		return
	}
	if !s.allowed(w, r, page, p.user.Role.CanAct()) {
		return
	}
	ap, err := s.formParams(r)
	if err != nil {
		s.fail(w, r, page, http.StatusBadRequest, err.Error())
		return
	}
	e, _, ok := s.lookup(w, r, page, p, "-")
	if !ok {
		return
	}
	if _, code, msg := s.act(r.Context(), r, p, e, action, ap); code != 0 {
		s.fail(w, r, page, code, msg)
		return
	}
	http.Redirect(w, r, "/quarantine/"+e.ID+"?done="+action, http.StatusSeeOther)
}

// bulk applies one action to every selected entry.
func (s *Server) bulk(w http.ResponseWriter, r *http.Request, p *principal) {
	if !s.allowed(w, r, page, p.user.Role.CanAct()) {
		return
	}
	action := r.PostFormValue("action")
	if action != quarantine.ActionRelease && action != quarantine.ActionDelete && action != quarantine.ActionNotAProblem {
		s.fail(w, r, page, http.StatusBadRequest, "choose release, delete or not a problem")
		return
	}
	ids := r.PostForm["id"]
	if len(ids) == 0 || len(ids) > 500 {
		s.fail(w, r, page, http.StatusBadRequest, "select between 1 and 500 messages")
		return
	}
	ap := actionParams{Reason: r.PostFormValue("reason")}
	var failed []string
	for _, id := range ids {
		e, _, err := s.quarantine().Find(r.Context(), p.schools, id)
		if err != nil {
			failed = append(failed, id+": not found")
			continue
		}
		if _, code, msg := s.act(r.Context(), r, p, e, action, ap); code != 0 {
			failed = append(failed, id+": "+msg)
		}
	}
	if len(failed) > 0 {
		s.fail(w, r, page, http.StatusConflict, fmt.Sprintf("%d of %d failed: %s", len(failed), len(ids), strings.Join(failed, "; ")))
		return
	}
	http.Redirect(w, r, "/quarantine?done=bulk", http.StatusSeeOther)
}

type auditRow struct {
	School string
	quarantine.AuditEntry
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, p *principal) {
	if !s.allowed(w, r, page, p.user.Role.CanReadAudit()) {
		return
	}
	v := r.URL.Query()
	schools, ok := s.schoolsFor(w, r, page, p, v.Get("school"))
	if !ok {
		return
	}
	q := quarantine.AuditQuery{Who: strings.TrimSpace(v.Get("who")), Action: v.Get("action"), Limit: 200}
	if d := v.Get("since"); d != "" {
		t, err := time.ParseInLocation(time.DateOnly, d, time.Local)
		if err != nil {
			s.fail(w, r, page, http.StatusBadRequest, "since: want a date (2006-01-02)")
			return
		}
		q.Since = t
	}
	if d := v.Get("until"); d != "" {
		t, err := time.ParseInLocation(time.DateOnly, d, time.Local)
		if err != nil {
			s.fail(w, r, page, http.StatusBadRequest, "until: want a date (2006-01-02)")
			return
		}
		q.Until = t.AddDate(0, 0, 1)
	}
	var rows []auditRow
	for _, sc := range schools {
		q.School = sc
		got, err := s.quarantine().AuditSearch(r.Context(), q)
		if err != nil {
			s.storeDown(w, r, err)
			return
		}
		for _, a := range got {
			rows = append(rows, auditRow{School: sc, AuditEntry: a})
		}
	}
	slices.SortStableFunc(rows, func(a, b auditRow) int { return b.When.Compare(a.When) })
	if len(rows) > 200 {
		rows = rows[:200]
	}
	s.auditSchools(r, p, schools, quarantine.ActionAudit, r.URL.RawQuery)
	s.render(w, r, http.StatusOK, "audit", map[string]any{"Title": "Audit log", "Rows": rows, "Q": v,
		"Actions": []string{"view", "list", "release", "delete", "incident", "copy", "not-a-problem", "export", "expire", "audit", "report", "sign-in", "sign-out"}})
}

type reportRow struct {
	School, Week, Category, Severity string
	Count                            int
}

// report counts incidents per school, week (starting Monday), category
// and severity; at most 20000 incidents per school are read.
func (s *Server) report(r *http.Request, schools []string) ([]reportRow, error) {
	var rows []reportRow
	for _, sc := range schools {
		counts := map[reportRow]int{}
		q := quarantine.Query{School: sc, Status: quarantine.StatusIncident, Limit: quarantine.MaxListLimit}
		for range 20 {
			entries, next, err := s.quarantine().Search(r.Context(), q)
			if err != nil {
				return nil, err
			}
			for _, e := range entries {
				t := e.Received.Local()
				monday := t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7))
				cat := e.IncidentCategory
				if cat == "" {
					cat = strings.Join(e.Categories, ";")
				}
				counts[reportRow{School: sc, Week: monday.Format(time.DateOnly), Category: cat, Severity: e.MaxSeverity.String()}]++
			}
			if next == "" {
				break
			}
			q.Cursor = next
		}
		for k, n := range counts {
			k.Count = n
			rows = append(rows, k)
		}
	}
	// By school, newest week first, then category and severity.
	slices.SortFunc(rows, func(a, b reportRow) int {
		return cmp.Or(strings.Compare(a.School, b.School), strings.Compare(b.Week, a.Week),
			strings.Compare(a.Category, b.Category), strings.Compare(a.Severity, b.Severity))
	})
	return rows, nil
}

// reportRows checks the reader may see reports, reads the incident rows
// of the schools asked for and audits the reading as what; false means a
// reply was written.
func (s *Server) reportRows(w http.ResponseWriter, r *http.Request, p *principal, what string) ([]reportRow, bool) {
	if !s.allowed(w, r, page, p.user.Role.CanReadReports()) {
		return nil, false
	}
	schools, ok := s.schoolsFor(w, r, page, p, r.URL.Query().Get("school"))
	if !ok {
		return nil, false
	}
	rows, err := s.report(r, schools)
	if err != nil {
		s.storeDown(w, r, err)
		return nil, false
	}
	s.auditSchools(r, p, schools, quarantine.ActionReport, what)
	return rows, true
}

func (s *Server) reportsPage(w http.ResponseWriter, r *http.Request, p *principal) {
	rows, ok := s.reportRows(w, r, p, "incidents")
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, "reports", map[string]any{"Title": "Incident report", "Rows": rows, "Generated": s.now()})
}

func (s *Server) reportsCSV(w http.ResponseWriter, r *http.Request, p *principal) {
	rows, ok := s.reportRows(w, r, p, "incidents csv")
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="incident-report.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"school", "week", "category", "severity", "incidents"})
	for _, row := range rows {
		_ = cw.Write([]string{row.School, row.Week, quarantine.CSVSafe(row.Category), row.Severity, strconv.Itoa(row.Count)})
	}
	cw.Flush()
}

// exportCSV is the incident log as the CLI's export writes it; with
// incidents=1 only the entries marked as incidents.
func (s *Server) exportCSV(w http.ResponseWriter, r *http.Request, p *principal) {
	if !s.allowed(w, r, page, p.user.Role.CanAct()) {
		return
	}
	schools, ok := s.schoolsFor(w, r, page, p, r.URL.Query().Get("school"))
	if !ok {
		return
	}
	status := ""
	if r.URL.Query().Get("incidents") == "1" {
		status = quarantine.StatusIncident
	}
	var rows [][]string
	for _, sc := range schools {
		q := quarantine.Query{School: sc, Status: status, Limit: quarantine.MaxListLimit}
		for range 100 {
			entries, next, err := s.quarantine().Search(r.Context(), q)
			if err != nil {
				s.storeDown(w, r, err)
				return
			}
			for i := range entries {
				rows = append(rows, quarantine.ExportRow(&entries[i]))
			}
			if next == "" {
				break
			}
			q.Cursor = next
		}
	}
	for _, sc := range schools {
		a := p.actor(r, "").Record(quarantine.ActionExport, fmt.Sprintf("%d entries (web)", len(rows)))
		if err := s.quarantine().Audit(r.Context(), sc, a); err != nil {
			s.storeDown(w, r, err)
			return
		}
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="incident-log.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write(quarantine.ExportHeader)
	_ = cw.WriteAll(rows)
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request, p *principal) {
	if !s.allowed(w, r, page, p.user.Role.CanManageUsers()) {
		return
	}
	list, err := s.users.List(r.Context())
	if err != nil {
		s.storeDown(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "users", map[string]any{"Title": "Users", "Users": list})
}
