package attach_test

import (
	"context"
	"encoding/base64"
	"fmt"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/attach"
)

func ExampleScanner() {
	s, err := attach.New(attach.Options{})
	if err != nil {
		panic(err)
	}
	raw := []byte("From: a@example.com\r\nTo: b@school.example\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nInvoice attached.\r\n" +
		"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"invoice.pdf.scr\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n" + base64.StdEncoding.EncodeToString([]byte("not a pdf")) + "\r\n--b--\r\n")
	fs, err := s.Scan(context.Background(), message.Parse(context.Background(), raw, message.Limits{}), &scanners.Envelope{})
	if err != nil {
		panic(err)
	}
	for _, f := range fs {
		fmt.Println(f.Rule, f.Severity, f.Evidence[0].Text)
	}
	// Output:
	// attachment_double_extension high .scr
}
