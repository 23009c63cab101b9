package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/internal/testutil/redistest"
)

// TestPostfixDeployment proves the README's "in front of Postfix" recipe
// with a real Postfix as the school mail server:
//
//	internet (swaks from 127.0.0.2) ──▶ lychgate ──▶ Postfix ──▶ mailbox
//	Postfix (relayhost = lychgate)  ──▶ lychgate ──▶ smarthost (smtp-sink)
//	submission (smtpd_proxy_filter = lychgate) ──▶ lychgate ──▶ Postfix ──▶ mailbox
//
// Postfix's own address (127.0.0.1) is lychgate's only trusted network;
// the outside world connects from 127.0.0.2.
func TestPostfixDeployment(t *testing.T) {
	t.Parallel()
	needPostfix(t)
	needTool(t, "swaks")
	sink, sinkDir := postfixSink(t) // the smarthost: "the internet"
	rs := redistest.Start(t, redistest.WithAOF())
	lg := freePort(t)
	pf := startPostfix(t, postfixOptions{
		domains:   schoolDomains,
		mailboxes: schoolMailboxes,
		// Mail Postfix itself sends out (forwards, bounces, mail queued on
		// its port 25) leaves through lychgate ...
		relayhost: "[127.0.0.1]:" + port(lg),
		// ... and so does mail staff and pupils submit, before it is queued.
		proxyFilter: lg,
	})
	// ... while lychgate hands inbound and internal mail to Postfix and
	// outbound mail to the smarthost, never back to Postfix: no loop.
	config := writePostfixE2EConfig(t, lg, pf.smtp, sink, rs.URL())
	d := startDaemon(t, config, lg)

	t.Run("inbound from the internet lands in a Postfix mailbox", func(t *testing.T) {
		box := pf.inboundSportsDay(t, lg)
		wantStamps(t, "head's mailbox", box)
	})

	t.Run("the internet cannot relay through lychgate", func(t *testing.T) {
		out, err := swaksFrom(t, "127.0.0.2", lg, "spammer@example.com", "victim@example.org", "relay?", "open relay test")
		if err == nil || !strings.Contains(out, "550") {
			t.Errorf("relaying from outside: err=%v, want 550\n%s", err, out)
		}
	})

	t.Run("an unknown school address is refused at RCPT by asking Postfix", func(t *testing.T) {
		out, err := swaksFrom(t, "127.0.0.2", lg, "parent@example.com", "nobody-here@stlaurence.example.sch.uk", "hi", "hello")
		if err == nil || !strings.Contains(out, "550 5.1.1") {
			t.Errorf("unknown recipient: err=%v, want 550 5.1.1\n%s", err, out)
		}
	})

	t.Run("outbound mail Postfix queued leaves through lychgate to the smarthost", func(t *testing.T) {
		// Straight into Postfix's queue; Postfix delivers it to its
		// relayhost, lychgate.
		msg := pf.outboundTripLetter(t, sinkDir)
		wantStamps(t, "smarthost copy", msg)
		if n := strings.Count(msg, "by mx.e2e.test"); n != 1 {
			t.Errorf("the message passed lychgate %d times, want once (a loop?):\n%s", n, msg)
		}
	})

	t.Run("submitted internal mail goes through lychgate before Postfix queues it", func(t *testing.T) {
		box := pf.internalHomework(t, pf.submission)
		wantOnePass(t, "pupil1's mailbox", box)
	})

	t.Run("submitted internal mail breaking a rule is held, and the sender's client sees 250", func(t *testing.T) {
		pf.internalSecret(t, pf.submission)
		list, err := d.run("quarantine", "list", "--config", config, "--json")
		if err != nil {
			t.Fatalf("quarantine list: %v\n%s", err, list)
		}
		var entry struct {
			Status     string   `json:"status"`
			Direction  string   `json:"direction"`
			Subject    string   `json:"subject"`
			Recipients []string `json:"recipients"`
		}
		lines := strings.Split(strings.TrimSpace(list), "\n")
		if len(lines) != 1 {
			t.Fatalf("quarantine list = %q, want one entry", list)
		}
		if err := json.Unmarshal([]byte(lines[0]), &entry); err != nil {
			t.Fatalf("quarantine list line %q: %v", lines[0], err)
		}
		if entry.Status != "held" || entry.Direction != "internal" || entry.Subject != "secret" {
			t.Errorf("quarantine entry = %+v, want held internal mail", entry)
		}
		pf.wantHeldFromPupil(t)
	})

	t.Run("submitted outbound mail goes through lychgate to the smarthost", func(t *testing.T) {
		mustSwaksFrom(t, "127.0.0.1", pf.submission, "j.smith@staff.stlaurence.example.sch.uk", "someone@example.net",
			"Minutes", "Minutes of the governors' meeting.")
		// The proxy filter answers only once lychgate has delivered, so
		// the smarthost has it now.
		var found bool
		for _, m := range dumps(t, sinkDir) {
			if strings.Contains(m, "Minutes of the governors' meeting.") {
				found = true
				if strings.Count(m, "by mx.e2e.test") != 1 {
					t.Errorf("smarthost copy, want one pass through lychgate:\n%s", m)
				}
			}
		}
		if !found {
			t.Error("the submitted outbound message did not reach the smarthost when the client got 250")
		}
	})
}

