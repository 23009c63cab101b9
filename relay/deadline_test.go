package relay

import (
	"net"
	"testing"
	"time"
)

// countingConn counts the deadlines set on a real (in-memory) connection.
type countingConn struct {
	net.Conn
	reads, writes int
	lastRead      time.Time
}

func (c *countingConn) SetReadDeadline(t time.Time) error {
	c.reads++
	c.lastRead = t
	return c.Conn.SetReadDeadline(t)
}

func (c *countingConn) SetWriteDeadline(t time.Time) error {
	c.writes++
	return c.Conn.SetWriteDeadline(t)
}

func TestDeadlinesMovedOnlyBeyondTheSlack(t *testing.T) {
	t.Parallel()
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	nc := &countingConn{Conn: a}
	var d deadlines
	now := time.Unix(1_000_000, 0)
	wait := 5 * time.Minute // slack: 1 s

	steps := []struct {
		name  string
		at    time.Duration // after now
		wait  time.Duration
		reads int // SetReadDeadline calls so far
	}{
		{"first deadline is set", 0, wait, 1},
		{"moved by less than the slack: left", 500 * time.Millisecond, wait, 1},
		{"moved by more than the slack: set", 2 * time.Second, wait, 2},
		{"earlier than the one set: always set", 2 * time.Second, time.Minute, 3},
		{"the same again: left", 2 * time.Second, time.Minute, 3},
	}
	for _, st := range steps {
		at := now.Add(st.at)
		dl := at.Add(st.wait)
		if err := d.setRead(nc, at, dl); err != nil {
			t.Fatal(err)
		}
		if nc.reads != st.reads {
			t.Fatalf("%s: %d SetReadDeadline calls, want %d", st.name, nc.reads, st.reads)
		}
		if nc.lastRead.After(dl) {
			t.Fatalf("%s: deadline %v set, later than the %v asked for", st.name, nc.lastRead, dl)
		}
		if dl.Sub(nc.lastRead) > time.Second {
			t.Fatalf("%s: deadline %v set, more than the slack before %v", st.name, nc.lastRead, dl)
		}
	}
	// Reads and writes are separate.
	if err := d.setWrite(nc, now, now.Add(wait)); err != nil || nc.writes != 1 {
		t.Fatalf("setWrite: %v, %d calls, want 1", err, nc.writes)
	}
	// A new connection (STARTTLS) forgets what was set on the old one.
	other := &countingConn{Conn: b}
	if err := d.setRead(other, now, now.Add(wait)); err != nil || other.reads != 1 {
		t.Fatalf("setRead on a new connection: %v, %d calls, want 1", err, other.reads)
	}
}
