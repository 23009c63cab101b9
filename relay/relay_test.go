package relay

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
)

func TestCleanDeliveryByteForByte(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	body := msg("Sports day", "See you at sports day.\r\n..a line that starts with a dot\r\n\r\nBye")
	if err := e.send(outsider, []string{pupil}, body); err != nil {
		t.Fatalf("send = %v, want 250", err)
	}
	got := e.sink.Messages()
	if len(got) != 1 {
		t.Fatalf("sink got %d messages, want 1", len(got))
	}
	added, rest := stripPrefix(got[0].Data)
	if string(rest) != body {
		t.Errorf("delivered body differs:\n got %q\nwant %q", rest, body)
	}
	if !strings.Contains(added, "by relay.test (lychgate) with ESMTP id") || !strings.Contains(added, "X-Lychgate-Verdict: deliver\r\n") {
		t.Errorf("added headers = %q, want Received and X-Lychgate-Verdict", added)
	}
	if got[0].From != outsider || len(got[0].To) != 1 || got[0].To[0] != pupil {
		t.Errorf("envelope = %s -> %v, want %s -> [%s]", got[0].From, got[0].To, outsider, pupil)
	}
	if n := len(e.entries()); n != 0 {
		t.Errorf("quarantine has %d entries, want 0", n)
	}
}

func TestTagAddsHeadersAndDropsForgedOnes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{relayTOML: `subject_prefix = "[CHECK]"`})
	body := "X-Lychgate-Verdict: deliver\r\nFrom: a@example.com\r\nSubject: oh bother\r\n\r\nhello\r\n"
	if err := e.send(outsider, []string{pupil}, body); err != nil {
		t.Fatalf("send = %v, want 250", err)
	}
	got := e.sink.Messages()
	if len(got) != 1 {
		t.Fatalf("sink got %d messages, want 1", len(got))
	}
	added, rest := stripPrefix(got[0].Data)
	if !strings.Contains(added, "X-Lychgate-Verdict: tag\r\n") || !strings.Contains(added, "X-Lychgate-Categories: profanity\r\n") {
		t.Errorf("added headers = %q, want tag verdict with category", added)
	}
	if want := "From: a@example.com\r\nSubject: [CHECK] oh bother\r\n\r\nhello\r\n"; string(rest) != want {
		t.Errorf("delivered = %q, want %q (forged verdict removed, subject prefixed)", rest, want)
	}
}

