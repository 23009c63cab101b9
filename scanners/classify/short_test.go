package classify

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
)

func TestDirected(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want bool
	}{
		{"you are so annoying", true},
		{"ur a fat slag", true},
		{"u r ugly", true},
		{"You're a joke", true},
		{"you’re a joke", true},
		{"you&#039;re a joke", true},
		{"YOURSELF", true},
		{"send me pics of urself", true},
		{"stfu", true},
		{"kys", true},
		{"shut up!", true},
		{"Fuck off", true},
		{"just go away", true},
		{"get lost loser", true},
		{"yall are weird", true},
		{"he is so annoying", false},
		{"she's a slag", false},
		{"FUCK", false},
		{"this homework is shit", false},
		{"the youth club is shut", false},
		{"yourselfish", false}, // not a word of the list
		{"shut the door up there", false},
		{"log off", false},
		{"we went away", false},
		{"I got lost", false},
		{"", false},
		{strings.Repeat("a", 40) + " you", true},
		// round 9: orders and vocatives without a second-person word
		{"go to hell", true},
		{"rot in hell!", true},
		{"suck my dick", true},
		{"bite me", true},
		{"drop dead", true},
		{"oi slag", true},
		{"hey loser what are u doing", true},
		{"shut up, bitch", true},
		{"whatever loser", true},
		{"nobody asked idiot.", true},
		{"idiot!", true},
		{"no one invited you bitch. stay home", true},
		{"what a slag", false},
		{"she's a slag.", false},
		{"he is such an idiot", false},
		{"his dickhead mate came round", false},
		{"the class weirdo", false},
		{"I feel like an idiot", false},
		{"we went to hell and back on that walk", false},
		{"welcome to hell week", false},
		{"the loser of the match buys pizza", false},
		{"suck it up", false},
		{"drop the dead leaves off", false},
		{"she said that girl is a total bitch. she left", false},
		{"hey Sam, the idiot who broke the printer was me", false},
		{strings.Repeat("you", 10), false}, // one long word
	} {
		if got := Directed(c.in); got != c.want {
			t.Errorf("Directed(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestAimedSeverity(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		p        float64
		low, med float32
		passage  string
		want     scanners.Severity
	}{
		{0.99, 0.9, 0.95, "ur a slag", scanners.Medium},
		{0.99, 0.9, 0.95, "what a slag", scanners.Info},                             // short and not aimed
		{0.99, 0.9, 0.95, "she is such a slag and everyone knows it", scanners.Low}, // judged, not aimed
		{0.92, 0.9, 0.95, "ur a slag", scanners.Low},
		{0.80, 0.9, 0.95, "ur a slag", scanners.Info},
		{0.99, 1, 1, "ur a slag", scanners.Info},         // thresholds never reached
		{0.99, 0.9, 0.95, "ur a slag lol", scanners.Low}, // aimed but laughing
		{0.99, 0.9, 0.95, "ur a slag 😂", scanners.Low},
	} {
		if got := AimedSeverity(c.p, c.low, c.med, c.passage); got != c.want {
			t.Errorf("AimedSeverity(%.2f, %.2f, %.2f, %q) = %v, want %v", c.p, c.low, c.med, c.passage, got, c.want)
		}
	}
}

func TestLaughs(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want bool
	}{
		{"ur an idiot lol", true},
		{"LMAO you're dumb", true},
		{"jk i love you", true},
		{"you clown 🤣", true},
		{"hahaha", true},
		{"you are a lollipop", false},
		{"shut up", false},
		{"jokester", false},
		{"", false},
	} {
		if got := Laughs(c.in); got != c.want {
			t.Errorf("Laughs(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestDirectedAllocs(t *testing.T) {
	in := "so what did you think of the match, mate? shut up lol"
	if n := testing.AllocsPerRun(100, func() { Directed(in); Laughs(in) }); n != 0 {
		t.Errorf("Directed and Laughs allocate %.0f times, want 0", n)
	}
}

// TestAimedTeenMessages scans the hand-written teen messages of the
// safeguarding tests (scanners/safeguarding/testdata, CC0, never training
// data) with the embedded model, one plain-text mail each, and counts
// classifier_bullying at medium: a guard that the aimed rule does not
// flag ordinary teen chat (the hidden set's clean texts), and a record of
// how much bullying the classifier finds on its own.
func TestAimedTeenMessages(t *testing.T) {
	t.Parallel()
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	rate := func(file string) (flagged, n int, hits []string) {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for line := range strings.SplitSeq(string(raw), "\n") {
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			n++
			mail := "From: pupil@school.test\r\nTo: friend@school.test\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + line + "\r\n"
			fs, err := s.Scan(t.Context(), message.Parse(context.Background(), []byte(mail), message.Limits{}.WithDefaults()), &scanners.Envelope{})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range fs {
				if f.Rule == "classifier_"+AimedTopic && f.Severity >= scanners.Medium {
					flagged++
					hits = append(hits, line)
					break
				}
			}
		}
		return flagged, n, hits
	}
	tp, pos, _ := rate("../safeguarding/testdata/teen-bullying.txt")
	fp, neg, hits := rate("../safeguarding/testdata/teen-clean.txt")
	t.Logf("classifier_bullying medium+: bullying %d of %d (%.3f), ordinary %d of %d (%.3f)", tp, pos, float64(tp)/float64(pos), fp, neg, float64(fp)/float64(neg))
	for _, h := range hits {
		t.Logf("ordinary flagged: %s", h)
	}
	if float64(fp) > 0.01*float64(neg) {
		t.Errorf("classifier_bullying flags %d of %d ordinary teen messages at medium, want at most 1%%", fp, neg)
	}
}
