package profanity_test

import (
	"strings"
	"testing"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/profanity"
)

// TestInsults checks the insult rules both ways: who an insult is aimed
// at decides whether it counts and how much.
func TestInsults(t *testing.T) {
	t.Parallel()
	s := newScanner(t, profanity.Options{})
	type want struct {
		rule string // "" = no insult or hate finding
		sev  scanners.Severity
		tag  string
	}
	directed := func(rule string) want { return want{rule, scanners.Medium, profanity.TagDirected} }
	low := want{profanity.InsultRule, scanners.Low, ""}
	group := want{profanity.HateRule, scanners.Medium, profanity.TagGroup}
	none := want{}
	tests := []struct {
		name, text string
		want       want
	}{
		// aimed at the reader: medium, directed
		{"you are so adj", "you are so stupid", directed(profanity.InsultRule)},
		{"ur a noun", "ur a loser lol", directed(profanity.InsultRule)},
		{"u r an idiot", "u r an idiot", directed(profanity.InsultRule)},
		{"u r a", "u r a fat ugly cow", directed(profanity.InsultRule)},
		{"and unknown", "omg you are SO annoying and ugly", directed(profanity.InsultRule)},
		{"shut up", "shut up fatty", directed(profanity.InsultRule)},
		{"oi", "oi loser", directed(profanity.InsultRule)},
		{"your a", "YOUR a STUPID freak", directed(profanity.InsultRule)},
		{"you're contraction", "you're pathetic", directed(profanity.InsultRule)},
		{"look", "you look disgusting today", directed(profanity.InsultRule)},
		{"your mum", "your mum is fat", directed(profanity.InsultRule)},
		{"you noun", "shut up you moron", directed(profanity.InsultRule)},
		{"adjective chain", "you ugly fat pig", directed(profanity.InsultRule)},
		{"fat and ugly", "you're fat and ugly", directed(profanity.InsultRule)},
		{"leet", "you 1d10t", directed(profanity.InsultRule)},
		// about someone else: low
		{"third person", "he is pathetic", low},
		{"third person sentence end", "she is ugly. Rules are rules", low},
		{"third person and", "he is stupid and lazy", low},
		{"alone", "LOSER!!", low},
		{"alone after mentions", "@sam @jo pathetic lol", low},
		{"noun alone", "what an idiot", low},
		{"adjective before people", "stupid people everywhere", low},
		{"adjective before insult", "that incompetent clown again", low},
		{"they're losers", "they're losers", low},
		{"what a", "what a dummy", low},
		{"these monsters will", "these monsters will not stop", low},
		{"liar who", "he is a liar who cheats", low},
		{"waste of space aimed", "you are a waste of space", directed(profanity.InsultRule)},
		{"political group", "democrats are terrorists", low},
		{"demonstrative", "these idiots never learn", low},
		{"these losers", "look at those losers", low},
		{"af", "dumb af lol", low},
		{"ya", "just go away ya loonies", directed(profanity.InsultRule)},
		{"phrase with you", "oh screw you", directed(profanity.InsultRule)},
		{"you suck", "you suck at this game", directed(profanity.InsultRule)},
		{"human being", "what a disgusting human being", low},
		{"being", "you're being so stupid", directed(profanity.InsultRule)},
		{"imperative", "don't be an idiot", low},
		{"imperative adjective", "stop being so pathetic", low},
		{"words after an article", "you are a lying corrupt traitor", directed(profanity.InsultRule)},
		{"third after an article", "he is the most selfish liar", low},
		// threats and hate: medium
		{"threat", "i will find you", directed(profanity.HateRule)},
		{"wish of harm", "you deserve to die", directed(profanity.HateRule)},
		{"should be shot", "they should be shot", want{profanity.HateRule, scanners.Medium, ""}},
		{"group insult", "muslims are terrorists", group},
		{"hate verb", "i hate all the jews", group},
		{"adjective group", "filthy immigrants", group},
		{"group people", "black people are animals", group},
		{"adjective group people", "filthy muslim people everywhere", group},
		// not aimed at anyone, or not insults at all
		{"object", "this stupid printer is jammed again", none},
		{"self", "I'm such an idiot, I forgot my keys", none},
		{"self adjective", "i feel so stupid", none},
		{"negation", "you're not stupid", none},
		{"trash", "take out the trash please", none},
		{"pig farm", "you get dirty and the pig seems to like it", none},
		{"make you fat", "it won't make you fat", none},
		{"conditional", "if you are stupid, don't start a business", none},
		{"animals", "they are animals that live in the sea", none},
		{"possessive", "your trash goes out on Monday", none},
		{"possessive s", "one man's trash is another man's treasure", none},
		{"hate alone", "I hate Mondays", none},
		{"gas", "we stopped for gas at the station", none},
		{"dehumanising alone", "the terrorists attacked the city", none},
		{"fatty acids", "omega 3 fatty acids are good for you", none},
		{"shut up and", "shut up and listen, the trash goes out", none},
		{"fat cat", "a fat cat sat on the mat", none},
		{"third conditional", "if she's ugly then so am I", none},
		{"these animals", "these animals live in the sea", none},
		{"words without an article", "you know this stupid printer", none},
		{"words without an article 2", "you said that boring old film was trash", none},
		{"self feel", "I felt like an idiot", none},
		{"attributive", "they are stupid rules", none},
		{"he/she", "if a pupil is absent he/she must bring a note", none},
		{"what a noun", "what a pig farm that was", none},
		{"compound noun", "he is a pig farmer", none},
		{"pond scum", "we looked at pond scum under the microscope", none},
		{"waste of space", "this cupboard is a waste of space", none},
		{"not alone", "Trash collection is on Monday", none},
		{"alone dehumanising", "Animals", none},
		{"people not a group", "white people live here too", none},
		{"dumbo film", "we watched Dumbo in class", none},
		{"shoot you an email", "I'll shoot you an email tomorrow", none},
		{"find you at lunch", "I'll find you at lunch", none},
		{"beat you at chess", "I will beat you at chess", none},
		{"game", "kill them all and win the round", none},
		{"praise", "you are insane at this game", none},
		{"after football", "you are dirty after football", none},
		{"riddle verb", "we had to fool the teacher", none},
		// round 6: trash and garbage rate a player or a band, not a person
		{"he's trash", "he's trash, he missed every shot", none},
		{"they're garbage", "they're garbage this season", none},
		{"mention alone", "@sam trash", none},
		{"you're trash", "you're trash", directed(profanity.InsultRule)},
		{"you are garbage", "you are garbage and everyone knows it", directed(profanity.InsultRule)},
		{"group trash", "immigrants are trash", group},
		{"pos", "what a POS", low},
		{"p.o.s", "he is a P.O.S", low},
		{"pos terminal", "the POS terminal is broken", none},
		{"sob story", "he told a sob story about his dog", none},
		{"crook", "he is a crook", low},
		{"you kook", "you kook", directed(profanity.InsultRule)},
		{"demo past two words", "these far left lunatics are everywhere", low},
		{"demo animals", "these old rats in the barn", none},
		{"hope she chokes", "i hope she chokes on it", want{profanity.HateRule, scanners.Medium, ""}},
		{"hope he gets better", "i hope he gets better soon", none},
		{"burn cds", "we burn them all onto CDs", none},
		{"fairy lights", "string them up over the door", none},
		{"slit throat", "i will slit his throat", want{profanity.HateRule, scanners.Medium, ""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs, err := s.Scan(t.Context(), &message.Message{Texts: []message.Text{{PartID: "1", Content: tc.text}}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			var got *scanners.Finding
			for i, f := range fs {
				if f.Rule == profanity.InsultRule || f.Rule == profanity.HateRule {
					if got != nil {
						t.Errorf("Scan(%q): two insult findings %+v and %+v", tc.text, *got, f)
					}
					got = &fs[i]
				}
			}
			switch {
			case tc.want.rule == "" && got != nil:
				t.Errorf("Scan(%q) = %s %s %v, want none", tc.text, got.Rule, got.Severity, got.Evidence)
			case tc.want.rule == "":
			case got == nil:
				t.Errorf("Scan(%q) = no insult finding (%+v), want %s %s", tc.text, fs, tc.want.rule, tc.want.sev)
			case got.Rule != tc.want.rule || got.Severity != tc.want.sev || (tc.want.tag != "" && !got.HasTag(tc.want.tag)):
				t.Errorf("Scan(%q) = %s %s %q, want %s %s %q", tc.text, got.Rule, got.Severity, got.Tags, tc.want.rule, tc.want.sev, tc.want.tag)
			case got.Category != scanners.Profanity || len(got.Evidence) == 0:
				t.Errorf("Scan(%q) = %+v, want category profanity with evidence", tc.text, *got)
			}
		})
	}
}

// TestInsultEvidence checks that an insult finding quotes the original
// text and explains itself with list words, and that MatchText (the tier
// lists) leaves insults out.
func TestInsultEvidence(t *testing.T) {
	t.Parallel()
	s := newScanner(t, profanity.Options{})
	text := "honestly U R SUCH AN IDIOT"
	fs, err := s.Scan(t.Context(), &message.Message{Texts: []message.Text{{PartID: "1", Content: text}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Rule != profanity.InsultRule {
		t.Fatalf("findings = %+v, want one insult", fs)
	}
	e := fs[0].Evidence[0]
	if got := text[e.Offset : e.Offset+e.Length]; got != "IDIOT" || e.Text != "IDIOT" {
		t.Errorf("evidence = %+v, want IDIOT", e)
	}
	if !strings.Contains(fs[0].Explanation, "\u201cidiot\u201d") {
		t.Errorf("explanation = %q, want the list word", fs[0].Explanation)
	}
	if hits := s.MatchText(text, nil); len(hits) != 0 {
		t.Errorf("MatchText(%q) = %+v, want no tier-list hits", text, hits)
	}
	// Names and puddings on the allow-list are no profanity at all.
	for _, in := range []string{"spotted dick and custard", "Dick Whittington and his cat", "a book by Dick King-Smith"} {
		if hits := s.MatchText(in, nil); len(hits) != 0 {
			t.Errorf("MatchText(%q) = %+v, want none", in, hits)
		}
	}
	// A school can remove an insult like any entry.
	r := newScanner(t, profanity.Options{Remove: []string{"idiot"}})
	if fs, _ := r.Scan(t.Context(), &message.Message{Texts: []message.Text{{PartID: "1", Content: text}}}, nil); len(fs) != 0 {
		t.Errorf("with idiot removed: %+v, want none", fs)
	}
}

// TestInsultRepetitionIsBounded checks that evidence is capped and the
// score saturates however often an insult repeats.
func TestInsultRepetitionIsBounded(t *testing.T) {
	t.Parallel()
	s := newScanner(t, profanity.Options{MaxEvidence: 3})
	text := strings.Repeat("you are so stupid, i will find you. ", 20000)
	fs, err := s.Scan(t.Context(), &message.Message{Texts: []message.Text{{PartID: "1", Content: text}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 2 {
		t.Fatalf("findings = %d, want hate and insult", len(fs))
	}
	for _, f := range fs {
		if len(f.Evidence) != 3 || f.Score > 4*profanity.ScoreCap || !strings.Contains(f.Explanation, "20000 match(es)") {
			t.Errorf("%s: %d evidence, score %v, %q; want 3, saturated, the real count", f.Rule, len(f.Evidence), f.Score, f.Explanation)
		}
	}
}

// FuzzInsults checks that the insult and mask rules never panic and that
// their evidence quotes the text, at any position and with words longer
// than the windows they look in.
func FuzzInsults(f *testing.F) {
	long := strings.Repeat("x", 200)
	for _, seed := range []string{
		"idiot", "you idiot", "idiot you", " you are so stupid ", "stupid",
		long + " you are " + long + " an idiot", "you " + long + "idiot", "these " + long + " losers",
		"your mum is fat " + long, "i hate " + long + " jews", "f***", "a**", "**", "b***" + long,
		"don't be an", "be an idiot", "if", "black people are", strings.Repeat("you are so ", 50) + "stupid",
	} {
		f.Add(seed)
	}
	s, err := profanity.New(profanity.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		fs, err := s.Scan(t.Context(), &message.Message{Texts: []message.Text{{PartID: "1", Content: text}}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, fd := range fs {
			for _, e := range fd.Evidence {
				if e.Field == "body" && (e.Offset < 0 || e.Offset+e.Length > len(text)) {
					t.Fatalf("Scan(%q): %s evidence %+v outside the text", text, fd.Rule, e)
				}
			}
		}
	})
}

// TestSchoolMailIsNotInsult checks ordinary school mail, full of the
// insult lists' words in their everyday senses, for insult, hate and
// masked findings: there must be none.
func TestSchoolMailIsNotInsult(t *testing.T) {
	t.Parallel()
	s := newScanner(t, profanity.Options{})
	for _, in := range []string{
		"Please remind your child that the trash bins are collected on Friday.",
		"In science we studied parasites and how they live in the gut.",
		"The pigs on the farm trip were very muddy, the children loved them.",
		"Year 9 will read Animal Farm, where the pigs take over.",
		"He is a fast learner and a kind friend.",
		"The fat content of the crisps was high.",
		"The Holocaust: how propaganda described Jews as vermin.",
		"I hate maths homework so much lol",
		"This stupid printer jammed again, sorry for the delay.",
		"The play has a clown, a monster and a snake.",
		"We saw rats and snakes at the zoo.",
		"The April fool joke was funny.",
		"The teacher is a real joker.",
		"That film was garbage honestly",
		"My brother is so annoying",
		"She is fake tanned for the prom.",
		"You look tired, get some rest.",
		"Thank you for being so patient with us.",
		"If you are sick, stay home.",
		"My son is autistic and finds loud noises hard.",
		"The disabled toilet is next to the hall.",
		"Immigrants arrived in Britain after the war.",
		"You're dead right about that.",
		"I could kill for a coffee.",
		"Mum is gonna kill me when she sees my grades",
		"Watch out, the floor is slippery.",
		"Can you gas the Bunsen burner? (science)",
		"Please bring dirty football boots in a bag.",
		"Your pupil was a complete star today.",
		"The loser of the match buys the drinks.",
		"The Three Little Pigs is our class play.",
		"They are sheep farmers in Wales.",
		"Our class are such clowns on a Friday afternoon!",
		"I felt so stupid when I forgot my lines.",
		"Crackers and cheese at the party.",
		"He is a cracking goalkeeper.",
		"Your essay was trash... just kidding, it's great.",
	} {
		fs, err := s.Scan(t.Context(), &message.Message{Texts: []message.Text{{PartID: "1", Content: in}}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			if f.Rule == profanity.InsultRule || f.Rule == profanity.HateRule || f.Rule == profanity.MaskedRule {
				t.Errorf("Scan(%q) = %s %s %v, want no insult", in, f.Rule, f.Severity, f.Evidence)
			}
		}
	}
}
