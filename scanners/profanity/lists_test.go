package profanity_test

import (
	"context"
	"testing"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/profanity"
)

// scanBody scans a message whose body is text, with an empty envelope.
func scanBody(t *testing.T, s *profanity.Scanner, text string) []scanners.Finding {
	t.Helper()
	m := message.Parse(context.Background(), []byte("Subject: x\r\n\r\n"+text+"\r\n"), message.Limits{}.WithDefaults())
	fs, err := s.Scan(context.Background(), m, &scanners.Envelope{})
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

// TestListForms checks entries of the embedded lists both ways: masked
// and respelt forms are found, and ordinary words that a masked form
// normalises to ("a*hole" is "a hole") are not.
func TestListForms(t *testing.T) {
	t.Parallel()
	s := newScanner(t, profanity.Options{})
	tests := []struct {
		text string
		want bool
	}{
		{"that is bullsh*t", true},
		{"you motherf***er", true},
		{"what a sh*thead", true},
		{"you b*stard", true},
		{"stfu", true},
		{"you ahole", true},
		{"we dug a hole in the garden", false},
		{"she wore a hat", false},
		{"he is a hater", false},
		{"el perro negro es grande", false},
		{"a spooky Halloween, a real spook", false},
	}
	for _, tc := range tests {
		fs := scanBody(t, s, tc.text)
		got := false
		for _, f := range fs {
			got = got || f.Severity >= scanners.Medium
		}
		if got != tc.want {
			t.Errorf("Scan(%q) medium+ = %v, want %v (findings %v)", tc.text, got, tc.want, fs)
		}
	}
}

// TestRound6Lists checks the round 6 list changes both ways, at any
// severity: words that were found in ordinary text (a throat slit in the
// news, a Maine coon, a hoedown, laughter) are not profanity, and the
// slurs and swear words they were near still are.
func TestRound6Lists(t *testing.T) {
	t.Parallel()
	s := newScanner(t, profanity.Options{})
	tests := []struct {
		text string
		want bool
	}{
		{"police found a dog with its throat slit", false},
		{"cut a slit in the paper", false},
		{"he called her slit eyed", true},
		{"go home you slant eyes", true},
		{"my cat is a maine coon", false},
		{"we took the coon hound hunting", false},
		{"dancing at the hoedown", false},
		{"he's a coon", true},
		{"lmfao that was so funny", false},
		{"wth is that", false},
		{"wtf is that", true}, // kept as mild: the issue names it (round 8 would have dropped it)
		{"stupid hoes everywhere", true},
		{"Shylock demands his pound of flesh in Act 4", false},
		{"we did a hardcore revision session", false},
		{"my knee is giving me gyp", false},
		{"we studied the Fukushima disaster in geography", false},
		{"Mr Fukuda is our new teacher", false},
		{"we went to Phuket in the summer", false},
		{"the Azzurri won the match", false},
		{"fuk off", true},
	}
	for _, tc := range tests {
		fs := scanBody(t, s, tc.text)
		if got := len(fs) > 0; got != tc.want {
			t.Errorf("Scan(%q) found = %v, want %v (findings %v)", tc.text, got, tc.want, fs)
		}
	}
}

// TestRound8Lists: words that flagged more clean than offensive texts on
// the training split no longer flag alone (damn, crap, pissed, fml,
// git as a mild word); the phrases of invective about third persons added
// in round 8 count, and their everyday twins do not.
func TestRound8Lists(t *testing.T) {
	t.Parallel()
	s := newScanner(t, profanity.Options{})
	tests := []struct {
		text string
		want bool
	}{
		// dropped, or aimed only
		{"damn it, I missed the bus", false},
		{"that film was crap", false},
		{"he was pissed at the party", false},
		{"working Saturday again fml", false},
		{"push it to git and open a merge request", false},
		{"you stupid git", true},
		{"damn you", true},
		{"this is bullshit", true},
		// allowed twins of slurs
		{"we went to a honky tonk in Nashville", false},
		{"the garage rebuilt tranny cost a fortune", false},
		{"check the tranny fluid before the trip", false},
		{"he called her a tranny", true},
		// invective about a third person
		{"that senile old fool should not be in charge", true},
		{"she slept her way to the top", true},
		{"lock him up and throw away the key", true},
		{"he should be jailed for this", false}, // dropped: two clean, no offensive text on the training split
		{"I hope he drops dead", true},
		{"I wish she was dead", true},
		{"someone should put a bullet in his head", true},
		{"death to all traitors", true},
		{"he is a blowhard and a deadbeat", true},
		{"you stupid bint", true},
		{"get a job you bum", true},
		{"I fell on my bum", false},
		{"the knobs on the cooker", false},
		{"he is so brainwashed", true},
		{"the mayor is a lying crook", true},
		{"the minister is an incompetent fool", true},
		{"he has the brains of a turnip", true},
		{"what a pathetic excuse for a leader", true},
		{"I hope that judge gets what's coming to him", true},
		// ordinary twins
		{"my grandad is old and a bit forgetful", false},
		{"the mayor opened the new library", false},
		{"the judge was fair and kind", false},
		{"my excuse for a late homework was the bus", false},
		{"what's coming to the cinema this week", false},
		{"why are you trash talking my team", false},
		{"he's really an a-hole", true},
		{"Biden and his a-hole buddies", true},
		{"these a-holes never learn", true},
		{"F them all", true},
		{"we dug a hole in the garden", false},
		{"there is a hole in my sock", false},
		{"I got an F, you know", false},
		{"you're trash", true},
		{"the evil queen gave Snow White an apple", false},
		{"I hope he drops by later", false},
		{"I wish she was here", false},
		{"we locked up the bikes before lunch", false},
		{"the bag of old clothes is for the charity shop", false},
		{"he was jailed in 1964 and freed in 1990", false},
		{"the deadline is Friday", false},
		{"evil is a theme in Macbeth", false},
		{"that man is evil", false}, // dropped: more clean than offensive texts
	}
	for _, tc := range tests {
		fs := scanBody(t, s, tc.text)
		if got := len(fs) > 0; got != tc.want {
			t.Errorf("Scan(%q) found = %v, want %v (findings %v)", tc.text, got, tc.want, fs)
		}
	}
}
