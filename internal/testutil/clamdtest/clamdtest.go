// Package clamdtest starts a real clamd for a test, with a signature
// database the test writes (the EICAR test file's MD5 as an .hdb record),
// since signature downloads are not possible here. It skips when clamd is
// not installed, unless CI=true (then it fails: make test installs
// clamav-daemon through scripts/install-test-deps.sh).
package clamdtest

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// EICAR is the anti-virus test file (68 bytes), assembled at run time so
// that no source file is itself detected.
var EICAR = `X5O!P%@AP[4\PZX54(P^)7CC)7}$` + `EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`

// EICARMD5 is the MD5 of EICAR.
const EICARMD5 = "44d88612fea8a8f36de82e1278abb02f"

// Clamd is a running clamd.
type Clamd struct {
	// Sock is its unix socket; TCP its loopback host:port.
	Sock, TCP string
}

// Start starts clamd on a unix socket and a loopback TCP port and waits
// until it answers PING; it is killed in t.Cleanup.
func Start(t testing.TB) Clamd {
	t.Helper()
	bin, err := exec.LookPath("clamd")
	if err != nil {
		if _, e := os.Stat("/usr/sbin/clamd"); e == nil {
			bin, err = "/usr/sbin/clamd", nil
		}
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("clamd not installed (make test installs clamav-daemon): %v", err)
		}
		t.Skipf("clamd not installed (install clamav-daemon, or run make test): %v", err)
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "db")
	if err := os.Mkdir(db, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(db, "lychgate-test.hdb"), []byte(EICARMD5+":68:Eicar-Test-Signature\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A free loopback port: listen, note it, close. clamd binds it a moment
	// later; a collision fails the test loudly, never silently.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	c := Clamd{Sock: filepath.Join(dir, "clamd.sock"), TCP: fmt.Sprintf("127.0.0.1:%d", port)}
	conf := fmt.Sprintf("Foreground yes\nLocalSocket %s\nTCPSocket %d\nTCPAddr 127.0.0.1\nDatabaseDirectory %s\nLogFile %s\nTemporaryDirectory %s\n",
		c.Sock, port, db, filepath.Join(dir, "clamd.log"), dir)
	cf := filepath.Join(dir, "clamd.conf")
	if err := os.WriteFile(cf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-c", cf)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start clamd: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill() // the test is over
		<-exited
	})
	deadline := time.Now().Add(60 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !ping(c.Sock) {
		if time.Now().After(deadline) {
			t.Fatalf("clamd did not answer PING:\n%s", out.String())
		}
		select {
		case err := <-exited:
			t.Fatalf("clamd exited: %v\n%s", err, out.String())
		case <-tick.C:
		}
	}
	return c
}

// ping asks clamd at the unix socket sock for PONG.
func ping(sock string) bool {
	c, err := net.DialTimeout("unix", sock, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("zPING\x00")); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString(0)
	return err == nil && bytes.HasPrefix([]byte(line), []byte("PONG"))
}
