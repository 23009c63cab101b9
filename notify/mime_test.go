package notify_test

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/lychgate/lychgate/notify"
)

// TestComposeHeaders: header values are encoded (RFC 2047) and kept on one
// line, so a subject cannot add a field; the body is quoted-printable with
// CRLF line ends and reads back unchanged.
func TestComposeHeaders(t *testing.T) {
	t.Parallel()
	raw, err := notify.Compose(notify.Mail{FromName: "lychgate", From: "lychgate@mx.test", To: []string{"dsl@school.test", "head@school.test"},
		Subject: "Café report\r\nBcc: evil@example.com", Date: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), MessageID: "abc.report@mx.test",
		Fields: [][2]string{{"Auto-Submitted", "auto-generated"}}, Text: "Hello Zoë,\nline two\n", HTML: "<p>Hello Zoë</p>"})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("\nBcc:")) || bytes.Contains(raw, []byte("\r\nBcc:")) {
		t.Errorf("the subject added a Bcc field:\n%s", raw)
	}
	if bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) {
		t.Errorf("a bare LF in the composed message:\n%q", raw)
	}
	r, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if subj, _ := r.Header.Subject(); subj != "Café report Bcc: evil@example.com" {
		t.Errorf("Subject = %q, want it on one line, decoded", subj)
	}
	if got := r.Header.Get("To"); got != "dsl@school.test, head@school.test" {
		t.Errorf("To = %q", got)
	}
	if got := r.Header.Get("Auto-Submitted"); got != "auto-generated" {
		t.Errorf("Auto-Submitted = %q", got)
	}
	var bodies []string
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p.Body)
		bodies = append(bodies, strings.ReplaceAll(string(b), "\r\n", "\n"))
	}
	if len(bodies) != 2 || bodies[0] != "Hello Zoë,\nline two\n" || !strings.Contains(bodies[1], "<p>Hello Zoë</p>") {
		t.Errorf("bodies = %q", bodies)
	}
}
