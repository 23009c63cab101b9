package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lychgate/lychgate/notify"
)

// TestPersonalRelay sends the personal-address fixtures (testdata/directory)
// through the running relay, with the MIS CSV exports as the directory
// (issue 6): staff who give parents a personal address have their mail
// delivered and get a warning bounce; the DSL hears about every positive
// case in a digest, not an immediate alert; parents and personal addresses
// never get a bounce, whatever the policy's warn_sender says for inbound
// mail.
func TestPersonalRelay(t *testing.T) {
	t.Parallel()
	fixtures, err := filepath.Abs(filepath.Join("..", "..", "testdata", "directory"))
	if err != nil {
		t.Fatal(err)
	}
	// The exports, plus a supply teacher whose MIS record gives a webmail
	// address as the main one: group membership must not make it a
	// bounce target.
	dir := t.TempDir()
	for _, name := range []string{"staff.csv", "pupils.csv", "parents.csv"} {
		b, err := os.ReadFile(filepath.Join(fixtures, name))
		if err != nil {
			t.Fatal(err)
		}
		if name == "staff.csv" {
			b = append(b, "S006,Sam Rowe,sam.rowe@gmail.com,samrowe.home@outlook.com,Supply teacher,2025-01-06\n"...)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	const policyText = "Staff should not use personal email accounts to contact parents/carers or pupils."
	// testdata/directory/lychgate.toml with ports, Redis and a trusted
	// loopback (startLoopbackRelay: so the test can send staff mail out),
	// a short digest interval and the CSVs by absolute path.
	rest := fmt.Sprintf(`
[notify]
digest_interval = "1s"

[personal_domains]
add = ["fixtures-isp.example"]

[[school]]
id = "stlaurence"
name = "St Laurence Church Infant School"
domains = ["stlaurence.example.sch.uk"]
dsl = ["dsl@stlaurence.example.sch.uk"]

[school.directory]
staff = %q
pupils = %q
parents = %q

[school.personal]
official_numbers = ["07700 900123"]
official_addresses = ["stlaurence.pta@gmail.com"]

[school.notify]
contact = "Mrs A. Khan, DSL <dsl@stlaurence.example.sch.uk>"

[school.policy_text]
personal-address = %q
`, filepath.Join(dir, "staff.csv"), filepath.Join(dir, "pupils.csv"),
		filepath.Join(dir, "parents.csv"), policyText)
	lc := startLoopbackRelay(t, "mx.fixtures.test", dir, rest)
	addr := lc.d.addr

	tests := []struct {
		name     string
		eml      string // a fixture under mail/, or
		raw      string // the message itself
		from     string
		to       []string
		subject  string
		positive bool   // the DSL's digest lists it
		warn     string // the one address that gets a warning bounce
	}{
		{"staff gives parent a personal address", "pos-2-body.eml", "", "jane.smith@stlaurence.example.sch.uk",
			[]string{"sarah.jones77@gmail.com"}, "After school club", true, "jane.smith@stlaurence.example.sch.uk"},
		{"staff puts personal address in Reply-To", "pos-1-reply-to.eml", "", "t.baker@stlaurence.example.sch.uk",
			[]string{"d.okafor@hotmail.co.uk"}, "Ben's trip form", true, "t.baker@stlaurence.example.sch.uk"},
		{"parent's normal webmail reply", "clean-parent-webmail.eml", "", "sarah.jones77@gmail.com",
			[]string{"jane.smith@stlaurence.example.sch.uk"}, "Re: Amy's reading", false, ""},
		{"parent quotes staff personal address", "pos-3-thread.eml", "", "sarah.jones77@gmail.com",
			[]string{"jane.smith@stlaurence.example.sch.uk"}, "Re: After school club", true, ""},
		{"staff writes from personal account", "pos-4-staff-personal-account.eml", "", "jane.smith84@gmail.com",
			[]string{"office@stlaurence.example.sch.uk"}, "Amy's homework", true, ""},
		{"staff listed with a webmail address Ccs a personal one", "", supplyTeacherMail, "sam.rowe@gmail.com",
			[]string{"sarah.jones77@gmail.com"}, "Spelling test", true, ""},
		{"staff writes to parent normally", "clean-staff-to-parent.eml", "", "jane.smith@stlaurence.example.sch.uk",
			[]string{"sarah.jones77@gmail.com"}, "Amy's reading", false, ""},
	}
	bodies := map[string]string{}
	for _, tc := range tests {
		raw := tc.raw
		if tc.eml != "" {
			b, err := os.ReadFile(filepath.Join(fixtures, "mail", tc.eml))
			if err != nil {
				t.Fatal(err)
			}
			raw = string(b)
		}
		bodies[tc.name] = raw
		sendMail(t, addr, tc.from, tc.to, raw)
	}

	var warnWanted []string
	var positives []string
	for _, tc := range tests {
		if tc.warn != "" {
			warnWanted = append(warnWanted, tc.warn)
		}
		if tc.positive {
			positives = append(positives, tc.subject)
		}
	}
	// Wait for the warnings and for digests listing every positive case,
	// then for the outbox to be empty, so nothing is still on its way.
	lc.waitReceived(t, "the warning bounces", len(warnWanted), isKind(notify.KindWarning))
	waitUntil(t, 15*time.Second, "digests listing every positive case", func() bool {
		text := digestText(lc.received(t, isKind(notify.KindDigest)))
		for _, s := range positives {
			if !strings.Contains(text, "Subject: "+s+"\n") {
				return false
			}
		}
		return true
	})
	lc.outboxDrained(t)

	all := lc.received(t, func(mailText) bool { return true })
	warnings := lc.received(t, isKind(notify.KindWarning))
	digests := digestText(lc.received(t, isKind(notify.KindDigest)))
	if alerts := lc.received(t, isKind(notify.KindAlert)); len(alerts) != 0 {
		t.Errorf("%d immediate DSL alerts, want none (medium findings go to the digest)", len(alerts))
	}
	if len(warnings) != len(warnWanted) {
		t.Errorf("%d warning bounces, want %d (to %v)", len(warnings), len(warnWanted), warnWanted)
	}
	for _, m := range all {
		if m.From == "" && (len(m.To) != 1 || !slices.Contains(warnWanted, m.To[0])) {
			t.Errorf("null-sender message to %v, want bounces only to %v:\n%s", m.To, warnWanted, m.Data)
		}
		if m.Header.Get("X-Lychgate-Notification") != "" && !slices.Equal(m.To, []string{"dsl@stlaurence.example.sch.uk"}) &&
			(len(m.To) != 1 || !slices.Contains(warnWanted, m.To[0])) {
			t.Errorf("notification to %v, want only the DSL and %v:\n%s", m.To, warnWanted, m.Data)
		}
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Delivered, once, to the envelope recipients.
			for _, rcpt := range tc.to {
				var got int
				for _, m := range all {
					if m.From == tc.from && slices.Contains(m.To, rcpt) && strings.Contains(string(m.Data), "Message-ID: "+messageID(bodies[tc.name])) {
						got++
					}
				}
				if got != 1 {
					t.Errorf("%s got %d copies, want 1", rcpt, got)
				}
			}
			// A warning answers this message (In-Reply-To) only when the
			// sender is the staff member's school address.
			var replies []mailText
			for _, m := range all {
				if m.Header.Get("In-Reply-To") == messageID(bodies[tc.name]) {
					replies = append(replies, m)
				}
			}
			if tc.warn == "" {
				if len(replies) != 0 {
					t.Errorf("%d automatic replies to %s's message, want none:\n%s", len(replies), tc.from, replies[0].Data)
				}
			} else {
				checkPersonalWarning(t, replies, tc.warn, tc.subject, tc.to[0], policyText)
			}
			inDigest := strings.Contains(digests, "Subject: "+tc.subject+"\n")
			if inDigest != tc.positive {
				t.Errorf("DSL digest lists %q: %v, want %v", tc.subject, inDigest, tc.positive)
			}
		})
	}
}

