package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/lychgate/lychgate/quarantine"
	"github.com/lychgate/lychgate/report"
)

// runReport is `lychgate report`: the head teacher's report of one school
// for a period, as the scheduler mails it, on standard output.
func runReport(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("report", stderr)
	cfgFlag := fs.String("config", "", "configuration file")
	school := fs.String("school", "", "the school's id (may be left out when only one school is configured)")
	fromFlag := fs.String("from", "", "first day of the period, YYYY-MM-DD (default: the last scheduled period)")
	toFlag := fs.String("to", "", "last day of the period, YYYY-MM-DD, inclusive (default: the day before --from plus a [report] every)")
	format := fs.String("format", "text", "text, csv or html")
	out := fs.String("out", "", "write the report to this file instead of standard output")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, pos[0])
	}
	switch *format {
	case "text", "csv", "html":
	default:
		return fmt.Errorf("%w: --format is text, csv or html, not %q", errUsage, *format)
	}
	cfg, err := loadConfigStrict(*cfgFlag)
	if err != nil {
		return err
	}
	from, to := report.LastPeriod(cfg.Report, time.Now())
	if *fromFlag != "" || *toFlag != "" {
		if *fromFlag == "" || *toFlag == "" {
			return fmt.Errorf("%w: give both --from and --to (or neither, for the last scheduled period)", errUsage)
		}
		if from, err = time.ParseInLocation(time.DateOnly, *fromFlag, time.Local); err != nil {
			return fmt.Errorf("%w: --from %q is not a date (YYYY-MM-DD)", errUsage, *fromFlag)
		}
		last, err := time.ParseInLocation(time.DateOnly, *toFlag, time.Local)
		if err != nil {
			return fmt.Errorf("%w: --to %q is not a date (YYYY-MM-DD)", errUsage, *toFlag)
		}
		if last.Before(from) {
			return fmt.Errorf("%w: --to %s is before --from %s", errUsage, *toFlag, *fromFlag)
		}
		to = last.AddDate(0, 0, 1)
	}
	id := *school
	if id == "" {
		if len(cfg.Schools) != 1 {
			return fmt.Errorf("%w: --school ID is required (%d schools are configured)", errUsage, len(cfg.Schools))
		}
		id = cfg.Schools[0].ID
	}
	sc := cfg.SchoolByID(id)
	if sc == nil {
		return fmt.Errorf("%w: unknown school %q: not a [[school]] id in %s", errUsage, id, cfg.File)
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
	r, err := report.Build(ctx, sc, from, to, report.Options{Store: store, Actor: quarantine.Actor{Who: currentUser(), From: "cli@" + host}})
	if err != nil {
		return err
	}
	w := stdout
	if *out != "" {
		f, err := os.OpenFile(*out, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		defer f.Close() //nolint:errcheck // closed below on success
		w = f
	}
	switch *format {
	case "csv":
		err = r.WriteCSV(w)
	case "html":
		err = r.WriteHTML(w)
	default:
		err = r.WriteText(w)
	}
	if err != nil {
		return err
	}
	if f, ok := w.(*os.File); ok && f != os.Stdout {
		return f.Close()
	}
	return nil
}
