package spam

import (
	"context"
	"slices"
	"testing"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/internal/testutil/redistest"
	"github.com/lychgate/lychgate/message"
)

// TestNewClassifierInternalHosts: [spam.bayes] internal_hosts reaches the
// tokenizer the relay and `lychgate learn` use, so a school's own gateway
// in front of lychgate is not learnt as the sender's network.
func TestNewClassifierInternalHosts(t *testing.T) {
	rdb := redistest.Start(t).Client(t)
	raw := crlf("Received: from gw.school.example (gw.school.example [192.0.2.26]) by lychgate.school.example\n" +
		"Received: from mx.sender.example (mx.sender.example [198.51.100.7]) by gw.school.example\n" +
		"From: a@sender.example\nSubject: hello\n\nhello there\n")
	m := message.Parse(context.Background(), raw, message.Limits{})
	for _, tc := range []struct {
		internal []string
		gateway  bool // the gateway's network is a token
	}{
		{nil, true},
		{[]string{"school.example"}, false},
	} {
		cfg := config.Default().Spam.Bayes
		cfg.InternalHosts = tc.internal
		c, err := NewClassifier(cfg, rdb, "test", message.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		toks := c.Tokenize(m)
		if got := slices.Contains(toks, "h:ip24:192.0.2"); got != tc.gateway {
			t.Errorf("internal_hosts %q: gateway network token present %v, want %v", tc.internal, got, tc.gateway)
		}
		if !slices.Contains(toks, "h:ip24:198.51.100") {
			t.Errorf("internal_hosts %q: sender network token missing from %q", tc.internal, toks)
		}
	}
}
