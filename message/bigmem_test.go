package message

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
)

// vmHWM returns the peak resident set of this process in KiB, or -1.
func vmHWM() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err == nil {
				return n
			}
		}
	}
	return -1
}

// bigAttachment is a message of about size bytes: a short text part and
// one base64 attachment of random bytes, like the soak test's.
func bigAttachment(size int) []byte {
	var b bytes.Buffer
	b.Grow(size + 4096)
	b.WriteString("From: a@example.test\r\nTo: b@example.test\r\nSubject: big\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n--b0\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n" +
		"--b0\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"big.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	rng := rand.NewChaCha8([32]byte{1})
	line := make([]byte, 57)
	enc := make([]byte, 76)
	for b.Len() < size {
		_, _ = rng.Read(line)
		base64.StdEncoding.Encode(enc, line)
		b.Write(enc)
		b.WriteString("\r\n")
	}
	b.WriteString("--b0--\r\n")
	return b.Bytes()
}

// TestHugeAttachmentMemory (LYCHGATE_SOAK=1, run alone: it reads the
// process's peak RSS) parses a 100 MB message whose attachment is one
// base64 part and reports the peak RSS as a multiple of the message size.
// The part is decoded once into a buffer of its decoded size (elide.go),
// so the peak is the raw bytes plus the decoded ones.
func TestHugeAttachmentMemory(t *testing.T) {
	if os.Getenv("LYCHGATE_SOAK") == "" {
		t.Skip("LYCHGATE_SOAK=1 runs this (alone: it measures the process's peak RSS)")
	}
	const size = 100 << 20
	raw := bigAttachment(size)
	runtime.GC()
	debug.FreeOSMemory()
	before := vmHWM()
	m := Parse(t.Context(), raw, Limits{MaxTextBytes: 4 << 20})
	after := vmHWM()
	if len(m.Attachments) != 1 || m.Attachments[0].Size < 70<<20 {
		t.Fatalf("attachments = %d (problems %+v), want the 76 MB one", len(m.Attachments), m.Problems)
	}
	ratio := float64(after*1024) / float64(len(raw))
	t.Logf("100 MB message with a base64 attachment: VmHWM %d KiB before Parse (message built), %d KiB after: %.2fx the message", before, after, ratio)
	if ratio > 2.5 {
		t.Errorf("peak RSS %.2fx the message size, want at most 2.5x (raw + decoded + slack)", ratio)
	}
	runtime.KeepAlive(raw)
}
