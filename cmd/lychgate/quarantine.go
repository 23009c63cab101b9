package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/quarantine"
)

func runQuarantine(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: want list or show", errUsage)
	}
	sub, args := args[0], args[1:]
	fs := newFlagSet("quarantine "+sub, stderr)
	cfgFlag := fs.String("config", "", "configuration file")
	asJSON := fs.Bool("json", false, "one JSON object per line")
	school := fs.String("school", "", "only this school (list)")
	category := fs.String("category", "", "only this category (list)")
	limit := fs.Int("limit", 100, "at most this many entries per school (list)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	path, _ := configPath(*cfgFlag)
	cfg, err := config.Load(path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return errReported
	}
	rdb, err := newRedis(cfg)
	if err != nil {
		return err
	}
	defer rdb.Close() //nolint:errcheck // read path
	store := quarantine.New(rdb, quarantine.Options{Prefix: cfg.Redis.KeyPrefix, Retention: cfg.Quarantine.Retention.Duration})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	switch sub {
	case "list":
		if len(pos) > 0 {
			return fmt.Errorf("%w: list takes no arguments", errUsage)
		}
		return quarantineList(ctx, store, cfg, *school, *category, *limit, *asJSON, stdout)
	case "show":
		if len(pos) != 1 {
			return fmt.Errorf("%w: show takes one ID", errUsage)
		}
		return quarantineShow(ctx, store, cfg, pos[0], *asJSON, stdout)
	}
	return fmt.Errorf("%w: unknown quarantine command %q", errUsage, sub)
}

func schoolIDs(cfg *config.Config, only string) []string {
	if only != "" {
		return []string{only}
	}
	var ids []string
	for _, s := range cfg.Schools {
		ids = append(ids, s.ID)
	}
	return ids
}

func quarantineList(ctx context.Context, store *quarantine.Store, cfg *config.Config, school, category string, limit int, asJSON bool, w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, id := range schoolIDs(cfg, school) {
		entries, _, err := store.List(ctx, quarantine.ListOptions{School: id, Category: category, Limit: limit})
		if err != nil {
			return err
		}
		for _, e := range entries {
			if asJSON {
				if err := enc.Encode(e); err != nil {
					return err
				}
				continue
			}
			fmt.Fprintf(w, "%s  %s  %-10s %-6s %s -> %s  %q  [%s]\n", e.ID, e.Received.Format(time.DateTime), e.School, e.Status,
				e.From, strings.Join(e.Held, ","), e.Subject, strings.Join(e.Categories, ","))
		}
	}
	return nil
}

func quarantineShow(ctx context.Context, store *quarantine.Store, cfg *config.Config, id string, asJSON bool, w io.Writer) error {
	e, raw, err := store.Find(ctx, schoolIDs(cfg, ""), id)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		return enc.Encode(e)
	}
	fmt.Fprintf(w, "id:         %s\nschool:     %s\nstatus:     %s\ndirection:  %s\nreceived:   %s\nfrom:       %s\nheader from: %s\nrecipients: %s\nheld:       %s\nsubject:    %q\nsize:       %d\n",
		e.ID, e.School, e.Status, e.Direction, e.Received.Format(time.RFC3339), e.From, e.HeaderFrom,
		strings.Join(e.Recipients, ", "), strings.Join(e.Held, ", "), e.Subject, e.Size)
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
	fmt.Fprintf(w, "message (%d bytes) follows:\n", len(raw))
	_, err = w.Write(raw)
	return err
}
