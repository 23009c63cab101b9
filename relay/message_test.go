package relay

import (
	"bufio"
	"bytes"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/policy"
)

// TestCleaningWhileReading: NUL and bare CR/LF policies applied by
// readDotData as the content arrives.
func TestCleaningWhileReading(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		in         string
		fix, strip bool
		want       string
		bare, nul  bool
	}{
		{"crlf", "a\r\nb\r\n", false, false, "a\r\nb\r\n", false, false},
		{"bare lf rejected", "a\nb\r\n", false, false, "", true, false},
		{"bare cr rejected", "a\rb\r\n", false, false, "", true, false},
		{"cr cr lf rejected", "a\r\r\n", false, false, "", true, false},
		{"bare lf fixed", "a\nb\r\n", true, false, "a\r\nb\r\n", false, false},
		{"bare cr fixed", "a\rb\r\n", true, false, "a\r\nb\r\n", false, false},
		{"cr cr lf fixed", "a\r\r\n", true, false, "a\r\n\r\n", false, false},
		{"lf dot lf fixed", "x\n.\nMAIL\r\n", true, false, "x\r\n.\r\nMAIL\r\n", false, false},
		{"nul rejected", "a\x00b\r\n", false, false, "", false, true},
		{"nul stripped", "a\x00b\x00\r\n", false, true, "ab\r\n", false, false},
		{"nul stripped before the bare check", "a\r\x00\nb\r\n", false, true, "a\r\nb\r\n", false, false},
		{"nul before a bare cr fixed", "a\x00\r\x00b\r\n", true, true, "a\r\nb\r\n", false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			br := bufio.NewReader(strings.NewReader(tc.in + ".\r\n"))
			got, res, err := readDotData(br, cleanLimits(tc.fix, tc.strip))
			if err != nil {
				t.Fatal(err)
			}
			if res.bare != tc.bare || res.nul != tc.nul {
				t.Fatalf("readDotData(%q) = %+v, want bare %v, nul %v", tc.in, res, tc.bare, tc.nul)
			}
			if tc.bare || tc.nul {
				if got != nil {
					t.Errorf("a refused message was kept")
				}
				return
			}
			b, _ := got.load()
			if string(b) != tc.want {
				t.Errorf("readDotData(%q) = %q, want %q", tc.in, b, tc.want)
			}
		})
	}
}

// cleanLimits are limits with the bare line ending and NUL policies of
// relay.bare_line_endings = "fix" (or "reject") and relay.nul_bytes =
// "strip" (or "reject").
func cleanLimits(fixBare, stripNUL bool) dataLimits {
	lim := dataLimits{bare: refuse, nul: refuse}
	if fixBare {
		lim.bare = fix
	}
	if stripNUL {
		lim.nul = fix
	}
	return lim
}

// cleanRef is the cleaning readDotData does, applied afterwards to the
// whole content (the reference for the fuzz test): NULs first, then bare
// CR/LF.
func cleanRef(raw []byte, fix, strip bool) (out []byte, bare, nul bool) {
	if bytes.IndexByte(raw, 0) >= 0 {
		if !strip {
			return nil, false, true
		}
		raw = bytes.ReplaceAll(raw, []byte{0}, nil)
	}
	if !hasBareLineEnding(raw) {
		return raw, false, false
	}
	if !fix {
		return nil, true, false
	}
	return canonicalCRLF(raw), false, false
}

func hasBareLineEnding(b []byte) bool {
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '\r':
			if i+1 >= len(b) || b[i+1] != '\n' {
				return true
			}
			i++
		case '\n':
			return true
		}
	}
	return false
}

// canonicalCRLF rewrites every bare CR, bare LF and CRLF to CRLF.
func canonicalCRLF(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/50)
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '\r':
			if i+1 < len(b) && b[i+1] == '\n' {
				i++
			}
			out = append(out, '\r', '\n')
		case '\n':
			out = append(out, '\r', '\n')
		default:
			out = append(out, b[i])
		}
	}
	return out
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
