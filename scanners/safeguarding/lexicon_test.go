package safeguarding

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/evaluate"
	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
)

// lexCase is one sentence sent as a pupil's mail to another pupil, and
// whether rule must find it at medium or above (fires) or must not.
type lexCase struct {
	text, rule string
	fires      bool
}

// runLexCases scans each case as pupil mail (the policy's pupil weighting
// is not applied here: the scanner's base severity must already be
// medium, or low for the phrases marked low, which a pupil's mail raises;
// so "fires" means a finding of rule at low or above that is not capped
// as hyperbole, and "does not fire" means none of rule at all above info
// except a capped one).
func runLexCases(t *testing.T, tests []lexCase) {
	t.Helper()
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	lim := message.Limits{}.WithDefaults()
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			t.Parallel()
			fs, err := s.Scan(t.Context(), message.Parse(context.Background(), evaluate.PupilMail(tc.text), lim), evaluate.PupilEnvelope())
			if err != nil {
				t.Fatal(err)
			}
			got := false
			for _, f := range fs {
				if f.Rule == tc.rule && f.Severity >= scanners.Low && !f.HasTag(TagHyperbole) {
					got = true
				}
			}
			if got != tc.fires {
				t.Errorf("Scan(%q) %s fires = %v, want %v (findings %v)", tc.text, tc.rule, got, tc.fires, fs)
			}
		})
	}
}

// TestBullyingRound4 covers the identity-based, appearance, exclusion,
// threat and sexual-harassment templates added in round 4, each with
// ordinary sentences that share their words and must not fire.
func TestBullyingRound4(t *testing.T) {
	t.Parallel()
	const b = "safeguarding_bullying"
	runLexCases(t, []lexCase{
		// identity-based
		{"i hate black people", b, true},
		{"muslims are terrorists", b, true},
		{"gays should die", b, true},
		{"immigrants should all go back", b, true},
		{"go back to your own country", b, true},
		{"you're a dirty paki", b, true},
		{"ching chong", b, true},
		{"muslims are not terrorists and it is racist to say so", b, false},
		{"muslims are celebrating eid this week", b, false},
		{"refugees should be welcomed", b, false},
		{"when you go back to your country for the summer send me photos", b, false},
		{"go back to your seat please", b, false},
		// homophobic, sexist, disablist
		{"homo", b, true},
		{"so gay", b, true},
		{"is andrew gay?", b, false},
		{"you're such a poof", b, true},
		{"get back in the kitchen", b, true},
		{"girls are stupid", b, true},
		{"are you retarded or something", b, true},
		{"you're so autistic", b, true},
		{"the gay straight alliance meets on tuesday", b, false},
		{"girls are just as good at football as boys", b, false},
		{"make me a sandwich please mum", b, false},
		{"are you blind or something? it's right there", b, false},
		{"you're crazy lol that was hilarious", b, false},
		// appearance, smell, poverty
		{"you're literally the ugliest person in our year", b, true},
		{"you have a big nose", b, true},
		{"ur teeth are so yellow", b, true},
		{"you look like a skeleton", b, true},
		{"you smell like shit", b, true},
		{"your family can't even afford shoes", b, true},
		{"you have a big heart", b, false},
		{"your teeth look great after the braces", b, false},
		{"you smell nice, what perfume is that", b, false},
		{"you can't afford to miss the bus", b, false},
		{"you're poor at spelling but great at maths", b, false},
		// exclusion, threats, exposure
		{"do everyone a favour and disappear", b, true},
		{"we're all laughing at you", b, true},
		{"you will die alone", b, true},
		{"i want you dead", b, true},
		{"go jump off a bridge", b, true},
		{"i will find you and kill you", b, true},
		{"i'm going to punch you", b, true},
		{"unless you pay me i'll post your nudes", b, true},
		{"do us a favour and grab me a coke", b, false},
		{"you will never be alone, i'm always here for you", b, false},
		{"why are you still here? the bus left", b, false},
		{"i'll find you at lunch and we can talk", b, false},
		{"i'll hit you up later", b, false},
		{"unless you reply i'll post the notes in the group chat", b, false},
		{"you'll end up alone in the library if you don't hurry", b, false},
		// insults: misspellings and more nouns
		{"you are an imbosile", b, true},
		{"ur so stoopid", b, true},
		{"you fuckwit", b, true},
		{"you're a waste of oxygen", b, true},
		{"you belong in the bin", b, true},
		{"you belong in the top set", b, false},
		{"if you reject the offer tell me", b, false},
		{"are you a witch for halloween", b, false},
		{"you are nothing like your sister", b, false},
		// sexual harassment
		{"send me a pic of ur tits", b, true},
		{"suckmy dick", b, true},
		{"i like to swallow cum", b, true},
		{"i'm jerking off", b, true},
		{"can we have sex", b, true},
		{"you give me a boner", b, true},
		{"fuck me in the ass", b, true},
		{"send me a photo of your homework", b, false},
		{"the blue tits are in the garden", b, false},
		{"bend over and touch your toes in PE", b, false},
		{"i like sex and the city", b, false},
		{"can we have a sleepover", b, false},
		{"i'm jacking off work early today", b, false},
		{"we have sex education on monday", b, false},
	})
}

