package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/lychgate/lychgate/internal/smtpsink"
	"github.com/lychgate/lychgate/internal/testutil/redistest"
	"github.com/lychgate/lychgate/notify"
	"github.com/lychgate/lychgate/quarantine"
)

// The lifecycle tests run the real binary (serve and the quarantine CLI)
// with a real redis-server and an in-process recording SMTP server as both
// next hops, and check what the school's mail server and the DSL receive:
// DSL alerts, warning bounces, and released mail (issue 4).

const (
	lcDSL     = "dsl@stlaurence.example.sch.uk"
	lcContact = "Mrs A. Khan, DSL <dsl@stlaurence.example.sch.uk>"
	lcPolicy  = "Staff must not send messages like this; see the acceptable-use policy, section 4."
	lcReview  = "https://review.e2e.test"
	lcSchool  = "St Laurence Church Infant School"
)

// lifecycle is one running relay with its peers.
type lifecycle struct {
	d      *daemon
	config string
	sink   *smtpsink.Sink
	redis  *redistest.Server
}

// startLifecycle writes a config (the e2e one, with 127.0.0.0/8 trusted so
// the test can send outbound mail, a review URL, redaction of the
// safeguarding category, a contact and a policy text) and starts serve.
func startLifecycle(t *testing.T) *lifecycle {
	t.Helper()
	rest := fmt.Sprintf(`
[notify]
redact = ["safeguarding"]

[web]
base_url = %q

[[school]]
id = "stlaurence"
name = %q
domains = ["stlaurence.example.sch.uk"]
dsl = [%q]
[school.groups]
staff = ["teacher*@stlaurence.example.sch.uk"]
pupils = ["pupil*@stlaurence.example.sch.uk"]
[school.notify]
contact = %q
[school.policy_text]
default = %q
`, lcReview, lcSchool, lcDSL, lcContact, lcPolicy) + testPhraseRule + `
[[rule]]
id = "exam-answers"
field = "body"
pattern = "(?i)exam answers"
category = "pii"
severity = "high"
score = 5.0

[[policy]]
id = "hold-exam-answers"
categories = ["pii"]
min_severity = "high"
action = "quarantine"
notify_dsl = true
`
	return startLoopbackRelay(t, "mx.e2e.test", t.TempDir(), rest)
}

// startLoopbackRelay starts an smtpsink as both next hops, a redis-server
// and serve on a config that names the relay hostname and trusts all of
// 127.0.0.0/8 (so the test can send outbound mail), followed by rest. The
// config is written as dir/lychgate.toml.
func startLoopbackRelay(t *testing.T, hostname, dir, rest string) *lifecycle {
	t.Helper()
	snk, err := smtpsink.Start(smtpsink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = snk.Close() })
	rs := redistest.Start(t)
	addr := freePort(t)
	cfg := fmt.Sprintf(`
[relay]
hostname = %q
listen = %q
trusted_networks = ["127.0.0.0/8"]
shutdown_timeout = "5s"
`, hostname, addr) + hopTOML(snk.Addr, snk.Addr, rs.URL()) + rest
	path := writeTOML(t, dir, cfg)
	return &lifecycle{d: startDaemon(t, path, addr), config: path, sink: snk, redis: rs}
}

// cli runs `lychgate quarantine ARGS --config FILE`.
func (lc *lifecycle) cli(args ...string) (string, error) {
	return lc.d.run(append(append([]string{"quarantine"}, args...), "--config", lc.config)...)
}

// sendMail submits data with the given envelope through the relay, as an
// MTA would, and fails the test unless the relay accepted it.
func sendMail(t *testing.T, addr, from string, to []string, data string) {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close() //nolint:errcheck // after QUIT
	if err := c.Hello("client.e2e.test"); err != nil {
		t.Fatal(err)
	}
	if err := c.SendMail(from, to, strings.NewReader(data)); err != nil {
		t.Fatalf("send from %s to %v: %v", from, to, err)
	}
	_ = c.Quit()
}

// plainMessage builds a text/plain message.
func plainMessage(from, to, subject, body string) string {
	return fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%d.%s>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n",
		from, to, subject, time.Now().Format(time.RFC1123Z), time.Now().UnixNano(), from, body)
}

// waitUntil polls cond until it holds or timeout passes.
func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		<-tick.C
	}
}

