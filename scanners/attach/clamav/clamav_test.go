package clamav

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/lychgate/lychgate/internal/testutil/clamdtest"
	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/scannertest"
)

// eicar is the EICAR anti-virus test file.
var eicar = clamdtest.EICAR

// clamd is a real clamd started for a test (package clamdtest).
type clamd struct {
	sock, tcp string
}

func startClamd(t *testing.T) clamd {
	t.Helper()
	c := clamdtest.Start(t)
	return clamd{sock: c.Sock, tcp: c.TCP}
}

func mail(filename string, data []byte) []byte {
	return []byte("From: a@example.com\r\nTo: b@school.example\r\nSubject: files\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n" +
		"--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"" + filename + "\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n" + base64.StdEncoding.EncodeToString(data) + "\r\n--b--\r\n")
}

func zipOf(t *testing.T, name string, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestClamdFindsEICAR(t *testing.T) {
	t.Parallel()
	c := startClamd(t)
	for _, addr := range []string{"unix://" + c.sock, c.sock, "tcp://" + c.tcp, c.tcp} {
		s, err := New(Options{Address: addr})
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name string
			raw  []byte
			want string // signature, "" for clean
		}{
			{"eicar file", mail("eicar.com", []byte(eicar)), "Eicar-Test-Signature"},
			{"eicar in a zip", mail("docs.zip", zipOf(t, "readme.com", []byte(eicar))), "Eicar-Test-Signature"},
			{"clean file", mail("notes.txt", []byte("homework for friday")), ""},
		}
		for _, tc := range tests {
			t.Run(addr+"/"+tc.name, func(t *testing.T) {
				m := message.Parse(context.Background(), tc.raw, message.Limits{})
				fs, err := s.Scan(t.Context(), m, &scanners.Envelope{})
				if err != nil {
					t.Fatalf("Scan = %v", err)
				}
				got := ""
				for _, f := range fs {
					if f.Rule == "clamav_virus" {
						got = f.Evidence[1].Text
						if f.Severity != scanners.Critical || f.Category != scanners.AttachmentRisk {
							t.Errorf("finding %+v: want critical attachment", f)
						}
					}
					scannertest.CheckFinding(t, m, f)
				}
				if !strings.Contains(got, tc.want) || (tc.want == "") != (got == "") {
					t.Errorf("signature = %q, want %q", got, tc.want)
				}
			})
		}
	}
	s, err := New(Options{Address: c.sock})
	if err != nil {
		t.Fatal(err)
	}
	scannertest.Conformance(t, s, &scanners.Envelope{}, mail("eicar.com", []byte(eicar)))
}

func TestClamdUnavailableIsAnError(t *testing.T) {
	t.Parallel()
	// A port nobody listens on: listen, take the address, close.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	s, err := New(Options{Address: addr})
	if err != nil {
		t.Fatal(err)
	}
	m := message.Parse(context.Background(), mail("a.bin", []byte("data")), message.Limits{})
	if _, err := s.Scan(t.Context(), m, &scanners.Envelope{}); err == nil {
		t.Errorf("Scan with clamd down = nil error, want an error")
	}
}

func TestClamdSilentIsATimeout(t *testing.T) {
	t.Parallel()
	// A peer that accepts and reads but never answers.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer func() { _ = conn.Close() }()
				buf := make([]byte, 4096)
				for {
					if _, err := conn.Read(buf); err != nil {
						return
					}
				}
			}()
		}
	}()
	s, err := New(Options{Address: l.Addr().String(), Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	m := message.Parse(context.Background(), mail("a.bin", []byte("data")), message.Limits{})
	_, err = s.Scan(t.Context(), m, &scanners.Envelope{})
	if err == nil {
		t.Fatal("Scan against a silent clamd = nil error, want a timeout error")
	}
	var ne net.Error
	if !errors.As(err, &ne) && !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Scan error = %v, want a timeout", err)
	}

	// A cancelled context ends the scan too.
	s2, err := New(Options{Address: l.Addr().String(), Timeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s2.Scan(ctx, m, &scanners.Envelope{}); err == nil {
		t.Errorf("Scan with a cancelled context = nil error")
	}
}

func TestParseReply(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		err      bool
	}{
		{"stream: OK", "", false},
		{"stream: Eicar-Test-Signature FOUND", "Eicar-Test-Signature", false},
		{"stream: Win.Test.EICAR_HDB-1 FOUND", "Win.Test.EICAR_HDB-1", false},
		{"INSTREAM size limit exceeded. ERROR", "", true},
		{"stream: Can't allocate memory ERROR", "", true},
	}
	for _, tc := range tests {
		got, err := parseReply(tc.in)
		if got != tc.want || (err != nil) != tc.err {
			t.Errorf("parseReply(%q) = %q, %v; want %q, error %v", tc.in, got, err, tc.want, tc.err)
		}
		if err != nil && !errors.Is(err, ErrClamd) {
			t.Errorf("parseReply(%q) error %v is not ErrClamd", tc.in, err)
		}
	}
}

func TestNewRejectsBadAddress(t *testing.T) {
	t.Parallel()
	for _, a := range []string{"", "tcp://nohost", "localhost"} {
		if _, err := New(Options{Address: a}); err == nil {
			t.Errorf("New(%q) = nil error", a)
		}
	}
}
