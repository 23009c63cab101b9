package relay

import (
	"bytes"
	"errors"
	"testing"

	"github.com/lychgate/lychgate/policy"
)

func TestReadData(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		in      string
		fix     bool
		want    string
		wantErr error
	}{
		{"crlf", "a\r\nb\r\n", false, "a\r\nb\r\n", nil},
		{"bare lf rejected", "a\nb\r\n", false, "", errBare},
		{"bare cr rejected", "a\rb\r\n", false, "", errBare},
		{"trailing cr rejected", "a\r", false, "", errBare},
		{"bare lf fixed", "a\nb\r\n", true, "a\r\nb\r\n", nil},
		{"bare cr fixed", "a\rb\r\n", true, "a\r\nb\r\n", nil},
		{"lf dot lf fixed", "x\n.\nMAIL", true, "x\r\n.\r\nMAIL", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := readData(bytes.NewReader([]byte(tc.in)), tc.fix)
			if !errors.Is(err, tc.wantErr) || (err == nil && string(got) != tc.want) {
				t.Errorf("readData(%q, fix=%v) = %q, %v; want %q, %v", tc.in, tc.fix, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestRewriteHeaders(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		in     string
		prefix string
		want   string
	}{
		{"nothing to do", "From: a\r\nSubject: hi\r\n\r\nbody\r\n", "", "From: a\r\nSubject: hi\r\n\r\nbody\r\n"},
		{"drop forged folded", "X-Lychgate-Verdict: deliver\r\n more\r\nFrom: a\r\n\r\nX-Lychgate-Verdict: body stays\r\n", "", "From: a\r\n\r\nX-Lychgate-Verdict: body stays\r\n"},
		{"drop case-insensitive", "x-lychgate-score: 0\r\nFrom: a\r\n\r\n", "", "From: a\r\n\r\n"},
		{"prefix subject", "Subject: hi\r\n\r\nb", "[SPAM]", "Subject: [SPAM] hi\r\n\r\nb"},
		{"prefix once", "Subject: [SPAM] hi\r\n\r\nb", "[SPAM]", "Subject: [SPAM] hi\r\n\r\nb"},
		{"prefix folded subject", "Subject: a\r\n b\r\n\r\nc", "[X]", "Subject: [X] a\r\n b\r\n\r\nc"},
		{"no header end", "Subject: hi\r\n", "[X]", "Subject: [X] hi\r\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := string(rewriteHeaders([]byte(tc.in), []string{"X-Lychgate-"}, tc.prefix)); got != tc.want {
				t.Errorf("rewriteHeaders(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestOverallAndStrictest(t *testing.T) {
	t.Parallel()
	d := func(as ...policy.Action) []policy.Decision {
		var out []policy.Decision
		for _, a := range as {
			out = append(out, policy.Decision{Action: a})
		}
		return out
	}
	cases := []struct {
		name          string
		ds            []policy.Decision
		wantOverall   policy.Action
		wantStrictest policy.Action
	}{
		{"all deliver", d(policy.Deliver, policy.Tag), policy.Deliver, policy.Tag},
		{"one held", d(policy.Deliver, policy.Quarantine), policy.Deliver, policy.Quarantine},
		{"some rejected are held, not refused", d(policy.Reject, policy.Deliver), policy.Deliver, policy.Reject},
		{"all rejected", d(policy.Reject, policy.Reject), policy.Reject, policy.Reject},
		{"any tempfail wins", d(policy.Reject, policy.Tempfail, policy.Deliver), policy.Tempfail, policy.Tempfail},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := overallAction(tc.ds); got != tc.wantOverall {
				t.Errorf("overallAction = %s, want %s", got, tc.wantOverall)
			}
			if got := strictest(tc.ds); got != tc.wantStrictest {
				t.Errorf("strictest = %s, want %s", got, tc.wantStrictest)
			}
		})
	}
}
