package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/internal/durfmt"
	"github.com/lychgate/lychgate/quarantine"
	"github.com/lychgate/lychgate/scanners"
)

// quarantineCmd holds the flags of `lychgate quarantine`.
type quarantineCmd struct {
	school, status, category, severity, direction, sender, recipient, since, until, text, cursor string
	limit                                                                                        int
	asJSON                                                                                       bool
	to, by, out, reason, incCategory, notes, user, action, id                                    string
	incidents                                                                                    bool
}

// quarantineFlags are the flags each quarantine subcommand takes.
var quarantineFlags = map[string][]string{
	"list":          {"config", "json", "school", "status", "category", "severity", "direction", "sender", "recipient", "since", "until", "text", "cursor", "limit", "by"},
	"show":          {"config", "json", "school", "by", "reason"},
	"release":       {"config", "school", "to", "by", "reason"},
	"delete":        {"config", "school", "by", "reason"},
	"incident":      {"config", "school", "by", "reason", "incident-category", "category", "notes"},
	"copy":          {"config", "school", "to", "by", "reason"},
	"not-a-problem": {"config", "school", "by", "reason"},
	"export":        {"config", "school", "status", "category", "severity", "direction", "sender", "recipient", "since", "until", "text", "incidents", "out", "by"},
	"audit":         {"config", "json", "school", "user", "action", "id", "since", "until", "limit", "by"},
}