// outboxDrained waits until the notification outbox holds nothing: every
// notification queued so far has been sent (or given up).
func (lc *lifecycle) outboxDrained(t *testing.T) {
	t.Helper()
	ob := notify.NewOutbox(lc.redis.Client(t), notify.OutboxOptions{})
	waitUntil(t, 15*time.Second, "the notification outbox to drain", func() bool {
		a, b, err := ob.Pending(t.Context())
		return err == nil && a == 0 && b == 0
	})
}

// mailText is a received message with its header parsed and its body
// decoded from quoted-printable when so encoded.
type mailText struct {
	smtpsink.Message
	Header mail.Header
	Body   string
}

func parseMail(t *testing.T, m smtpsink.Message) mailText {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatalf("message to %v does not parse: %v\n%s", m.To, err, m.Data)
	}
	var r io.Reader = msg.Body
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		r = quotedprintable.NewReader(r)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return mailText{Message: m, Header: msg.Header, Body: string(b)}
}

// received returns what the sink got that matches keep.
func (lc *lifecycle) received(t *testing.T, keep func(mailText) bool) []mailText {
	t.Helper()
	var out []mailText
	for _, m := range lc.sink.Messages() {
		if mt := parseMail(t, m); keep(mt) {
			out = append(out, mt)
		}
	}
	return out
}

// waitReceived waits until the sink got n messages matching keep.
func (lc *lifecycle) waitReceived(t *testing.T, what string, n int, keep func(mailText) bool) []mailText {
	t.Helper()
	var got []mailText
	waitUntil(t, 15*time.Second, what, func() bool {
		got = lc.received(t, keep)
		return len(got) >= n
	})
	return got
}

func isKind(kind string) func(mailText) bool {
	return func(m mailText) bool { return m.Header.Get("X-Lychgate-Notification") == kind }
}

func sentTo(addr string, contains string) func(mailText) bool {
	return func(m mailText) bool {
		return slices.Contains(m.To, addr) && m.Header.Get("X-Lychgate-Notification") == "" && strings.Contains(m.Body, contains)
	}
}

type listedEntry struct {
	ID         string   `json:"id"`
	Status     string   `json:"status"`
	From       string   `json:"from"`
	Subject    string   `json:"subject"`
	Held       []string `json:"held"`
	Reviewer   string   `json:"reviewer"`
	ReleasedTo []string `json:"released_to"`
}

func (lc *lifecycle) list(t *testing.T, args ...string) []listedEntry {
	t.Helper()
	out, err := lc.cli(append([]string{"list", "--json"}, args...)...)
	if err != nil {
		t.Fatalf("quarantine list %v: %v\n%s", args, err, out)
	}
	var es []listedEntry
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var e listedEntry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("quarantine list line %q: %v", line, err)
		}
		es = append(es, e)
	}
	return es
}