// TestVocative: an insult noun tagged vocative counts only when it
// addresses the reader.
func TestVocative(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		text, hit string
		want      ctxEffect
	}{
		{"shut up loser", "loser", ctxKeep},
		{"there is no climate change asshole", "asshole", ctxKeep},
		{"no one asked, idiot", "idiot", ctxKeep},
		{"you won't believe it, idiot", "idiot", ctxKeep},
		{"idiot, you forgot it", "idiot", ctxKeep},
		{"thanks for nothing bitch!", "bitch", ctxKeep},
		{"I hate you idiot", "idiot", ctxKeep},
		{"shut up loser lol", "loser", ctxCap},
		{"he is an idiot.", "idiot", ctxDrop},
		{"the class loser", "loser", ctxDrop},
		{"my teacher called me a loser.", "loser", ctxDrop},
		{"I feel like such a freak", "freak", ctxDrop},
		{"I flew with Virgin.", "Virgin", ctxDrop},
		{"she was the biggest nerd", "nerd", ctxDrop},
		{"the idiot next door", "idiot", ctxDrop},
		{"Losers, in other words.", "Losers", ctxDrop},
		{"idiot", "idiot", ctxDrop}, // alone: the alone phrases' job
	} {
		a := strings.Index(tc.text, tc.hit)
		if got := hitEffect("bullying", TagVocative, "idiot", scanners.Low, tc.text, a, a+len(tc.hit)); got != tc.want {
			t.Errorf("hitEffect(vocative, %q, %q) = %d, want %d", tc.text, tc.hit, got, tc.want)
		}
	}
}

// TestSelfHarmRound4 covers the warning-sign templates added in round 4,
// each with ordinary sentences sharing their words.
func TestSelfHarmRound4(t *testing.T) {
	t.Parallel()
	const sh = "safeguarding_self_harm"
	runLexCases(t, []lexCase{
		{"you won't have to worry about me much longer", sh, true},
		{"i'm not going to be around much longer", sh, true},
		{"i've been saving my pills", sh, true},
		{"i fantasise about dying", sh, true},
		{"i enjoy thinking about being hurt or even killed", sh, true},
		{"i feel so hopeless", sh, true},
		{"i've had enough of life", sh, true},
		{"i'm sick of my life", sh, true},
		{"dying would be a relief", sh, true},
		{"i hope i get hit by a bus", sh, true},
		{"i don't care about life anymore", sh, true},
		{"i just want to stop living", sh, true},
		{"i'll be dead by tomorrow", sh, true},
		{"i took too many pills", sh, true},
		{"i burn myself on purpose", sh, true},
		{"i want to slit my wrists", sh, true},
		{"i scratch my arms until they bleed", sh, true},
		{"i want to end this pain", sh, true},
		{"goodbye cruel world", sh, true},
		{"i feel hopeless at maths", sh, false},
		{"i'm fed up of life admin", sh, false},
		{"my grandma is very ill, death would be a relief for her", sh, false},
		{"i hope i get picked for the team", sh, false},
		{"i don't care if i live in london or paris", sh, false},
		{"i want to stop living in the past", sh, false},
		{"i want to end this argument", sh, false},
		{"it's my time to go home", sh, false},
		{"i took two paracetamol", sh, false},
		{"i've stopped eating sweets for lent", sh, false},
		{"i scratched my arm on a bush", sh, false},
		{"i don't trust myself with chocolate", sh, false},
		{"i fantasise about being famous", sh, false},
		{"i was dreaming about my holiday", sh, false},
	})
}

