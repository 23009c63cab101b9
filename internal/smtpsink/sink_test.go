package smtpsink

import (
	"net/smtp"
	"strings"
	"testing"
)

func TestRepliedAfterTheReplyIsWritten(t *testing.T) {
	s, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := smtp.SendMail(s.Addr, nil, "a@example.com", []string{"b@example.com"}, []byte("Subject: x\r\n\r\nhello\r\n")); err != nil {
		t.Fatal(err)
	}
	msgs := s.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	if !msgs[0].Replied {
		t.Errorf("a message whose 250 the client read is not marked Replied")
	}
	if !strings.Contains(string(msgs[0].Data), "hello") {
		t.Errorf("data %q", msgs[0].Data)
	}
}
