package relay

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// spoolEnv is a relay that spools every message over 1,000 bytes to dir.
func spoolEnv(t *testing.T, dir string, extra string) *env {
	t.Helper()
	return newEnv(t, envOpts{relayTOML: "spool_threshold = 1000\nspool_dir = " + strconv.Quote(dir) + "\n" + extra})
}

// bigBody is about n bytes of 78-byte lines, some starting with a dot.
func bigBody(n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		if i%7 == 0 {
			b.WriteString(".a line that starts with a dot " + strconv.Itoa(i) + "\r\n")
			continue
		}
		b.WriteString(strings.Repeat("x", 60) + " line " + strconv.Itoa(i) + "\r\n")
	}
	return b.String()
}

// dirEmpty fails the test unless dir is a 0700 directory with no files.
func dirEmpty(t *testing.T, dir string) {
	t.Helper()
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatalf("spool directory: %v", err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("spool directory mode %v, want 0700", fi.Mode().Perm())
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 0 {
		t.Errorf("spool directory holds %d files after the transaction, want none", len(ents))
	}
}

// TestSpooledMessageDeliveredExactly: a message over spool_threshold, with
// and without SIZE=, reaches the next hop byte for byte (dot-unstuffed,
// nothing lost at the chunk edges) and leaves no file behind.
func TestSpooledMessageDeliveredExactly(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "spool")
	e := spoolEnv(t, dir, "")
	body := "Subject: big\r\n\r\n" + bigBody(60000)
	stuffed := strings.ReplaceAll("\r\n"+body, "\r\n.", "\r\n..")[2:]
	for i, params := range []string{"", " SIZE=" + strconv.Itoa(len(body))} {
		s := openData(t, e.addr, params, outsider, pupil)
		s.send(stuffed + ".\r\n")
		s.expect("250")
		msgs := e.sink.Messages()
		if len(msgs) != i+1 {
			t.Fatalf("sink has %d messages, want %d", len(msgs), i+1)
		}
		if _, got := stripPrefix(msgs[i].Data); string(got) != body {
			t.Errorf("MAIL%s: delivered body differs from what was sent (%d bytes, want %d)", params, len(got), len(body))
		}
	}
	dirEmpty(t, dir)
}

// TestSpooledMessageQuarantined: a held message that was spooled is stored
// whole.
func TestSpooledMessageQuarantined(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "spool")
	e := spoolEnv(t, dir, "")
	body := msg("hi", bigBody(20000)+"this contains the Example Phrase, see")
	if err := e.send(outsider, []string{pupil}, body); err != nil {
		t.Fatalf("send = %v, want 250", err)
	}
	list := e.entries()
	if len(list) != 1 {
		t.Fatalf("quarantine has %d entries, want 1", len(list))
	}
	_, raw, err := e.store.Get(context.Background(), "stlaurence", list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(string(raw), body) {
		t.Errorf("stored message (%d bytes) does not end with the %d bytes sent", len(raw), len(body))
	}
	dirEmpty(t, dir)
}

// TestSpooledMessageCleaned: the bare line ending and NUL policies apply
// to a spooled message as to one in memory.
func TestSpooledMessageCleaned(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "spool")
	e := spoolEnv(t, dir, "bare_line_endings = \"fix\"\nnul_bytes = \"strip\"")
	big := bigBody(30000)
	stuffed := strings.ReplaceAll("\r\n"+big, "\r\n.", "\r\n..")[2:]
	s := openData(t, e.addr, "", outsider, pupil)
	s.send("Subject: bare\r\n\r\n" + stuffed + "bare\nlf and a \x00NUL\r\n.\r\n")
	s.expect("250")
	msgs := e.sink.Messages()
	if len(msgs) != 1 {
		t.Fatalf("sink has %d messages, want 1", len(msgs))
	}
	want := "Subject: bare\r\n\r\n" + big + "bare\r\nlf and a NUL\r\n"
	if _, got := stripPrefix(msgs[0].Data); string(got) != want {
		t.Errorf("delivered %d bytes, want %d (bare LF fixed, NUL stripped); tail %q", len(got), len(want), got[len(got)-40:])
	}

	r := spoolEnv(t, filepath.Join(t.TempDir(), "spool"), "")
	s = openData(t, r.addr, "", outsider, pupil)
	s.send("Subject: bare\r\n\r\n" + stuffed + "bare\nlf\r\n.\r\n")
	s.expect("554 5.5.2")
	s.send("NOOP\r\n")
	s.expect("250")
}

// TestSpoolFailureTempfails: when the spool directory cannot be made, the
// message is answered 451 at the end of DATA (the client keeps it) and
// the connection goes on.
func TestSpoolFailureTempfails(t *testing.T) {
	t.Parallel()
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	e := spoolEnv(t, filepath.Join(notDir, "spool"), "")
	s := openData(t, e.addr, "", outsider, pupil)
	s.send("Subject: big\r\n\r\n" + bigBody(20000) + ".\r\n")
	s.expect("451")
	s.send("NOOP\r\n")
	s.expect("250")
	if n := len(e.sink.Messages()); n != 0 {
		t.Errorf("sink has %d messages, want 0", n)
	}
}

// TestSpoolDirPrepared: the directory is made private and files of relay
// processes that are gone are removed; others' are kept.
func TestSpoolDirPrepared(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "spool")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	dead := 1 << 22 // above the largest pid Linux hands out
	if processAlive(dead) {
		t.Skip("cannot find a pid that is not running")
	}
	files := map[string]bool{ // name -> kept
		strconv.Itoa(dead) + "-123.msg":        false,
		strconv.Itoa(os.Getpid()) + "-456.msg": true,
		"1-789.msg":                            true, // init is alive
		"notes.txt":                            true,
	}
	for name := range files {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := prepareSpoolDir(dir); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("spool directory %v, %v; want mode 0700", fi.Mode(), err)
	}
	for name, kept := range files {
		_, err := os.Stat(filepath.Join(dir, name))
		if (err == nil) != kept {
			t.Errorf("%s: exists %v, want %v", name, err == nil, kept)
		}
	}
}