// TestQuotedSpeech: a quotation someone else is reported to say, with no
// first person outside it, is a story or a report (capped); the writer's
// own words and a worried writer quoting a friend are not.
func TestQuotedSpeech(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		text, hit string
		want      bool
	}{
		{`The girl looks up at the therapist and says, "I have been thinking about suicide."`, "thinking about suicide", true},
		{`"I just don't see the point anymore," she says quietly.`, "see the point anymore", true},
		{"\u201cI want to die,\u201d he whispered.", "want to die", true},
		{`my friend texted me "i want to die" and i am scared`, "want to die", false},
		{`"I want to kill myself" is what I wrote in my diary`, "want to kill myself", false},
		{"I want to kill myself, she said it too", "want to kill myself", false},
		{`She says I want to die`, "want to die", false},
	} {
		a := strings.Index(tc.text, tc.hit)
		if got := quotedSpeech(tc.text, a, a+len(tc.hit)); got != tc.want {
			t.Errorf("quotedSpeech(%q, %q) = %v, want %v", tc.text, tc.hit, got, tc.want)
		}
	}
	runLexCases(t, []lexCase{
		{`The teenager looks up and says, "I've been thinking about suicide."`, "safeguarding_self_harm", false},
		{`my friend texted me "i want to die" and i am scared`, "safeguarding_self_harm", true},
	})
}

// TestTopicNoun: a topic noun (TagNoun) in a sentence without the first
// person is informational; a joined phrase is no bare word.
func TestTopicNoun(t *testing.T) {
	t.Parallel()
	const sh = "safeguarding_self_harm"
	runLexCases(t, []lexCase{
		{"survivors will use it as a form of self harm", sh, false},
		{"i self harm", sh, true},
		{"i've been self-harming for years", sh, true},
		{"she self harms", sh, true},
		{"havent eaten in days", sh, true},
	})
}

// TestHarassmentOnline covers the online-harassment templates (teen and
// street register, dismissal, wishing sexual violence, body comparisons).
func TestHarassmentOnline(t *testing.T) {
	t.Parallel()
	const b = "safeguarding_bullying"
	runLexCases(t, []lexCase{
		{"i hope you get raped", b, true},
		{"she deserved to be raped", b, true},
		{"islam is a religion of terrorists", b, true},
		{"ima beat yo ass", b, true},
		{"ur gonna get jumped", b, true},
		{"we're going to jump you", b, true},
		{"why do you even exist", b, true},
		{"you should've been aborted", b, true},
		{"who asked", b, true},
		{"you're irrelevant", b, true},
		{"you're built like a fridge", b, true},
		{"no girl will ever like you", b, true},
		{"i'll screenshot your messages", b, true},
		{"go play in traffic", b, true},
		{"he was assaulted last year", b, false},
		{"we're going to smash it tomorrow", b, false},
		{"we're gonna smash you at netball", b, false},
		{"im gonna smoke you at fifa", b, false},
		{"why do you even bother", b, false},
		{"the data is irrelevant", b, false},
		{"i'll forward the messages to mrs jones", b, false},
		{"nobody cares about the weather", b, false},
		{"we learned about islam in RE today", b, false},
	})
}

// TestFinal: a phrase tagged final counts only at the end of a sentence
// that is no question.
func TestFinal(t *testing.T) {
	t.Parallel()
	const b = "safeguarding_bullying"
	runLexCases(t, []lexCase{
		{"no you smell", b, true},
		{"you smell.", b, true},
		{"you're poor", b, true},
		{"you are nothing lol", b, true},
		{"i want you gone", b, true},
		{"just go and don't come back", b, true},
		{"you smell nice", b, false},
		{"can you smell it?", b, false},
		{"you're poor at spelling", b, false},
		{"you are nothing like your sister", b, false},
		{"don't come back late", b, false},
		{"call me if you're alone tonight", b, false},
	})
	for _, tc := range []struct {
		text            string
		final, question bool
	}{
		{"you smell", true, false},
		{"you smell!! lol", true, false},
		{"you smell?", true, true},
		{"you smell nice", false, false},
		{"you smell\nnext line", true, false},
	} {
		f, q := sentenceFinal(tc.text, len("you smell"))
		if f != tc.final || q != tc.question {
			t.Errorf("sentenceFinal(%q) = %v, %v, want %v, %v", tc.text, f, q, tc.final, tc.question)
		}
	}
}