// TestLifecycleQuarantineCLI: three safeguarding messages from outside to
// pupils are held; the DSL gets one alert each; then the CLI releases one
// (it arrives once, a second release does nothing), deletes one (the
// tombstone stays), releases the third to the DSL from two concurrent
// processes (it arrives once), exports the incident log, and every action
// is in the audit log.
func TestLifecycleQuarantineCLI(t *testing.T) {
	t.Parallel()
	lc := startLifecycle(t)
	const pupilA, pupilB, pupilC = "pupil1@stlaurence.example.sch.uk", "pupil2@stlaurence.example.sch.uk", "pupil3@stlaurence.example.sch.uk"

	// A carries an attachment: neither it nor the body may reach the DSL.
	msgA := "From: stranger-a@example.com\r\nTo: " + pupilA + "\r\nSubject: Lifecycle A\r\nMessage-ID: <a@example.com>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nBODY-A: this has the example phrase in it\r\n" +
		"--b1\r\nContent-Type: text/plain; name=\"notes.txt\"\r\nContent-Disposition: attachment; filename=\"notes.txt\"\r\n\r\nATTACHMENT-SECRET-A\r\n--b1--\r\n"
	sendMail(t, lc.d.addr, "stranger-a@example.com", []string{pupilA}, msgA)
	sendMail(t, lc.d.addr, "stranger-b@example.com", []string{pupilB}, plainMessage("stranger-b@example.com", pupilB, "Lifecycle B", "BODY-B: the example phrase again"))
	sendMail(t, lc.d.addr, "stranger-c@example.com", []string{pupilC}, plainMessage("stranger-c@example.com", pupilC, "Lifecycle C", "BODY-C: and the example phrase"))

	// Nothing reached the pupils; the DSL got one immediate alert each.
	alerts := lc.waitReceived(t, "three DSL alerts", 3, isKind(notify.KindAlert))
	lc.outboxDrained(t)
	if got := lc.received(t, func(mailText) bool { return true }); len(got) != 3 {
		t.Fatalf("sink got %d messages, want only the 3 alerts", len(got))
	}

	ids := map[string]string{} // subject -> quarantine id
	for _, e := range lc.list(t) {
		if e.Status != quarantine.StatusHeld || len(e.Held) != 1 {
			t.Errorf("listed entry %+v, want held for one recipient", e)
		}
		ids[e.Subject] = e.ID
	}
	if len(ids) != 3 {
		t.Fatalf("quarantine list has %v, want three entries", ids)
	}

	t.Run("alert", func(t *testing.T) {
		var a mailText
		for _, m := range alerts {
			if strings.Contains(m.Body, "Lifecycle A") {
				a = m
			}
		}
		if a.Body == "" {
			t.Fatalf("no alert mentions Lifecycle A among %d alerts", len(alerts))
		}
		if a.From != "lychgate@mx.e2e.test" || !slices.Equal(a.To, []string{lcDSL}) {
			t.Errorf("alert envelope %s -> %v, want lychgate@mx.e2e.test -> %s", a.From, a.To, lcDSL)
		}
		for k, want := range map[string]string{"Auto-Submitted": "auto-generated", "To": lcDSL} {
			if got := a.Header.Get(k); got != want {
				t.Errorf("alert header %s = %q, want %q", k, got, want)
			}
		}
		if subj, _ := new(mime.WordDecoder).DecodeHeader(a.Header.Get("Subject")); !strings.Contains(subj, "critical") || !strings.Contains(subj, "safeguarding") || !strings.Contains(subj, lcSchool) {
			t.Errorf("alert subject %q, want severity, category and school", subj)
		}
		if ct := a.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			t.Errorf("alert Content-Type %q, want text/plain (nothing attached)", ct)
		}
		for _, want := range []string{lcSchool, "critical", "safeguarding", "rules/test-phrase", "stranger-a@example.com", pupilA,
			`Excerpt: "e****** p*****"`, lcReview + "/quarantine/" + ids["Lifecycle A"], "not attached"} {
			if !strings.Contains(a.Body, want) {
				t.Errorf("alert body lacks %q:\n%s", want, a.Body)
			}
		}
		t.Logf("DSL alert:\n%s", a.Body)
		for _, leak := range []string{"example phrase", "BODY-A", "ATTACHMENT-SECRET-A", "notes.txt"} {
			if strings.Contains(string(a.Data), leak) {
				t.Errorf("alert carries %q from the original message:\n%s", leak, a.Data)
			}
		}
	})

	t.Run("release once", func(t *testing.T) {
		id := ids["Lifecycle A"]
		out, err := lc.cli("release", id, "--by", "tester")
		if err != nil || !strings.Contains(out, "released "+id+" to "+pupilA) {
			t.Fatalf("release: %v\n%s", err, out)
		}
		out, err = lc.cli("release", id, "--by", "tester2")
		if err == nil || !strings.Contains(out, "not released") {
			t.Errorf("second release = %v, want a failure saying not released\n%s", err, out)
		}
		got := lc.received(t, sentTo(pupilA, "BODY-A"))
		if len(got) != 1 {
			t.Fatalf("%s got %d copies, want exactly 1", pupilA, len(got))
		}
		if got[0].From != "stranger-a@example.com" || !strings.Contains(string(got[0].Data), "ATTACHMENT-SECRET-A") {
			t.Errorf("released copy from %q, want the original from stranger-a with its attachment:\n%s", got[0].From, got[0].Data)
		}
		show, err := lc.cli("show", id)
		if err != nil {
			t.Fatalf("show: %v\n%s", err, show)
		}
		for _, want := range []string{"status:     released", "reviewer:   tester at", "released to: " + pupilA} {
			if !strings.Contains(show, want) {
				t.Errorf("show after release lacks %q:\n%s", want, show)
			}
		}
	})

	t.Run("delete keeps tombstone", func(t *testing.T) {
		id := ids["Lifecycle B"]
		if out, err := lc.cli("delete", id, "--by", "tester"); err != nil || !strings.Contains(out, "deleted "+id) {
			t.Fatalf("delete: %v\n%s", err, out)
		}
		deleted := lc.list(t, "--status", "deleted")
		if len(deleted) != 1 || deleted[0].ID != id || deleted[0].Status != quarantine.StatusDeleted || deleted[0].From != "stranger-b@example.com" {
			t.Errorf("list --status deleted = %+v, want the tombstone of %s", deleted, id)
		}
		show, err := lc.cli("show", id)
		if err != nil || !strings.Contains(show, "message: removed (deleted)") || strings.Contains(show, "BODY-B") {
			t.Errorf("show after delete = %v, want the record without the body:\n%s", err, show)
		}
		if out, err := lc.cli("release", id, "--by", "tester"); err == nil {
			t.Errorf("release of a deleted entry succeeded:\n%s", out)
		}
		if got := lc.received(t, sentTo(pupilB, "BODY-B")); len(got) != 0 {
			t.Errorf("%s got %d copies of a deleted message", pupilB, len(got))
		}
	})

	t.Run("release to the DSL, two reviewers at once", func(t *testing.T) {
		id := ids["Lifecycle C"]
		var wg sync.WaitGroup
		errs := make([]error, 2)
		outs := make([]string, 2)
		for i, by := range []string{"reviewer1", "reviewer2"} {
			wg.Go(func() { outs[i], errs[i] = lc.cli("release", id, "--to", lcDSL, "--by", by) })
		}
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Errorf("concurrent releases: %v / %v, want exactly one success\n%s\n%s", errs[0], errs[1], outs[0], outs[1])
		}
		if got := lc.received(t, sentTo(lcDSL, "BODY-C")); len(got) != 1 {
			t.Errorf("the DSL got %d released copies, want exactly 1", len(got))
		}
		if got := lc.received(t, sentTo(pupilC, "BODY-C")); len(got) != 0 {
			t.Errorf("%s got %d copies, want none (released to the DSL)", pupilC, len(got))
		}
	})

	t.Run("export", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "incidents.csv")
		if res, err := lc.cli("export", "--out", out, "--by", "tester"); err != nil {
			t.Fatalf("export: %v\n%s", err, res)
		}
		f, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close() //nolint:errcheck // read only
		rows, err := csv.NewReader(f).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		// The first ten columns are the contract; new ones come after.
		if len(rows) == 0 || len(rows[0]) < 10 || strings.Join(rows[0][:10], ",") != "date,school,category,severity,sender,recipients,subject,rule,action,reviewer" {
			t.Fatalf("export header = %v", rows)
		}
		if got := strings.Join(rows[0][10:], ","); got != "id,incident,incident_category,incident_notes" {
			t.Errorf("export added columns = %q, want id,incident,incident_category,incident_notes", got)
		}
		bySender := map[string][]string{}
		for _, r := range rows[1:] {
			bySender[r[4]] = r
		}
		if len(rows) != 4 || len(bySender) != 3 {
			t.Fatalf("export has %d data rows %v, want one per entry (3)", len(rows)-1, rows[1:])
		}
		tests := []struct {
			sender, rcpt, subject, action, reviewer string
		}{
			{"stranger-a@example.com", pupilA, "Lifecycle A", "quarantine;released", "tester"},
			{"stranger-b@example.com", pupilB, "Lifecycle B", "quarantine;deleted", "tester"},
			{"stranger-c@example.com", pupilC, "Lifecycle C", "quarantine;released", "reviewer"},
		}
		for _, tc := range tests {
			r := bySender[tc.sender]
			if r == nil {
				t.Errorf("no export row for %s", tc.sender)
				continue
			}
			if _, err := time.Parse(time.RFC3339, r[0]); err != nil {
				t.Errorf("row %v: date: %v", r, err)
			}
			if r[1] != "stlaurence" || r[2] != "safeguarding" || r[3] != "critical" || r[5] != tc.rcpt || r[6] != tc.subject ||
				r[7] != "rules/test-phrase" || r[8] != tc.action || !strings.HasPrefix(r[9], tc.reviewer) {
				t.Errorf("export row %q, want %+v", r, tc)
			}
		}
	})

	t.Run("audit", func(t *testing.T) {
		store := quarantine.New(lc.redis.Client(t), quarantine.Options{Prefix: "lg"})
		log, err := store.AuditLog(t.Context(), "stlaurence", 1000)
		if err != nil {
			t.Fatal(err)
		}
		count := map[string]int{}
		for _, a := range log {
			count[a.Action+" "+a.ID]++
			if a.Who == "" || a.From == "" {
				t.Errorf("audit entry %+v lacks who or from", a)
			}
		}
		for _, want := range []string{
			quarantine.ActionRelease + " " + ids["Lifecycle A"], quarantine.ActionRelease + " " + ids["Lifecycle C"],
			quarantine.ActionDelete + " " + ids["Lifecycle B"], quarantine.ActionView + " " + ids["Lifecycle A"],
			quarantine.ActionExport + " ", quarantine.ActionList + " ",
		} {
			if count[want] == 0 {
				t.Errorf("audit log lacks %q: %v", want, count)
			}
		}
		if n := count[quarantine.ActionRelease+" "+ids["Lifecycle C"]]; n != 1 {
			t.Errorf("audit log has %d releases of C, want 1", n)
		}
	})
}

