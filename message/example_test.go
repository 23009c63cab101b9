package message_test

import (
	"context"
	"fmt"

	"github.com/lychgate/lychgate/message"
)

func ExampleParse() {
	raw := []byte("From: \"Head Teacher\" <head@school.example.com>\r\n" +
		"To: parents@school.example.com\r\n" +
		"Subject: =?UTF-8?Q?Sports_day_=E2=80=93_reminder?=\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: text/html; charset=utf-8\r\n" +
		"\r\n" +
		"<p>Sports day is on Friday &amp; starts at 10.</p>" +
		"<p><a href=\"https://Forms.Example.com/rsvp\">Reply here</a></p>" +
		"<script>track()</script>\r\n")

	m := message.Parse(context.Background(), raw, message.Limits{})
	fmt.Println("subject:", m.Subject)
	fmt.Println("from:", m.From[0].Addr)
	for _, t := range m.Texts {
		fmt.Printf("text %s (html=%v):\n%s\n", t.PartID, t.FromHTML, t.Content)
	}
	for _, u := range m.URLs {
		fmt.Printf("link %s host=%s anchor=%q\n", u.Raw, u.Host, u.Anchor)
	}
	fmt.Println("problems:", len(m.Problems))
	// Output:
	// subject: Sports day – reminder
	// from: head@school.example.com
	// text 0 (html=true):
	// Sports day is on Friday & starts at 10.
	// Reply here
	// link https://Forms.Example.com/rsvp host=forms.example.com anchor="Reply here"
	// problems: 0
}
