package report

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/notify"
	"github.com/lychgate/lychgate/quarantine"
)

// Key is the outbox key of school's report for the period ending at to:
// the same on every instance, so the report is queued once.
func Key(school string, from, to time.Time) string {
	return "report|" + school + "|" + strconv.FormatInt(from.Unix(), 10) + "|" + strconv.FormatInt(to.Unix(), 10)
}

// Compose renders r as a mail from cfg's notification sender to the
// addresses to: the text report with the HTML one as the alternative, its
// chart an inline PNG (mail clients rarely show SVG). A quiet report has
// no chart.
func Compose(cfg *config.Config, r *Report, to []string) ([]byte, error) {
	sum := sha256.Sum256([]byte(Key(r.SchoolID, r.Current.From, r.Current.To)))
	var inline []notify.Inline
	cid := ""
	if !r.Quiet() {
		img, err := r.ChartPNG()
		if err != nil {
			return nil, err
		}
		cid = "chart." + hex.EncodeToString(sum[:8]) + "@" + cfg.Relay.Hostname
		inline = append(inline, notify.Inline{ContentID: cid, ContentType: "image/png", Filename: "chart.png", Data: img})
	}
	var text, html strings.Builder
	if err := r.WriteText(&text); err != nil {
		return nil, err
	}
	if err := r.writeHTML(&html, cid); err != nil {
		return nil, err
	}
	return notify.Compose(notify.Mail{FromName: "lychgate", From: sender(cfg), To: to, Subject: r.Subject(), Date: r.Generated,
		MessageID: hex.EncodeToString(sum[:12]) + "." + notify.KindReport + "@" + cfg.Relay.Hostname,
		Fields: [][2]string{{"Auto-Submitted", "auto-generated"}, {"X-Auto-Response-Suppress", "All"},
			{"X-Lychgate-Notification", notify.KindReport}},
		Text: text.String(), HTML: html.String(), Inline: inline})
}

func sender(cfg *config.Config) string {
	if cfg.Notify.From != "" {
		return cfg.Notify.From
	}
	return "lychgate@" + cfg.Relay.Hostname
}

// Scheduler queues each school's report once per period.
type Scheduler struct {
	// Outbox is where reports are queued and which periods were done.
	Outbox *notify.Outbox
	Logger *slog.Logger
}

// Send builds and queues school's report for the period from-to, unless
// it was queued before (by this or another instance). It reports whether
// it queued one.
func (s *Scheduler) Send(ctx context.Context, cfg *config.Config, store *quarantine.Store, school *config.School, from, to, now time.Time) (bool, error) {
	key := Key(school.ID, from, to)
	if done, err := s.Outbox.Marked(ctx, key); err != nil || done {
		return false, err
	}
	rcpt := cfg.ReportTo(school)
	if len(rcpt) == 0 {
		return false, fmt.Errorf("report: school %s has no report.to, dsl or notify.fallback_dsl address", school.ID)
	}
	r, err := Build(ctx, school, from, to, Options{Store: store, Actor: quarantine.Actor{Who: "lychgate", From: "report scheduler"}, Now: now})
	if err != nil {
		return false, err
	}
	data, err := Compose(cfg, r, rcpt)
	if err != nil {
		return false, err
	}
	res, err := s.Outbox.Enqueue(ctx, &notify.Notification{Key: key, Kind: notify.KindReport, School: school.ID, From: sender(cfg), To: rcpt, Data: data}, notify.Limit{})
	if err != nil {
		return false, err
	}
	// The outbox forgets its keys after a week; the marker lasts two
	// periods, so a monthly report is not sent again either.
	ttl := max(2*to.Sub(from), 8*24*time.Hour)
	if err := s.Outbox.Mark(ctx, key, ttl); err != nil {
		return false, err
	}
	return res == notify.Queued, nil
}

// Tick queues, for every school, the report of the last period that
// ended at or before now (LastPeriod), unless report.disabled is set.
func (s *Scheduler) Tick(ctx context.Context, cfg *config.Config, store *quarantine.Store, now time.Time) error {
	if cfg.Report.Disabled {
		return nil
	}
	from, to := LastPeriod(cfg.Report, now)
	var errs []error
	for i := range cfg.Schools {
		sc := &cfg.Schools[i]
		queued, err := s.Send(ctx, cfg, store, sc, from, to, now)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if queued && s.Logger != nil {
			s.Logger.Info("head teacher's report queued", "school", sc.ID, "from", from, "to", to)
		}
	}
	return errors.Join(errs...)
}
