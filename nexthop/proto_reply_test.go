package nexthop

import (
	"strconv"
	"testing"
)

// TestReplyCodeEqualsAtoi compares replyCode with the check it replaces:
// strconv.Atoi of the three bytes, from 100 to 599.
func TestReplyCodeEqualsAtoi(t *testing.T) {
	for _, s := range []string{"250", "100", "599", "600", "099", "+25", "-25", "2 5", "25a", "1_0", "٢٥٠", "999", "000", "421", "  1"} {
		c, err := strconv.Atoi(s)
		wantOK := err == nil && c >= 100 && c <= 599
		got, ok := replyCode([]byte(s))
		if ok != wantOK || ok && got != c {
			t.Errorf("replyCode(%q) = %d, %v; want %d, %v", s, got, ok, c, wantOK)
		}
	}
	for i := range 1000 {
		s := strconv.Itoa(i)
		for len(s) < 3 {
			s = "0" + s
		}
		c, _ := strconv.Atoi(s)
		got, ok := replyCode([]byte(s))
		if wantOK := c >= 100 && c <= 599; ok != wantOK || ok && got != c {
			t.Errorf("replyCode(%q) = %d, %v; want %d, %v", s, got, ok, c, wantOK)
		}
	}
}