func TestQuarantine(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	body := msg("hi", "this contains the Example Phrase, see")
	if err := e.send(outsider, []string{pupil}, body); err != nil {
		t.Fatalf("send = %v, want 250", err)
	}
	if n := len(e.sink.Messages()); n != 0 {
		t.Errorf("sink got %d messages, want 0 (held)", n)
	}
	list := e.entries()
	if len(list) != 1 {
		t.Fatalf("quarantine has %d entries, want 1", len(list))
	}
	q := list[0]
	if q.Status != "held" || q.School != "stlaurence" || len(q.Held) != 1 || q.Held[0] != pupil || q.From != outsider {
		t.Errorf("entry = %+v, want held for %s from %s", q, pupil, outsider)
	}
	if len(q.Findings) == 0 || q.Findings[0].Rule != "test-phrase" || q.Findings[0].Evidence[0].Text != "Example Phrase" {
		t.Errorf("findings = %+v, want test-phrase with evidence", q.Findings)
	}
	_, raw, err := e.store.Get(context.Background(), "stlaurence", q.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(string(raw), body) || !strings.HasPrefix(string(raw), "Received: ") {
		t.Errorf("stored raw = %q, want Received + original", raw)
	}
}

func TestMixedRecipients(t *testing.T) {
	t.Parallel()
	// The policy holds the pupils' copies of a safeguarding hit and tags
	// the staff's: one quarantine entry for the two pupils, one tagged
	// delivery for the teacher.
	e := newEnv(t, envOpts{})
	pupil2 := "pupil2@" + school
	if err := e.send(outsider, []string{pupil, teacher, pupil2}, msg("hi", "example phrase")); err != nil {
		t.Fatalf("send = %v, want 250", err)
	}
	q := e.entries()
	if len(q) != 1 || len(q[0].Held) != 2 || q[0].Held[0] != pupil || q[0].Held[1] != pupil2 || len(q[0].Recipients) != 3 {
		t.Fatalf("entries = %+v, want one entry holding both pupils", q)
	}
	got := e.sink.Messages()
	if len(got) != 1 || len(got[0].To) != 1 || got[0].To[0] != teacher {
		t.Fatalf("sink got %+v, want one message to the teacher", got)
	}
	if added, _ := stripPrefix(got[0].Data); !strings.Contains(added, "X-Lychgate-Verdict: tag") {
		t.Errorf("teacher's copy headers = %q, want tag verdict", added)
	}
	// A mild hit tags every copy; they go out in one downstream transaction.
	if err := e.send(outsider, []string{pupil, teacher}, msg("oh bother", "x")); err != nil {
		t.Fatalf("send = %v, want 250", err)
	}
	if got := e.sink.Messages(); len(got) != 2 || len(got[1].To) != 2 {
		t.Fatalf("sink got %+v, want a second message to both recipients", got)
	}
}

func TestReject(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	err := e.send(outsider, []string{pupil}, msg("refuse-this-message", "x"))
	if code(err) != 550 {
		t.Fatalf("send = %v, want 550", err)
	}
	if n := len(e.sink.Messages()); n != 0 {
		t.Errorf("sink got %d messages, want 0", n)
	}
	if n := len(e.entries()); n != 0 {
		t.Errorf("quarantine has %d entries, want 0", n)
	}
}

func TestNextHopDownTempfails(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{deadNextHop: true})
	err := e.send(outsider, []string{pupil}, msg("hello", "clean"))
	if c := code(err); c < 400 || c > 499 {
		t.Fatalf("send = %v, want 4xx", err)
	}
}

func TestNextHopRefusesDataTempfails(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	e.sink.FailData(&smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 3, 1}, Message: "disk full"})
	err := e.send(outsider, []string{pupil}, msg("hello", "clean"))
	if c := code(err); c != 451 {
		t.Fatalf("send = %v, want 451", err)
	}
	e.sink.FailData(&smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "no thanks"})
	err = e.send(outsider, []string{pupil}, msg("hello", "clean"))
	if c := code(err); c != 554 {
		t.Fatalf("send = %v, want 554 passed through", err)
	}
}

func TestRedisDownTempfailsQuarantine(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	e.redis.Stop(t)
	err := e.send(outsider, []string{pupil, teacher}, msg("hi", "example phrase"))
	if c := code(err); c < 400 || c > 499 {
		t.Fatalf("send = %v, want 4xx", err)
	}
	if n := len(e.sink.Messages()); n != 0 {
		t.Errorf("sink got %d messages, want 0", n)
	}
	// Clean mail does not need Redis and still flows.
	if err := e.send(outsider, []string{pupil}, msg("hello", "clean")); err != nil {
		t.Errorf("clean send with Redis down = %v, want 250", err)
	}
}

func TestNoStoreTempfailsQuarantine(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{noRedis: true})
	err := e.send(outsider, []string{pupil}, msg("hi", "example phrase"))
	if c := code(err); c != 451 {
		t.Fatalf("send = %v, want 451", err)
	}
}

