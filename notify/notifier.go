package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/engine"
	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/policy"
	"github.com/lychgate/lychgate/scanners"
)

// Event is one handled message, as the relay reports it.
type Event struct {
	Verdict *engine.Verdict
	// Quarantined maps a school id to the quarantine entry id written.
	Quarantined map[string]string
	Received    time.Time
	// Hash is the hex SHA-256 of the message as received: the same for
	// every SMTP retry, so notifications are queued once.
	Hash string
}

// Options configures a Notifier.
type Options struct {
	Logger *slog.Logger
	// Templates, when nil, are loaded from cfg.Notify.Templates.
	Templates *Templates
	// Now returns the current time (tests); nil means time.Now.
	Now func() time.Time
}

// Notifier turns handled messages into queued notifications.
type Notifier struct {
	cfg  *config.Config
	ob   *Outbox
	tmpl *Templates
	log  *slog.Logger
	now  func() time.Time
}

// New returns a Notifier for cfg that queues into ob.
func New(cfg *config.Config, ob *Outbox, o Options) (*Notifier, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Templates == nil {
		t := cfg.Notify.Templates
		var err error
		o.Templates, err = LoadTemplates(TemplatePaths{Alert: cfg.Path(t.Alert), Digest: cfg.Path(t.Digest), Warning: cfg.Path(t.Warning)})
		if err != nil {
			return nil, err
		}
	}
	return &Notifier{cfg: cfg, ob: ob, tmpl: o.Templates, log: o.Logger, now: o.Now}, nil
}

// From is the notifications' sender address.
func (n *Notifier) From() string {
	if n.cfg.Notify.From != "" {
		return n.cfg.Notify.From
	}
	return "lychgate@" + n.cfg.Relay.Hostname
}

// FindingView is one finding as notifications show it.
type FindingView struct {
	Category, Severity, Rule, Explanation string
	// Excerpt is the matched text as the excerpt policy allows ("" for none).
	Excerpt string
}

// AlertData is what alert templates (and each digest item) see.
type AlertData struct {
	School, SchoolID, Severity string
	Categories                 []string
	Received                   time.Time
	Direction                  string
	From, HeaderFrom           string
	Recipients                 []string
	Subject                    string
	Outcome                    string
	Findings                   []FindingView
	QuarantineID, ReviewURL    string
}

// DigestData is what the digest template sees.
type DigestData struct {
	School, SchoolID string
	Items            []AlertData
}

// WarningData is what the warning template sees.
type WarningData struct {
	School                string
	Subject               string
	Recipients            []string
	Received              time.Time
	Outcome, OutcomeShort string
	Findings              []FindingView
	PolicyText, Contact   string
}

