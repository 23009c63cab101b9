package scanners_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/scannertest"
	"github.com/lychgate/lychgate/textnorm"
)

func TestPipelineRun(t *testing.T) {
	t.Parallel()
	hit := scanners.Finding{Rule: "r1", Category: scanners.Profanity, Severity: scanners.Low, Explanation: "x"}
	crit := scanners.Finding{Rule: "r2", Category: scanners.Safeguarding, Severity: scanners.Critical, Explanation: "y"}
	cases := []struct {
		name     string
		fakes    []*scannertest.Fake
		problems []message.Problem
		want     []string // scanner/rule/category in result order
		runs     []scanners.Status
	}{
		{"nothing", []*scannertest.Fake{{ID: "a"}}, nil, nil, []scanners.Status{scanners.StatusOK}},
		{"sorted by severity", []*scannertest.Fake{{ID: "a", Result: []scanners.Finding{hit}}, {ID: "b", Result: []scanners.Finding{crit}}}, nil,
			[]string{"b/r2/safeguarding", "a/r1/profanity"}, []scanners.Status{scanners.StatusOK, scanners.StatusOK}},
		{"error is a finding", []*scannertest.Fake{{ID: "a", Err: scannertest.ErrScripted}}, nil,
			[]string{"a/scanner_error/scanner-error"}, []scanners.Status{scanners.StatusError}},
		{"panic is a finding", []*scannertest.Fake{{ID: "a", Panic: true}, {ID: "b", Result: []scanners.Finding{hit}}}, nil,
			[]string{"a/scanner_error/scanner-error", "b/r1/profanity"}, []scanners.Status{scanners.StatusError, scanners.StatusOK}},
		{"timeout is a finding", []*scannertest.Fake{{ID: "slow", Delay: time.Minute}}, nil,
			[]string{"slow/scanner_timeout/scanner-error"}, []scanners.Status{scanners.StatusTimeout}},
		{"parse damage is malformed", nil, []message.Problem{{PartID: "1", Name: "malformed_base64", Detail: "bad", Severe: true}},
			[]string{"mime/malformed_base64/malformed"}, []scanners.Status{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var list []scanners.Scanner
			for _, f := range tc.fakes {
				list = append(list, f)
			}
			p := scanners.NewPipeline(list, scanners.PipelineOptions{Timeout: 50 * time.Millisecond})
			res := p.Run(context.Background(), &message.Message{Problems: tc.problems}, &scanners.Envelope{})
			var got []string
			for _, f := range res.Findings {
				got = append(got, f.Scanner+"/"+f.Rule+"/"+string(f.Category))
			}
			if len(got) != len(tc.want) {
				t.Fatalf("Run() findings = %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("Run() findings = %v, want %v", got, tc.want)
				}
			}
			for i, r := range res.Runs {
				if r.Status != tc.runs[i] || r.Scanner != tc.fakes[i].ID {
					t.Errorf("Run().Runs[%d] = %+v, want %s %s", i, r, tc.fakes[i].ID, tc.runs[i])
				}
			}
			for _, f := range tc.fakes {
				if f.Calls() != 1 {
					t.Errorf("scanner %s ran %d times, want 1", f.ID, f.Calls())
				}
			}
		})
	}
}

func TestSeverityText(t *testing.T) {
	t.Parallel()
	for s := scanners.Info; s <= scanners.Critical; s++ {
		b, _ := s.MarshalText()
		var back scanners.Severity
		if err := back.UnmarshalText(b); err != nil || back != s {
			t.Errorf("round trip of %v = %v, %v", s, back, err)
		}
	}
	if _, err := scanners.ParseSeverity("urgent"); err == nil {
		t.Error("ParseSeverity(urgent) = nil error, want one")
	}
	if _, err := scanners.ParseCategory("rude"); err == nil {
		t.Error("ParseCategory(rude) = nil error, want one")
	}
}

