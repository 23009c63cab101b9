package relay

import (
	"os"
	"path/filepath"
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