// Notify queues the notifications ev calls for: for each school whose
// decisions ask for it, a DSL alert (immediate for high and critical, the
// digest otherwise), and a warning bounce to the sender when the policy or
// warn_on_hold asks for one and WarnBlocked allows it. It is idempotent on
// ev.Hash and returns an error only if the outbox could not be written.
func (n *Notifier) Notify(ctx context.Context, ev Event) error {
	v := ev.Verdict
	if v == nil || v.Envelope == nil {
		return nil
	}
	var errs []error
	bySchool := map[string][]policy.Decision{}
	var schools []string
	for _, d := range v.Decisions {
		if _, ok := bySchool[d.School]; !ok {
			schools = append(schools, d.School)
		}
		bySchool[d.School] = append(bySchool[d.School], d)
	}
	for _, id := range schools {
		ds := bySchool[id]
		if !slices.ContainsFunc(ds, func(d policy.Decision) bool { return d.NotifyDSL }) {
			continue
		}
		if err := n.alert(ctx, ev, id, ds); err != nil {
			errs = append(errs, err)
		}
	}
	if err := n.warn(ctx, ev); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// TagNoExcerpt marks a finding whose alert must not quote or include the
// matched content at all (scanners/attach sets it on hash-list matches).
const TagNoExcerpt = "no_excerpt"

// ErrNoDSL means an alert has nowhere to go: the school has no dsl
// address and notify.fallback_dsl is empty.
var ErrNoDSL = errors.New("no DSL address configured")

func (n *Notifier) alert(ctx context.Context, ev Event, schoolID string, ds []policy.Decision) error {
	school := n.cfg.SchoolByID(schoolID)
	if school == nil {
		// Decisions name schools of this same configuration; a copy no
		// school owns is refused, never held, so this cannot lose an alert
		// for a quarantine entry.
		return fmt.Errorf("notify: alert for unknown school %q", schoolID)
	}
	to := school.DSL
	if len(to) == 0 {
		to = n.cfg.Notify.FallbackDSL
	}
	if len(to) == 0 {
		// Never dropped: the message is answered 4xx and stays with the
		// sender until an address is configured.
		return fmt.Errorf("notify: school %s has no dsl address and notify.fallback_dsl is empty: %w", schoolID, ErrNoDSL)
	}
	data := n.alertData(ev, school, ds)
	item, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("notify: alert: %w", err)
	}
	key := ev.Hash + "|alert|" + schoolID
	view := ev.Verdict.ForSchool(schoolID)
	sev := maxSeverity(view)
	if sev < scanners.High {
		res, err := n.ob.AddToDigest(ctx, schoolID, key, item)
		n.log.Debug("alert for the digest", "school", schoolID, "result", res)
		return err
	}
	subject, body, err := render(n.tmpl.Alert, data)
	if err != nil {
		return err
	}
	msg := n.compose(composeArgs{from: n.From(), to: to, subject: subject, body: body, key: key, auto: "auto-generated", kind: KindAlert})
	top := ""
	if len(view) > 0 {
		top = topFinding(view).Rule
	}
	nf := &Notification{Key: key, Kind: KindAlert, School: schoolID, From: n.From(), To: to, Data: msg}
	lim := Limit{Key: "alert:" + schoolID + ":" + strings.ToLower(ev.Verdict.Envelope.From) + ":" + top,
		Max: n.cfg.Notify.RateLimit, Window: n.cfg.Notify.RateWindow.Duration, DigestItem: item}
	res, err := n.ob.Enqueue(ctx, nf, lim)
	if err != nil {
		return err
	}
	n.log.Info("DSL alert", "school", schoolID, "severity", sev.String(), "result", string(res))
	return nil
}

func (n *Notifier) alertData(ev Event, school *config.School, ds []policy.Decision) AlertData {
	v := ev.Verdict
	view := v.ForSchool(school.ID)
	d := AlertData{
		School: displayName(school), SchoolID: school.ID, Severity: maxSeverity(view).String(),
		Received: ev.Received, Direction: string(v.Envelope.Direction()), From: v.Envelope.From,
		Subject: oneLine(v.Message.Subject), Outcome: outcome(ds), QuarantineID: ev.Quarantined[school.ID],
	}
	if d.From == "" {
		d.From = "<>"
	}
	if len(v.Message.From) > 0 && !strings.EqualFold(v.Message.From[0].String(), v.Envelope.From) {
		// Shown only when the header says something the envelope does not.
		d.HeaderFrom = oneLine(v.Message.From[0].String())
	}
	// Only this school's recipients and findings: another school's pupils
	// and concerns are not this DSL's to see.
	for _, r := range v.Envelope.Recipients {
		if r.School == school.ID {
			d.Recipients = append(d.Recipients, r.Addr)
		}
	}
	for _, f := range view {
		if !slices.Contains(d.Categories, string(f.Category)) {
			d.Categories = append(d.Categories, string(f.Category))
		}
		d.Findings = append(d.Findings, n.findingView(f))
	}
	if d.QuarantineID != "" && n.cfg.Web.BaseURL != "" {
		d.ReviewURL = strings.TrimSuffix(n.cfg.Web.BaseURL, "/") + "/quarantine/" + d.QuarantineID
	}
	return d
}

func (n *Notifier) findingView(f scanners.Finding) FindingView {
	fv := FindingView{Category: string(f.Category), Severity: f.Severity.String(), Rule: f.Scanner + "/" + f.Rule, Explanation: oneLine(f.Explanation)}
	var texts []string
	for _, ev := range f.Evidence {
		if ev.Text != "" && !slices.Contains(texts, ev.Text) {
			texts = append(texts, oneLine(ev.Text))
		}
	}
	fv.Excerpt = Excerpt(strings.Join(texts, " … "), n.excerptMode(f))
	return fv
}

