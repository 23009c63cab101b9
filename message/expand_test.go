package message

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"encoding/base64"
	"encoding/binary"
	"slices"
	"strings"
	"testing"
)

// attachmentMail is a message with one base64 attachment.
func attachmentMail(filename, ctype string, data []byte) []byte {
	return []byte("From: a@example.com\r\nTo: b@school.example\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n" +
		"--b\r\nContent-Type: " + ctype + "\r\nContent-Disposition: attachment; filename=\"" + filename + "\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n" + base64.StdEncoding.EncodeToString(data) + "\r\n--b--\r\n")
}

func names(m *Message) []string {
	var out []string
	for _, a := range m.Attachments {
		out = append(out, a.PartID)
	}
	return out
}

func TestExpandGzipTarTNEF(t *testing.T) {
	t.Parallel()
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	for _, f := range []struct{ name, body string }{{"docs/a.txt", "alpha"}, {"run.sh", "#!/bin/sh\necho hi\n"}} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(f.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	var gb bytes.Buffer
	gw := gzip.NewWriter(&gb)
	if _, err := gw.Write(tb.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := gw.Close(); err != nil {
		t.Fatal(err)
	}
	m := Parse(context.Background(), attachmentMail("backup.tgz", "application/gzip", gb.Bytes()), Limits{})
	want := []string{"2", "2/backup.tar", "2/backup.tar/docs/a.txt", "2/backup.tar/run.sh"}
	if got := names(m); !slices.Equal(got, want) {
		t.Errorf("tar.gz attachments = %v, want %v", got, want)
	}
	for _, a := range m.Attachments {
		if a.PartID == "2/backup.tar/docs/a.txt" && (string(a.Data) != "alpha" || a.Filename != "a.txt" || a.Container != "2/backup.tar") {
			t.Errorf("tar member = %+v", a)
		}
	}

	// winmail.dat: attAttachRendData, attAttachTitle, attAttachData.
	var w bytes.Buffer
	le := binary.LittleEndian
	w.Write(le.AppendUint32(nil, 0x223E9F78))
	w.Write([]byte{1, 0})
	attr := func(id uint32, v []byte) {
		w.WriteByte(2)
		w.Write(le.AppendUint32(nil, id))
		w.Write(le.AppendUint32(nil, uint32(len(v))))
		w.Write(v)
		w.Write([]byte{0, 0})
	}
	attr(0x00069002, make([]byte, 14))
	attr(0x00018010, []byte("report.doc\x00"))
	attr(0x0006800F, []byte("first file"))
	attr(0x00069002, make([]byte, 14))
	attr(0x00018010, []byte("photo.jpg\x00"))
	attr(0x0006800F, []byte("second file"))
	m = Parse(context.Background(), attachmentMail("winmail.dat", "application/ms-tnef", w.Bytes()), Limits{})
	want = []string{"2", "2/report.doc", "2/photo.jpg"}
	if got := names(m); !slices.Equal(got, want) {
		t.Errorf("TNEF attachments = %v, want %v", got, want)
	}
	if len(m.Attachments) == 3 && string(m.Attachments[2].Data) != "second file" {
		t.Errorf("TNEF second attachment data = %q", m.Attachments[2].Data)
	}

	// A damaged TNEF stream is a problem, not a panic.
	m = Parse(context.Background(), attachmentMail("winmail.dat", "application/ms-tnef", w.Bytes()[:40]), Limits{})
	if !hasProblem(m, "bad_archive") {
		t.Errorf("truncated TNEF problems = %+v, want bad_archive", m.Problems)
	}
}

func TestZipBombProblem(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	f, err := zw.Create("zeros.bin")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(make([]byte, 32<<20)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	m := Parse(context.Background(), attachmentMail("z.zip", "application/zip", b.Bytes()), Limits{})
	if !hasProblem(m, "archive_bomb") {
		t.Fatalf("problems = %+v, want archive_bomb", m.Problems)
	}
	for _, a := range m.Attachments {
		if a.PartID == "2/zeros.bin" && int64(len(a.Data)) > int64(100*len(b.Bytes())+bombSlack) {
			t.Errorf("bomb entry kept %d bytes, want at most the ratio limit", len(a.Data))
		}
	}
	// A well-compressed but modest file is no bomb.
	m = Parse(context.Background(), attachmentMail("z.zip", "application/zip", zipOf(t, "a.txt", bytes.Repeat([]byte("abc "), 100000))), Limits{})
	if hasProblem(m, "archive_bomb") {
		t.Errorf("400 KB of text flagged as a bomb: %+v", m.Problems)
	}
}

func zipOf(t *testing.T, name string, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	f, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestAttachmentFlags(t *testing.T) {
	t.Parallel()
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	_, _ = zw.Write([]byte("<< /S /Launch /F (calc.exe) >> << /S /URI /URI (https://hidden.example/x) >>")) // in memory
	_ = zw.Close()
	pdf := append([]byte("%PDF-1.5\n1 0 obj << /OpenAction << /S /JavaScript /JS (x) >> /Names << /EmbeddedFiles 3 0 R >> >> endobj\n"+
		"2 0 obj << /A << /S /URI /URI (https://link.example/a\\)b) >> >> endobj\n4 0 obj << /Filter /FlateDecode >>\nstream\n"), z.Bytes()...)
	pdf = append(pdf, "\nendstream\nendobj\n%%EOF\n"...)
	m := Parse(context.Background(), attachmentMail("f.pdf", "application/pdf", pdf), Limits{})
	a := m.Attachments[0]
	for _, f := range []string{FlagPDFJavaScript, FlagPDFLaunch, FlagPDFEmbeddedFile, FlagPDFOpenAction} {
		if !slices.Contains(a.Flags, f) {
			t.Errorf("PDF flags = %v, want %s", a.Flags, f)
		}
	}
	var urls []string
	for _, u := range m.URLs {
		urls = append(urls, u.Raw)
	}
	for _, u := range []string{"https://link.example/a)b", "https://hidden.example/x"} {
		if !slices.Contains(urls, u) {
			t.Errorf("URLs = %v, want %s", urls, u)
		}
	}
	ole := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 504)...)
	for _, c := range "_VBA_PROJECT" {
		ole = append(ole, byte(c), 0)
	}
	m = Parse(context.Background(), attachmentMail("m.xls", "application/vnd.ms-excel", ole), Limits{})
	if !slices.Contains(m.Attachments[0].Flags, FlagVBA) {
		t.Errorf("OLE flags = %v, want %s", m.Attachments[0].Flags, FlagVBA)
	}
}

func TestAnalyzePDFNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in   string
		js, launch bool
	}{
		{"plain", "/Type /Page", false, false},
		{"escaped name", "/S /J#61vaScript", true, false},
		{"JS key", "<< /JS (a) >>", true, false},
		{"launch", "<</S/Launch>>", false, true},
		{"javascript in a string is no name", "(JavaScript)", false, false},
	}
	for _, tc := range tests {
		info := AnalyzePDF([]byte("%PDF-1.4\n"+tc.in), 1<<20)
		if info.JavaScript != tc.js || info.Launch != tc.launch {
			t.Errorf("AnalyzePDF(%q) = %+v, want js=%v launch=%v", tc.in, info, tc.js, tc.launch)
		}
	}
}