// TestPublicHostility covers hostility about public figures and groups.
func TestPublicHostility(t *testing.T) {
	t.Parallel()
	const b = "safeguarding_bullying"
	runLexCases(t, []lexCase{
		{"Aoc is scum what a dummy", b, true},
		{"Democrats are terrorists", b, true},
		{"It runs in the Libturd circles.", b, true},
		{"May you roast in hell with the rest", b, true},
		{"Don't get vaccinated, get sick and die.", b, true},
		{"no such thing as transgender, it's a boy in a dress", b, true},
		{"ask your mother why she didn't swallow", b, true},
		{"pond scum is green", b, false},
		{"what a goal that was", b, false},
		{"what a clown I was in the play", b, false},
		{"the police are here", b, false},
		{"he was sick and died last year", b, false},
	})
}

// TestGroupInformational: hostility about a group, or a bare bullying
// word, in a lesson, the news or a story is capped; on its own it is not.
func TestGroupInformational(t *testing.T) {
	t.Parallel()
	const b = "safeguarding_bullying"
	runLexCases(t, []lexCase{
		{"In RE we discussed why some people think Muslims are terrorists and why that is wrong.", b, false},
		{"The novel describes how the girl was bullied at school.", b, false},
		{"muslims are terrorists", b, true},
		{"i was bullied at school today", b, true},
		{"I want to disappear into a good book this weekend.", "safeguarding_self_harm", false},
		{"Goodbye world, hello summer holidays!", "safeguarding_self_harm", false},
		{"I have a history of self harm", "safeguarding_self_harm", true},
	})
}

// TestCompoundInsults: children's compound insults wherever they stand.
func TestCompoundInsults(t *testing.T) {
	t.Parallel()
	const b = "safeguarding_bullying"
	runLexCases(t, []lexCase{
		{"oh no response POOP EATER", b, true},
		{"josh is a butt humper", b, true},
		{"shut up pizza face", b, true},
		{"because you like cock", b, true},
		{"the horse face mask at halloween", b, false},
		{"we ate pizza for tea", b, false},
		{"do you like cocktails", b, false},
	})
}

// TestSelfHarmAdultRegister covers warning signs as older pupils and
// adults write them.
func TestSelfHarmAdultRegister(t *testing.T) {
	t.Parallel()
	const sh = "safeguarding_self_harm"
	runLexCases(t, []lexCase{
		{"I just want the pain to stop.", sh, true},
		{"I don't think I'll make it to my birthday.", sh, true},
		{"I'm scared of what I might do to myself tonight.", sh, true},
		{"I can't see myself getting older.", sh, true},
		{"I have a bottle of pills next to me right now.", sh, true},
		{"Suicide seems like the only option left.", sh, true},
		{"I'm so close to giving up.", sh, true},
		{"Nothing will ever get better for me.", sh, true},
		{"I'm tired of pretending I'm okay.", sh, true},
		{"Every day I wake up and wish I hadn't.", sh, true},
		{"i want the pain in my knee to stop", sh, false},
		{"i don't think i'll make it to the party", sh, false},
		{"I won't make it to tomorrow's practice", sh, false},
		{"the only option is to resit", sh, false},
		{"i'm so close to giving up on this puzzle", sh, false},
		{"we wake up and wish we had more sleep", sh, false},
	})
}

// TestAskSiteBullying covers teen Q&A-site bullying.
func TestAskSiteBullying(t *testing.T) {
	t.Parallel()
	const b = "safeguarding_bullying"
	runLexCases(t, []lexCase{
		{"u think ur so cool but ur not", b, true},
		{"you're so full of yourself", b, true},
		{"go eat a salad", b, true},
		{"your nose is huge", b, true},
		{"you have no boobs", b, true},
		{"ur mum is a crackhead", b, true},
		{"your dad left because of you", b, true},
		{"your real parents didn't want you", b, true},
		{"cut deeper next time", b, true},
		{"ur gonna be a teen mum", b, true},
		{"everyone knows ur easy", b, true},
		{"how many guys have u slept with", b, true},
		{"i need to lose some weight", b, false},
		{"you're easy to talk to", b, false},
		{"my dad left because of work", b, false},
		{"you have no idea", b, false},
		{"you think you're cool enough to come?", b, false},
		{"how many people have you invited", b, false},
		{"the teacher said cut deeper into the clay", b, false},
		{"you will be a great doctor", b, false},
	})
}

