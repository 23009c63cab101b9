package links_test

import (
	"context"
	"fmt"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/links"
)

func ExampleScanner() {
	s, err := links.New(links.Options{SchoolDomains: []string{"stmarys.kent.sch.uk"}})
	if err != nil {
		panic(err)
	}
	raw := []byte("From: it@example.net\r\nTo: office@stmarys.kent.sch.uk\r\nSubject: password expiry\r\n" +
		"Content-Type: text/html\r\n\r\n<p>Keep your password: <a href=\"https://micros0ft-365.example/x\">https://login.microsoftonline.com/</a></p>")
	fs, err := s.Scan(context.Background(), message.Parse(context.Background(), raw, message.Limits{}), &scanners.Envelope{})
	if err != nil {
		panic(err)
	}
	for _, f := range fs {
		fmt.Println(f.Rule, f.Severity)
	}
	// Output:
	// link_text_mismatch high
}