func checkPersonalWarning(t *testing.T, replies []mailText, to, subject, rcpt, policyText string) {
	t.Helper()
	if len(replies) != 1 || !slices.Equal(replies[0].To, []string{to}) {
		t.Errorf("%d automatic replies, want one warning bounce to %s", len(replies), to)
		return
	}
	w := replies[0]
	if w.From != "" || w.Header.Get("Auto-Submitted") != "auto-replied" {
		t.Errorf("warning to %s: MAIL FROM <%s>, Auto-Submitted %q; want <> and auto-replied", to, w.From, w.Header.Get("Auto-Submitted"))
	}
	for _, want := range []string{subject, rcpt, "delivered", policyText, "personal-address", "Mrs A. Khan"} {
		if !strings.Contains(w.Body, want) {
			t.Errorf("warning to %s lacks %q:\n%s", to, want, w.Body)
		}
	}
}

// digestText joins the digests' bodies with LF line ends.
func digestText(ds []mailText) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(strings.ReplaceAll(d.Body, "\r\n", "\n"))
	}
	return b.String()
}

// messageID returns the Message-ID field value of a raw message.
func messageID(raw string) string {
	for _, line := range strings.Split(raw, "\n") {
		if v, ok := strings.CutPrefix(line, "Message-ID: "); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

const supplyTeacherMail = "From: Sam Rowe <sam.rowe@gmail.com>\r\nTo: Sarah Jones <sarah.jones77@gmail.com>\r\n" +
	"Cc: Sam <samrowe.home@outlook.com>\r\nSubject: Spelling test\r\nDate: Tue, 4 Mar 2025 18:02:00 +0000\r\n" +
	"Message-ID: <supply-1@fixtures.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
	"Dear Mrs Jones,\r\n\r\nAmy's spelling test is on Friday.\r\n\r\nMr Rowe\r\n"