func TestRetryAfterTempfailMakesOneEntry(t *testing.T) {
	t.Parallel()
	// The pupil's copy is quarantined and the teacher's delivered tagged,
	// except that the next hop fails the first time: the sender retries,
	// and the quarantine still holds one entry.
	e := newEnv(t, envOpts{})
	e.sink.FailData(&smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try later"})
	body := msg("hi", "example phrase")
	rcpts := []string{pupil, teacher}
	if err := e.send(outsider, rcpts, body); code(err) != 451 {
		t.Fatalf("first send = %v, want 451", err)
	}
	if n := len(e.entries()); n != 1 {
		t.Fatalf("quarantine has %d entries after the 4xx, want 1 (written before delivery)", n)
	}
	e.sink.FailData(nil)
	for i := range 2 {
		if err := e.send(outsider, rcpts, body); err != nil {
			t.Fatalf("retry %d = %v, want 250", i, err)
		}
	}
	if n := len(e.entries()); n != 1 {
		t.Errorf("quarantine has %d entries after retries, want 1", n)
	}
	if n := len(e.sink.Messages()); n != 2 {
		t.Errorf("sink got %d messages, want 2 (one per accepted retry)", n)
	}
}

func TestScannerErrorTempfails(t *testing.T) {
	t.Parallel()
	boom := scanners.Func{ID: "boom", F: func(context.Context, *message.Message, *scanners.Envelope) ([]scanners.Finding, error) {
		return nil, fmt.Errorf("backend unreachable")
	}}
	e := newEnv(t, envOpts{extra: []scanners.Scanner{boom}})
	if err := e.send(outsider, []string{pupil}, msg("hello", "clean")); code(err) != 451 {
		t.Fatalf("send = %v, want 451", err)
	}
	if n := len(e.sink.Messages()); n != 0 {
		t.Errorf("sink got %d, want 0", n)
	}
}

func TestScannerPanicTempfails(t *testing.T) {
	t.Parallel()
	boom := scanners.Func{ID: "boom", F: func(context.Context, *message.Message, *scanners.Envelope) ([]scanners.Finding, error) {
		panic("scanner bug")
	}}
	e := newEnv(t, envOpts{extra: []scanners.Scanner{boom}})
	if err := e.send(outsider, []string{pupil}, msg("hello", "clean")); code(err) != 451 {
		t.Fatalf("send = %v, want 451", err)
	}
}

func TestOversize(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	big := msg("big", strings.Repeat("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\r\n", 1100))
	if err := e.send(outsider, []string{pupil}, big); code(err) != 552 {
		t.Fatalf("send = %v, want 552", err)
	}
	// SIZE declared up front is refused at MAIL.
	c, err := smtp.Dial(e.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Mail(outsider, &smtp.MailOptions{Size: 1 << 20}); code(err) != 552 {
		t.Errorf("MAIL SIZE=1MiB = %v, want 552", err)
	}
}

func TestTooManyRecipients(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	var rcpts []string
	for i := range 6 {
		rcpts = append(rcpts, fmt.Sprintf("pupil%d@%s", i, school))
	}
	if err := e.send(outsider, rcpts, msg("x", "y")); code(err) != 452 {
		t.Fatalf("send to 6 = %v, want 452 on the 6th", err)
	}
}

func TestOpenRelayRefused(t *testing.T) {
	t.Parallel()
	untrusted := newEnv(t, envOpts{})
	trusted := newEnv(t, envOpts{trusted: true})
	cases := []struct {
		name    string
		e       *env
		rcpt    string
		wantErr bool
	}{
		{"school address", untrusted, pupil, false},
		{"school address upper case", untrusted, "PUPIL1@SCHOOL.Example.SCH.UK", false},
		{"outside domain", untrusted, "victim@example.net", true},
		{"percent hack", untrusted, "victim%example.net@" + school, true},
		{"bang path", untrusted, "example.net!victim@" + school, true},
		{"quoted local part hiding @", untrusted, `"victim@example.net"@` + school, true},
		{"double at", untrusted, "victim@example.net@" + school, true},
		{"source route to outside", untrusted, "@" + school + ":victim@example.net", true},
		{"trailing dot", untrusted, "pupil1@" + school + ".", true},
		{"ip literal", untrusted, "postmaster@[127.0.0.1]", true},
		{"bare ip domain", untrusted, "postmaster@127.0.0.1", true},
		{"subdomain of school", untrusted, "x@evil." + school, true},
		{"school as subdomain of outside", untrusted, "x@" + school + ".example.net", true},
		{"trusted to outside", trusted, "parent@example.net", false},
		{"trusted percent hack", trusted, "victim%example.net@" + school, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := smtp.Dial(tc.e.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if err := c.Mail(teacher, nil); err != nil {
				t.Fatal(err)
			}
			err = c.Rcpt(tc.rcpt, nil)
			if tc.wantErr {
				var se *smtp.SMTPError
				if code(err) != 550 || !asSMTP(err, &se) || se.EnhancedCode != (smtp.EnhancedCode{5, 7, 1}) {
					t.Errorf("RCPT %s = %v, want 550 5.7.1", tc.rcpt, err)
				}
			} else if err != nil {
				t.Errorf("RCPT %s = %v, want accepted", tc.rcpt, err)
			}
		})
	}
}

func asSMTP(err error, se **smtp.SMTPError) bool {
	s, ok := err.(*smtp.SMTPError)
	*se = s
	return ok
}

// rawSession speaks SMTP by hand, for what no well-behaved client sends.
type rawSession struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func dialRaw(t *testing.T, addr string) *rawSession {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	s := &rawSession{t: t, c: c, r: bufio.NewReader(c)}
	s.expect("220")
	return s
}

// reply reads one (possibly multi-line) reply and returns its last line.
func (s *rawSession) reply() string {
	s.t.Helper()
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			return "EOF: " + err.Error()
		}
		if len(line) < 4 || line[3] != '-' {
			return strings.TrimRight(line, "\r\n")
		}
	}
}