func runQuarantine(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || isHelpArg(args[0]) {
		if len(args) == 0 {
			return fmt.Errorf("%w: want list, show, release, delete, incident, copy, not-a-problem, export or audit", errUsage)
		}
		return &helpRequest{name: "quarantine"}
	}
	sub, args := args[0], args[1:]
	keep, ok := quarantineFlags[sub]
	if !ok {
		return fmt.Errorf("%w: unknown quarantine command %q (want list, show, release, delete, incident, copy, not-a-problem, export or audit)", errUsage, sub)
	}
	all := newFlagSet("quarantine "+sub, stderr)
	fs := all
	var q quarantineCmd
	cfgFlag := fs.String("config", "", "configuration file")
	fs.BoolVar(&q.asJSON, "json", false, "one JSON object per line")
	fs.StringVar(&q.school, "school", "", "only this school")
	fs.StringVar(&q.status, "status", "", "only held, released, deleted or incident (marked as an incident, whatever the status)")
	fs.StringVar(&q.category, "category", "", "only this finding category")
	fs.StringVar(&q.severity, "severity", "", "only this severity or worse (info, low, medium, high, critical)")
	fs.StringVar(&q.direction, "direction", "", "only inbound, outbound or internal")
	fs.StringVar(&q.sender, "sender", "", "sender contains this (a whole address uses an index: fast)")
	fs.StringVar(&q.recipient, "recipient", "", "a recipient contains this (a whole address uses an index: fast)")
	fs.StringVar(&q.since, "since", "", "received at or after (2006-01-02 or RFC 3339)")
	fs.StringVar(&q.until, "until", "", "received before (2006-01-02 or RFC 3339)")
	fs.StringVar(&q.text, "text", "", "words in the subject or findings")
	fs.StringVar(&q.cursor, "cursor", "", "continue a list after this cursor (one school)")
	fs.IntVar(&q.limit, "limit", 100, "at most this many entries per school")
	fs.StringVar(&q.to, "to", "", "release: deliver to these addresses (comma-separated) instead of the held recipients")
	fs.StringVar(&q.by, "by", currentUser(), "reviewer name recorded in the audit log (the login name by default)")
	fs.StringVar(&q.out, "out", "", "export: write the CSV here instead of standard output")
	fs.StringVar(&q.reason, "reason", "", "why (kept in the audit record of the action)")
	fs.StringVar(&q.incCategory, "incident-category", "", "incident: the incident's category, e.g. bullying (--category works too)")
	fs.StringVar(&q.notes, "notes", "", "incident: notes on the incident")
	fs.BoolVar(&q.incidents, "incidents", false, "export: only entries marked as incidents")
	fs.StringVar(&q.user, "user", "", "audit: only records by this user")
	fs.StringVar(&q.action, "action", "", "audit: only this action (view, list, release, delete, incident, copy, not-a-problem, export, expire, ...)")
	fs.StringVar(&q.id, "id", "", "audit: only records about this entry id")
	fs = subcommandFlags(all, keep)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	// Arguments are checked before anything is read or connected to.
	switch takesID := sub != "list" && sub != "audit" && sub != "export"; {
	case takesID && len(pos) != 1:
		return &usageError{name: "quarantine " + sub, err: fmt.Errorf("%s takes one entry ID", sub)}
	case !takesID && len(pos) > 0:
		return &usageError{name: "quarantine " + sub, err: fmt.Errorf("%s takes no arguments (got %q)", sub, pos[0])}
	}
	cfg, err := loadConfigStrict(*cfgFlag)
	if err != nil {
		return err
	}
	if q.by == "" {
		return fmt.Errorf("%w: --by NAME is required (no login name found)", errUsage)
	}
	rdb, err := openRedis(cfg)
	if err != nil {
		return err
	}
	defer rdb.Close() //nolint:errcheck // CLI exit path
	store := newStore(rdb, cfg, newLogger(cfg, stderr))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	host, _ := os.Hostname()
	actor := quarantine.Actor{Who: q.by, From: "cli@" + host, Reason: q.reason}
	schools, err := schoolIDs(cfg, q.school)
	if err != nil {
		return err
	}
	one := func() error {
		if len(pos) != 1 {
			return fmt.Errorf("%w: %s takes one ID", errUsage, sub)
		}
		return nil
	}
	switch sub {
	case "list":
		if len(pos) > 0 {
			return fmt.Errorf("%w: list takes no arguments", errUsage)
		}
		return q.list(ctx, store, schools, actor, stdout)
	case "show":
		if err := one(); err != nil {
			return err
		}
		return quarantineShow(ctx, store, schools, pos[0], actor, q.asJSON, stdout)
	case "release":
		if err := one(); err != nil {
			return err
		}
		return q.release(ctx, store, cfg, schools, pos[0], actor, stdout)
	case "delete":
		if err := one(); err != nil {
			return err
		}
		e, _, err := findEntry(ctx, store, schools, pos[0])
		if err != nil {
			return err
		}
		if err := store.Delete(ctx, e.School, e.ID, actor); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "deleted %s (the record stays for the audit trail)\n", e.ID)
		return nil
	case "incident":
		// Marks an entry as a safeguarding incident: it is then kept for
		// the incident retention (a year by default), not the held one.
		if err := one(); err != nil {
			return err
		}
		e, _, err := findEntry(ctx, store, schools, pos[0])
		if err != nil {
			return err
		}
		cat := q.incCategory
		if cat == "" {
			cat = q.category // in this command --category can only mean the incident's
		}
		inc := quarantine.Incident{By: actor, Category: cat, Notes: q.notes}
		if err := store.RecordIncident(ctx, e.School, e.ID, inc); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "marked %s as an incident: kept for %s\n", e.ID, durfmt.Short(store.IncidentRetentionFor(e.School)))
		return nil
	case "copy":
		// "Send me a copy": the held message, wrapped as an attachment,
		// to the reviewer; it stays held.
		if err := one(); err != nil {
			return err
		}
		to, err := parseAddrList(q.to)
		if err != nil || len(to) == 0 {
			return fmt.Errorf("%w: copy needs --to ADDR (your address)", errUsage)
		}
		e, _, err := findEntry(ctx, store, schools, pos[0])
		if err != nil {
			return err
		}
		from := cfg.Notify.From
		if from == "" {
			from = "lychgate@" + cfg.Relay.Hostname
		}
		if err := store.Copy(ctx, e.School, e.ID, quarantine.CopyOptions{By: actor, To: to, From: from}, quarantine.Deliverer(newMailer(cfg).Send)); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "sent a copy of %s to %s; it is still held\n", e.ID, strings.Join(to, ", "))
		return nil
	case "not-a-problem":
		if err := one(); err != nil {
			return err
		}
		e, _, err := findEntry(ctx, store, schools, pos[0])
		if err != nil {
			return err
		}
		if err := store.NotAProblem(ctx, e.School, e.ID, actor); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "noted %s as not a problem (release or delete it as well)\n", e.ID)
		return nil
	case "audit":
		if len(pos) > 0 {
			return fmt.Errorf("%w: audit takes no arguments", errUsage)
		}
		return q.audit(ctx, store, schools, actor, stdout)
	case "export":
		if len(pos) > 0 {
			return fmt.Errorf("%w: export takes no arguments", errUsage)
		}
		return q.export(ctx, store, schools, actor, stdout)
	}
	return fmt.Errorf("%w: unknown quarantine command %q", errUsage, sub)
}

