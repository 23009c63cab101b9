package relay

import (
	"bytes"
	"testing"
)

// TestReceivedByEqualsToLower compares receivedBy and loopMarker with the
// expressions they replace: bytes.Contains(bytes.ToLower(field), own),
// own = "by " + bytes.ToLower(hostname) + " (lychgate)".
func TestReceivedByEqualsToLower(t *testing.T) {
	hosts := []string{"relay.example.org", "Relay.EXAMPLE.org", "k.example", "\u212a.example", "xn--bcher-kva.example", "bücher.example", ""}
	fields := []string{
		"Received: from a by relay.example.org (lychgate) with ESMTP",
		"Received: from a BY RELAY.EXAMPLE.ORG (LYCHGATE) with ESMTP",
		"Received: from a by relay.example.org (lychgate",
		"Received: from a by \u212a.example (lychgate) id 1",
		"Received: from a by K.EXAMPLE (LYCHGATE) id 1",
		"Received: from a by BÜCHER.example (lychgate)",
		"Received: by  (lychgate)",
		"Received: from a by relay.example.org (lychgate) \xff\xfe",
		"",
	}
	for _, h := range hosts {
		own := loopMarker(nil, h)
		if want := []byte("by " + string(bytes.ToLower([]byte(h))) + " (lychgate)"); !bytes.Equal(own, want) {
			t.Errorf("loopMarker(%q) = %q, want %q", h, own, want)
		}
		for _, f := range fields {
			want := bytes.Contains(bytes.ToLower([]byte(f)), own)
			if got := receivedBy([]byte(f), own); got != want {
				t.Errorf("receivedBy(%q, %q) = %v, want %v", f, own, got, want)
			}
		}
	}
}

func FuzzReceivedBy(f *testing.F) {
	f.Add([]byte("Received: from a by relay.example.org (lychgate) with ESMTP"), "relay.example.org")
	f.Add([]byte("Received: by \u212a.example (lychgate)"), "k.example")
	f.Fuzz(func(t *testing.T, field []byte, host string) {
		own := loopMarker(nil, host)
		if want := []byte("by " + string(bytes.ToLower([]byte(host))) + " (lychgate)"); !bytes.Equal(own, want) {
			t.Fatalf("loopMarker(%q) = %q, want %q", host, own, want)
		}
		want := bytes.Contains(bytes.ToLower(field), own)
		if got := receivedBy(bytes.Clone(field), own); got != want {
			t.Fatalf("receivedBy(%q, %q) = %v, want %v", field, own, got, want)
		}
	})
}