// TestPostfixContentFilter proves the README's recipe for a Postfix that
// delivers to the internet itself (no smarthost): Postfix sends every
// message it queues to lychgate (content_filter), and lychgate hands every
// message back to a Postfix port without the filter, which delivers it.
//
//	internet ──▶ lychgate ──▶ Postfix return port ──▶ mailbox
//	Postfix queue ──content_filter──▶ lychgate ──▶ Postfix return port ──▶ mailbox or the outside MX
func TestPostfixContentFilter(t *testing.T) {
	t.Parallel()
	needPostfix(t)
	needTool(t, "swaks")
	outside, outsideDir := postfixSink(t) // example.org's MX
	rs := redistest.Start(t, redistest.WithAOF())
	lg := freePort(t)
	pf := startPostfix(t, postfixOptions{
		domains:       schoolDomains,
		mailboxes:     schoolMailboxes,
		contentFilter: lg,
		// No DNS here: a transport entry plays example.org's MX record.
		transports: map[string]string{"example.org": "smtp:[127.0.0.1]:" + port(outside)},
	})
	// Both directions go back to Postfix's return port.
	config := writePostfixE2EConfig(t, lg, pf.back, pf.back, rs.URL())
	d := startDaemon(t, config, lg)

	t.Run("inbound from the internet lands in a Postfix mailbox", func(t *testing.T) {
		box := pf.inboundSportsDay(t, lg)
		wantOnePass(t, "head's mailbox", box)
	})

	t.Run("outbound mail leaves through lychgate and Postfix delivers it", func(t *testing.T) {
		msg := pf.outboundTripLetter(t, outsideDir)
		wantOnePass(t, "outside copy", msg)
	})

	t.Run("internal mail goes through lychgate into the pupil's mailbox", func(t *testing.T) {
		box := pf.internalHomework(t, pf.smtp)
		if n := strings.Count(box, "by mx.e2e.test"); n != 1 {
			t.Errorf("pupil1's mailbox, want one pass through lychgate (got %d):\n%s", n, box)
		}
	})

	t.Run("internal mail breaking a rule is held", func(t *testing.T) {
		pf.internalSecret(t, pf.smtp)
		// Postfix queued it and hands it to lychgate a moment later.
		line := eventually(t, func() (string, bool) {
			list, err := d.run("quarantine", "list", "--config", config, "--json")
			return strings.TrimSpace(list), err == nil && strings.TrimSpace(list) != ""
		})
		var entry struct {
			Status    string `json:"status"`
			Direction string `json:"direction"`
		}
		if err := json.Unmarshal([]byte(line), &entry); err != nil || entry.Status != "held" || entry.Direction != "internal" {
			t.Errorf("quarantine list = %q (%v), want one held internal entry", line, err)
		}
		pf.wantHeldFromPupil(t)
	})
}

// The mail both Postfix topologies carry: each sends one message the same
// way and returns it as it arrived.

// inboundSportsDay: a parent on the internet writes to the head through
// lychgate on lg; it returns head's mailbox once the message is in it.
func (p *postfix) inboundSportsDay(t *testing.T, lg string) string {
	t.Helper()
	mustSwaksFrom(t, "127.0.0.2", lg, "parent@example.com", "head@stlaurence.example.sch.uk",
		"Sports day", "See you at sports day.")
	return p.waitMailbox(t, "head@stlaurence.example.sch.uk", "See you at sports day.")
}