// findEntry is store.Find with the CLI's wording for a missing entry.
func findEntry(ctx context.Context, store *quarantine.Store, schools []string, id string) (*quarantine.Entry, []byte, error) {
	e, raw, err := store.Find(ctx, schools, id)
	if err != nil {
		return nil, nil, entryError(id, schools, err)
	}
	return e, raw, nil
}

// entryError turns "not found" and "invalid id" into one sentence.
func entryError(id string, schools []string, err error) error {
	where := "school " + strings.Join(schools, ", ")
	if len(schools) > 1 {
		where = "any of the schools " + strings.Join(schools, ", ")
	}
	switch {
	case errors.Is(err, quarantine.ErrNotFound):
		return fmt.Errorf("no quarantine entry %q in %s (it may have expired; 'lychgate quarantine list' shows the entries)", id, where)
	case errors.Is(err, quarantine.ErrInvalid):
		return fmt.Errorf("%w: %q is not a quarantine entry id (24 hex characters, as 'lychgate quarantine list' prints)", errUsage, id)
	}
	return err
}

// schoolIDs are the schools a command looks at: only, or all configured.
// An unknown school is an error, not an empty answer.
func schoolIDs(cfg *config.Config, only string) ([]string, error) {
	if only != "" {
		if cfg.SchoolByID(only) == nil {
			return nil, fmt.Errorf("%w: unknown school %q: not a [[school]] id in %s", errUsage, only, cfg.File)
		}
		return []string{only}, nil
	}
	var ids []string
	for _, s := range cfg.Schools {
		ids = append(ids, s.ID)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("no [[school]] configured in %s", cfg.File)
	}
	return ids, nil
}

func parseAddrList(s string) ([]string, error) {
	var to []string
	for _, a := range strings.Split(s, ",") {
		if a = strings.TrimSpace(a); a != "" {
			if !strings.Contains(a, "@") || strings.ContainsAny(a, " <>\r\n") {
				return nil, fmt.Errorf("%q is not an address", a)
			}
			to = append(to, a)
		}
	}
	return to, nil
}

func parseWhen(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, time.Local); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %q is not a date (2006-01-02) or RFC 3339 time", errUsage, s)
	}
	return t, nil
}

func (q *quarantineCmd) query(school string) (quarantine.Query, error) {
	qq := quarantine.Query{School: school, Status: q.status, Category: q.category, Direction: scanners.Direction(q.direction),
		Sender: q.sender, Recipient: q.recipient, Text: q.text, Limit: q.limit, Cursor: q.cursor}
	if q.severity != "" {
		sev, err := scanners.ParseSeverity(q.severity)
		if err != nil {
			return qq, fmt.Errorf("%w: --severity: %v", errUsage, err)
		}
		qq.MinSeverity = sev
	}
	if q.direction != "" {
		if _, err := scanners.ParseDirection(q.direction); err != nil {
			return qq, fmt.Errorf("%w: --direction: %v", errUsage, err)
		}
	}
	var err error
	if qq.Since, err = parseWhen(q.since); err != nil {
		return qq, err
	}
	if qq.Until, err = parseWhen(q.until); err != nil {
		return qq, err
	}
	return qq, nil
}

// search calls fn for every matching entry of every selected school,
// following cursors when all is set.
func (q *quarantineCmd) search(ctx context.Context, store *quarantine.Store, schools []string, all bool, fn func(quarantine.Entry, string) error) error {
	for _, id := range schools {
		qq, err := q.query(id)
		if err != nil {
			return err
		}
		for {
			entries, next, err := store.Search(ctx, qq)
			if err != nil {
				return err
			}
			for _, e := range entries {
				if err := fn(e, next); err != nil {
					return err
				}
			}
			if !all || next == "" {
				if next != "" && !all {
					_ = fn(quarantine.Entry{}, next) // report the cursor
				}
				break
			}
			qq.Cursor = next
		}
	}
	return nil
}

