package spam_test

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/spam"
)

// Example scans one message with the heuristics alone and prints what
// `lychgate check --json` and the X-Lychgate-Spam header would show.
func Example() {
	s, err := spam.New(spam.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		panic(err)
	}
	raw := "From: Prize Desk <desk@offers.example>\r\nReply-To: claims@yahoo.com\r\nSubject: YOU HAVE WON CASH!!!\r\n\r\nDear friend, claim your prize now.\r\n"
	env := &scanners.Envelope{Recipients: []scanners.Recipient{{Addr: "pupil@school.example", Direction: scanners.Inbound}}}
	fs, err := s.Scan(context.Background(), message.Parse(context.Background(), []byte(raw), message.Limits{}), env)
	if err != nil {
		panic(err)
	}
	sc := config.DefaultSpam()
	th := sc.ThresholdsFor("", "inbound")
	v := spam.VerdictOf(fs, th)
	fmt.Printf("score %.1f, threshold %g, spam %v\n", v.Score, v.Threshold, v.IsSpam)
	fmt.Println(spam.HeaderValue(fs, th))
	// Output:
	// score 14.0, threshold 5, spam true
	// score=14.00 threshold=5 spam=yes reasons=freemail_reply_to(3),missing_date(2.5),subject_exclaim(2),generic_greeting(2),subject_caps(1.5),subject_money(1.5),missing_message_id(1),to_undisclosed(0.5)
}