func (n *Notifier) excerptMode(f scanners.Finding) string {
	mode := n.cfg.Notify.Excerpt
	if mode == "none" || f.HasTag(TagNoExcerpt) || f.Category == scanners.Illegal {
		// Known illegal material (a hash-list match): never quoted.
		return "none"
	}
	for _, r := range n.cfg.Notify.Redact {
		if r == string(f.Category) || r == f.Rule || r == f.Scanner+"/"+f.Rule {
			return "redacted"
		}
	}
	return mode
}

// Excerpt shortens text to at most 120 characters under mode: "full"
// keeps it, "redacted" keeps the first letter of each word and stars the
// rest, "none" (or anything else) drops it.
func Excerpt(text, mode string) string {
	if r := []rune(text); len(r) > 120 {
		text = string(r[:119]) + "…"
	}
	switch mode {
	case "full":
		return text
	case "redacted":
		words := strings.Fields(text)
		for i, w := range words {
			r := []rune(w)
			words[i] = string(r[0]) + strings.Repeat("*", len(r)-1)
		}
		return strings.Join(words, " ")
	}
	return ""
}

// WarnBlocked returns why no warning bounce may go to env's sender for
// message m, or "" if one may: the sender must be staff (or a pupil, with
// warnPupils) of the school it wrote from, the mail outbound or internal,
// and the mail itself not automatic (RFC 3834 §2). Notify also requires
// the sender's address to be on one of that school's domains.
func WarnBlocked(env *scanners.Envelope, m *message.Message, warnPupils bool) string {
	from := strings.ToLower(env.From)
	if from == "" {
		return "null sender"
	}
	local, _, _ := strings.Cut(from, "@")
	switch {
	case local == "mailer-daemon" || local == "postmaster" || local == "root",
		strings.HasPrefix(local, "noreply") || strings.HasPrefix(local, "no-reply") ||
			strings.HasPrefix(local, "donotreply") || strings.HasPrefix(local, "do-not-reply") ||
			strings.HasPrefix(local, "owner-") || strings.HasSuffix(local, "-request") || strings.HasPrefix(local, "bounce"):
		return "automatic sender address"
	}
	if m != nil {
		if a := strings.ToLower(strings.TrimSpace(m.Header("Auto-Submitted"))); a != "" && !strings.HasPrefix(a, "no") {
			return "message is auto-submitted"
		}
		if m.Header("List-Id") != "" || m.Header("List-Unsubscribe") != "" {
			return "mailing list"
		}
		switch strings.ToLower(strings.TrimSpace(m.Header("Precedence"))) {
		case "bulk", "list", "junk":
			return "bulk mail"
		}
	}
	if env.SenderSchool == "" {
		return "external sender"
	}
	if env.Direction() == scanners.Inbound {
		return "inbound mail"
	}
	switch {
	case scanners.HasGroup(env.SenderGroups, scanners.StaffGroup):
		return ""
	case scanners.HasGroup(env.SenderGroups, scanners.PupilGroup):
		if warnPupils {
			return ""
		}
		return "pupil sender (warn_pupils is off)"
	}
	return "sender is not staff"
}