func (s *rawSession) expect(prefix string) string {
	s.t.Helper()
	got := s.reply()
	if !strings.HasPrefix(got, prefix) {
		s.t.Fatalf("reply = %q, want %s", got, prefix)
	}
	return got
}

func (s *rawSession) send(data string) {
	s.t.Helper()
	if _, err := s.c.Write([]byte(data)); err != nil {
		s.t.Fatal(err)
	}
}

// The published SMTP smuggling patterns (SEC Consult, Dec 2023; Postfix's
// smtp-smuggling notes): an end-of-data look-alike followed by a second
// transaction inside the first message's DATA.
var smugglingCases = []struct {
	name string
	eod  string
	want string // reply to the end of data with bare_line_endings = "reject"
}{
	{"LF.LF", "\n.\n", "554 5.5.2"},
	{"LF.CRLF", "\n.\r\n", "554 5.5.2"},
	{"CRLF.LF", "\r\n.\n", "554 5.5.2"},
	{"CR.CR", "\r.\r", "554 5.5.2"},
	{"CR.CRLF", "\r.\r\n", "554 5.5.2"},
	// ".\r" then "M": a dot-stuffed line with a bare CR in it (go-smtp's
	// reader used to drop the ".\r" and glue the lines together).
	{"CRLF.CR", "\r\n.\r", "554 5.5.2"},
	{"LF.CR", "\n.\r", "554 5.5.2"},
	{"CRLF.NUL.CRLF", "\r\n.\x00\r\n", "554 5.6.0"},
}

func smuggle(t *testing.T, e *env, eod string) string {
	t.Helper()
	s := dialRaw(t, e.addr)
	s.send("EHLO client.test\r\n")
	s.expect("250")
	s.send("MAIL FROM:<" + outsider + ">\r\n")
	s.expect("250")
	s.send("RCPT TO:<" + pupil + ">\r\n")
	s.expect("250")
	s.send("DATA\r\n")
	s.expect("354")
	s.send("From: a@example.com\r\nSubject: first\r\n\r\nfirst message" + eod +
		"MAIL FROM:<admin@example.com>\r\nRCPT TO:<" + teacher + ">\r\nDATA\r\nFrom: admin@example.com\r\nSubject: smuggled\r\n\r\nsmuggled\r\n.\r\n")
	got := s.reply()
	s.send("QUIT\r\n")
	return got
}

func TestSmugglingRejected(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	for _, tc := range smugglingCases {
		t.Run(tc.name, func(t *testing.T) {
			if got := smuggle(t, e, tc.eod); !strings.HasPrefix(got, tc.want) {
				t.Errorf("end of data = %q, want %s", got, tc.want)
			}
		})
	}
	for _, m := range e.sink.Messages() {
		if strings.Contains(string(m.Data), "Subject: smuggled") && !strings.Contains(string(m.Data), "first message") {
			t.Errorf("a smuggled message arrived on its own: %q", m.Data)
		}
		if len(m.To) != 1 || m.To[0] != pupil {
			t.Errorf("delivered to %v, want only %s", m.To, pupil)
		}
	}
}