// TestLifecycleWarningBounce: a staff member's quarantined outbound or
// internal message gives a warning bounce at the staff address, a pupil's
// gives none; the DSL is alerted for each. A message held for a
// safeguarding concern tells the sender nothing, staff or not (no
// tip-off): only the DSL hears of it.
func TestLifecycleWarningBounce(t *testing.T) {
	t.Parallel()
	lc := startLifecycle(t)
	tests := []struct {
		name     string
		from, to string
		subject  string
		warn     bool
		body     string
	}{
		{"staff outbound", "teacher1@stlaurence.example.sch.uk", "parent@example.com", "Trip money", true, "exam answers"},
		{"staff internal", "teacher2@stlaurence.example.sch.uk", "pupil9@stlaurence.example.sch.uk", "Homework", true, "exam answers"},
		{"pupil outbound", "pupil1@stlaurence.example.sch.uk", "friend@example.com", "Weekend", false, "exam answers"},
		{"pupil internal", "pupil2@stlaurence.example.sch.uk", "pupil3@stlaurence.example.sch.uk", "Break time", false, "exam answers"},
		{"staff safeguarding no tip-off", "teacher3@stlaurence.example.sch.uk", "pupil8@stlaurence.example.sch.uk", "Our secret", false, "example phrase"},
	}
	for _, tc := range tests {
		sendMail(t, lc.d.addr, tc.from, []string{tc.to}, plainMessage(tc.from, tc.to, tc.subject, "BODY: the "+tc.body+", from "+tc.from))
	}
	lc.waitReceived(t, "a DSL alert per message", len(tests), isKind(notify.KindAlert))
	lc.outboxDrained(t)
	alerts := lc.received(t, isKind(notify.KindAlert))
	warnings := lc.received(t, isKind(notify.KindWarning))
	if n := len(lc.received(t, func(m mailText) bool { return strings.Contains(m.Body, "BODY:") })); n != 0 {
		t.Errorf("%d quarantined messages were delivered", n)
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var alerted int
			for _, a := range alerts {
				if strings.Contains(a.Body, "Subject:    "+tc.subject) && slices.Equal(a.To, []string{lcDSL}) {
					alerted++
				}
			}
			if alerted != 1 {
				t.Errorf("DSL alerts for %q = %d, want 1", tc.subject, alerted)
			}
			var mine []mailText
			for _, w := range warnings {
				if slices.Contains(w.To, tc.from) {
					mine = append(mine, w)
				}
			}
			if !tc.warn {
				if len(mine) != 0 || len(lc.received(t, func(m mailText) bool { return slices.Contains(m.To, tc.from) })) != 0 {
					t.Errorf("%s got %d warnings (and mail), want nothing", tc.from, len(mine))
				}
				return
			}
			if len(mine) != 1 {
				t.Fatalf("%s got %d warnings, want 1", tc.from, len(mine))
			}
			w := mine[0]
			if w.From != "" || !slices.Equal(w.To, []string{tc.from}) {
				t.Errorf("warning envelope <%s> -> %v, want <> -> %s", w.From, w.To, tc.from)
			}
			if got := w.Header.Get("Auto-Submitted"); got != "auto-replied" {
				t.Errorf("warning Auto-Submitted = %q, want auto-replied", got)
			}
			subj, _ := new(mime.WordDecoder).DecodeHeader(w.Header.Get("Subject"))
			if !strings.Contains(subj, tc.subject) || !strings.Contains(subj, "held for review") {
				t.Errorf("warning subject %q, want the message subject and what happened", subj)
			}
			for _, want := range []string{tc.subject, tc.to, "held for review", lcPolicy, lcContact, lcSchool} {
				if !strings.Contains(w.Body, want) {
					t.Errorf("warning body lacks %q:\n%s", want, w.Body)
				}
			}
			t.Logf("warning bounce:\n%s", w.Body)
			if strings.Contains(w.Body, "BODY:") || strings.Contains(w.Body, tc.body) {
				t.Errorf("warning echoes the message content:\n%s", w.Body)
			}
		})
	}
	if want := 2; len(warnings) != want {
		t.Errorf("%d warnings in all, want %d", len(warnings), want)
	}
}
