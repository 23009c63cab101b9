package relay

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/internal/smtpsink"
	"github.com/lychgate/lychgate/internal/testutil/clamdtest"
	"github.com/lychgate/lychgate/scanners"
)

// withAttachment is a message to a pupil carrying one base64 attachment.
func withAttachment(subject, name string, data []byte) string {
	return "From: Someone <someone@example.com>\r\nTo: pupil1@school.example.sch.uk\r\nSubject: " + subject +
		"\r\nMessage-ID: <" + subject + "@example.com>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n" +
		"--b\r\nContent-Type: application/octet-stream; name=\"" + name + "\"\r\nContent-Disposition: attachment; filename=\"" + name +
		"\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64.StdEncoding.EncodeToString(data) + "\r\n--b--\r\n"
}

// TestAntivirusAndHashListThroughTheRelay: with a real clamd (a signature
// database the test writes) and a hash list named in the TOML, a virus is
// held for review, a listed file is held as illegal with a DSL alert that
// quotes nothing of it, a clean attachment is delivered, and with clamd gone
// the sender is asked to retry (4xx), never passed.
func TestAntivirusAndHashListThroughTheRelay(t *testing.T) {
	t.Parallel()
	cd := clamdtest.Start(t)
	listed := []byte("a file a child-protection body listed\n")
	sum := sha256.Sum256(listed)
	dir := t.TempDir()
	hashes := filepath.Join(dir, "hashes.txt")
	if err := os.WriteFile(hashes, []byte(hex.EncodeToString(sum[:])+" test-list\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sink, err := smtpsink.Start(smtpsink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sink.Close() })
	toml := strings.NewReplacer("{{TRUSTED}}", `"10.99.0.0/16"`, "{{RELAY}}", "", "{{HOP}}", sink.Addr).Replace(baseTOML) +
		"\n[clamav]\naddress = \"unix://" + cd.Sock + "\"\ntimeout = \"5s\"\n[attachments]\nhash_files = [\"" + hashes + "\"]\n"
	e := startRelay(t, writeConfig(t, toml), sink)
	rec := recordNotify(e, func(int) error { return nil })

	if err := e.send(outsider, []string{pupil}, withAttachment("virus", "invoice.txt", []byte(clamdtest.EICAR))); err != nil {
		t.Fatalf("virus: %v", err)
	}
	if err := e.send(outsider, []string{pupil}, withAttachment("listed", "photo.dat", listed)); err != nil {
		t.Fatalf("listed file: %v", err)
	}
	if err := e.send(outsider, []string{pupil}, withAttachment("clean", "notes.txt", []byte("just some notes\n"))); err != nil {
		t.Fatalf("clean: %v", err)
	}
	if got := sink.Messages(); len(got) != 1 || !strings.Contains(string(got[0].Data), "Subject: clean") {
		t.Fatalf("delivered %d messages, want only the clean one", len(got))
	}
	held := map[string][]scanners.Finding{}
	for _, en := range e.entries() {
		held[en.Subject] = en.Findings
	}
	has := func(fs []scanners.Finding, rule string, cat scanners.Category) bool {
		for _, f := range fs {
			if f.Rule == rule && f.Category == cat {
				return true
			}
		}
		return false
	}
	if !has(held["virus"], "clamav_virus", scanners.AttachmentRisk) {
		t.Errorf("virus entry findings = %+v, want clamav_virus", held["virus"])
	}
	if !has(held["listed"], "attachment_hash_list", scanners.Illegal) {
		t.Errorf("listed entry findings = %+v, want attachment_hash_list (illegal)", held["listed"])
	}
	var alerted bool
	for _, c := range rec.calls() {
		for _, d := range c.Verdict.Decisions {
			if c.Verdict.Message.Subject == "listed" && d.NotifyDSL {
				alerted = true
			}
		}
		for _, f := range c.Verdict.Result.Findings {
			for _, ev := range f.Evidence {
				if strings.Contains(ev.Text, string(listed[:20])) {
					t.Errorf("finding %s quotes the listed file: %q", f.Rule, ev.Text)
				}
			}
		}
	}
	if !alerted {
		t.Error("no DSL alert for the hash-listed file")
	}

	// clamd gone: a scanner error, the sender retries later.
	cfgDown := strings.NewReplacer("{{TRUSTED}}", `"10.99.0.0/16"`, "{{RELAY}}", "", "{{HOP}}", sink.Addr).Replace(baseTOML) +
		"\n[clamav]\naddress = \"unix://" + filepath.Join(dir, "no-such.sock") + "\"\ntimeout = \"2s\"\n"
	down := startRelay(t, writeConfig(t, cfgDown), sink)
	if err := down.send(outsider, []string{pupil}, withAttachment("nodaemon", "notes.txt", []byte("notes\n"))); code(err) != 451 {
		t.Errorf("with clamd down: %v, want 451 (scanner error tempfails)", err)
	}
}
