package main

import (
	"bufio"
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is a scripted SMTP server on loopback that keeps every byte
// each client sent. It offers 8BITMIME; with refuseData it answers the
// end of data 554.
type recorder struct {
	l          net.Listener
	refuseData bool
	sessions   chan []byte // each session's bytes, once it ended
	wg         sync.WaitGroup
}

func startRecorder(t *testing.T, refuseData bool) *recorder {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &recorder{l: l, refuseData: refuseData, sessions: make(chan []byte, 4)}
	t.Cleanup(func() { _ = l.Close(); r.wg.Wait() })
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			r.wg.Add(1)
			go func() {
				defer r.wg.Done()
				r.serve(c)
			}()
		}
	}()
	return r
}

func (r *recorder) serve(c net.Conn) {
	defer c.Close()
	var got bytes.Buffer
	defer func() { r.sessions <- got.Bytes() }()
	br := bufio.NewReader(c)
	_, _ = c.Write([]byte("220 rec.test ESMTP\r\n"))
	inData := false
	for {
		line, err := br.ReadString('\n')
		got.WriteString(line)
		if err != nil {
			return
		}
		switch {
		case inData:
			if line == ".\r\n" {
				inData = false
				if r.refuseData {
					_, _ = c.Write([]byte("554 5.7.1 Refused\r\n"))
				} else {
					_, _ = c.Write([]byte("250 2.0.0 OK\r\n"))
				}
			}
		case strings.HasPrefix(line, "EHLO"):
			_, _ = c.Write([]byte("250-rec.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 ENHANCEDSTATUSCODES\r\n"))
		case strings.HasPrefix(line, "DATA"):
			inData = true
			_, _ = c.Write([]byte("354 Go ahead\r\n"))
		case strings.HasPrefix(line, "QUIT"):
			_, _ = c.Write([]byte("221 2.0.0 Bye\r\n"))
			return
		default:
			_, _ = c.Write([]byte("250 2.0.0 OK\r\n"))
		}
	}
}

// take returns the bytes of the next session to end.
func (r *recorder) take(t *testing.T) []byte {
	t.Helper()
	select {
	case s := <-r.sessions:
		return s
	case <-time.After(30 * time.Second):
		t.Fatal("no session ended within 30 s")
		return nil
	}
}

// testMessages are messages with the cases the wire form must get right
// (bare LF, CRLF, lines starting with a dot, no final line end, a long
// line), and up to 200 corpus messages when the corpus is there.
func testMessages(t *testing.T) [][]byte {
	t.Helper()
	msgs := [][]byte{
		[]byte("Subject: lf\n\nline\n.dot\n..two\nend\n"),
		[]byte("Subject: crlf\r\n\r\nline\r\n.dot\r\nend\r\n"),
		[]byte("Subject: open\n\nno final line end"),
		[]byte("Subject: long\n\n" + strings.Repeat("x", 5000) + "\n.\n"),
	}
	for _, d := range []string{"../../../shared/corpus", "../../../../shared/corpus"} {
		files, _ := filepath.Glob(filepath.Join(d, "spamassassin", "*", "*"))
		for i, f := range files {
			if i%30 != 0 {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			msgs = append(msgs, b)
		}
		if len(files) > 0 {
			break
		}
	}
	return msgs
}

// TestLeanClientSendsWhatGoSMTPSends: for each message the lean client
// puts on the wire, byte for byte, what the go-smtp client (send) did,
// and both treat a 5xx refusal of the content as handled.
func TestLeanClientSendsWhatGoSMTPSends(t *testing.T) {
	t.Parallel()
	for _, refuse := range []bool{false, true} {
		r := startRecorder(t, refuse)
		addr := r.l.Addr().String()
		lean := leanSender()
		for i, m := range testMessages(t) {
			if err := send(addr, "pupil1@bench.example.sch.uk", m); err != nil {
				t.Fatalf("message %d: go-smtp send: %v", i, err)
			}
			want := r.take(t)
			if err := lean(addr, "pupil1@bench.example.sch.uk", wireMessage(m)); err != nil {
				t.Fatalf("message %d: lean send: %v", i, err)
			}
			if got := r.take(t); !bytes.Equal(got, want) {
				t.Fatalf("message %d (refuse %v): lean client sent\n%q\nwant (go-smtp)\n%q", i, refuse, firstBytes(got), firstBytes(want))
			}
		}
	}
}

func firstBytes(b []byte) []byte { return b[:min(len(b), 400)] }