// outboundTripLetter: staff write to a parent at example.org straight into
// Postfix's queue; it returns the copy smtp-sink wrote to dir (the outside
// world).
func (p *postfix) outboundTripLetter(t *testing.T, dir string) string {
	t.Helper()
	mustSwaksFrom(t, "127.0.0.1", p.smtp, "j.smith@staff.stlaurence.example.sch.uk", "parent@example.org",
		"Trip letter", "The trip letter is attached to the newsletter.")
	return waitDump(t, dir, "The trip letter is attached")
}

// internalHomework: staff send homework to pupil1 through Postfix's port
// addr; it returns pupil1's mailbox once the message is in it.
func (p *postfix) internalHomework(t *testing.T, addr string) string {
	t.Helper()
	mustSwaksFrom(t, "127.0.0.1", addr, "j.smith@staff.stlaurence.example.sch.uk", "pupil1@stlaurence.example.sch.uk",
		"Homework", "Your homework is due on Friday.")
	return p.waitMailbox(t, "pupil1@stlaurence.example.sch.uk", "Your homework is due on Friday.")
}

// internalSecret: staff send pupil1 a message breaking the test-phrase
// rule through Postfix's port addr (wantHeldFromPupil checks where it went).
func (p *postfix) internalSecret(t *testing.T, addr string) {
	t.Helper()
	mustSwaksFrom(t, "127.0.0.1", addr, "j.smith@staff.stlaurence.example.sch.uk", "pupil1@stlaurence.example.sch.uk",
		"secret", "this has the example phrase in it")
}

func port(addr string) string {
	return addr[strings.LastIndexByte(addr, ':')+1:]
}

// swaksFrom sends one message from the local address src (127.0.0.2 plays
// the internet: the loopback network answers on all of 127/8); with src
// empty, from whatever address the system picks.
func swaksFrom(t *testing.T, src, addr, from, to, subject, body string) (string, error) {
	t.Helper()
	bin := needTool(t, "swaks")
	args := []string{"--server", addr}
	if src != "" {
		args = append(args, "--local-interface", src)
	}
	args = append(args, "--from", from, "--to", to,
		"--header", "Subject: "+subject, "--body", body, "--timeout", "30")
	out, err := exec.Command(bin, args...).CombinedOutput()
	return string(out), err
}

// mustSwaksFrom is swaksFrom that fails the test unless the server took
// the message.
func mustSwaksFrom(t *testing.T, src, addr, from, to, subject, body string) {
	t.Helper()
	if out, err := swaksFrom(t, src, addr, from, to, subject, body); err != nil {
		t.Fatalf("swaks from %s to %s: %v\n%s", src, addr, err, out)
	}
}

// wantStamps checks that msg carries lychgate's deliver verdict and the
// Received lines of both lychgate and the school's Postfix.
func wantStamps(t *testing.T, what, msg string) {
	t.Helper()
	for _, want := range []string{"X-Lychgate-Verdict: deliver", "by mx.e2e.test", "by mail.stlaurence.example.sch.uk"} {
		if !strings.Contains(msg, want) {
			t.Errorf("%s lacks %q:\n%s", what, want, msg)
		}
	}
}

// wantOnePass checks that msg carries lychgate's deliver verdict and passed
// lychgate exactly once.
func wantOnePass(t *testing.T, what, msg string) {
	t.Helper()
	if n := strings.Count(msg, "by mx.e2e.test"); n != 1 || !strings.Contains(msg, "X-Lychgate-Verdict: deliver") {
		t.Errorf("%s, want one pass through lychgate (got %d):\n%s", what, n, msg)
	}
}

