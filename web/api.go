package web

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/policy"
	"github.com/lychgate/lychgate/quarantine"
	"github.com/lychgate/lychgate/scanners"
)

// apiItem is one entry in GET /api/quarantine (a contract: fields are only
// ever added).
type apiItem struct {
	ID         string    `json:"id"`
	School     string    `json:"school"`
	Status     string    `json:"status"`
	From       string    `json:"from"`
	Recipients []string  `json:"recipients"`
	Subject    string    `json:"subject"`
	Categories []string  `json:"categories"`
	Severity   string    `json:"severity"`
	Received   time.Time `json:"received"`
	Incident   bool      `json:"incident"`
}

// apiEntry is GET /api/quarantine/{id}: the item, its findings and, for
// roles that may read bodies, its body as text.
type apiEntry struct {
	apiItem
	Direction        scanners.Direction `json:"direction"`
	HeaderFrom       string             `json:"header_from"`
	MessageID        string             `json:"message_id"`
	Held             []string           `json:"held"`
	Size             int                `json:"size"`
	Findings         []scanners.Finding `json:"findings"`
	Decisions        []policy.Decision  `json:"decisions"`
	Reviewer         string             `json:"reviewer,omitempty"`
	Acted            time.Time          `json:"acted,omitzero"`
	ReleasedTo       []string           `json:"released_to,omitempty"`
	IncidentCategory string             `json:"incident_category,omitempty"`
	IncidentNotes    string             `json:"incident_notes,omitempty"`
	Body             *string            `json:"body,omitempty"`
}

func item(e *quarantine.Entry) apiItem {
	return apiItem{ID: e.ID, School: e.School, Status: e.Status, From: e.From, Recipients: nonNil(e.Recipients), Subject: e.Subject,
		Categories: nonNil(e.Categories), Severity: e.MaxSeverity.String(), Received: e.Received, Incident: e.Incident}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// query builds a store query from URL parameters (shared by the list page
// and the API).
func query(r *http.Request) (quarantine.Query, error) {
	v := r.URL.Query()
	q := quarantine.Query{Status: v.Get("status"), Category: v.Get("category"), Sender: v.Get("sender"),
		Recipient: v.Get("recipient"), Text: v.Get("q")}
	if sv := v.Get("severity"); sv != "" {
		sev, err := scanners.ParseSeverity(sv)
		if err != nil {
			return q, err
		}
		q.MinSeverity = sev
	}
	if d := v.Get("direction"); d != "" {
		dir, err := scanners.ParseDirection(d)
		if err != nil {
			return q, err
		}
		q.Direction = dir
	}
	for _, f := range []struct {
		name string
		t    *time.Time
		end  bool
	}{{"since", &q.Since, false}, {"until", &q.Until, true}} {
		if s := v.Get(f.name); s != "" {
			t, err := time.ParseInLocation(time.DateOnly, s, time.Local)
			if err != nil {
				return q, errors.New(f.name + ": want a date (2006-01-02)")
			}
			if f.end {
				t = t.AddDate(0, 0, 1) // until a day includes it
			}
			*f.t = t
		}
	}
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n <= 0 {
			return q, errors.New("limit: want a positive number")
		}
		q.Limit = min(n, 500)
	}
	if q.Limit == 0 {
		q.Limit = 50
	}
	return q, nil
}

