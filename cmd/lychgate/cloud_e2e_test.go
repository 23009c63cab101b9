package main

import (
	"crypto/tls"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/internal/smtpsink"
	"github.com/lychgate/lychgate/internal/testutil/redistest"
)

// TestCloudGateway is the README's Microsoft 365 / Google Workspace set-up
// with a real Postfix standing in for the tenant: lychgate is the inbound
// gateway and the outbound smarthost of the tenant's connector, with TLS
// required and certificates verified both ways, the tenant accepting mail
// only from lychgate's address, and the message arriving with what the
// tenant's skip listing and DKIM check need.
func TestCloudGateway(t *testing.T) {
	t.Parallel()
	needPostfix(t)
	needTool(t, "swaks")
	rs := redistest.Start(t, redistest.WithAOF())
	lg := freePort(t)

	pkiDir, err := os.MkdirTemp("", "lychgate-pki")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(pkiDir) })
	pki := newTestPKI(t, pkiDir)
	lgCert, lgKey := pki.issue(t, "lychgate", "mx.e2e.test")
	tenantCert, tenantKey := pki.issue(t, "tenant", "127.0.0.1")
	// lychgate's smarthost ("the internet"), which offers STARTTLS too.
	hostCert, hostKey := pki.issue(t, "smarthost", "127.0.0.1")
	kp, err := tls.LoadX509KeyPair(hostCert, hostKey)
	if err != nil {
		t.Fatal(err)
	}
	smarthost, err := smtpsink.Start(smtpsink.Options{TLSConfig: &tls.Config{Certificates: []tls.Certificate{kp}, MinVersion: tls.VersionTLS12}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = smarthost.Close() })

	pf := startPostfix(t, postfixOptions{
		domains:   schoolDomains,
		mailboxes: []string{"head@stlaurence.example.sch.uk"},
		// The tenant's inbound side: TLS required, and only from the
		// gateway's address (refused at once from anyone else).
		smtpOptions: []string{
			"smtpd_tls_security_level=encrypt",
			"smtpd_client_restrictions=$gateway_only",
			"smtpd_delay_reject=no",
		},
		// Its users submit on their own port.
		plainSubmission: true,
		// The tenant's outbound connector: everything through lychgate ...
		relayhost: "[127.0.0.1]:" + port(lg),
		extra: fmt.Sprintf(`
# ... always over TLS, with a certificate from a trusted CA for lychgate's name.
smtp_tls_CAfile = %[1]s
smtp_tls_loglevel = 1
smtp_tls_policy_maps = inline:{ { [127.0.0.1]:%[2]s = secure match=mx.e2e.test } }
smtpd_tls_cert_file = %[3]s
smtpd_tls_key_file = %[4]s
smtpd_tls_received_header = yes
gateway_only = check_client_access inline:{ 127.0.0.1=OK }, reject
`, pki.CAFile, port(lg), tenantCert, tenantKey),
	})

	cfg := fmt.Sprintf(`
[relay]
hostname = "mx.e2e.test"
listen = %q
trusted_networks = ["127.0.0.1"]   # the tenant's sending address
tls_cert = %q
tls_key = %q
subject_prefix = ""
shutdown_timeout = "5s"

[next_hop]
inbound = %q
outbound = %q
tls = "required"
tls_skip_verify = false

[redis]
url = %q
`, lg, lgCert, lgKey, pf.smtp, smarthost.Addr, rs.URL()) + postfixSchoolTOML
	config := writeTOML(t, t.TempDir(), cfg)
	// lychgate verifies the tenant's certificate against the system roots;
	// here the test CA is the system's.
	startDaemon(t, config, lg, "SSL_CERT_FILE="+pki.CAFile)

	const signed = "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel; h=from:to:subject:date;\r\n" +
		"\tbh=placeholder=; b=placeholder=\r\n" +
		"From: Parent <parent@example.com>\r\n" +
		"To: head@stlaurence.example.sch.uk\r\n" +
		"Subject: Sports day\r\n" +
		"Date: Tue, 01 Dec 2026 09:00:00 +0000\r\n" +
		"Message-ID: <sports-day@example.com>\r\n"
	const body = "See you at sports day.\r\n\r\n-- \r\nA parent\r\n"

	t.Run("inbound reaches the tenant over verified TLS, signed headers and body unchanged", func(t *testing.T) {
		// A forged verdict from outside must not survive.
		msg := "X-Lychgate-Verdict: forged-outside\r\n" + signed + "\r\n" + body
		out, err := swaksData(t, "127.0.0.2", lg, "parent@example.com", "head@stlaurence.example.sch.uk", msg)
		if err != nil {
			t.Fatalf("swaks: %v\n%s", err, out)
		}
		box := pf.waitMailbox(t, "head@stlaurence.example.sch.uk", "See you at sports day.")
		box = strings.ReplaceAll(box, "\r\n", "\n")
		for _, want := range []string{
			// What DKIM verifies: the signed header fields and the body, byte for byte.
			strings.ReplaceAll(signed, "\r\n", "\n"),
			strings.ReplaceAll("\n"+body, "\r\n", "\n"),
			// What the tenant's skip listing reads: the real client's address.
			"([127.0.0.2])\n\tby mx.e2e.test (lychgate) with ESMTP",
			// Postfix (the tenant) received it from lychgate over TLS.
			"(using TLS",
			"X-Lychgate-Verdict: deliver",
		} {
			if !strings.Contains(box, want) {
				t.Errorf("the tenant's copy lacks %q:\n%s", want, box)
			}
		}
		if strings.Contains(box, "forged-outside") {
			t.Errorf("a forged X-Lychgate header from outside reached the tenant:\n%s", box)
		}
		if strings.Contains(box, "Authentication-Results") {
			t.Errorf("lychgate added Authentication-Results; the tenant writes those:\n%s", box)
		}
	})

	t.Run("the tenant refuses mail that goes around the gateway", func(t *testing.T) {
		out, err := swaksData(t, "127.0.0.2", pf.smtp, "parent@example.com", "head@stlaurence.example.sch.uk",
			"Subject: around\r\n\r\ngoing around the gateway\r\n")
		if err == nil || !strings.Contains(out, "554") {
			t.Errorf("mail straight to the tenant: err=%v, want 554\n%s", err, out)
		}
	})

	t.Run("outbound leaves the tenant for lychgate over verified TLS", func(t *testing.T) {
		msg := "From: Jane Smith <j.smith@staff.stlaurence.example.sch.uk>\r\nTo: parent@example.org\r\nSubject: Trip\r\n\r\nThe trip letter is in the newsletter.\r\n"
		out, err := swaksData(t, "127.0.0.1", pf.submission, "j.smith@staff.stlaurence.example.sch.uk", "parent@example.org", msg)
		if err != nil {
			t.Fatalf("swaks to the tenant: %v\n%s", err, out)
		}
		got := eventually(t, func() (smtpsink.Message, bool) {
			for _, m := range smarthost.Messages() {
				if strings.Contains(string(m.Data), "The trip letter is in the newsletter.") {
					return m, true
				}
			}
			return smtpsink.Message{}, false
		})
		if !strings.Contains(string(got.Data), "by mx.e2e.test (lychgate) with ESMTPS") {
			t.Errorf("lychgate did not receive the tenant's mail over TLS:\n%s", got.Data)
		}
		if !got.TLS {
			t.Error("lychgate sent the tenant's mail on without TLS")
		}
		if log := pf.maillog(); !strings.Contains(log, "Verified TLS connection established to 127.0.0.1") {
			t.Errorf("the tenant did not verify lychgate's certificate; maillog:\n%s", log)
		}
	})
}

// swaksData sends data as the whole message, from the local address src.
func swaksData(t *testing.T, src, addr, from, to, data string) (string, error) {
	t.Helper()
	bin := needTool(t, "swaks")
	f := filepath.Join(t.TempDir(), "msg.eml")
	if err := os.WriteFile(f, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "--server", addr, "--local-interface", src, "--from", from, "--to", to,
		"--data", "@"+f, "--timeout", "30").CombinedOutput()
	return string(out), err
}