func TestScanHTML(t *testing.T) {
	t.Parallel()
	info := ScanHTML(`<a href="javascript:go()">Go <b>now</b></a>`+
		`<a href="http://a.example/">visit www.a.example</a>`+
		`<img src="data:image/png;base64,AA==" srcset="http://s.example/1.png 1x, http://s.example/2.png 2x">`+
		`<div style="background-image: url('http://css.example/bg.png')">x</div>`+
		`<style>body { background: url(http://style.example/b.png) }</style>`+
		`<meta http-equiv="Refresh" content="5; URL='http://refresh.example/'">`+
		`<form action="https://post.example/login" method="POST"><input name="u"><input type="password" name="p"></form>`+
		`<input type="password">`, 0)
	want := []HTMLRef{
		{Raw: "javascript:go()", Tag: "a", Attr: "href", Anchor: "Go now"},
		{Raw: "http://a.example/", Tag: "a", Attr: "href", Anchor: "visit www.a.example"},
		{Raw: "data:image/png;base64,AA==", Tag: "img", Attr: "src"},
		{Raw: "http://s.example/1.png", Tag: "img", Attr: "srcset"},
		{Raw: "http://s.example/2.png", Tag: "img", Attr: "srcset"},
		{Raw: "http://css.example/bg.png", Tag: "div", Attr: "css"},
		{Raw: "http://style.example/b.png", Tag: "style", Attr: "css"},
		{Raw: "http://refresh.example/", Tag: "meta", Attr: "refresh"},
		{Raw: "https://post.example/login", Tag: "form", Attr: "action"},
	}
	if !slices.Equal(info.Refs, want) {
		t.Errorf("ScanHTML refs =\n%+v\nwant\n%+v", info.Refs, want)
	}
	wantForms := []HTMLForm{{Action: "https://post.example/login", Method: "post", Password: true, Inputs: 2}, {Password: true, Inputs: 1}}
	if !slices.Equal(info.Forms, wantForms) {
		t.Errorf("ScanHTML forms = %+v, want %+v", info.Forms, wantForms)
	}
	if got := ScanHTML(strings.Repeat(`<a href="http://x.example/">x</a>`, 20), 5); len(got.Refs) != 5 || !got.Truncated {
		t.Errorf("ScanHTML with max 5 = %d refs, truncated %v", len(got.Refs), got.Truncated)
	}
}

func FuzzScanHTML(f *testing.F) {
	f.Add(`<a href="x">y</a><form><input type=password></form><div style="url(a)">`)
	f.Add(`<style>url(`)
	f.Fuzz(func(t *testing.T, s string) {
		info := ScanHTML(s, 100)
		if len(info.Refs) > 100 {
			t.Fatalf("%d refs, want at most 100", len(info.Refs))
		}
	})
}

func FuzzAnalyzePDF(f *testing.F) {
	f.Add([]byte("%PDF-1.4 /JS (a) /URI (http://x) stream\nx\x9c\x03\x00\x00\x00\x00\x01endstream"))
	f.Add([]byte("/URI <68747470>"))
	f.Fuzz(func(t *testing.T, b []byte) {
		info := AnalyzePDF(b, 1<<16)
		if len(info.URIs) > maxPDFURIs {
			t.Fatalf("%d URIs", len(info.URIs))
		}
	})
}

func BenchmarkScanHTML(b *testing.B) {
	var sb strings.Builder
	for sb.Len() < 1<<20 {
		sb.WriteString(`<p>Text of the newsletter with <a href="https://t.example/c?u=1">a link</a> and <img src="https://cdn.example/i.png"> more.</p>`)
	}
	s := sb.String()
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		_ = ScanHTML(s, 0)
	}
}