// TestRelationalBullying covers exclusion, hygiene and home taunts and
// threats through others.
func TestRelationalBullying(t *testing.T) {
	t.Parallel()
	const b = "safeguarding_bullying"
	runLexCases(t, []lexCase{
		{"we've all blocked you", b, true},
		{"everyone's unfollowed you", b, true},
		{"we made a group chat without you", b, true},
		{"nobody's going to sit with you at lunch", b, true},
		{"you're not part of our group anymore", b, true},
		{"you smell like piss", b, true},
		{"you've got nits", b, true},
		{"ur mum smells", b, true},
		{"your birth was a mistake", b, true},
		{"you shouldn't exist", b, true},
		{"the world doesn't need you", b, true},
		{"nobody would notice if you vanished", b, true},
		{"i'll ruin your life", b, true},
		{"i'll get my brother to batter you", b, true},
		{"we've blocked you from the server for spam", b, false},
		{"nobody is going to talk to you about it until monday", b, false},
		{"you've got a great bo staff in karate", b, false},
		{"we don't need you to bring anything", b, false},
		{"i'll ruin your surprise", b, false},
		{"you're not in our group for the project now", b, false},
	})
}

// TestGroupReported: slurs and "go back to your own country" reported in
// the news are information; said to someone they are bullying.
func TestGroupReported(t *testing.T) {
	t.Parallel()
	const b = "safeguarding_bullying"
	runLexCases(t, []lexCase{
		{"go back to your own country", b, true},
		{"the news reported that the attacker shouted go back to your own country", b, false},
		{"the article said he used the word paki in the video", b, false},
		{"you paki", b, true},
	})
}

// TestBullyingRound5 covers the round 5 templates (peer cyberbullying as
// teenagers type it: messages, group chats, anonymous Q&A posts), each
// kind with ordinary sentences that share its words and must not fire.
func TestBullyingRound5(t *testing.T) {
	t.Parallel()
	const b = "safeguarding_bullying"
	runLexCases(t, []lexCase{
		// fake, attention seeking, vanity
		{"stop being so fake", b, true},
		{"ur such an attention seeker", b, true},
		{"you're two faced", b, true},
		{"you think your all that", b, true},
		{"you think you're so pretty but you're not", b, true},
		{"she's fake tanned", b, false},
		{"you think you're cool enough to come?", b, false},
		// exclusion as typed
		{"no1 likes u", b, true},
		{"everyone thinks ur weird", b, true},
		{"u dont even have any friends", b, true},
		{"just leave the group", b, true},
		{"lets make a new gc without her", b, true},
		{"we kicked you out the gc for a reason", b, true},
		{"nobody cares about your opinion", b, true},
		{"nobody cares about the football", b, false},
		{"everybody likes him", b, false},
		{"i left the gc because it was too noisy", b, false},
		{"you have no homework tonight lucky", b, false},
		// threats
		{"ill break ur legs", b, true},
		{"ill knock ur teeth out", b, true},
		{"my mates will batter you", b, true},
		{"you better watch out", b, true},
		{"i know what bus you get", b, true},
		{"wait till i see you tomorrow", b, true},
		{"wait till i see you tomorrow i have so much to tell you", b, false},
		{"watch out for the puddle", b, false},
		{"meet me outside the library", b, false},
		{"you better hurry up", b, false},
		// self-harm urged, third person too
		{"she should kill herself", b, true},
		{"cut deeper", b, true},
		{"if i were you i'd kill myself", b, true},
		{"please don't kill yourself", b, false},
		// family, body, home
		{"even ur parents dont love u", b, true},
		{"ur mum must be so embarrassed of you", b, true},
		{"ur mum must be so proud of you", b, false},
		{"ur face is weird", b, true},
		{"ur breath stinks", b, true},
		{"ur breath smells like mint", b, false},
		{"your house is a dump", b, true},
		{"your house is huge", b, false},
		{"you wear the same clothes every day", b, true},
		{"imagine being as ugly as you", b, true},
		{"imagine having a dog like that", b, false},
		// no romance, no future
		{"no one is ever gonna go out with you", b, true},
		{"why would anyone fancy you", b, true},
		{"you'll be single forever", b, true},
		{"why would anyone go out in this weather", b, false},
		// exposure, mockery, sexual reputation
		{"ill screenshot this and send it to everyone", b, true},
		{"everyone is roasting you", b, true},
		{"we made a meme of your face", b, true},
		{"we made a meme of the teacher's face lol", b, false},
		{"you've slept with half the school", b, true},
		{"send me a picture of you in your bra", b, true},
		{"send me a picture of your outfit", b, false},
		{"send me your body paragraph", b, false},
		// identity
		{"go back to poland", b, true},
		{"you're not a real girl", b, true},
		{"are u special needs or something", b, true},
		{"are you blind or something? it's right there", b, false},
		// Q&A posts (ask.fm, Formspring): the labels are no words
		{"Q: slut A: ok", b, true},
		{"Q: your fat<br>A: thanks", b, true},
		{"Q: your fat cat is cute A: thanks", b, false},
	})
}