func (n *Notifier) warn(ctx context.Context, ev Event) error {
	v := ev.Verdict
	env := v.Envelope
	want := false
	for _, d := range v.Decisions {
		held := d.Action == policy.Quarantine || d.Action == policy.Reject
		if d.WarnSender || (n.cfg.Notify.WarnOnHold && held && d.Direction != scanners.Inbound) {
			want = true
		}
	}
	if !want {
		return nil
	}
	// No tip-off: a message that raised a safeguarding or illegal concern
	// gets no warning at all (not even about its other findings), unless the
	// sender's school opted in to warnings for that topic.
	var optIn []string
	if s := n.cfg.SchoolByID(env.SenderSchool); s != nil {
		optIn = s.Notify.WarnSenderTopics
	}
	for _, f := range v.Result.Findings {
		if policy.Confidential(f, optIn) {
			n.log.Info("warning bounce not sent", "sender", env.From, "reason", "confidential concern (only the DSL is told)")
			return nil
		}
	}
	if why := WarnBlocked(env, v.Message, n.cfg.Notify.WarnPupils); why != "" {
		n.log.Info("warning bounce not sent", "sender", env.From, "reason", why)
		return nil
	}
	// Group membership can come from a directory export or a glob that
	// lists an outside address (a staff member's webmail, a parent); a
	// bounce goes only to an address on a domain of the sender's school.
	school := n.cfg.SchoolForAddress(strings.ToLower(env.From))
	if school == nil || school.ID != env.SenderSchool {
		n.log.Info("warning bounce not sent", "sender", env.From, "reason", "sender address is not on the school's domains")
		return nil
	}
	data := WarningData{School: displayName(school), Subject: oneLine(v.Message.Subject), Received: ev.Received,
		Contact: school.Notify.Contact}
	if data.Subject == "" {
		data.Subject = "(no subject)"
	}
	for _, r := range env.Recipients {
		data.Recipients = append(data.Recipients, r.Addr)
	}
	data.Outcome, data.OutcomeShort = warnOutcome(v.Decisions)
	for _, f := range v.Result.Findings {
		if f.Severity == scanners.Info {
			continue
		}
		fv := n.findingView(f)
		fv.Excerpt = "" // never echo content back: the sender has it
		data.Findings = append(data.Findings, fv)
		if data.PolicyText == "" {
			data.PolicyText = school.PolicyText[f.Rule]
		}
		if data.PolicyText == "" {
			data.PolicyText = school.PolicyText[string(f.Category)]
		}
	}
	if data.PolicyText == "" {
		data.PolicyText = school.PolicyText["default"]
	}
	if data.Contact == "" && len(school.DSL) > 0 {
		data.Contact = school.DSL[0]
	}
	if data.Contact == "" {
		data.Contact = "your school's ICT manager"
	}
	subject, body, err := render(n.tmpl.Warning, data)
	if err != nil {
		return err
	}
	to := []string{env.From}
	key := ev.Hash + "|warning|" + strings.ToLower(env.From)
	msg := n.compose(composeArgs{from: n.From(), to: to, subject: subject, body: body, key: key, auto: "auto-replied",
		kind: KindWarning, inReplyTo: v.Message.MessageID})
	nf := &Notification{Key: key, Kind: KindWarning, School: school.ID, From: "", To: to, Data: msg}
	// One warning per sender and rule per window: a mass mailing gets one,
	// a different problem from the same person gets its own.
	rule := ""
	if len(data.Findings) > 0 {
		rule = data.Findings[0].Rule
	}
	res, err := n.ob.Enqueue(ctx, nf, Limit{Key: "warning:" + strings.ToLower(env.From) + ":" + rule, Max: n.cfg.Notify.RateLimit, Window: n.cfg.Notify.RateWindow.Duration})
	if err != nil {
		return err
	}
	n.log.Info("warning bounce", "sender", env.From, "result", string(res))
	return nil
}