// writePostfixE2EConfig is the README's Postfix recipe on loopback ports.
func writePostfixE2EConfig(t *testing.T, listen, postfixSMTP, smarthost, redisURL string) string {
	t.Helper()
	cfg := fmt.Sprintf(`
[relay]
hostname = "mx.e2e.test"
listen = %q
trusted_networks = ["127.0.0.1"]   # the Postfix server, and only it
shutdown_timeout = "5s"

[next_hop]
inbound = %q    # Postfix's smtpd: inbound and internal mail
outbound = %q   # the smarthost, never Postfix
tls = "none"
verify_recipients = true

[redis]
url = %q
`, listen, postfixSMTP, smarthost, redisURL) + postfixSchoolTOML + `[school.groups]
staff = ["*@staff.stlaurence.example.sch.uk"]
pupils = ["pupil*@stlaurence.example.sch.uk"]
` + testPhraseRule
	return writeTOML(t, t.TempDir(), cfg)
}

// The school behind Postfix in the Postfix and cloud tests: two domains,
// the head as DSL, and a mailbox each for the head, a pupil and a member of
// staff.
var (
	schoolDomains   = []string{"stlaurence.example.sch.uk", "staff.stlaurence.example.sch.uk"}
	schoolMailboxes = []string{"head@stlaurence.example.sch.uk", "pupil1@stlaurence.example.sch.uk", "j.smith@staff.stlaurence.example.sch.uk"}
)

// postfixSchoolTOML is that school's [[school]] table.
const postfixSchoolTOML = `
[[school]]
id = "stlaurence"
name = "St Laurence Church Infant School"
domains = ["stlaurence.example.sch.uk", "staff.stlaurence.example.sch.uk"]
dsl = ["head@stlaurence.example.sch.uk"]
`

// TestDeployPostfixSnippets checks that the Postfix fragments shipped in
// deploy/postfix/ parse, say what the README and the tests above say, and
// draw no warnings from postconf.
func TestDeployPostfixSnippets(t *testing.T) {
	t.Parallel()
	postconf, err := exec.LookPath("postconf")
	if err != nil {
		postconf = "/usr/sbin/postconf"
	}
	if !isExecutable(postconf) {
		if os.Getenv("CI") == "true" {
			t.Fatal("postconf is not installed (apt-get install postfix; scripts/install-test-deps.sh installs it)")
		}
		t.Skip("postconf is not installed")
	}
	cases := []struct {
		dir  string
		want map[string]string // postconf -h NAME, or -P service/type/NAME
	}{
		{"smarthost", map[string]string{
			"relayhost":                                "[10.0.0.9]:25",
			"content_filter":                           "",
			"submission/inet/smtpd_proxy_filter":       "10.0.0.9:25",
			"submission/inet/smtpd_proxy_options":      "speed_adjust",
			"submission/inet/smtpd_tls_security_level": "encrypt",
		}},
		{"content-filter", map[string]string{
			"relayhost":                              "",
			"content_filter":                         "lychgate:[10.0.0.9]:25",
			"10.0.0.5:10025/inet/content_filter":     "",
			"10.0.0.5:10025/inet/mynetworks":         "10.0.0.9/32",
			"10.0.0.5:10025/inet/smtpd_proxy_filter": "",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.dir, func(t *testing.T) {
			t.Parallel()
			conf := t.TempDir()
			for _, name := range []string{"main.cf", "master.cf"} {
				frag, err := os.ReadFile(filepath.Join("..", "..", "deploy", "postfix", tc.dir, name))
				if err != nil {
					t.Fatal(err)
				}
				base := "compatibility_level = 3.6\n"
				if name == "master.cf" {
					base = "smtp inet n - y - - smtpd\n"
				}
				if err := os.WriteFile(filepath.Join(conf, name), append([]byte(base), frag...), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			for _, args := range [][]string{{"-n"}, {"-M"}, {"-P"}} {
				cmd := exec.Command(postconf, append([]string{"-c", conf}, args...)...)
				var stderr strings.Builder
				cmd.Stderr = &stderr
				if err := cmd.Run(); err != nil || stderr.Len() > 0 {
					t.Errorf("postconf %v: %v\n%s", args, err, stderr.String())
				}
			}
			for key, want := range tc.want {
				flag := "-h"
				if strings.Contains(key, "/") {
					flag = "-Ph"
				}
				out, err := exec.Command(postconf, "-c", conf, flag, key).Output()
				if err != nil && flag == "-h" {
					t.Fatalf("postconf -h %s: %v", key, err)
				}
				if got := strings.TrimSpace(string(out)); got != want {
					t.Errorf("postconf %s %s = %q, want %q", flag, key, got, want)
				}
			}
		})
	}
}