// TestTeenMessages scans the hand-written teen messages of testdata (a
// regression guard for the round 5 templates, not a measure of how well
// they generalise: they were written while reading these sentences) as
// pupil mail and checks how many bullying messages are flagged and how
// few ordinary ones are. Flagged: a finding of any topic but self-harm
// at low or above that is not capped (a pupil's mail raises it to
// medium).
func TestTeenMessages(t *testing.T) {
	t.Parallel()
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	lim := message.Limits{}.WithDefaults()
	rate := func(file string) (flagged, n int, missed []string) {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for line := range strings.SplitSeq(string(raw), "\n") {
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			n++
			fs, err := s.Scan(t.Context(), message.Parse(context.Background(), evaluate.PupilMail(line), lim), evaluate.PupilEnvelope())
			if err != nil {
				t.Fatal(err)
			}
			hit := false
			for _, f := range fs {
				if !strings.HasSuffix(f.Rule, "self_harm") && f.Severity >= scanners.Low && !f.HasTag(TagHyperbole) {
					hit = true
				}
			}
			if hit {
				flagged++
			} else {
				missed = append(missed, line)
			}
		}
		return flagged, n, missed
	}
	tp, pos, _ := rate("testdata/teen-bullying.txt")
	fp, neg, _ := rate("testdata/teen-clean.txt")
	recall, fpr := float64(tp)/float64(pos), float64(fp)/float64(neg)
	t.Logf("bullying flagged %d of %d (%.3f); ordinary flagged %d of %d (%.3f)", tp, pos, recall, fp, neg, fpr)
	if recall < 0.85 {
		t.Errorf("bullying recall %.3f, want at least 0.85", recall)
	}
	if fpr > 0.08 {
		t.Errorf("ordinary messages flagged %.3f, want at most 0.08", fpr)
	}
}