// FlushDigests sends each school's collected lower-severity alerts as one
// digest (at most once per half digest interval across all instances).
func (n *Notifier) FlushDigests(ctx context.Context) error {
	var errs []error
	for i := range n.cfg.Schools {
		if err := n.flushDigest(ctx, &n.cfg.Schools[i]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (n *Notifier) flushDigest(ctx context.Context, school *config.School) error {
	to := school.Notify.DigestTo
	if len(to) == 0 {
		to = school.DSL
	}
	if len(to) == 0 {
		to = n.cfg.Notify.FallbackDSL
	}
	if len(to) == 0 {
		return nil // the items wait in Redis until an address is configured
	}
	lock := n.ob.aux + "digestlock:" + school.ID
	ok, err := n.ob.rdb.SetNX(ctx, lock, "1", max(n.cfg.Notify.DigestInterval.Duration/2, time.Second)).Result()
	if err != nil {
		return fmt.Errorf("notify: digest %s: %w", school.ID, err)
	}
	if !ok {
		return nil
	}
	raw, err := n.ob.takeDigest(ctx, school.ID)
	if err != nil {
		return fmt.Errorf("notify: digest %s: %w", school.ID, err)
	}
	if len(raw) == 0 {
		return nil
	}
	data := DigestData{School: displayName(school), SchoolID: school.ID}
	h := sha256.New()
	for _, r := range raw {
		h.Write([]byte(r))
		var a AlertData
		if err := json.Unmarshal([]byte(r), &a); err != nil {
			n.log.Error("digest item unreadable; skipped", "school", school.ID, "err", err)
			continue
		}
		data.Items = append(data.Items, a)
	}
	key := "digest|" + school.ID + "|" + hex.EncodeToString(h.Sum(nil))
	subject, body, err := render(n.tmpl.Digest, data)
	if err != nil {
		return err
	}
	msg := n.compose(composeArgs{from: n.From(), to: to, subject: subject, body: body, key: key, auto: "auto-generated", kind: KindDigest})
	if _, err := n.ob.Enqueue(ctx, &Notification{Key: key, Kind: KindDigest, School: school.ID, From: n.From(), To: to, Data: msg}, Limit{}); err != nil {
		return err
	}
	n.log.Info("DSL digest", "school", school.ID, "items", len(data.Items))
	return n.ob.dropDigest(ctx, school.ID)
}

type composeArgs struct {
	from      string
	to        []string
	subject   string
	body      string
	key       string
	auto      string
	kind      string
	inReplyTo string
}

// compose builds a text/plain message with Compose: header fields written
// here (never from template output other than the one-line subject),
// quoted-printable UTF-8 body, CRLF line ends.
func (n *Notifier) compose(a composeArgs) []byte {
	sum := sha256.Sum256([]byte(a.key))
	m := Mail{FromName: "lychgate", From: a.from, To: a.to, Subject: a.subject, Date: n.now(),
		MessageID: hex.EncodeToString(sum[:12]) + "." + a.kind + "@" + n.cfg.Relay.Hostname, InReplyTo: a.inReplyTo,
		Fields: [][2]string{{"Auto-Submitted", a.auto}, {"X-Auto-Response-Suppress", "All"}, {"Precedence", "auto_reply"},
			{"X-Lychgate-Notification", a.kind}},
		Text: a.body}
	b, err := Compose(m)
	if err != nil {
		// Compose fails only on a writer error, which a bytes.Buffer
		// never returns.
		n.log.Error("notification could not be composed", "kind", a.kind, "err", err)
	}
	return b
}

func displayName(s *config.School) string {
	if s.Name != "" {
		return s.Name
	}
	return s.ID
}

// oneLine removes line breaks and control characters (header safety).
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

func maxSeverity(fs []scanners.Finding) scanners.Severity {
	var m scanners.Severity
	for _, f := range fs {
		m = max(m, f.Severity)
	}
	return m
}

func topFinding(fs []scanners.Finding) scanners.Finding {
	top := fs[0]
	for _, f := range fs[1:] {
		if f.Severity > top.Severity || f.Severity == top.Severity && f.Score > top.Score {
			top = f
		}
	}
	return top
}

// outcome says what happened to a school's copies, for the DSL.
func outcome(ds []policy.Decision) string {
	counts := map[policy.Action]int{}
	for _, d := range ds {
		counts[d.Action]++
	}
	var parts []string
	for _, a := range []policy.Action{policy.Quarantine, policy.Reject, policy.Tag, policy.Deliver, policy.Tempfail} {
		if c := counts[a]; c > 0 {
			parts = append(parts, fmt.Sprintf("%s for %d recipient(s)", actionText(a), c))
		}
	}
	return strings.Join(parts, "; ")
}

func actionText(a policy.Action) string {
	switch a {
	case policy.Quarantine, policy.Reject:
		return "held for review"
	case policy.Tag:
		return "delivered with a warning tag"
	case policy.Deliver:
		return "delivered"
	case policy.Tempfail:
		return "deferred"
	}
	return string(a)
}

// warnOutcome is the sender's view: the strictest thing that happened.
func warnOutcome(ds []policy.Decision) (long, short string) {
	strict := policy.Deliver
	for _, d := range ds {
		if d.Action.Stricter(strict) {
			strict = d.Action
		}
	}
	switch strict {
	case policy.Quarantine:
		return "it has been held for review by the school's safeguarding lead and has not been delivered yet.", "held for review"
	case policy.Reject:
		return "it was refused and has not been delivered; a copy is held for the school's safeguarding lead.", "refused"
	case policy.Tag:
		return "it was delivered, marked with a warning.", "delivered with a warning"
	}
	return "it was delivered.", "delivered"
}
