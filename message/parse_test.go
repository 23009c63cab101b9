package message

import (
	"strings"
	"testing"
)

// hasProblem reports whether m has a problem called name.
func hasProblem(m *Message, name string) bool {
	for _, p := range m.Problems {
		if p.Name == name {
			return true
		}
	}
	return false
}

// allText joins the content of every text.
func allText(m *Message) string {
	var sb strings.Builder
	for _, t := range m.Texts {
		sb.WriteString(t.Content + "\n")
	}
	return sb.String()
}

// findURL returns the first URL with raw link raw.
func findURL(m *Message, raw string) (URL, bool) {
	for _, u := range m.URLs {
		if u.Raw == raw {
			return u, true
		}
	}
	return URL{}, false
}

// findAttachment returns the attachment with the given PartID.
func findAttachment(m *Message, id string) (Attachment, bool) {
	for _, a := range m.Attachments {
		if a.PartID == id {
			return a, true
		}
	}
	return Attachment{}, false
}

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		raw   []byte
		lim   Limits
		check func(t *testing.T, m *Message)
	}{
		{
			name: "plain",
			raw: eml(
				`From: "Ann Teacher" <ann@example.com>`,
				"To: parent@example.com, other@example.com",
				"Subject: Trip",
				"Message-ID: <abc.123@example.com>",
				"Date: Mon, 2 Jan 2006 15:04:05 +0000",
				"",
				"Hello, see https://School.Example.com/trip and evil.example.net/x.",
			),
			check: func(t *testing.T, m *Message) {
				if m.Subject != "Trip" {
					t.Errorf("Subject = %q, want Trip", m.Subject)
				}
				if len(m.From) != 1 || m.From[0].Name != "Ann Teacher" || m.From[0].Addr != "ann@example.com" {
					t.Errorf("From = %+v", m.From)
				}
				if len(m.To) != 2 {
					t.Errorf("To = %+v, want 2 addresses", m.To)
				}
				if m.MessageID != "abc.123@example.com" {
					t.Errorf("MessageID = %q", m.MessageID)
				}
				if m.Date.IsZero() || m.Date.Year() != 2006 {
					t.Errorf("Date = %v", m.Date)
				}
				if len(m.Texts) != 1 || m.Texts[0].PartID != "0" || !strings.Contains(m.Texts[0].Content, "see https://") {
					t.Errorf("Texts = %+v", m.Texts)
				}
				if u, ok := findURL(m, "https://School.Example.com/trip"); !ok || u.Host != "school.example.com" {
					t.Errorf("URLs = %+v, want school.example.com", m.URLs)
				}
				if u, ok := findURL(m, "evil.example.net/x"); !ok || u.Host != "evil.example.net" {
					t.Errorf("URLs = %+v, want scheme-less evil.example.net/x", m.URLs)
				}
				if got := m.Header("message-id"); got != "<abc.123@example.com>" {
					t.Errorf("Header(message-id) = %q", got)
				}
			},
		},
		{
			name: "html with entities comments and script",
			raw: eml(
				"From: a@example.com",
				"Content-Type: text/html; charset=utf-8",
				"",
				`<html><head><style>p{color:red}</style><script>alert("x")</script></head><body>`,
				`<!-- hidden comment --><p>Tom &amp; Jerry&nbsp;&euro;5</p>`,
				`<a href="HTTPS://Login.Example.COM/reset">Reset <b>now</b></a><img src="http://img.example.org/p.gif">`,
				`<a href="mailto:x@example.com">mail</a><a href="#top">top</a>`,
				`</body></html>`,
			),
			check: func(t *testing.T, m *Message) {
				if len(m.Texts) != 1 {
					t.Fatalf("Texts = %+v, want 1", m.Texts)
				}
				tx := m.Texts[0]
				if !tx.FromHTML || !strings.Contains(tx.HTML, "<script>") {
					t.Errorf("FromHTML = %v, HTML kept = %v", tx.FromHTML, strings.Contains(tx.HTML, "<script>"))
				}
				for _, bad := range []string{"alert", "color:red", "hidden comment", "&amp;", "<p>"} {
					if strings.Contains(tx.Content, bad) {
						t.Errorf("Content = %q, contains %q", tx.Content, bad)
					}
				}
				if !strings.Contains(tx.Content, "Tom & Jerry €5") {
					t.Errorf("Content = %q, want decoded entities", tx.Content)
				}
				u, ok := findURL(m, "HTTPS://Login.Example.COM/reset")
				if !ok || u.Host != "login.example.com" || u.Anchor != "Reset now" {
					t.Errorf("URLs = %+v, want anchor link", m.URLs)
				}
				if _, ok := findURL(m, "http://img.example.org/p.gif"); !ok {
					t.Errorf("URLs = %+v, want img src", m.URLs)
				}
				if len(m.URLs) != 2 {
					t.Errorf("URLs = %+v, want exactly 2 (no mailto, no fragment)", m.URLs)
				}
			},
		},
		{
			name: "multipart alternative",
			raw: eml(
				"From: a@example.com",
				"MIME-Version: 1.0",
				`Content-Type: multipart/alternative; boundary="alt"`,
				"",
				"--alt",
				"Content-Type: text/plain; charset=us-ascii",
				"",
				"plain version http://a.example.com/",
				"--alt",
				"Content-Type: text/html; charset=us-ascii",
				"",
				`<p>html version <a href="http://a.example.com/">link</a></p>`,
				"--alt--",
			),
			check: func(t *testing.T, m *Message) {
				if len(m.Texts) != 2 || m.Texts[0].PartID != "1" || m.Texts[1].PartID != "2" {
					t.Fatalf("Texts = %+v, want parts 1 and 2", m.Texts)
				}
				if m.Texts[0].FromHTML || !m.Texts[1].FromHTML {
					t.Errorf("FromHTML = %v, %v", m.Texts[0].FromHTML, m.Texts[1].FromHTML)
				}
				if len(m.URLs) != 2 {
					t.Errorf("URLs = %+v, want one per part", m.URLs)
				}
				if len(m.Attachments) != 0 {
					t.Errorf("Attachments = %+v, want none", m.Attachments)
				}
			},
		},
		{
			name: "quoted-printable with soft breaks",
			raw: eml(
				"From: a@example.com",
				"Content-Type: text/plain; charset=utf-8",
				"Content-Transfer-Encoding: quoted-printable",
				"",
				"Hello wor=",
				"ld, caf=C3=A9 =3D ok",
			),
			check: func(t *testing.T, m *Message) {
				if got := allText(m); !strings.Contains(got, "Hello world, café = ok") {
					t.Errorf("text = %q", got)
				}
			},
		},
		{
			name: "base64 text",
			raw: eml(
				"From: a@example.com",
				"Content-Type: text/plain; charset=utf-8",
				"Content-Transfer-Encoding: base64",
				"",
				b64([]byte("decoded from base64: naïve")),
			),
			check: func(t *testing.T, m *Message) {
				if got := allText(m); !strings.Contains(got, "decoded from base64: naïve") {
					t.Errorf("text = %q", got)
				}
			},
		},
		{
			name: "encoded-word subject utf-8 base64",
			raw: eml(
				"From: =?UTF-8?B?Sm9zw6k=?= <jose@example.com>",
				"Subject: =?UTF-8?B?w4ljb2xlIGZlcm3DqWU=?=",
				"",
				"x",
			),
			check: func(t *testing.T, m *Message) {
				if m.Subject != "École fermée" {
					t.Errorf("Subject = %q", m.Subject)
				}
				if len(m.From) != 1 || m.From[0].Name != "José" {
					t.Errorf("From = %+v", m.From)
				}
			},
		},
		{
			name: "encoded-word subject iso-8859-1 q",
			raw:  eml("From: a@example.com", "Subject: =?ISO-8859-1?Q?Caf=E9_cr=E8me?=", "", "x"),
			check: func(t *testing.T, m *Message) {
				if m.Subject != "Café crème" {
					t.Errorf("Subject = %q", m.Subject)
				}
			},
		},
		{
			name: "unknown charset in header",
			raw:  eml("From: a@example.com", "Subject: =?x-nonsense?Q?abc?=", "", "x"),
			check: func(t *testing.T, m *Message) {
				if m.Subject != "=?x-nonsense?Q?abc?=" || !hasProblem(m, "unknown_charset") {
					t.Errorf("Subject = %q, problems %+v", m.Subject, m.Problems)
				}
			},
		},
		{
			name: "iso-8859-1 body",
			raw:  append(eml("From: a@example.com", "Content-Type: text/plain; charset=iso-8859-1", "Content-Transfer-Encoding: 8bit", ""), []byte("Gr\xfc\xdfe aus K\xf6ln\r\n")...),
			check: func(t *testing.T, m *Message) {
				if got := allText(m); !strings.Contains(got, "Grüße aus Köln") {
					t.Errorf("text = %q", got)
				}
			},
		},
		{
			name: "windows-1252 body",
			raw:  append(eml("From: a@example.com", "Content-Type: text/plain; charset=windows-1252", ""), []byte("\x93quoted\x94 costs \x805\r\n")...),
			check: func(t *testing.T, m *Message) {
				if got := allText(m); !strings.Contains(got, "“quoted” costs €5") {
					t.Errorf("text = %q", got)
				}
			},
		},
		{
			name: "koi8-r body",
			raw:  append(eml("From: a@example.com", "Content-Type: text/plain; charset=koi8-r", ""), []byte("\xf0\xd2\xc9\xd7\xc5\xd4\r\n")...),
			check: func(t *testing.T, m *Message) {
				if got := allText(m); !strings.Contains(got, "Привет") {
					t.Errorf("text = %q", got)
				}
			},
		},
		{
			name: "undeclared 8-bit body",
			raw:  append(eml("From: a@example.com", ""), []byte("na\xefve caf\xe9\r\n")...),
			check: func(t *testing.T, m *Message) {
				if got := allText(m); !strings.Contains(got, "naïve café") || !hasProblem(m, "undeclared_charset") {
					t.Errorf("text = %q, problems %+v", got, m.Problems)
				}
			},
		},
		{
			name: "bare LF",
			raw: []byte("From: a@example.com\nSubject: lf\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"lf\"\n\n" +
				"--lf\nContent-Type: text/plain\n\nline one\nline two\n--lf\nContent-Type: application/octet-stream; name=\"a.bin\"\nContent-Transfer-Encoding: base64\n\nAAECAw==\n--lf--\n"),
			check: func(t *testing.T, m *Message) {
				if m.Subject != "lf" || !strings.Contains(allText(m), "line one\nline two") {
					t.Errorf("Subject = %q, text = %q", m.Subject, allText(m))
				}
				if a, ok := findAttachment(m, "2"); !ok || string(a.Data) != "\x00\x01\x02\x03" || a.Filename != "a.bin" {
					t.Errorf("Attachments = %+v", m.Attachments)
				}
			},
		},
		{
			name: "missing closing boundary",
			raw: eml(
				"From: a@example.com",
				`Content-Type: multipart/mixed; boundary="open"`,
				"",
				"--open",
				"Content-Type: text/plain",
				"",
				"first part",
				"--open",
				"Content-Type: text/plain",
				"",
				"second part never closed",
			),
			check: func(t *testing.T, m *Message) {
				if !strings.Contains(allText(m), "second part never closed") {
					t.Errorf("text = %q", allText(m))
				}
				if !hasProblem(m, "missing_boundary") {
					t.Errorf("Problems = %+v, want missing_boundary", m.Problems)
				}
			},
		},
		{
			name: "malformed base64",
			raw:  withAttachmentRaw("application/pdf", "x.pdf", "JVBERi0xLjQK!!!!@@@@####\r\nnot*base64*at*all"),
			check: func(t *testing.T, m *Message) {
				if !hasProblem(m, "malformed_base64") {
					t.Errorf("Problems = %+v, want malformed_base64", m.Problems)
				}
			},
		},
		{
			name: "deep nesting",
			raw:  nestedMultiparts(50),
			check: func(t *testing.T, m *Message) {
				if !hasProblem(m, "too_deep") {
					t.Errorf("Problems = %+v, want too_deep", m.Problems)
				}
				if m.Subject != "deep" {
					t.Errorf("Subject = %q", m.Subject)
				}
			},
		},
		{
			name: "very deep nesting stays cheap",
			raw:  nestedMultiparts(20000),
			check: func(t *testing.T, m *Message) {
				if !hasProblem(m, "too_deep") {
					t.Errorf("Problems = %+v, want too_deep", m.Problems)
				}
			},
		},
		{
			name: "huge header hides a multipart content type",
			raw: hugeHeader(2<<20, "Content-Type: multipart/mixed; boundary=\"h\"\r\n\r\n"+
				"--h\r\nContent-Type: application/octet-stream; name=\"x.exe\"\r\n\r\nMZ\r\n--h--\r\n"),
			check: func(t *testing.T, m *Message) {
				if !hasProblem(m, "header_too_large") {
					t.Errorf("Problems = %+v, want header_too_large", m.Problems)
				}
				if a, ok := findAttachment(m, "1"); !ok || a.Filename != "x.exe" {
					t.Errorf("Attachments = %+v, want x.exe behind the oversized header", m.Attachments)
				}
			},
		},
		{
			name: "nesting within limit",
			raw:  nestedMultiparts(8),
			check: func(t *testing.T, m *Message) {
				if hasProblem(m, "too_deep") || !strings.Contains(allText(m), "bottom of the well") {
					t.Errorf("text = %q, problems %+v", allText(m), m.Problems)
				}
			},
		},
		{
			name: "huge header",
			raw:  hugeHeader(2<<20, "Content-Type: text/plain; charset=utf-8\r\n\r\nbody after the header\r\n"),
			check: func(t *testing.T, m *Message) {
				if !hasProblem(m, "header_too_large") {
					t.Errorf("Problems = %+v, want header_too_large", m.Problems)
				}
				if m.Subject != "big header" || !strings.Contains(allText(m), "body after the header") {
					t.Errorf("Subject = %q, text = %q", m.Subject, allText(m))
				}
			},
		},
		{
			name: "many parts",
			raw:  manyParts(600),
			check: func(t *testing.T, m *Message) {
				if !hasProblem(m, "too_many_parts") {
					t.Errorf("Problems = %+v, want too_many_parts", m.Problems)
				}
				if n := len(m.Texts); n == 0 || n > 500 {
					t.Errorf("%d texts, want 1..500", n)
				}
			},
		},
		{
			name: "many parts custom limit",
			raw:  manyParts(30),
			lim:  Limits{MaxParts: 10},
			check: func(t *testing.T, m *Message) {
				if !hasProblem(m, "too_many_parts") || len(m.Texts) > 10 {
					t.Errorf("%d texts, problems %+v", len(m.Texts), m.Problems)
				}
			},
		},
		{
			name: "filename rfc 2231 and 2047",
			raw: eml(
				"From: a@example.com",
				`Content-Type: multipart/mixed; boundary="f"`,
				"",
				"--f",
				"Content-Type: application/octet-stream",
				"Content-Disposition: attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf.exe",
				"",
				"MZ",
				"--f",
				`Content-Type: application/octet-stream; name="=?UTF-8?Q?f=C3=BChrer.doc?="`,
				"",
				"x",
				"--f--",
			),
			check: func(t *testing.T, m *Message) {
				if len(m.Attachments) != 2 || m.Attachments[0].Filename != "résumé.pdf.exe" || m.Attachments[1].Filename != "führer.doc" {
					t.Errorf("Attachments = %+v", m.Attachments)
				}
			},
		},
		{
			name: "bad address list is salvaged",
			raw:  eml(`From: "unterminated <spam@example.com>, ,,, <<x@example.org>`, "", "x"),
			check: func(t *testing.T, m *Message) {
				if !hasProblem(m, "bad_address") || len(m.From) == 0 {
					t.Errorf("From = %+v, problems %+v", m.From, m.Problems)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := Parse(t.Context(), tc.raw, tc.lim)
			checkInvariants(t, tc.name, tc.raw, m)
			if hasProblem(m, "parser_panic") {
				t.Fatalf("parser panic: %+v", m.Problems)
			}
			tc.check(t, m)
		})
	}
}

// withAttachmentRaw is withAttachment with an already encoded body.
func withAttachmentRaw(ct, filename, body string) []byte {
	return eml(
		"From: a@example.com",
		`Content-Type: multipart/mixed; boundary="b1"`,
		"",
		"--b1",
		"Content-Type: text/plain",
		"",
		"body",
		"--b1",
		`Content-Type: `+ct+`; name="`+filename+`"`,
		"Content-Transfer-Encoding: base64",
		"",
		body,
		"--b1--",
	)
}
