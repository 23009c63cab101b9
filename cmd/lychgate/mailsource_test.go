package main

import (
	"strings"
	"testing"
)

func TestSniff(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		head string
		want fileKind
	}{
		"message":                {"From: a@example.com\r\nTo: b@example.net\r\nSubject: x\r\n\r\nbody", singleMessage},
		"message, LF":            {"Received: from x\n\tby y\nSubject: x\n\nbody", singleMessage},
		"space before colon":     {"From: a@example.com\nContent-Type : text/plain\nSubject: x\n\nbody", singleMessage},
		"huge first field":       {"DKIM-Signature: v=1; h=" + strings.Repeat("x-pad:", 2000), singleMessage},
		"mbox":                   {"From a@example.com Mon Jan  1 00:00:00 2024\nFrom: a@example.com\nSubject: x\n\nbody\n", mboxFile},
		"notes":                  {"shopping list\nmilk\n", notMail},
		"notes with a colon":     {"Note: buy milk\nTodo: call Sam\n", notMail},
		"text starting From ":    {"From the head teacher's desk\nDear all,\n", notMail},
		"empty":                  {"", notMail},
		"binary":                 {"\x7fELF\x02\x01\x01\x00\x00\x00", binaryFile},
		"control characters":     {strings.Repeat("\x01\x02\x03abc", 100), binaryFile},
		"leading space (broken)": {" From: a@example.com\nSubject: x\n\n", notMail},
	} {
		if got := sniff([]byte(tc.head)); got != tc.want {
			t.Errorf("%s: sniff(%.40q) = %d, want %d", name, tc.head, got, tc.want)
		}
	}
}
