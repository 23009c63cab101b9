package relay

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/lychgate/lychgate/internal/smtpsink"
)

// selfSigned writes a certificate for 127.0.0.1 and its key into dir and
// returns their paths and the loaded pair.
func selfSigned(t *testing.T, dir string) (certPath, keyPath string, pair tls.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "relay.test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		DNSNames:     []string{"relay.test"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})
	certPath, keyPath = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certPath, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	pair, err = tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return certPath, keyPath, pair
}

func TestSTARTTLSInbound(t *testing.T) {
	t.Parallel()
	certPath, keyPath, _ := selfSigned(t, t.TempDir())
	e := newEnv(t, envOpts{relayTOML: "tls_cert = \"" + certPath + "\"\ntls_key = \"" + keyPath + "\""})
	c, err := smtp.DialStartTLS(e.addr, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // self-signed test cert
	if err != nil {
		t.Fatalf("STARTTLS: %v", err)
	}
	defer c.Close()
	if err := c.SendMail(outsider, []string{pupil}, strings.NewReader(msg("tls", "over tls"))); err != nil {
		t.Fatalf("send over TLS = %v", err)
	}
	got := e.sink.Messages()
	if len(got) != 1 || !strings.Contains(string(got[0].Data), "with ESMTPS id") {
		t.Fatalf("sink got %d messages; want one whose Received says ESMTPS", len(got))
	}
}

func TestNextHopTLS(t *testing.T) {
	t.Parallel()
	_, _, pair := selfSigned(t, t.TempDir())
	cases := []struct {
		name     string
		mode     string
		sinkTLS  bool
		wantCode int
		wantTLS  bool
	}{
		{"opportunistic uses tls when offered", "opportunistic", true, 250, true},
		{"opportunistic falls back to plain", "opportunistic", false, 250, false},
		{"required refuses a plain hop", "required", false, 451, false},
		{"required with tls", "required", true, 250, true},
		{"none never uses tls", "none", true, 250, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := smtpsink.Options{}
			if tc.sinkTLS {
				opts.TLSConfig = &tls.Config{Certificates: []tls.Certificate{pair}}
			}
			sink, err := smtpsink.Start(opts)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = sink.Close() })
			cfg := writeConfig(t, strings.NewReplacer("{{TRUSTED}}", `"10.99.0.0/16"`, "{{RELAY}}", "", "{{HOP}}", sink.Addr,
				`tls = "none"`, `tls = "`+tc.mode+`"`+"\ntls_skip_verify = true").Replace(baseTOML))
			e := startRelay(t, cfg, sink)
			err = e.send(outsider, []string{pupil}, msg("hop", "tls to next hop"))
			if code(err) != tc.wantCode {
				t.Fatalf("send = %v, want %d", err, tc.wantCode)
			}
			if tc.wantCode != 250 {
				return
			}
			got := sink.Messages()
			if len(got) != 1 || got[0].TLS != tc.wantTLS {
				t.Errorf("sink got %+v, want one message with TLS=%v", got, tc.wantTLS)
			}
		})
	}
}
