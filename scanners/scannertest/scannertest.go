// Package scannertest is the conformance suite every scanner passes, plus a
// Fake scanner for pipeline, policy and relay tests.
//
// Conformance checks what the pipeline and the DSL rely on: a stable
// snake_case id, findings with known categories and well-formed evidence
// spans that point at the text they quote, no mutation of the shared
// message, and prompt return once the context is cancelled. Adversarial
// checks bounded work on hostile messages (a 4 MB line, 1 MB of one
// repeated match, 10,000 parts, deep nesting, cancellation mid-scan).
// Every scanner's tests run both.
package scannertest

import (
	"context"
	"errors"
	"reflect"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
)

var idRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Conformance runs the suite for s over msgs (raw messages; at least one
// should make s report something so evidence is checked).
func Conformance(t *testing.T, s scanners.Scanner, env *scanners.Envelope, msgs ...[]byte) {
	t.Helper()
	if !idRE.MatchString(s.Name()) {
		t.Errorf("Name() = %q, want lower-case snake_case", s.Name())
	}
	if first, again := s.Name(), s.Name(); first != again {
		t.Errorf("Name() = %q then %q, want a stable id", first, again)
	}
	findings := 0
	for i, raw := range msgs {
		m := message.Parse(t.Context(), raw, message.Limits{})
		before := message.Parse(t.Context(), raw, message.Limits{})
		fs, err := s.Scan(t.Context(), m, env)
		if err != nil {
			t.Errorf("msg %d: Scan = %v", i, err)
			continue
		}
		if !reflect.DeepEqual(m, before) {
			t.Errorf("msg %d: Scan modified the message", i)
		}
		findings += len(fs)
		for _, f := range fs {
			CheckFinding(t, m, f)
		}
	}
	if len(msgs) > 0 && findings == 0 {
		t.Logf("conformance: %s reported nothing on %d messages; evidence spans were not checked", s.Name(), len(msgs))
	}
	if len(msgs) > 0 {
		checkCancel(t, s, env, msgs[0])
	}
}

func checkCancel(t *testing.T, s scanners.Scanner, env *scanners.Envelope, raw []byte) {
	t.Helper()
	m := message.Parse(t.Context(), raw, message.Limits{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	done := make(chan error, 1)
	go func() {
		_, err := s.Scan(ctx, m, env)
		done <- err
	}()
	select {
	case <-done:
	case <-time.After(100 * time.Millisecond):
		t.Errorf("Scan with a cancelled context did not return within 100ms")
	}
}

// CheckFinding verifies one finding's fields and that each evidence span
// lies within the text it names and quotes it.
func CheckFinding(t *testing.T, m *message.Message, f scanners.Finding) {
	t.Helper()
	if _, err := scanners.ParseCategory(string(f.Category)); err != nil {
		t.Errorf("finding %s/%s: %v", f.Scanner, f.Rule, err)
	}
	if f.Severity < scanners.Info || f.Severity > scanners.Critical {
		t.Errorf("finding %s/%s: severity %d out of range", f.Scanner, f.Rule, f.Severity)
	}
	if f.Rule == "" || f.Explanation == "" {
		t.Errorf("finding %s/%s: empty rule or explanation", f.Scanner, f.Rule)
	}
	for _, ev := range f.Evidence {
		texts := FieldTexts(m, ev)
		if texts == nil {
			continue // a field without text to check against (mime, envelope)
		}
		ok := false
		for _, txt := range texts {
			if ev.Offset >= 0 && ev.Length >= 0 && ev.Offset+ev.Length <= len(txt) && quotes(txt[ev.Offset:ev.Offset+ev.Length], ev.Text) {
				ok = true
				break
			}
		}
		if !ok {
			t.Errorf("finding %s/%s: evidence %+v does not point at its text in %s", f.Scanner, f.Rule, ev, ev.Field)
		}
	}
}

// quotes reports whether excerpt is span, or span shortened with "…".
func quotes(span, excerpt string) bool {
	if excerpt == span {
		return true
	}
	short, ok := strings.CutSuffix(excerpt, "…")
	return ok && strings.HasPrefix(span, short)
}

// FieldTexts returns the candidate texts an evidence span refers to, or nil
// when its field has no text (mime problems, envelope).
func FieldTexts(m *message.Message, ev scanners.Evidence) []string {
	switch {
	case ev.Field == "subject":
		return []string{m.Subject}
	case ev.Field == "body":
		var out []string
		for _, t := range m.Texts {
			if t.PartID == ev.Part {
				out = append(out, t.Content)
			}
		}
		if out == nil {
			out = []string{""}
		}
		return out
	case ev.Field == "filename":
		var out []string
		for _, a := range m.Attachments {
			if a.PartID == ev.Part {
				out = append(out, a.Filename)
			}
		}
		return out
	case strings.HasPrefix(ev.Field, "header:"):
		name := strings.TrimPrefix(ev.Field, "header:")
		out := m.HeaderValues(name)
		// Content scanners read the display names of From, To and Cc
		// (textnorm.MessageFields) under the same field name.
		var addrs []message.Address
		switch strings.ToLower(name) {
		case "from":
			addrs = m.From
		case "to":
			addrs = m.To
		case "cc":
			addrs = m.Cc
		}
		for _, a := range addrs {
			if a.Name != "" {
				out = append(out, a.Name)
			}
		}
		return out
	}
	return nil
}

// Fake is a scanner with a scripted outcome that counts its calls.
type Fake struct {
	ID     string
	Result []scanners.Finding
	Err    error
	Delay  time.Duration
	Panic  bool
	calls  atomic.Int64
}

var _ scanners.Scanner = (*Fake)(nil)

// Name returns f.ID.
func (f *Fake) Name() string { return f.ID }

// Calls returns how often Scan ran.
func (f *Fake) Calls() int { return int(f.calls.Load()) }

// Scan waits Delay (or until ctx ends), then panics, fails or returns Result.
func (f *Fake) Scan(ctx context.Context, _ *message.Message, _ *scanners.Envelope) ([]scanners.Finding, error) {
	f.calls.Add(1)
	if f.Delay > 0 {
		select {
		case <-time.After(f.Delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if f.Panic {
		panic("scannertest: scripted panic")
	}
	if f.Err != nil {
		return nil, f.Err
	}
	return append([]scanners.Finding(nil), f.Result...), nil
}

// ErrScripted is a convenient error for Fake.Err.
var ErrScripted = errors.New("scannertest: scripted failure")
