package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A real Postfix (the Debian package) as the school mail server, for the
// deployment tests: its own config_directory, queue_directory and
// mailboxes in a fresh folder, listening only on 127.0.0.1 ports no other
// test uses, with no DNS at all.

// postfixOptions describe one Postfix instance.
type postfixOptions struct {
	// domains are the virtual mailbox domains Postfix delivers for.
	domains []string
	// mailboxes are the addresses with a mailbox (an mbox file each).
	mailboxes []string
	// relayhost is main.cf's relayhost (e.g. "[127.0.0.1]:2525"), where
	// Postfix sends all mail for other domains.
	relayhost string
	// proxyFilter, when set, gives Postfix a second smtpd (the submission
	// service) whose mail goes through this before-queue proxy filter
	// (smtpd_proxy_filter), host:port.
	proxyFilter string
	// contentFilter, when set, sends every message Postfix queues to this
	// after-queue content filter (content_filter, host:port), and gives
	// Postfix a return smtpd without it, where the filter hands mail back.
	contentFilter string
	// transports are transport_maps entries (domain → transport:nexthop),
	// standing in for the MX records of outside domains.
	transports map[string]string
	// extra is appended to main.cf.
	extra string
	// smtpOptions are "-o name=value" overrides for the smtpd on smtp.
	smtpOptions []string
	// plainSubmission gives Postfix a second smtpd, without a proxy
	// filter, for its own users (used when smtp only takes the gateway).
	plainSubmission bool
}

// postfix is a running Postfix instance.
type postfix struct {
	t    *testing.T
	conf string // config_directory
	mail string // virtual_mailbox_base
	log  string // maillog_file
	// smtp is the port-25-like smtpd: mail lychgate delivers, and mail
	// staff send that goes straight into Postfix's queue.
	smtp string
	// submission is the smtpd with the proxy filter ("" without one).
	submission string
	// back is the return smtpd of a content filter ("" without one).
	back string
}

// needPostfix returns the postfix command, or skips (outside CI) or fails
// (in CI) with the reason it cannot run here.
func needPostfix(t *testing.T) string {
	t.Helper()
	why := ""
	bin, err := exec.LookPath("postfix")
	if err != nil {
		bin = "/usr/sbin/postfix"
	}
	switch {
	case !isExecutable(bin):
		why = "postfix is not installed (apt-get install postfix; scripts/install-test-deps.sh installs it)"
	case os.Geteuid() != 0:
		why = "`postfix start` needs root; run the tests as root to run the Postfix deployment test"
	}
	if why == "" {
		return bin
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("the Postfix deployment test cannot run: %s", why)
	}
	t.Skipf("skipping the Postfix deployment test: %s", why)
	return ""
}

func isExecutable(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// startPostfix writes main.cf and master.cf for one private instance and
// starts it; t.Cleanup stops it and removes its files.
func startPostfix(t *testing.T, o postfixOptions) *postfix {
	t.Helper()
	bin := needPostfix(t)
	// Postfix's daemons run as the postfix user and deliver as nobody,
	// which cannot enter t.TempDir()'s 0700 parent: the instance lives
	// directly under the system temp folder.
	base, err := os.MkdirTemp("", "lychgate-postfix")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(base) })
	if err := os.Chmod(base, 0o755); err != nil { //nolint:gosec // see above
		t.Fatal(err)
	}
	p := &postfix{
		t:    t,
		conf: filepath.Join(base, "etc"),
		mail: filepath.Join(base, "mail"),
		log:  filepath.Join(base, "maillog"),
		smtp: freePort(t),
	}
	queue, data := filepath.Join(base, "queue"), filepath.Join(base, "data")
	for _, d := range []string{p.conf, queue, data, p.mail} {
		if err := os.Mkdir(d, 0o755); err != nil { //nolint:gosec // read by Postfix's daemons
			t.Fatal(err)
		}
	}
	if err := chownTo(data, "postfix"); err != nil {
		t.Fatal(err)
	}
	if err := chownTo(p.mail, "nobody"); err != nil {
		t.Fatal(err)
	}
	var boxes []string
	for _, m := range o.mailboxes {
		boxes = append(boxes, m+"="+mailboxFile(m))
	}
	var transports []string
	for dom, tr := range o.transports {
		transports = append(transports, dom+"="+tr)
	}
	main := fmt.Sprintf(`compatibility_level = 3.6
queue_directory = %[1]s
data_directory = %[2]s
mail_owner = postfix
setgid_group = postdrop
myhostname = mail.stlaurence.example.sch.uk
mydomain = stlaurence.example.sch.uk
myorigin = $mydomain
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtp_host_lookup = native
disable_dns_lookups = yes
smtpd_delay_reject = yes
biff = no
alias_maps =
alias_database =
maillog_file = %[3]s
maillog_file_prefixes = %[4]s
virtual_mailbox_domains = %[5]s
virtual_mailbox_base = %[6]s
virtual_mailbox_maps = inline:{ %[7]s }
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
relayhost = %[8]s
`, queue, data, p.log, base, strings.Join(o.domains, ", "), p.mail, strings.Join(boxes, ", "), o.relayhost)
	if len(transports) > 0 {
		main += "transport_maps = inline:{ " + strings.Join(transports, ", ") + " }\n"
	}
	main += o.extra
	if o.contentFilter != "" {
		main += "# Every message Postfix queues goes to lychgate after it is queued.\n"
		main += "content_filter = lychgate:[" + strings.Replace(o.contentFilter, ":", "]:", 1) + "\n"
	}
	master := fmt.Sprintf(`# The school mail server's SMTP service: mail lychgate hands on, and
# mail that goes straight into the queue.
%s inet n - n - - smtpd
`, p.smtp)
	for _, opt := range o.smtpOptions {
		master += "  -o " + opt + "\n"
	}
	if o.plainSubmission {
		p.submission = freePort(t)
		master += fmt.Sprintf(`# The users' own submission service.
%s inet n - n - - smtpd
  -o syslog_name=postfix/submission
`, p.submission)
	}
	if o.proxyFilter != "" {
		p.submission = freePort(t)
		master += fmt.Sprintf(`# Submitted mail goes through lychgate before Postfix queues it.
%s inet n - n - - smtpd
  -o syslog_name=postfix/submission
  -o smtpd_proxy_filter=%s
  -o smtpd_proxy_options=speed_adjust
`, p.submission, o.proxyFilter)
	}
	if o.contentFilter != "" {
		p.back = freePort(t)
		master += fmt.Sprintf(`# The content filter's client, and where lychgate hands scanned mail back:
# no content filter there, or mail would loop.
lychgate unix - - n - 10 smtp
  -o syslog_name=postfix/lychgate
%s inet n - n - - smtpd
  -o syslog_name=postfix/lychgate-return
  -o content_filter=
  -o mynetworks=127.0.0.1/32
  -o smtpd_recipient_restrictions=permit_mynetworks,reject
  -o receive_override_options=no_header_body_checks,no_milters
`, p.back)
	}
	master += `pickup unix n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
proxymap unix - - n - - proxymap
smtp unix - - n - - smtp
relay unix - - n - - smtp
showq unix n - n - - showq
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
virtual unix - n n - - virtual
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
tlsmgr unix - - n 1000? 1 tlsmgr
`
	if err := os.WriteFile(filepath.Join(p.conf, "main.cf"), []byte(main), 0o644); err != nil { //nolint:gosec // Postfix reads it
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p.conf, "master.cf"), []byte(master), 0o644); err != nil { //nolint:gosec // Postfix reads it
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "-c", p.conf, "start").CombinedOutput(); err != nil {
		t.Fatalf("postfix -c %s start: %v\n%s\nmaillog:\n%s", p.conf, err, out, p.maillog())
	}
	t.Cleanup(func() {
		if out, err := exec.Command(bin, "-c", p.conf, "stop").CombinedOutput(); err != nil {
			t.Errorf("postfix -c %s stop: %v\n%s", p.conf, err, out)
		}
		if t.Failed() {
			t.Logf("postfix maillog:\n%s", p.maillog())
		}
	})
	waitListening(t, p.smtp)
	if p.submission != "" {
		waitListening(t, p.submission)
	}
	if p.back != "" {
		waitListening(t, p.back)
	}
	return p
}

