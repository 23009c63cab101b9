package wire

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/internal/testutil/redistest"
	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/spam"
	"github.com/lychgate/lychgate/scanners/spam/internal/dnstest"
)

func TestBuild(t *testing.T) {
	dns := dnstest.Start(t, `sender.test. 60 IN TXT "v=spf1 -all"`, "7.100.51.198.bl.test. 60 IN A 127.0.0.2")
	srv := redistest.Start(t)
	cfg := config.Default()
	sc := config.DefaultSpam()
	sc.Bayes.Enabled = true
	sc.Auth.Enabled = true // off by default: it needs a resolver
	sc.DNSBL.Enabled = true
	sc.DNSBL.IP = []config.DNSBLZone{{Zone: "bl.test", Score: 2}}
	s, cls, err := Build(cfg, sc, Deps{Logger: slog.New(slog.NewTextHandler(t.Output(), nil)), Redis: srv.Client(t), Resolver: dns.Addr})
	if err != nil {
		t.Fatal(err)
	}
	if cls == nil {
		t.Fatal("Build() gave no classifier with bayes enabled")
	}
	raw := []byte(strings.ReplaceAll("From: a@sender.test\nSubject: hi\n\nhello\n", "\n", "\r\n"))
	if err := cls.LearnHam(t.Context(), raw); err != nil {
		t.Fatal(err)
	}
	env := &scanners.Envelope{RemoteIP: "198.51.100.7", HELO: "mx.sender.test", From: "a@sender.test",
		Recipients: []scanners.Recipient{{Addr: "p@school.example", Direction: scanners.Inbound}}}
	fs, err := s.Scan(t.Context(), message.Parse(context.Background(), raw, message.Limits{}), env)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, f := range fs {
		got[f.Rule] = true
	}
	for _, id := range []string{"bayes_cold", "spf_fail", "dnsbl_bl_test", spam.AuthResultsRule, spam.TotalRule} {
		if !got[id] {
			t.Errorf("Scan() lacks %s; got %v", id, got)
		}
	}
	if h := spam.AuthenticationResults(fs); !strings.Contains(h, "spf=fail") {
		t.Errorf("AuthenticationResults() = %q", h)
	}
}
