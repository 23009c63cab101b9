package message

import (
	"runtime"
	"strings"
	"testing"
)

func TestParseContainers(t *testing.T) {
	t.Parallel()
	inner := eml(
		"From: Inner Sender <inner@example.org>",
		"Subject: forwarded offer",
		`Content-Type: multipart/mixed; boundary="in"`,
		"",
		"--in",
		"Content-Type: text/plain",
		"",
		"inner body http://inner.example.org/",
		"--in",
		`Content-Type: application/octet-stream; name="payload.exe"`,
		"Content-Transfer-Encoding: base64",
		"",
		b64([]byte("MZ\x90\x00 not really a program")),
		"--in--",
	)
	tests := []struct {
		name  string
		raw   []byte
		lim   Limits
		check func(t *testing.T, m *Message)
	}{
		{
			name: "nested message/rfc822 with an attachment",
			raw: eml(
				"From: a@example.com",
				"Subject: Fwd: offer",
				`Content-Type: multipart/mixed; boundary="out"`,
				"",
				"--out",
				"Content-Type: text/plain",
				"",
				"see below",
				"--out",
				"Content-Type: message/rfc822",
				"",
				string(inner),
				"--out--",
			),
			check: func(t *testing.T, m *Message) {
				if m.Subject != "Fwd: offer" {
					t.Errorf("Subject = %q", m.Subject)
				}
				a, ok := findAttachment(m, "2/2")
				if !ok || a.Filename != "payload.exe" || a.Container != "2" || a.Depth != 1 {
					t.Fatalf("Attachments = %+v, want 2/2 payload.exe in container 2", m.Attachments)
				}
				if !strings.HasPrefix(string(a.Data), "MZ") {
					t.Errorf("Data = %q", a.Data)
				}
				if !strings.Contains(allText(m), "inner body") || !strings.Contains(allText(m), "Subject: forwarded offer") {
					t.Errorf("text = %q", allText(m))
				}
				if u, ok := findURL(m, "http://inner.example.org/"); !ok || u.PartID != "2/1" {
					t.Errorf("URLs = %+v", m.URLs)
				}
			},
		},
		{
			name: "zip with an exe entry",
			raw: withAttachment("application/octet-stream", "photos.dat", buildZip(t,
				zipFile{"holiday/photo1.jpg.exe", []byte("MZ\x90\x00 program")},
				zipFile{"readme.txt", []byte("open the photo http://bad.example.net/")},
			)),
			check: func(t *testing.T, m *Message) {
				a, ok := findAttachment(m, "2/holiday/photo1.jpg.exe")
				if !ok || a.Filename != "photo1.jpg.exe" || a.Container != "2" || a.Depth != 1 || a.Size != int64(len(a.Data)) {
					t.Fatalf("Attachments = %+v", m.Attachments)
				}
				if _, ok := findURL(m, "http://bad.example.net/"); !ok {
					t.Errorf("URLs = %+v, want link from readme.txt", m.URLs)
				}
			},
		},
		{
			name: "nested zip",
			raw: withAttachment("application/zip", "outer.zip", buildZip(t,
				zipFile{"inner.zip", buildZip(t, zipFile{"deep/evil.scr", []byte("MZ")})},
			)),
			check: func(t *testing.T, m *Message) {
				a, ok := findAttachment(m, "2/inner.zip/deep/evil.scr")
				if !ok || a.Container != "2/inner.zip" || a.Depth != 2 {
					t.Errorf("Attachments = %+v", m.Attachments)
				}
			},
		},
		{
			name: "zip nested beyond MaxDepth",
			raw: withAttachment("application/zip", "outer.zip", buildZip(t,
				zipFile{"a.zip", buildZip(t, zipFile{"b.zip", buildZip(t, zipFile{"c.txt", []byte("c")})})},
			)),
			lim: Limits{MaxDepth: 3},
			check: func(t *testing.T, m *Message) {
				if !hasProblem(m, "archive_limit") {
					t.Errorf("Problems = %+v, want archive_limit", m.Problems)
				}
			},
		},
		{
			name: "zip bomb",
			raw:  withAttachment("application/zip", "bomb.zip", bombZip(t, 300)),
			lim:  Limits{MaxExpandedBytes: 8 << 20, MaxCompressionRatio: 1 << 20}, // the size limit, not the ratio
			check: func(t *testing.T, m *Message) {
				if !hasProblem(m, "archive_limit") {
					t.Errorf("Problems = %+v, want archive_limit", m.Problems)
				}
				a, ok := findAttachment(m, "2/zeros.bin")
				if !ok || !a.Truncated || a.Size != 300<<20 || len(a.Data) > 8<<20 {
					t.Errorf("entry = %+v (len %d)", a.PartID, len(a.Data))
				}
			},
		},
		{
			name: "encrypted zip",
			raw:  withAttachment("application/zip", "invoice.zip", encryptedZip(t)),
			check: func(t *testing.T, m *Message) {
				var found bool
				for _, p := range m.Problems {
					found = found || p.Name == "encrypted_archive" && p.Severe
				}
				if !found {
					t.Errorf("Problems = %+v, want severe encrypted_archive", m.Problems)
				}
				if a, ok := findAttachment(m, "2/invoice.exe"); !ok || len(a.Data) != 0 {
					t.Errorf("Attachments = %+v", m.Attachments)
				}
			},
		},
		{
			name: "too many archive entries",
			raw: withAttachment("application/zip", "many.zip", buildZip(t,
				zipFile{"1.txt", nil}, zipFile{"2.txt", nil}, zipFile{"3.txt", nil}, zipFile{"4.txt", nil})),
			lim: Limits{MaxArchiveEntries: 2},
			check: func(t *testing.T, m *Message) {
				if !hasProblem(m, "archive_limit") || len(m.Attachments) != 3 {
					t.Errorf("%d attachments, problems %+v", len(m.Attachments), m.Problems)
				}
			},
		},
		{
			name: "docx text",
			raw:  withAttachment("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "letter.docx", docx(t)),
			check: func(t *testing.T, m *Message) {
				var doc *Text
				for i := range m.Texts {
					if m.Texts[i].PartID == "2" {
						doc = &m.Texts[i]
					}
				}
				if doc == nil {
					t.Fatalf("Texts = %+v, want one for part 2", m.Texts)
				}
				if doc.ContentType != "application/vnd.openxmlformats-officedocument.wordprocessingml.document" {
					t.Errorf("ContentType = %q", doc.ContentType)
				}
				if want := "Dear parents & carers,\nTrip on Friday\tcost"; doc.Content != want {
					t.Errorf("Content = %q, want %q", doc.Content, want)
				}
				if u, ok := findURL(m, "https://Pay.Example.com/trip?a=1&b=2"); !ok || u.Host != "pay.example.com" {
					t.Errorf("URLs = %+v", m.URLs)
				}
			},
		},
		{
			name: "corrupt zip",
			raw:  withAttachment("application/zip", "broken.zip", []byte("PK\x03\x04 this is not really a zip")),
			check: func(t *testing.T, m *Message) {
				if !hasProblem(m, "bad_archive") {
					t.Errorf("Problems = %+v, want bad_archive", m.Problems)
				}
			},
		},
		{
			name: "html attachment",
			raw:  withAttachment("application/octet-stream", "login.html", []byte(`<form action="https://phish.example.net/p"><b>Sign in</b></form>`)),
			check: func(t *testing.T, m *Message) {
				if !strings.Contains(allText(m), "Sign in") {
					t.Errorf("text = %q", allText(m))
				}
				if u, ok := findURL(m, "https://phish.example.net/p"); !ok || u.PartID != "2" {
					t.Errorf("URLs = %+v", m.URLs)
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

// TestZipBombMemory is not parallel: it measures allocation, which other
// tests running at the same time would disturb.
func TestZipBombMemory(t *testing.T) {
	raw := withAttachment("application/zip", "bomb.zip", bombZip(t, 500))
	const limit = 16 << 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	m := Parse(t.Context(), raw, Limits{MaxExpandedBytes: limit, MaxCompressionRatio: 1 << 20}) // the size limit, not the ratio
	runtime.ReadMemStats(&after)
	if !hasProblem(m, "archive_limit") {
		t.Errorf("Problems = %+v, want archive_limit", m.Problems)
	}
	// Reading up to the limit may double a buffer once or twice; 500 MiB
	// declared must never be allocated.
	if got := after.TotalAlloc - before.TotalAlloc; got > 4*limit {
		t.Errorf("Parse allocated %d MiB for a %d MiB limit", got>>20, limit>>20)
	}
}