func (q *quarantineCmd) list(ctx context.Context, store *quarantine.Store, schools []string, actor quarantine.Actor, w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	n := 0
	err := q.search(ctx, store, schools, false, func(e quarantine.Entry, next string) error {
		n++
		if e.ID == "" {
			if !q.asJSON {
				fmt.Fprintf(w, "more: --cursor %s\n", next)
			}
			return nil
		}
		if q.asJSON {
			return enc.Encode(e)
		}
		inc := ""
		if e.Incident {
			inc = "  incident"
			if e.IncidentCategory != "" {
				inc += ":" + e.IncidentCategory
			}
		}
		_, err := fmt.Fprintf(w, "%s  %s  %-10s %-8s %-8s %s -> %s  %q  [%s]%s\n", e.ID, e.Received.Local().Format(time.DateTime), e.School, e.Status,
			e.MaxSeverity, e.From, strings.Join(e.Held, ","), e.Subject, strings.Join(e.Categories, ","), inc)
		return err
	})
	if err != nil {
		return err
	}
	if n == 0 && !q.asJSON {
		fmt.Fprintln(w, "no entries")
	}
	for _, id := range schools {
		if err := store.Audit(ctx, id, quarantine.AuditEntry{Who: actor.Who, From: actor.From, Action: quarantine.ActionList}); err != nil {
			return err
		}
	}
	return nil
}

func (q *quarantineCmd) release(ctx context.Context, store *quarantine.Store, cfg *config.Config, schools []string, id string, actor quarantine.Actor, w io.Writer) error {
	e, _, err := findEntry(ctx, store, schools, id)
	if err != nil {
		return err
	}
	to, err := parseAddrList(q.to)
	if err != nil {
		return fmt.Errorf("%w: --to: %v", errUsage, err)
	}
	mailer := newMailer(cfg)
	e, err = store.Release(ctx, e.School, e.ID, quarantine.ReleaseOptions{By: actor, To: to}, quarantine.Deliverer(mailer.Send))
	if err != nil {
		if errors.Is(err, quarantine.ErrNotHeld) {
			fmt.Fprintln(w, "not released:", err)
			return errReported
		}
		return err
	}
	fmt.Fprintf(w, "released %s to %s\n", e.ID, strings.Join(e.ReleasedTo, ", "))
	return nil
}

