package nexthop_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/internal/smtpsink"
	"github.com/lychgate/lychgate/nexthop"
)

func ExampleClient_Begin() {
	sink, err := smtpsink.Start(smtpsink.Options{})
	if err != nil {
		panic(err)
	}
	defer sink.Close()
	sink.RefuseRcpt("gone@school.test", &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"})

	c := nexthop.New(config.NextHop{Inbound: sink.Addr, TLS: nexthop.TLSNone, CommandTimeout: config.Duration{Duration: time.Minute}},
		nexthop.Options{Hostname: "relay.school.test"})
	defer c.Close()
	ctx := context.Background()

	// Phase 1: MAIL and RCPT; a refusal is a typed error.
	_, err = c.Begin(ctx, sink.Addr, nexthop.Mail{From: "a@example.com"}, []string{"gone@school.test"})
	var e *nexthop.Error
	if errors.As(err, &e) {
		fmt.Println(e.Stage, e.Code, e.Enhanced, e.Temporary())
	}
	tx, err := c.Begin(ctx, sink.Addr, nexthop.Mail{From: "a@example.com"}, []string{"pupil@school.test"})
	if err != nil {
		panic(err)
	}
	// Phase 2 (quarantine writes) would happen here; then phase 3: this
	// copy's header lines and the shared message, never joined.
	shared := []byte("Subject: hello\r\n\r\nbody\r\n")
	if err := tx.Data([]byte("X-Copy: 1\r\n"), io.NewSectionReader(bytes.NewReader(shared), 0, int64(len(shared)))); err != nil {
		panic(err)
	}
	fmt.Printf("%q\n", sink.Messages()[0].Data)
	fmt.Println("sessions:", sink.Sessions())
	// Output:
	// rcpt 550 [5 1 1] false
	// "X-Copy: 1\r\nSubject: hello\r\n\r\nbody\r\n"
	// sessions: 1
}

func ExampleFoldWriter() {
	var out bytes.Buffer
	f := nexthop.NewFoldWriter(&out, 20)
	_, _ = f.Write([]byte("Subject: a subject that is far too long\r\n"))
	_, _ = f.Write([]byte(strings.Repeat("A", 30) + "\r\n"))
	_ = f.Flush()
	fmt.Print(strings.ReplaceAll(out.String(), "\r\n", "\n"))
	// Output:
	// Subject: a subject
	//  that is far too
	//  long
	// AAAAAAAAAAAAAAAAAAAA
	//  AAAAAAAAAA
}