// mailboxFile is the mbox file (under virtual_mailbox_base) of addr.
func mailboxFile(addr string) string {
	return strings.NewReplacer("@", "_at_", ".", "_").Replace(addr)
}

// mailbox returns what Postfix has delivered to addr ("" for nothing yet).
func (p *postfix) mailbox(addr string) string {
	b, err := os.ReadFile(filepath.Join(p.mail, mailboxFile(addr)))
	if err != nil && !os.IsNotExist(err) {
		p.t.Fatal(err)
	}
	return string(b)
}

// waitMailbox waits until addr's mailbox holds want and returns the
// mailbox.
func (p *postfix) waitMailbox(t *testing.T, addr, want string) string {
	t.Helper()
	return eventually(t, func() (string, bool) {
		b := p.mailbox(addr)
		return b, strings.Contains(b, want)
	})
}

// wantHeldFromPupil checks what the held "example phrase" message to
// pupil1 leaves behind: the DSL's (head's) alert arrives through Postfix like
// any school mail, and the message itself is not in pupil1's mailbox.
func (p *postfix) wantHeldFromPupil(t *testing.T) {
	t.Helper()
	p.waitMailbox(t, "head@stlaurence.example.sch.uk", "X-Lychgate-Notification: alert")
	if strings.Contains(p.mailbox("pupil1@stlaurence.example.sch.uk"), "example phrase") {
		t.Error("the held message reached the pupil's mailbox")
	}
}

func (p *postfix) maillog() string {
	b, _ := os.ReadFile(p.log)
	return string(b)
}

func chownTo(path, user string) error {
	out, err := exec.Command("chown", user, path).CombinedOutput()
	if err != nil {
		return fmt.Errorf("chown %s %s: %w: %s", user, path, err, out)
	}
	return nil
}

// testPKI is a throwaway certificate authority for TLS between lychgate and
// Postfix.
type testPKI struct {
	dir    string
	ca     *x509.Certificate
	caKey  *ecdsa.PrivateKey
	CAFile string
}

func newTestPKI(t *testing.T, dir string) *testPKI {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "lychgate test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	p := &testPKI{dir: dir, ca: ca, caKey: key, CAFile: filepath.Join(dir, "ca.pem")}
	writePEM(t, p.CAFile, "CERTIFICATE", der)
	return p
}

// issue writes a certificate for names (DNS names or IP addresses) and its
// key as name.crt and name.key, readable by Postfix's daemons.
func (p *testPKI) issue(t *testing.T, name string, names ...string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: names[0]},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, &key.PublicKey, p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(p.dir, name+".crt"), filepath.Join(p.dir, name+".key")
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "EC PRIVATE KEY", kder)
	return certFile, keyFile
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	b := pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
	// A test key, read by Postfix's smtpd (root, before it drops privileges).
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
