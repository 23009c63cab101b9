package quarantine_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/lychgate/lychgate/internal/testutil/redistest"
	"github.com/lychgate/lychgate/quarantine/quarantinetest"
)

// TestPutWithHeader: the header and the message are stored as one, with
// the hash and size of the whole, for text and for a large part that does
// not compress (whose buffer is sized from a trial compression).
func TestPutWithHeader(t *testing.T) {
	t.Parallel()
	rdb := redistest.Start(t).Client(t)
	s := newStore(t, rdb)
	noise := make([]byte, 3<<20)
	_, _ = rand.NewChaCha8([32]byte{7}).Read(noise)
	for name, raw := range map[string][]byte{
		"text":           quarantinetest.Message("hdr"),
		"incompressible": append(quarantinetest.Message("noise"), noise...),
	} {
		t.Run(name, func(t *testing.T) {
			header := []byte("Received: from x by y; Tue, 1 Dec 2026 10:00:00 +0000\r\n")
			e := quarantinetest.NewEntry("hdr"+name, time.Now(), "a@example.com")
			if _, err := s.PutWithHeader(t.Context(), e, header, raw); err != nil {
				t.Fatal(err)
			}
			whole := append(append([]byte(nil), header...), raw...)
			sum := sha256.Sum256(whole)
			got, stored, err := s.Get(t.Context(), "hdr"+name, e.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(stored, whole) || got.Hash != hex.EncodeToString(sum[:]) || got.Size != len(whole) {
				t.Errorf("stored %d bytes (equal %v), hash %s size %d; want the %d bytes of header and message, hash %x",
					len(stored), bytes.Equal(stored, whole), got.Hash, got.Size, len(whole), sum)
			}
		})
	}
}
