package nexthop_test

import (
	"errors"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/lychgate/lychgate/internal/smtpsink"
	"github.com/lychgate/lychgate/nexthop"
)

// Mail.PipelineData: DATA goes with MAIL and the RCPTs; the content,
// refusals and the pool behave as without it, except that an Abort of a
// transaction the hop took DATA for drops the connection.
func TestPipelineData(t *testing.T) {
	t.Parallel()
	sink := startSink(t, smtpsink.Options{})
	sink.RefuseRcpt("gone@school.test", &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"})
	c := newClient(t, hopConfig(sink.Addr, nexthop.TLSNone), nexthop.Options{})
	mail := nexthop.Mail{From: "a@example.com", PipelineData: true}
	begin := func(m nexthop.Mail, rcpts ...string) (*nexthop.Txn, error) {
		t.Helper()
		return c.Begin(t.Context(), sink.Addr, m, rcpts)
	}
	wantMessages := func(n int) {
		t.Helper()
		if got := len(sink.Messages()); got != n {
			t.Fatalf("sink got %d messages, want %d", got, n)
		}
	}

	// Delivered, and the connection reused.
	for range 2 {
		tx, err := begin(mail, "b@school.test")
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.Data([]byte("X-Copy: 1\r\n"), section(testMsg)); err != nil {
			t.Fatalf("Data = %v", err)
		}
	}
	wantMessages(2)
	if m := sink.Messages()[1]; string(m.Data) != "X-Copy: 1\r\n"+testMsg || len(m.To) != 1 || m.To[0] != "b@school.test" {
		t.Fatalf("delivered %q to %v, want the header and message to b@school.test", m.Data, m.To)
	}
	if n := sink.Sessions(); n != 1 {
		t.Fatalf("sink saw %d sessions for 2 pipelined transactions, want 1", n)
	}

	// A refused recipient: the DATA sent with it is refused too, the
	// session is reset and reused.
	_, err := begin(mail, "gone@school.test")
	if e := asError(t, err); e.Stage != nexthop.StageRcpt || e.Code != 550 {
		t.Fatalf("Begin to a refused recipient = %v, want a 550 at rcpt", err)
	}
	if n := c.IdleConns(sink.Addr); n != 1 {
		t.Fatalf("IdleConns = %d after a refused recipient, want 1 (reset, reused)", n)
	}

	// Accepted, then refused: the hop took DATA, so the connection is
	// dropped (no RSET is possible in DATA) and nothing is delivered.
	_, err = begin(mail, "b@school.test", "gone@school.test")
	if e := asError(t, err); e.Stage != nexthop.StageRcpt || e.Code != 550 {
		t.Fatalf("Begin(ok, refused) = %v, want a 550 at rcpt", err)
	}
	if n := c.IdleConns(sink.Addr); n != 0 {
		t.Fatalf("IdleConns = %d after a refusal in DATA, want 0 (dropped)", n)
	}

	// Abort after the hop took DATA: dropped, nothing delivered.
	tx, err := begin(mail, "b@school.test")
	if err != nil {
		t.Fatal(err)
	}
	tx.Abort()
	if n := c.IdleConns(sink.Addr); n != 0 {
		t.Fatalf("IdleConns = %d after an abort in DATA, want 0", n)
	}
	wantMessages(2)

	// KeepPartial: the accepted recipients get the message.
	partial := mail
	partial.KeepPartial = true
	tx, err = begin(partial, "gone@school.test", "ok@school.test")
	if err != nil {
		t.Fatalf("Begin(KeepPartial) = %v", err)
	}
	if err := tx.Data(nil, section(testMsg)); err != nil {
		t.Fatalf("Data = %v", err)
	}
	wantMessages(3)
	if m := sink.Messages()[2]; len(m.To) != 1 || m.To[0] != "ok@school.test" {
		t.Fatalf("partial copy went to %v, want [ok@school.test]", m.To)
	}

	// KeepPartial, every recipient refused: the DATA refusal is Data's
	// answer, and the session survives it.
	tx, err = begin(partial, "gone@school.test")
	if err != nil {
		t.Fatalf("Begin(KeepPartial, all refused) = %v", err)
	}
	if err := tx.Data(nil, section(testMsg)); !errors.Is(err, nexthop.ErrNoRecipients) {
		t.Fatalf("Data with no accepted recipient = %v, want ErrNoRecipients", err)
	}
	if n := c.IdleConns(sink.Addr); n != 1 {
		t.Fatalf("IdleConns = %d after a refused DATA, want 1", n)
	}
	wantMessages(3)
}
