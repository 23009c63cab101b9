package directory

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strings"
)

// Kind is which MIS export a person came from. Its string is the group the
// person's school address joins.
type Kind string

// The kinds of person, one per CSV export.
const (
	Staff  Kind = "staff"
	Pupil  Kind = "pupils"
	Parent Kind = "parents"
)

// Person is one row of an MIS export. A Person returned by a Directory is
// a copy; its slices are shared with the index and must not be modified.
type Person struct {
	Kind   Kind
	School string
	// Name is as written in the export ("Jane Smith" or "Smith, Jane").
	Name string
	// Email is the address the school knows the person by: the school
	// address of staff and pupils, the contact address of a parent.
	Email string
	// PersonalEmails are a staff member's known personal addresses.
	PersonalEmails []string
	// Role is a staff member's role ("Class teacher").
	Role string
	// YearGroup is a pupil's year group ("Year 5").
	YearGroup string
	// Children are a parent's children, by name as the export gives them.
	Children []string
	// Source is "file:line" of the row.
	Source string
}

// Warning is a problem with one row (or a whole file) of an export. The row
// is skipped; loading goes on.
type Warning struct {
	File string
	// Line is the 1-based line of the row (0: the whole file).
	Line   int
	Reason string
}

// String returns "file:line: reason".
func (w Warning) String() string {
	if w.Line == 0 {
		return fmt.Sprintf("%s: %s", w.File, w.Reason)
	}
	return fmt.Sprintf("%s:%d: %s", w.File, w.Line, w.Reason)
}

// columns maps a normalised header name to the field it fills.
var columns = map[string]string{
	"name": "name", "full_name": "name", "fullname": "name",
	"email": "email", "e_mail": "email", "email_address": "email",
	"personal_emails": "personal_emails", "personal_email": "personal_emails",
	"role": "role", "job_title": "role",
	"year_group": "year_group", "year": "year_group",
	"children": "children", "child": "children", "pupils": "children",
}

// wanted lists the fields each kind reads; the first two are required.
var wanted = map[Kind][]string{
	Staff:  {"name", "email", "personal_emails", "role"},
	Pupil:  {"name", "email", "year_group"},
	Parent: {"name", "email", "children"},
}

func headerKey(s string) string {
	s = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(s, "\ufeff")))
	s = strings.NewReplacer(" ", "_", "-", "_", ".", "_").Replace(s)
	return s
}

// ReadCSV reads one MIS export of kind from r; file names it in warnings.
// The first row is the header: columns are found by name (case does not
// matter; spaces, hyphens and underscores are alike; unknown columns are
// ignored). name and email are required. A malformed row is reported as a
// Warning with its line and skipped; ReadCSV never fails as a whole (a
// missing required column is one Warning and no people).
func ReadCSV(r io.Reader, file string, kind Kind) ([]Person, []Warning) {
	var warns []Warning
	warn := func(line int, format string, args ...any) {
		warns = append(warns, Warning{File: file, Line: line, Reason: fmt.Sprintf(format, args...)})
	}
	fields, ok := wanted[kind]
	if !ok {
		warn(0, "unknown export kind %q", kind)
		return nil, warns
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = false
	head, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			warn(0, "empty file (want a header row: %s)", strings.Join(fields, ","))
		} else {
			warn(0, "cannot read the header row: %v", err)
		}
		return nil, warns
	}
	col := map[string]int{}
	for i, h := range head {
		f, ok := columns[headerKey(h)]
		if !ok {
			continue
		}
		if _, dup := col[f]; !dup {
			col[f] = i
		}
	}
	for _, f := range fields[:2] {
		if _, ok := col[f]; !ok {
			warn(1, "no %q column in the header (want at least name,email)", f)
			return nil, warns
		}
	}
	var out []Person
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				warn(pe.StartLine, "malformed CSV: %v", pe.Err)
				continue
			}
			warn(line, "cannot read: %v", err)
			break
		}
		get := func(f string) string {
			i, ok := col[f]
			if !ok || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		p := Person{Kind: kind, Name: get("name"), Source: fmt.Sprintf("%s:%d", file, line)}
		if p.Name == "" {
			warn(line, "empty name; row skipped")
			continue
		}
		email, err := parseAddr(get("email"))
		if err != nil {
			warn(line, "email: %v; row skipped", err)
			continue
		}
		p.Email = email
		switch kind {
		case Staff:
			p.Role = get("role")
			for _, s := range splitList(get("personal_emails")) {
				a, err := parseAddr(s)
				if err != nil {
					warn(line, "personal_emails: %v; address ignored", err)
					continue
				}
				p.PersonalEmails = append(p.PersonalEmails, a)
			}
		case Pupil:
			p.YearGroup = get("year_group")
		case Parent:
			p.Children = splitList(get("children"))
		}
		out = append(out, p)
	}
	return out, warns
}

// splitList splits a semicolon-separated cell, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ";") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// parseAddr checks that s is one bare address (local@domain) and returns it
// lower-cased.
func parseAddr(s string) (string, error) {
	if s == "" {
		return "", errors.New("empty address")
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return "", fmt.Errorf("invalid address %q: %w", s, err)
	}
	if a.Name != "" || !strings.Contains(a.Address, "@") || strings.ContainsAny(a.Address, "\"\\ ") {
		return "", fmt.Errorf("invalid address %q: want a bare local@domain", s)
	}
	local, domain, _ := strings.Cut(a.Address, "@")
	if local == "" || !strings.Contains(domain, ".") {
		return "", fmt.Errorf("invalid address %q: want local@domain.tld", s)
	}
	return strings.ToLower(a.Address), nil
}