func TestSmugglingFixedIsOneMessage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{relayTOML: "bare_line_endings = \"fix\"\nnul_bytes = \"strip\""})
	for _, tc := range smugglingCases {
		t.Run(tc.name, func(t *testing.T) {
			if got := smuggle(t, e, tc.eod); !strings.HasPrefix(got, "250") {
				t.Fatalf("end of data = %q, want 250", got)
			}
			for _, m := range e.sink.Messages() {
				if len(m.To) != 1 || m.To[0] != pupil {
					t.Errorf("delivered to %v, want only %s", m.To, pupil)
				}
				if !strings.Contains(string(m.Data), "first message") {
					t.Errorf("a message without the first body arrived: %q", m.Data)
				}
				if hasBareLineEnding(m.Data) {
					t.Errorf("forwarded message has bare line endings: %q", m.Data)
				}
			}
		})
	}
	if n := len(e.sink.Messages()); n != len(smugglingCases) {
		t.Errorf("sink got %d messages, want %d (one per session)", n, len(smugglingCases))
	}
}

func TestConnectionLimitPerIP(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{relayTOML: "max_connections_per_ip = 1"})
	first := dialRaw(t, e.addr)
	c, err := net.Dial("tcp", e.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	line, _ := bufio.NewReader(c).ReadString('\n')
	if !strings.HasPrefix(line, "421 4.7.0") {
		t.Errorf("second connection greeting = %q, want 421 4.7.0", line)
	}
	first.send("QUIT\r\n")
	first.expect("221")
}

func TestShutdownTempfailsNewMail(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	s := dialRaw(t, e.addr)
	s.send("EHLO client.test\r\n")
	s.expect("250")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	s.send("MAIL FROM:<" + outsider + ">\r\n")
	if got := s.reply(); strings.HasPrefix(got, "250") {
		t.Errorf("MAIL after shutdown = %q, want refusal or closed connection", got)
	}
}

func TestNotifyFailureTempfails(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	rec := recordNotify(e, func(n int) error {
		if n == 1 {
			return fmt.Errorf("outbox unavailable")
		}
		return nil
	})
	body := msg("hi", "example phrase")
	if err := e.send(outsider, []string{pupil, teacher}, body); code(err) != 451 {
		t.Fatalf("send with notify failing = %v, want 451", err)
	}
	if n := len(e.sink.Messages()); n != 0 {
		t.Errorf("sink got %d messages before notifications were queued, want 0", n)
	}
	if err := e.send(outsider, []string{pupil, teacher}, body); err != nil {
		t.Fatalf("retry = %v, want 250", err)
	}
	calls := rec.calls()
	if len(calls) != 2 || calls[0].Hash != calls[1].Hash || calls[0].Hash == "" || calls[1].Quarantined["stlaurence"] == "" {
		t.Errorf("notify calls = %+v, want two with the same hash and the quarantine id", calls)
	}
}