// TestRound6 covers the round 6 lexicon changes both ways.
func TestRound6(t *testing.T) {
	t.Parallel()
	const ex = "safeguarding_extremism"
	runLexCases(t, []lexCase{
		// a bare group name is the news; support or praise is not
		{"ISIS fighters took the town, the news said", ex, false},
		{"Jihadi John was named by the police", ex, false},
		{"we learnt about the caliphate in history", ex, false},
		{"i love isis", ex, true},
		{"isis are heroes", ex, true},
		{"we should join isis", ex, true},
	})
	const b = "safeguarding_bullying"
	runLexCases(t, []lexCase{
		// second-person insults with more nouns and adjectives
		{"you are a nazi", b, true},
		{"you illiterate fool", b, true},
		{"you must be the dumbest person alive", b, true},
		{"you sound like a spoilt brat", b, true},
		{"you have the brain of a goldfish", b, true},
		{"idiots like you shouldn't be allowed online", b, true},
		{"we learnt about the nazis in history", b, false},
		{"you are the best person ever", b, false},
		{"you sound like a pro", b, false},
		{"you have the brain of a genius", b, false},
		{"you have the memory of an elephant", b, false},
		{"you spoilt the surprise", b, false},
		// "your kind" is a group; "your kind words" are not
		{"you and your kind", b, true},
		{"your kind are not welcome here", b, true},
		{"thanks for all your kind words", b, false},
		{"your kind words are lovely", b, false},
		{"you and your kind family are always welcome", b, false},
		// exclusion and worth
		{"nobody gives a shit about you", b, true},
		{"no one will miss you when you're gone", b, true},
		{"no one will miss you.", b, true},
		{"nobody gives a shit about the homework", b, false},
		{"no one will miss the bus if we leave now", b, false},
		{"no one will miss you for one lesson, go to the nurse", b, false},
		// threats
		{"i'll find out where you live", b, true},
		{"keep talking and see what happens", b, true},
		{"you deserve everything that happens to you", b, true},
		{"you should be locked up", b, true},
		{"i'll find out where you live from the register so i can send the invitation", b, false},
		{"mix the two chemicals and see what happens", b, false},
		{"try it and see what happens", b, false},
		{"you deserve everything good that happens", b, false},
		{"you should be locked out of the house if you forget your keys", b, false},
		// taunts about crying
		{"why don't you go and cry to your mummy", b, true},
		{"you pisses me off", b, true},
		{"go and tell your mum", b, false},
		{"go and cry if you need to, it helps", b, false},
		// indirect bullying: exclusion, worth, exposure, wishing harm
		{"honestly everyone would be happier if you just left", b, true},
		{"we'd all be better off without you", b, true},
		{"nobody wanted you at the party anyway", b, true},
		{"don't bother coming back after half term", b, true},
		{"why do you even bother coming to school", b, true},
		{"even the teachers hate you", b, true},
		{"go sit somewhere else", b, true},
		{"you can't sit with us", b, true},
		{"i hope you fail everything", b, true},
		{"i'll make sure everyone knows what you did", b, true},
		{"wait till everyone sees this photo of you", b, true},
		{"imagine thinking anyone would date you", b, true},
		{"just disappear already", b, true},
		{"stay away from us freak", b, true},
		{"we only pretend to like you", b, true},
		{"we're going to make your life miserable", b, true},
		{"do you ever wonder why no one sits with you", b, true},
		{"you will always be the weird kid", b, true},
		{"you ruin everything you touch", b, true},
		{"you smell like you haven't showered in weeks", b, true},
		{"you're a burden on everyone", b, true},
		{"you'd be better off dead", b, true},
		{"look at her, she thinks she's pretty", b, true},
		{"who invited the fat kid", b, true},
		{"we all voted and you're not coming", b, true},
		{"everyone would be happier if you came to the party", b, false},
		{"it would be better if you left at 3 to avoid traffic", b, false},
		{"we'd all be happier without homework", b, false},
		{"nobody wanted the last slice of cake", b, false},
		{"don't bother texting me back, i'll see you tomorrow", b, false},
		{"why do you even bother with that game", b, false},
		{"even the teachers loved your play", b, false},
		{"go sit with your group for the project", b, false},
		{"go sit somewhere else, the teacher said we have to split up", b, false},
		{"you can't sit there, it's wet paint", b, false},
		{"i hope you feel better soon", b, false},
		{"i hope you don't fail the test", b, false},
		{"i'll make sure everyone knows about the trip", b, false},
		{"i'll make sure everyone knows what you did for us, thank you", b, false},
		{"wait till everyone sees the new trailer", b, false},
		{"just leave it on my desk", b, false},
		{"stay away from the edge of the pool", b, false},
		{"we only pretend to like the school dinners", b, false},
		{"make your life easier and use a calculator", b, false},
		{"you'll always be my best friend", b, false},
		{"you ruined the surprise lol", b, false},
		{"you look like you haven't slept, are you ok?", b, false},
		{"she thinks she's ill so she went home", b, false},
		{"who invited the new kid? she's so nice", b, false},
		{"we decided you're coming with us to the beach", b, false},
		{"you'd be better off taking the bus", b, false},
		{"the world would be better off without immigrants like you.", b, true},
		{"the school would be a better place without freaks like you", b, true},
		{"i'd be happier without a phone like you have", b, false},
		{"the world would be better off without plastic, like you said", b, false},
		// after the fresh set
		{"why are you still here? take the hint", b, true},
		{"i heard your dad doesn't even want you", b, true},
		{"pathetic. that's all you are", b, true},
		{"who would ever want to be your friend", b, true},
		{"thick as a brick you are", b, true},
		{"nobody likes a try hard like you", b, true},
		{"look at the state of you", b, true},
		{"you're not even worth the oxygen", b, true},
		{"i hope your house burns down", b, true},
		{"take the hint about the homework, it's due friday", b, false},
		{"he doesn't even want you to bring anything, it's fine", b, false},
		{"the fog is thick as a brick today", b, false},
		{"look at the state of you after the mud run haha", b, false},
		{"you're not worth the effort? no way, you're worth everything", b, false},
		{"i hope your house move goes well", b, false},
		{"i hope your dog gets better", b, false},
		{"nobody would care if you moved to another class, don't worry", b, false},
		{"you should be embarrassed for trying", b, true},
		{"you'll end up in a body bag", b, true},
		{"you shouldn't be embarrassed, everyone trips", b, false},
		{"we watched a film where they put you in a coffin", b, false},
		// after the second fresh set
		{"no one at this school can stand you", b, true},
		{"you look like something the cat dragged in", b, true},
		{"we were laughing at your stupid haircut", b, true},
		{"nobody cares about your stupid drawings", b, true},
		{"you don't belong in this group", b, true},
		{"i'll post your diary online", b, true},
		{"you should just give up", b, true},
		{"you'll never be good at anything", b, true},
		{"we don't want you on our team", b, true},
		{"we're all laughing at your joke haha", b, false},
		{"nobody cares about your birthday? i do!", b, false},
		{"you don't belong to a club yet", b, false},
		{"i'll send your photos from the trip tonight", b, false},
		{"you should just give up sugar for a month", b, false},
		{"we don't want you to worry", b, false},
		// hostility about a group in words that are no insult alone
		{"Jews are cursed!", b, true},
		{"immigrants are taking over our country", b, true},
		{"muslims are not welcome here", b, true},
		{"my plants are cursed, they all die", b, false},
		{"in RE we discussed the myth that immigrants are taking over", b, false},
		{"the immigrants are arriving at the port in the story", b, false},
	})
}

