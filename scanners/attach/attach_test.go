package attach

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/scannertest"
)

func newScanner(t testing.TB, opts Options) *Scanner {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// rulesOf returns the rule ids of fs, sorted, without duplicates.
func rulesOf(fs []scanners.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Rule)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func TestAttachmentRules(t *testing.T) {
	t.Parallel()
	s := newScanner(t, Options{})
	docx := zipFiles(t, "[Content_Types].xml", []byte(`<Types/>`), "word/document.xml", []byte(`<w:document><w:body><w:p><w:r><w:t>Hello</w:t></w:r></w:p></w:body></w:document>`))
	docm := zipFiles(t, "[Content_Types].xml", []byte(`<Types/>`), "word/document.xml", []byte(`<w:document/>`),
		"word/vbaProject.bin", oleFile("Root Entry", "VBA", "_VBA_PROJECT", "dir", "ThisDocument"))
	tests := []struct {
		name  string
		raw   []byte
		want  []string // rules that must be there
		avoid []string // rules that must not
	}{
		{"program named pdf", mail(part{filename: "invoice.pdf", ctype: "application/pdf", data: peProgram()}),
			[]string{"attachment_executable"}, nil},
		{"elf program without a name", mail(part{header: "Content-Type: application/octet-stream\r\n", data: elfProgram()}),
			[]string{"attachment_executable"}, nil},
		{"dangerous extension", mail(part{filename: "setup.scr", data: []byte("not really")}),
			[]string{"attachment_dangerous_extension"}, []string{"attachment_double_extension"}},
		{"double extension", mail(part{filename: "invoice.pdf.exe", data: peProgram()}),
			[]string{"attachment_double_extension", "attachment_executable"}, []string{"attachment_dangerous_extension"}},
		{"right-to-left override", mail(part{filename: "invoice\u202Efdp.exe", data: peProgram()}),
			[]string{"attachment_unicode_trick", "attachment_dangerous_extension", "attachment_executable"}, nil},
		{"RTLO in an RFC 2231 name", mail(part{header: "Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename*=UTF-8''photo%E2%80%AEgpj.scr\r\n", data: []byte("x")}),
			[]string{"attachment_unicode_trick", "attachment_dangerous_extension"}, nil},
		{"encoded-word name", mail(part{header: "Content-Type: application/octet-stream; name=\"=?UTF-8?B?cmVwb3J0LnBkZi5leGU=?=\"\r\nContent-Disposition: attachment; filename=\"=?UTF-8?B?cmVwb3J0LnBkZi5leGU=?=\"\r\n", data: []byte("x")}),
			[]string{"attachment_double_extension"}, nil},
		{"look-alike dot", mail(part{filename: "statement\u2024pdf", data: []byte("x")}),
			[]string{"attachment_unicode_trick"}, nil},
		{"padding before the extension", mail(part{filename: "report.pdf                 .js", data: []byte("WScript.Echo(1)")}),
			[]string{"attachment_unicode_trick", "attachment_double_extension", "attachment_script"}, nil},
		{"script by name", mail(part{filename: "update.vbs", ctype: "text/plain", data: []byte("MsgBox 1")}),
			[]string{"attachment_script", "attachment_dangerous_extension"}, nil},
		{"shell script by content", mail(part{filename: "notes.txt", data: []byte("#!/bin/sh\nrm -rf ~\n")}),
			[]string{"attachment_script"}, nil},
		{"disk image by name", mail(part{filename: "photos.img", data: []byte("raw")}),
			[]string{"attachment_disk_image"}, nil},
		{"iso image renamed", mail(part{filename: "scan.dat", data: isoImage()}),
			[]string{"attachment_disk_image"}, nil},
		{"zip renamed to pdf", mail(part{filename: "contract.pdf", ctype: "application/pdf", data: zipFiles(t, "a.txt", []byte("hi"))}),
			[]string{"attachment_type_mismatch"}, nil},
		{"html attachment", mail(part{filename: "page.html", ctype: "text/html", data: []byte("<p>hello</p>")}),
			[]string{"attachment_html"}, []string{"attachment_html_password_form"}},
		{"html with a password form", mail(part{filename: "Secure_Message.htm", ctype: "text/html",
			data: []byte(`<form action="https://collect.example/p" method="post"><input name="u"><input type="password" name="p"></form>`)}),
			[]string{"attachment_html_password_form"}, []string{"attachment_html"}},
		{"pdf with javascript", mail(part{filename: "form.pdf", ctype: "application/pdf", data: pdf("/OpenAction << /S /JavaScript /JS (app.alert(1)) >>", "")}),
			[]string{"attachment_pdf_javascript"}, nil},
		{"pdf with escaped javascript name", mail(part{filename: "form.pdf", ctype: "application/pdf", data: pdf("/OpenAction << /S /J#61vaScript /JS (x) >>", "")}),
			[]string{"attachment_pdf_javascript"}, nil},
		{"pdf with launch in an object stream", mail(part{filename: "doc.pdf", ctype: "application/pdf", data: pdf("", "4 0 << /S /Launch /F (cmd.exe) >> << /Type /EmbeddedFile >>")}),
			[]string{"attachment_pdf_launch", "attachment_pdf_embedded_file"}, nil},
		{"plain pdf", mail(part{filename: "letter.pdf", ctype: "application/pdf", data: pdf("", "")}),
			nil, []string{"attachment_pdf_javascript", "attachment_pdf_launch", "attachment_pdf_embedded_file", "attachment_type_mismatch"}},
		{"docx with vbaProject.bin", mail(part{filename: "minutes.docx", data: docm}),
			[]string{"attachment_office_macro"}, []string{"attachment_dangerous_extension"}},
		{"legacy doc with a VBA project", mail(part{filename: "minutes.doc", ctype: "application/msword", data: oleFile("Root Entry", "Macros", "VBA", "_VBA_PROJECT")}),
			[]string{"attachment_office_macro"}, nil},
		{"docm without macros", mail(part{filename: "minutes.docm", data: docx}),
			[]string{"attachment_macro_extension"}, []string{"attachment_office_macro"}},
		{"clean docx", mail(part{filename: "minutes.docx", data: docx}),
			nil, []string{"attachment_office_macro", "attachment_macro_extension", "attachment_type_mismatch", "attachment_dangerous_extension"}},
		{"exe inside a zip", mail(part{filename: "docs.zip", ctype: "application/zip", data: zipFiles(t, "docs/invoice.pdf.exe", peProgram())}),
			[]string{"attachment_double_extension", "attachment_executable"}, nil},
		{"exe inside a zip inside a zip", mail(part{filename: "outer.zip", data: zipFiles(t, "inner.zip", zipFiles(t, "run.exe", peProgram()))}),
			[]string{"attachment_executable", "attachment_dangerous_extension"}, nil},
		{"exe in a tar.gz", mail(part{filename: "backup.tar.gz", data: gzipOf(t, "backup.tar", tarOf(t, "bin/tool.exe", peProgram()))}),
			[]string{"attachment_executable", "attachment_dangerous_extension"}, nil},
		{"exe in winmail.dat", mail(part{filename: "winmail.dat", ctype: "application/ms-tnef", data: tnef("payroll.exe", peProgram())}),
			[]string{"attachment_executable", "attachment_dangerous_extension"}, nil},
		{"exe listed in a 7z", mail(part{filename: "files.7z", data: sevenZip("readme.txt", "invoice.pdf.exe")}),
			[]string{"attachment_double_extension", "attachment_archive_listed"}, []string{"attachment_executable"}},
		{"encrypted zip", mail(part{filename: "invoice.zip", data: encryptedZip(t)}),
			[]string{"attachment_encrypted_archive"}, nil},
		{"zip bomb", mail(part{filename: "big.zip", data: zipBomb(t, "zeros.bin", 64<<20)}),
			[]string{"attachment_archive_bomb"}, nil},
		{"gzip bomb", mail(part{filename: "log.gz", data: gzipOf(t, "log", make([]byte, 32<<20))}),
			[]string{"attachment_archive_bomb"}, nil},
		{"photo", mail(part{filename: "trip.png", ctype: "image/png", data: []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00")}),
			nil, []string{"attachment_type_mismatch", "attachment_executable"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := parse(tc.raw)
			fs, err := s.Scan(t.Context(), m, &scanners.Envelope{})
			if err != nil {
				t.Fatalf("Scan = %v", err)
			}
			got := rulesOf(fs)
			for _, r := range tc.want {
				if !slices.Contains(got, r) {
					t.Errorf("rules = %v, want %s (attachments %s)", got, r, describe(m))
				}
			}
			for _, r := range tc.avoid {
				if slices.Contains(got, r) {
					t.Errorf("rules = %v, want no %s", got, r)
				}
			}
			for _, f := range fs {
				scannertest.CheckFinding(t, m, f)
				if f.Category != scanners.AttachmentRisk {
					t.Errorf("%s category = %s, want attachment", f.Rule, f.Category)
				}
			}
		})
	}
}

func describe(m *message.Message) string {
	var b strings.Builder
	for _, a := range m.Attachments {
		b.WriteString("[" + a.PartID + " " + a.Filename + " " + a.DetectedType + " " + strings.Join(a.Flags, ",") + "]")
	}
	for _, p := range m.Problems {
		b.WriteString(" {" + p.PartID + " " + p.Name + "}")
	}
	return b.String()
}

func TestHashList(t *testing.T) {
	t.Parallel()
	bad := []byte("a file the child-protection body listed")
	other := []byte("a file listed by MD5")
	sum := sha256.Sum256(bad)
	msum := md5.Sum(other)
	list := filepath.Join(t.TempDir(), "hashes.txt")
	content := "# test list\n" + hex.EncodeToString(sum[:]) + "  case-123\n" + strings.ToUpper(hex.EncodeToString(msum[:])) + ",case-456\n"
	if err := os.WriteFile(list, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	s := newScanner(t, Options{HashFiles: []string{list}})
	tests := []struct {
		name string
		raw  []byte
		want bool
	}{
		{"sha-256 listed", mail(part{filename: "img.jpg", ctype: "image/jpeg", data: bad}), true},
		{"md5 listed, inside a zip", mail(part{filename: "a.zip", data: zipFiles(t, "x.bin", other)}), true},
		{"not listed", mail(part{filename: "img.jpg", ctype: "image/jpeg", data: []byte("holiday")}), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := parse(tc.raw)
			fs, err := s.Scan(t.Context(), m, &scanners.Envelope{})
			if err != nil {
				t.Fatal(err)
			}
			var hit *scanners.Finding
			for i := range fs {
				if fs[i].Rule == "attachment_hash_list" {
					hit = &fs[i]
				}
			}
			if (hit != nil) != tc.want {
				t.Fatalf("hash finding = %v, want %v (%v)", hit != nil, tc.want, rulesOf(fs))
			}
			if hit == nil {
				return
			}
			if hit.Category != scanners.Illegal || hit.Severity != scanners.Critical || !NoExcerpt(*hit) {
				t.Errorf("finding %+v: want illegal, critical, no excerpt", hit)
			}
			for _, ev := range hit.Evidence {
				if strings.Contains(ev.Text, string(bad)) || strings.Contains(ev.Text, string(other)) {
					t.Errorf("evidence %+v quotes the file", ev)
				}
			}
		})
	}
}

func TestHashListErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, content := range map[string]string{
		"not-hex.txt":    "zzzz\n",
		"wrong-size.txt": "abcd\n",
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := New(Options{HashFiles: []string{p}})
		if err == nil || !strings.Contains(err.Error(), name+":1") {
			t.Errorf("New with %s = %v, want an error naming %s:1", name, err, name)
		}
	}
	if _, err := New(Options{HashFiles: []string{filepath.Join(dir, "missing")}}); err == nil {
		t.Errorf("New with a missing list = nil error")
	}
}

// TestZipBombIsCheap checks that a bomb costs memory in proportion to
// its compressed size, not to what it declares: expansion stops at the
// ratio limit (MaxCompressionRatio times the archive, plus 1 MiB).
func TestZipBombIsCheap(t *testing.T) {
	single := zipBomb(t, "zeros", 256<<20)
	nested := zipFiles(t, "a.zip", zipBomb(t, "z1", 128<<20), "b.zip", zipBomb(t, "z2", 128<<20))
	for _, zb := range [][]byte{single, nested} {
		raw := mail(part{filename: "bomb.zip", data: zb})
		// What the ratio limit lets through, read into a doubling
		// buffer (at most three times that in all), plus the message
		// itself several times over.
		bound := uint64(3*(100*len(zb)+1<<20) + 16*len(raw) + 8<<20)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		m := parse(raw)
		runtime.ReadMemStats(&after)
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > bound {
			t.Errorf("parsing a zip bomb of %d bytes (declaring 256 MiB) allocated %d MiB, want under %d MiB", len(zb), alloc>>20, bound>>20)
		}
		fs, err := newScanner(t, Options{}).Scan(t.Context(), m, &scanners.Envelope{})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(rulesOf(fs), "attachment_archive_bomb") {
			t.Errorf("rules = %v, want attachment_archive_bomb", rulesOf(fs))
		}
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	scannertest.Conformance(t, newScanner(t, Options{}), &scanners.Envelope{},
		mail(part{filename: "invoice\u202Efdp.exe", data: peProgram()}),
		mail(part{filename: "docs.zip", data: zipFiles(t, "a.pdf.exe", peProgram())}),
	)
}

// TestCorpusFixtures runs the scanner over attachment fixtures from the
// shared MIME corpus (rspamd's tiny synthetic files), when present.
func TestCorpusFixtures(t *testing.T) {
	t.Parallel()
	dir := ""
	for _, d := range []string{"../../../shared/corpus/mime-torture/rspamd", "../../../../shared/corpus/mime-torture/rspamd"} {
		if _, err := os.Stat(d); err == nil {
			dir = d
		}
	}
	if dir == "" {
		t.Skip("shared corpus not present; skipping")
	}
	s := newScanner(t, Options{})
	tests := []struct{ file, rule string }{
		{"exe_attm.eml", "attachment_dangerous_extension"},
		{"rar4.eml", "attachment_archive_listed"},
		{"pdf_js.eml", "attachment_pdf_javascript"},
	}
	for _, tc := range tests {
		raw, err := os.ReadFile(filepath.Join(dir, tc.file))
		if err != nil {
			t.Logf("%s: %v; skipped", tc.file, err)
			continue
		}
		m := parse(raw)
		fs, err := s.Scan(t.Context(), m, &scanners.Envelope{})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(rulesOf(fs), tc.rule) {
			t.Errorf("%s: rules = %v, want %s (%s)", tc.file, rulesOf(fs), tc.rule, describe(m))
		}
	}
}
