package relay

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// BenchmarkRelayCorpus sends SpamAssassin corpus messages through the relay
// to a recording sink (no Redis needed unless the policy quarantines), with
// GOMAXPROCS-many parallel clients. It reports messages/s and MB/s.
func BenchmarkRelayCorpus(b *testing.B) {
	files, _ := filepath.Glob("../../shared/corpus/spamassassin/ham/*")
	if len(files) == 0 {
		b.Skip("../shared/corpus is absent; CI has it")
	}
	if len(files) > 500 {
		files = files[:500]
	}
	var msgs []string
	var total int64
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		msgs = append(msgs, string(canonicalCRLF(data)))
		total += int64(len(data))
	}
	e := newEnv(b, envOpts{noRedis: true, quiet: true})
	b.SetBytes(total / int64(len(msgs)))
	b.ResetTimer()
	var i atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m := msgs[int(i.Add(1))%len(msgs)]
			if err := e.send(outsider, []string{pupil}, m); err != nil {
				b.Error(err)
			}
		}
	})
}

// BenchmarkRelaySkeleton is the relay alone, every scanner off: one 10 KB
// message per connection from GOMAXPROCS-many clients, through the SMTP
// server, parse, policy and the next-hop client to a recording sink, as
// lychgate-bench row 2 with -disable of every scanner. allocs/op and B/op
// are per message (client and sink, in-process, included).
func BenchmarkRelaySkeleton(b *testing.B) {
	var off strings.Builder
	for _, id := range []string{"rules", "profanity", "safeguarding", "pii", "classifier", "personal_address", "links", "attachments", "spam"} {
		fmt.Fprintf(&off, "[scanners.%s]\nenabled = false\n", id)
	}
	e := newEnv(b, envOpts{noRedis: true, quiet: true, relayTOML: off.String()})
	var body strings.Builder
	body.WriteString("From: sender@example.com\r\nTo: " + pupil + "\r\nSubject: bench\r\nMessage-ID: <bench@example.com>\r\n\r\n")
	for body.Len() < 10<<10 {
		body.WriteString("The quick brown fox jumps over the lazy dog, again and again and again.\r\n")
	}
	msg := body.String()
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := e.send(outsider, []string{pupil}, msg); err != nil {
				b.Error(err)
			}
		}
	})
}
