package message

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

// TestHugeTextPartClipped: a message that is one text part far over
// MaxTextBytes is scanned from its first MaxTextBytes and the problem
// names its real size; a text attachment keeps every byte.
func TestHugeTextPartClipped(t *testing.T) {
	t.Parallel()
	line := strings.Repeat("x", 76) + "\r\n"
	body := strings.Repeat(line, 20000) // 1.5 MiB
	lim := Limits{MaxTextBytes: 1000}

	m := Parse(context.Background(), []byte("Subject: big\r\n\r\n"+body), lim)
	if len(m.Texts) != 1 || m.Texts[0].Content != body[:1000] {
		t.Fatalf("texts = %d, first %d bytes; want one text of the first 1000 bytes", len(m.Texts), len(m.Texts[0].Content))
	}
	want := fmt.Sprintf("text of %d bytes", len(body))
	var found int
	for _, p := range m.Problems {
		if p.Name == "text_truncated" {
			found++
			if !strings.Contains(p.Detail, want) {
				t.Errorf("problem %q does not name the size (%s)", p.Detail, want)
			}
		}
	}
	if found != 1 {
		t.Errorf("%d text_truncated problems, want 1: %+v", found, m.Problems)
	}

	// Encoded bodies are cut after enough to decode to the limit.
	b64 := base64.StdEncoding.EncodeToString([]byte(body))
	var lines strings.Builder
	for len(b64) > 76 {
		lines.WriteString(b64[:76] + "\r\n")
		b64 = b64[76:]
	}
	lines.WriteString(b64 + "\r\n")
	for name, enc := range map[string]string{
		"base64":           "Content-Transfer-Encoding: base64\r\n\r\n" + lines.String(),
		"quoted-printable": "Content-Transfer-Encoding: quoted-printable\r\n\r\n" + strings.ReplaceAll(body, "x", "=78"),
	} {
		m := Parse(context.Background(), []byte("Subject: big\r\nContent-Type: text/plain; charset=utf-8\r\n"+enc), lim)
		if len(m.Texts) != 1 || m.Texts[0].Content != body[:1000] {
			t.Errorf("%s: texts = %d; want one text of the first 1000 bytes", name, len(m.Texts))
		}
	}

	att := Parse(context.Background(), []byte("Subject: big\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=\"big.txt\"\r\n\r\n"+body), lim)
	if len(att.Attachments) != 1 || len(att.Attachments[0].Data) != len(body) {
		t.Fatalf("attachment = %d parts; want one of %d bytes", len(att.Attachments), len(body))
	}
}
