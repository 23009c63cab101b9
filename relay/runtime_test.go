package relay

import (
	"context"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/lychgate/lychgate/live"
	"github.com/lychgate/lychgate/notify"
	"github.com/lychgate/lychgate/quarantine"
)

// reloadWith builds a runtime from toml (the base config with replacements
// applied) and swaps it in, as SIGHUP does.
func (e *env) reloadWith(t *testing.T, edit func(string) string) *live.Runtime {
	t.Helper()
	raw := strings.NewReplacer("{{TRUSTED}}", `"127.0.0.0/8"`, "{{RELAY}}", "", "{{HOP}}", e.sink.Addr).Replace(baseTOML)
	cfg := writeConfig(t, edit(raw))
	lo := live.Options{}
	if e.redis != nil {
		lo.Redis = e.redis.Client(t)
	}
	rt, err := live.Build(cfg, lo)
	if err != nil {
		t.Fatal(err)
	}
	e.holder.Swap(rt)
	return rt
}

// TestReloadRemovesTrustedNetwork: once the school's server is no longer
// a trusted network, its next transaction may not relay outside; the
// transaction already started keeps the runtime it captured at MAIL.
func TestReloadRemovesTrustedNetwork(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{trusted: true})
	c, err := smtp.Dial(e.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail(teacher, nil); err != nil {
		t.Fatal(err)
	}
	old := e.holder.Current()
	e.reloadWith(t, func(s string) string {
		return strings.Replace(s, `trusted_networks = ["127.0.0.0/8"]`, `trusted_networks = ["10.99.0.0/16"]`, 1)
	})
	// In flight: still trusted, the outside recipient is accepted.
	if err := c.Rcpt(outsider, nil); err != nil {
		t.Fatalf("RCPT to outsider in the transaction started before reload = %v, want accepted", err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write([]byte(msg("before-reload", "hello")))
	if err := w.Close(); err != nil {
		t.Fatalf("DATA of the transaction started before reload = %v, want 250", err)
	}
	// The old runtime is released and closed once that transaction ended;
	// the next one uses the new runtime: relay denied.
	if err := c.Mail(teacher, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt(outsider, nil); code(err) != 550 {
		t.Fatalf("RCPT to outsider after trusted network removed = %v, want 550", err)
	}
	if cur := e.holder.Current(); cur == old {
		t.Fatal("runtime not swapped")
	}
}

// TestReloadLimitsAndPrefix: relay settings (max_recipients,
// subject_prefix) come from the runtime, so a reload changes them.
func TestReloadLimitsAndPrefix(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	e.reloadWith(t, func(s string) string {
		s = strings.Replace(s, "max_recipients = 5", "max_recipients = 1\nsubject_prefix = \"[reloaded]\"", 1)
		return strings.Replace(s, `trusted_networks = ["127.0.0.0/8"]`, `trusted_networks = ["10.99.0.0/16"]`, 1)
	})
	err := e.send(outsider, []string{pupil, "pupil2@school.example.sch.uk"}, msg("two", "hello"))
	if code(err) != 452 {
		t.Fatalf("second RCPT with max_recipients = 1 after reload = %v, want 452", err)
	}
	if err := e.send(outsider, []string{pupil}, msg("bother", "hello")); err != nil {
		t.Fatalf("tagged message = %v", err)
	}
	got := e.sink.Messages()
	if len(got) != 1 || !strings.Contains(string(got[0].Data), "Subject: [reloaded] bother") {
		t.Fatalf("delivered = %d messages, want one with the reloaded subject prefix", len(got))
	}
}

const twoSchoolTOML = `
[relay]
hostname = "relay.test"
listen = "127.0.0.1:0"
trusted_networks = ["10.99.0.0/16"]

[next_hop]
inbound = "{{HOP}}"
tls = "none"
verify_recipients = false

[[school]]
id = "north"
domains = ["north.test"]
dsl = ["dsl@north.test"]
[school.groups]
pupils = ["pupil*@north.test"]

[[school]]
id = "south"
domains = ["south.test"]
dsl = ["dsl@south.test"]
[school.groups]
pupils = ["pupil*@south.test"]

# North alone holds mail that mentions the exam board's secret word.
[[rule]]
id = "north-secret"
field = "body"
words = ["marzipan"]
category = "safeguarding"
severity = "high"
schools = ["north"]
`

// TestTwoSchoolsOneMessage: one message to a pupil at each school. North's
// school-scoped rule holds north's copy only; south's pupil gets the mail;
// north's quarantine entry lists only north's recipient and nothing is
// filed under south.
func TestTwoSchoolsOneMessage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	cfg := writeConfig(t, strings.ReplaceAll(twoSchoolTOML, "{{HOP}}", e.sink.Addr))
	rt, err := live.Build(cfg, live.Options{Redis: e.redis.Client(t)})
	if err != nil {
		t.Fatal(err)
	}
	e.holder.Swap(rt)
	var rec = recordNotify(e, func(int) error { return nil })
	body := "From: a@example.com\r\nTo: pupil1@north.test, pupil1@south.test\r\nSubject: cake\r\nMessage-ID: <m@example.com>\r\n\r\nI baked you marzipan\r\n"
	if err := e.send(outsider, []string{"pupil1@north.test", "pupil1@south.test"}, body); err != nil {
		t.Fatalf("send = %v", err)
	}
	got := e.sink.Messages()
	if len(got) != 1 || len(got[0].To) != 1 || got[0].To[0] != "pupil1@south.test" {
		t.Fatalf("delivered = %+v, want one copy to pupil1@south.test", got)
	}
	ctx := context.Background()
	north, _, err := rt.Store.List(ctx, quarantine.ListOptions{School: "north", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(north) != 1 {
		t.Fatalf("north quarantine has %d entries, want 1", len(north))
	}
	if n := north[0]; len(n.Recipients) != 1 || n.Recipients[0] != "pupil1@north.test" {
		t.Errorf("north entry recipients = %v, want only north's pupil", n.Recipients)
	}
	for _, f := range north[0].Findings {
		if f.School != "" && f.School != "north" {
			t.Errorf("north entry holds a finding of school %q", f.School)
		}
	}
	south, _, err := rt.Store.List(ctx, quarantine.ListOptions{School: "south", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(south) != 0 {
		t.Errorf("south quarantine has %d entries, want none", len(south))
	}
	calls := rec.calls()
	if len(calls) != 1 {
		t.Fatalf("notify calls = %d, want 1", len(calls))
	}
	for _, d := range calls[0].Verdict.Decisions {
		want := map[string]string{"pupil1@north.test": "quarantine", "pupil1@south.test": "deliver"}[d.Recipient]
		if string(d.Action) != want {
			t.Errorf("decision for %s = %s, want %s", d.Recipient, d.Action, want)
		}
	}
	if calls[0].Runtime != rt {
		t.Error("Handled.Runtime is not the runtime the message was handled with")
	}
}

// TestReloadAddsSchool: a school added on reload has its mail accepted and
// its DSL alert queued in the real outbox by the new runtime's notifier (not
// dropped by a notifier that only knew the schools at start).
func TestReloadAddsSchool(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	if err := e.send(outsider, []string{"pupil1@north.test"}, msg("x", "hello")); code(err) != 550 {
		t.Fatalf("mail for a school not yet configured = %v, want 550", err)
	}
	ob := notify.NewOutbox(e.redis.Client(t), notify.OutboxOptions{Prefix: "reload"})
	cfg := writeConfig(t, strings.ReplaceAll(twoSchoolTOML, "{{HOP}}", e.sink.Addr))
	rt, err := live.Build(cfg, live.Options{Redis: e.redis.Client(t), Outbox: ob})
	if err != nil {
		t.Fatal(err)
	}
	e.holder.Swap(rt)
	body := "From: a@example.com\r\nTo: pupil1@north.test\r\nSubject: cake\r\nMessage-ID: <n@example.com>\r\n\r\nmarzipan\r\n"
	if err := e.send(outsider, []string{"pupil1@north.test"}, body); err != nil {
		t.Fatalf("send to the added school = %v", err)
	}
	inStream, _, err := ob.Pending(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if inStream != 1 {
		t.Fatalf("outbox holds %d notifications, want the one DSL alert for north", inStream)
	}
}