func TestEnvelopeDirection(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		dirs []scanners.Direction
		want scanners.Direction
	}{
		{"inbound only", []scanners.Direction{scanners.Inbound}, scanners.Inbound},
		{"internal", []scanners.Direction{scanners.Internal, scanners.Internal}, scanners.Internal},
		{"any outbound wins", []scanners.Direction{scanners.Internal, scanners.Outbound}, scanners.Outbound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := &scanners.Envelope{}
			for _, d := range tc.dirs {
				env.Recipients = append(env.Recipients, scanners.Recipient{Direction: d})
			}
			if got := env.Direction(); got != tc.want {
				t.Errorf("Direction() = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestFindingJSONTagsAndSchool(t *testing.T) {
	t.Parallel()
	plain := scanners.Finding{Scanner: "s", Rule: "r", Category: scanners.Profanity, Severity: scanners.Medium}
	b, err := json.Marshal(plain)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "tags") || strings.Contains(string(b), "school") {
		t.Errorf("Marshal(%+v) = %s, want no tags or school", plain, b)
	}
	tagged := plain
	tagged.Tags, tagged.School = []string{"directed"}, "north"
	b, err = json.Marshal(tagged)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"tags":["directed"]`) || !strings.Contains(string(b), `"school":"north"`) {
		t.Errorf("Marshal(%+v) = %s, want tags and school", tagged, b)
	}
	if !tagged.HasTag("directed") || tagged.HasTag("hyperbole") {
		t.Errorf("HasTag on %q is wrong", tagged.Tags)
	}
}

// textProbe is a TextScanner that records how it was called.
type textProbe struct {
	scanText, scan atomic.Int32
	fields         atomic.Int32 // fields of the last shared Text
}

func (p *textProbe) Name() string { return "probe" }

func (p *textProbe) Scan(ctx context.Context, m *message.Message, env *scanners.Envelope) ([]scanners.Finding, error) {
	p.scan.Add(1)
	return nil, ctx.Err()
}

func (p *textProbe) ScanText(ctx context.Context, t *textnorm.Text, env *scanners.Envelope) ([]scanners.Finding, error) {
	p.scanText.Add(1)
	p.fields.Store(int32(len(t.Fields)))
	return nil, ctx.Err()
}

// TestPipelineSharedTextCancelled: the shared text is normalised under the
// message's context. Once that has ended the text scanners are not handed
// a half-normalised text: each reads the message itself, under its own
// ended context, and the run reports a scanner error (which the default
// policy tempfails), never a clean scan.
func TestPipelineSharedTextCancelled(t *testing.T) {
	t.Parallel()
	m := &message.Message{Subject: "hello", Texts: []message.Text{{PartID: "1", Content: strings.Repeat("some words here ", 1<<14)}}}

	live := &textProbe{}
	p := scanners.NewPipeline([]scanners.Scanner{live}, scanners.PipelineOptions{Timeout: time.Minute})
	res := p.Run(context.Background(), m, &scanners.Envelope{})
	if live.scanText.Load() != 1 || live.scan.Load() != 0 || live.fields.Load() == 0 {
		t.Fatalf("live context: ScanText %d, Scan %d, fields %d; want the shared text once", live.scanText.Load(), live.scan.Load(), live.fields.Load())
	}
	if len(res.Findings) != 0 {
		t.Fatalf("live context: findings %v", res.Findings)
	}

	ended := &textProbe{}
	p = scanners.NewPipeline([]scanners.Scanner{ended}, scanners.PipelineOptions{Timeout: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res = p.Run(ctx, m, &scanners.Envelope{})
	if ended.scanText.Load() != 0 {
		t.Errorf("ended context: ScanText was handed the text %d times", ended.scanText.Load())
	}
	if len(res.Findings) != 1 || res.Findings[0].Category != scanners.ScannerError {
		t.Fatalf("ended context: findings %v, want one scanner error", res.Findings)
	}
}