func TestNextHopConnectionReuse(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	for i := range 3 {
		if err := e.send(outsider, []string{pupil}, msg(fmt.Sprintf("m%d", i), "clean")); err != nil {
			t.Fatalf("send %d = %v", i, err)
		}
	}
	if n := e.sink.Sessions(); n != 1 {
		t.Errorf("next hop saw %d sessions for 3 messages, want 1 (reused)", n)
	}
	// The next hop drops idle connections: the relay notices and dials anew.
	e.sink.DropConnections()
	if err := e.send(outsider, []string{pupil}, msg("after-drop", "clean")); err != nil {
		t.Fatalf("send after the hop dropped the connection = %v, want 250", err)
	}
	// A refused RCPT resets the transaction and the connection stays usable.
	e.sink.RefuseRcpt(pupil, &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"})
	if err := e.send(outsider, []string{pupil}, msg("refused", "clean")); code(err) != 550 {
		t.Fatalf("send to a refused recipient = %v, want 550", err)
	}
	e.sink.RefuseRcpt(pupil, nil)
	if err := e.send(outsider, []string{pupil}, msg("again", "clean")); err != nil {
		t.Fatalf("send after a refusal = %v, want 250", err)
	}
	if got := len(e.sink.Messages()); got != 5 {
		t.Errorf("sink got %d messages, want 5", got)
	}
}

func TestRejectStillNotifies(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	rec := recordNotify(e, func(int) error { return nil })
	if err := e.send(outsider, []string{pupil}, msg("refuse-this-message", "x")); code(err) != 550 {
		t.Fatalf("send = %v, want 550", err)
	}
	got := rec.calls()
	if len(got) != 1 || len(got[0].Quarantined) != 0 || got[0].Verdict.Decisions[0].Action != "reject" {
		t.Errorf("notify calls = %+v, want one for the rejected message", got)
	}
}

func TestSMTPUTF8And8BitMIME(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	c, err := smtp.Dial(e.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.Extension("SMTPUTF8"); !ok {
		t.Fatal("relay does not offer SMTPUTF8")
	}
	if ok, _ := c.Extension("8BITMIME"); !ok {
		t.Fatal("relay does not offer 8BITMIME")
	}
	from := "jürgen@example.com"
	to := "pupil1@" + school
	if err := c.Mail(from, &smtp.MailOptions{UTF8: true, Body: smtp.Body8BitMIME}); err != nil {
		t.Fatalf("MAIL SMTPUTF8 = %v", err)
	}
	if err := c.Rcpt(to, nil); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	body := "From: Jürgen <jürgen@example.com>\r\nSubject: Grüße\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nSchöne Grüße aus Köln\r\n"
	if _, err := w.Write([]byte(body)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("end of data = %v, want 250", err)
	}
	got := e.sink.Messages()
	if len(got) != 1 || got[0].From != from {
		t.Fatalf("sink got %+v, want one message from %s", got, from)
	}
	added, rest := stripPrefix(got[0].Data)
	if string(rest) != body {
		t.Errorf("8-bit body changed: %q", rest)
	}
	if !strings.Contains(added, "with UTF8SMTP id") {
		t.Errorf("Received = %q, want protocol UTF8SMTP (RFC 6531)", added)
	}
}

func TestRecipientVerification(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{trusted: true})
	unknown := "left-last-year@" + school
	e.sink.RefuseRcpt(unknown, &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"})
	c, err := smtp.Dial(e.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Mail(teacher, nil); err != nil {
		t.Fatal(err)
	}
	var se *smtp.SMTPError
	if err := c.Rcpt(unknown, nil); !asSMTP(err, &se) || se.Code != 550 || se.EnhancedCode != (smtp.EnhancedCode{5, 1, 1}) {
		t.Errorf("RCPT unknown school address = %v, want 550 5.1.1", err)
	}
	if err := c.Rcpt(pupil, nil); err != nil {
		t.Errorf("RCPT known school address = %v, want accepted", err)
	}
	// Outside recipients are not verified (that is the smarthost's job).
	e.sink.RefuseRcpt("x@example.net", &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no"})
	if err := c.Rcpt("x@example.net", nil); err != nil {
		t.Errorf("RCPT outside address = %v, want accepted at RCPT", err)
	}
	for _, m := range e.sink.Messages() {
		t.Errorf("a verification probe delivered a message: %+v", m)
	}
}

func TestRecipientVerificationFailsOpen(t *testing.T) {
	t.Parallel()
	// The next hop is down: RCPT is accepted (the probe is inconclusive)
	// and the end of DATA says 4xx, so the sender keeps the message.
	e := newEnv(t, envOpts{deadNextHop: true})
	c, err := smtp.Dial(e.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Mail(outsider, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt(pupil, nil); err != nil {
		t.Fatalf("RCPT with the next hop down = %v, want accepted", err)
	}
}

// notifyRecorder records what the relay hands to its notification hook.
type notifyRecorder struct {
	mu   sync.Mutex
	list []Handled
}

// recordNotify installs a hook that records each call and answers with
// result(n), n counting calls from 1.
func recordNotify(e *env, result func(n int) error) *notifyRecorder {
	r := &notifyRecorder{}
	e.srv.notify = func(_ context.Context, h Handled) error {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.list = append(r.list, h)
		return result(len(r.list))
	}
	return r
}

func (r *notifyRecorder) calls() []Handled {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Handled(nil), r.list...)
}