// TestRound7 covers the round-7 templates for requests for sexual images
// and the pressure around them (written from UKCIS, NSPCC and Childnet
// guidance), each with ordinary sentences that share their words.
func TestRound7(t *testing.T) {
	t.Parallel()
	const b = "safeguarding_bullying"
	runLexCases(t, []lexCase{
		{"send me something sexy", b, true},
		{"send me something sexy lol", b, true},
		{"send me a sexy pic", b, true},
		{"sexy pics?", b, true},
		{"send me pics", b, true},
		{"send pics", b, true},
		{"what r u wearing rn", b, true},
		{"what are you wearing right now", b, true},
		{"are you wearing anything under that", b, true},
		{"if you loved me you'd send one", b, true},
		{"prove you love me and send a pic", b, true},
		{"i'll send you one if you send me one", b, true},
		{"show me yours and i'll show you mine", b, true},
		{"lift your top up", b, true},
		{"take your shirt off for me", b, true},
		{"i want to see your body", b, true},
		{"i want to see your body lol", b, true},
		{"can i see you in your bikini", b, true},
		{"send me a pic in your underwear", b, true},
		{"show me what you look like without clothes", b, true},
		{"you've got a nice body", b, true},
		{"you're so hot", b, true},
		{"wanna swap pics", b, true},
		{"put your camera lower", b, true},
		// ordinary twins
		{"send me the pics from the trip", b, false},
		{"can you send me the photos from saturday", b, false},
		{"send me a pic of the homework", b, false},
		{"take a pic of the board for me", b, false},
		{"show me your drawing", b, false},
		{"turn your camera on for the lesson", b, false},
		{"move your camera lower so we can see the board", b, false},
		{"are you wearing anything under your coat its freezing", b, false},
		{"if you loved me you'd come to my party", b, false},
		{"lift your hand up if you know the answer", b, false},
		{"pull your socks up", b, false},
		{"take your coat off, its warm in here", b, false},
		{"i want to see your dog", b, false},
		{"can i look at your body paragraph", b, false},
		{"can i see you at lunch", b, false},
		{"swap pics of our dogs", b, false},
		{"you're so fit at football", b, false},
		{"you're so funny", b, false},
		{"wanna trade pokemon cards", b, false},
		{"no one else will know about the surprise party i promise", b, false},
		{"send me a pic in your new dress", b, false},
		// death as a preference, cutting someone up, "a stupid X like you"
		{"i'd love it if you died", b, true},
		{"i would prefer it if you were dead", b, true},
		{"i'll chop you up", b, true},
		{"why would anyone talk to a stupid being like you", b, true},
		{"nobody likes a smelly kid like you", b, true},
		{"i'd like it if you came to my party", b, false},
		{"i would love it if you joined us", b, false},
		{"can you chop up the carrots", b, false},
		{"a smart person like you will be fine", b, false},
		{"a kind person like you deserves better", b, false},
	})
}