// search runs q over schools in order, continuing from cursor
// ("<school>~<store cursor>"), and returns up to q.Limit entries and the
// next cursor ("" at the end).
func (s *Server) search(r *http.Request, schools []string, q quarantine.Query, cursor string) ([]quarantine.Entry, string, error) {
	start, storeCursor := 0, ""
	if cursor != "" {
		sc, c, ok := strings.Cut(cursor, "~")
		i := indexOf(schools, sc)
		if !ok || i < 0 {
			return nil, "", quarantine.ErrInvalid
		}
		start, storeCursor = i, c
	}
	limit := q.Limit
	var out []quarantine.Entry
	for i := start; i < len(schools); i++ {
		if len(out) == limit {
			return out, schools[i] + "~", nil
		}
		q.School, q.Cursor, q.Limit = schools[i], storeCursor, limit-len(out)
		storeCursor = ""
		entries, next, err := s.quarantine().Search(r.Context(), q)
		if err != nil {
			return nil, "", err
		}
		out = append(out, entries...)
		if next != "" {
			return out, schools[i] + "~" + next, nil
		}
	}
	return out, "", nil
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

func (s *Server) apiList(w http.ResponseWriter, r *http.Request, p *principal) {
	if !s.allowed(w, r, api, p.user.Role.CanListMail()) {
		return
	}
	schools, ok := s.schoolsFor(w, r, api, p, r.URL.Query().Get("school"))
	if !ok {
		return
	}
	q, err := query(r)
	if err != nil {
		s.fail(w, r, api, http.StatusBadRequest, err.Error())
		return
	}
	entries, next, err := s.search(r, schools, q, r.URL.Query().Get("cursor"))
	if err != nil {
		code, msg := errStatus(err)
		s.fail(w, r, api, code, msg)
		return
	}
	s.auditSchools(r, p, schools, quarantine.ActionList, "api "+r.URL.RawQuery)
	items := make([]apiItem, 0, len(entries))
	for i := range entries {
		items = append(items, item(&entries[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "next": next})
}

// lookup finds entry {id} among p's schools, recording the view; it
// answers 404 for another school's id, exactly as for one that never
// existed.
func (s *Server) lookup(w http.ResponseWriter, r *http.Request, k kind, p *principal, detail string) (*quarantine.Entry, []byte, bool) {
	id := r.PathValue("id")
	e, raw, err := s.quarantine().Find(r.Context(), p.schools, id)
	if err != nil {
		code, msg := errStatus(err)
		if code == http.StatusBadRequest {
			code, msg = http.StatusNotFound, "no such message"
		}
		s.fail(w, r, k, code, msg)
		return nil, nil, false
	}
	if detail != "-" {
		a := p.actor(r, "").Record(quarantine.ActionView, detail)
		a.ID = e.ID
		if err := s.quarantine().Audit(r.Context(), e.School, a); err != nil {
			// No audit record, no view.
			s.log.Error("audit write failed", "err", err)
			s.fail(w, r, k, http.StatusServiceUnavailable, "the audit log is unavailable; try again shortly")
			return nil, nil, false
		}
	}
	return e, raw, true
}

func (s *Server) apiGet(w http.ResponseWriter, r *http.Request, p *principal) {
	if !s.allowed(w, r, api, p.user.Role.CanListMail()) {
		return
	}
	detail := "api metadata"
	if p.user.Role.CanReadBodies() {
		detail = "api body"
	}
	e, raw, ok := s.lookup(w, r, api, p, detail)
	if !ok {
		return
	}
	out := apiEntry{apiItem: item(e), Direction: e.Direction, HeaderFrom: e.HeaderFrom, MessageID: e.MessageID, Held: nonNil(e.Held),
		Size: e.Size, Findings: e.Findings, Decisions: e.Decisions, Reviewer: e.Reviewer, Acted: e.Acted, ReleasedTo: e.ReleasedTo,
		IncidentCategory: e.IncidentCategory, IncidentNotes: e.IncidentNotes}
	if out.Findings == nil {
		out.Findings = []scanners.Finding{}
	}
	if p.user.Role.CanReadBodies() && raw != nil {
		m := message.Parse(r.Context(), raw, message.DefaultLimits())
		var texts []string
		for _, t := range m.Texts {
			texts = append(texts, t.Content)
		}
		body := strings.Join(texts, "\n\n")
		out.Body = &body
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiAction(w http.ResponseWriter, r *http.Request, p *principal) {
	action := r.PathValue("action")
	if !actions[action] {
		s.fail(w, r, api, http.StatusNotFound, "no such action")
		return
	}
	if !s.allowed(w, r, api, p.user.Role.CanAct()) {
		return
	}
	var ap actionParams
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
	if err != nil {
		s.fail(w, r, api, http.StatusRequestEntityTooLarge, "request body too large")
		return
	}
	if len(strings.TrimSpace(string(body))) > 0 {
		if err := json.Unmarshal(body, &ap); err != nil {
			s.fail(w, r, api, http.StatusBadRequest, "body: want JSON {\"reason\": ..., \"to\": [...]}")
			return
		}
	}
	for _, a := range ap.To {
		if _, err := parseAddrs(a); err != nil || strings.ContainsAny(a, ", ") {
			s.fail(w, r, api, http.StatusBadRequest, "to: "+a+" is not a plain address")
			return
		}
	}
	e, _, ok := s.lookup(w, r, api, p, "-")
	if !ok {
		return
	}
	after, code, msg := s.act(r.Context(), r, p, e, action, ap)
	if code != 0 {
		s.fail(w, r, api, code, msg)
		return
	}
	if action != quarantine.ActionRelease {
		if fresh, _, err := s.quarantine().Get(r.Context(), e.School, e.ID); err == nil {
			after = fresh
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": after.ID, "status": after.Status, "action": action,
		"released_to": nonNil(after.ReleasedTo), "incident": after.Incident})
}