func (q *quarantineCmd) export(ctx context.Context, store *quarantine.Store, schools []string, actor quarantine.Actor, stdout io.Writer) error {
	if q.incidents {
		if q.status != "" && q.status != quarantine.StatusIncident {
			return fmt.Errorf("%w: --incidents with --status %s", errUsage, q.status)
		}
		q.status = quarantine.StatusIncident
	}
	w := stdout
	if q.out != "" {
		f, err := os.OpenFile(q.out, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		defer f.Close() //nolint:errcheck // closed below on success
		w = f
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(quarantine.ExportHeader); err != nil {
		return err
	}
	n := 0
	err := q.search(ctx, store, schools, true, func(e quarantine.Entry, _ string) error {
		if e.ID == "" {
			return nil
		}
		n++
		return cw.Write(quarantine.ExportRow(&e))
	})
	if err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	if f, ok := w.(*os.File); ok && f != os.Stdout {
		if err := f.Close(); err != nil {
			return err
		}
	}
	for _, id := range schools {
		if err := store.Audit(ctx, id, actor.Record(quarantine.ActionExport, fmt.Sprintf("%d entries", n))); err != nil {
			return err
		}
	}
	return nil
}

// audit prints the audit records of the selected schools, newest first.
func (q *quarantineCmd) audit(ctx context.Context, store *quarantine.Store, schools []string, actor quarantine.Actor, w io.Writer) error {
	since, err := parseWhen(q.since)
	if err != nil {
		return err
	}
	until, err := parseWhen(q.until)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	n := 0
	for _, sc := range schools {
		recs, err := store.AuditSearch(ctx, quarantine.AuditQuery{School: sc, Who: q.user, Action: q.action, ID: q.id,
			Since: since, Until: until, Limit: q.limit})
		if err != nil {
			return err
		}
		n += len(recs)
		for _, a := range recs {
			if q.asJSON {
				if err := enc.Encode(struct {
					School string `json:"school"`
					quarantine.AuditEntry
				}{sc, a}); err != nil {
					return err
				}
				continue
			}
			line := fmt.Sprintf("%s  %-10s %-14s %-13s %-24s %s", a.When.Local().Format(time.DateTime), sc, a.Who, a.Action, a.ID, a.From)
			if a.Detail != "" {
				line += "  " + a.Detail
			}
			if a.Reason != "" {
				line += fmt.Sprintf("  why: %q", a.Reason)
			}
			if _, err := fmt.Fprintln(w, line); err != nil {
				return err
			}
		}
		if err := store.Audit(ctx, sc, actor.Record(quarantine.ActionAudit, "cli")); err != nil {
			return err
		}
	}
	if n == 0 && !q.asJSON {
		fmt.Fprintln(w, "no entries")
	}
	return nil
}

func quarantineShow(ctx context.Context, store *quarantine.Store, schools []string, id string, actor quarantine.Actor, asJSON bool, w io.Writer) error {
	e, raw, err := store.View(ctx, schools, id, actor)
	if err != nil {
		return entryError(id, schools, err)
	}
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		return enc.Encode(e)
	}
	fmt.Fprintf(w, "id:         %s\nschool:     %s\nstatus:     %s\ndirection:  %s\nreceived:   %s\nfrom:       %s\nhdr from:   %s\nrecipients: %s\nheld:       %s\nsubject:    %q\nsize:       %d\n",
		e.ID, e.School, e.Status, e.Direction, e.Received.Format(time.RFC3339), e.From, e.HeaderFrom,
		strings.Join(e.Recipients, ", "), strings.Join(e.Held, ", "), e.Subject, e.Size)
	if e.Reviewer != "" {
		fmt.Fprintf(w, "reviewer:   %s at %s\n", e.Reviewer, e.Acted.Format(time.RFC3339))
	}
	if len(e.ReleasedTo) > 0 {
		fmt.Fprintf(w, "released to: %s\n", strings.Join(e.ReleasedTo, ", "))
	}
	if e.Incident {
		cat := e.IncidentCategory
		if cat == "" {
			cat = "(no category)"
		}
		fmt.Fprintf(w, "incident:   %s\n", cat)
		if e.IncidentNotes != "" {
			fmt.Fprintf(w, "notes:      %s\n", strings.ReplaceAll(e.IncidentNotes, "\n", "\n            "))
		}
	}
	fmt.Fprintln(w, "findings:")
	for _, f := range e.Findings {
		fmt.Fprintf(w, "  [%s] %s %s/%s: %s\n", f.Severity, f.Category, f.Scanner, f.Rule, f.Explanation)
		for _, ev := range f.Evidence {
			fmt.Fprintf(w, "      %s %s @%d: %q\n", ev.Field, ev.Part, ev.Offset, ev.Text)
		}
	}
	fmt.Fprintln(w, "decisions:")
	for _, d := range e.Decisions {
		fmt.Fprintf(w, "  %s: %s notify_dsl=%v warn_sender=%v %s\n", d.Recipient, d.Action, d.NotifyDSL, d.WarnSender, strings.Join(d.Reasons, "; "))
	}
	if raw == nil {
		fmt.Fprintf(w, "message: removed (%s)\n", e.Status)
		return nil
	}
	fmt.Fprintf(w, "message (%d bytes) follows:\n", len(raw))
	_, err = w.Write(raw)
	return err
}

// currentUser is the login name for the audit log: under sudo the person
// who ran sudo ($SUDO_USER), not root; else $USER, $LOGNAME, or the
// account the process runs as.
func currentUser() string {
	for _, k := range []string{"SUDO_USER", "USER", "LOGNAME"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return ""
}
