package safeguarding

import (
	"cmp"
	"context"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/evaluate"
	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
)

func TestContextEffect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, topic, phrase, text, hit string
		want                           ctxEffect
		sev                            scanners.Severity
	}{
		{"plain disclosure", "self_harm", "want_to kill* myself", "honestly i want to kill myself tonight", "want to kill myself", ctxKeep, 0},
		{"denial", "self_harm", "suicidal", "I'm not suicidal, just tired", "suicidal", ctxDrop, 0},
		{"denial with filler", "self_harm", "kill* myself", "I would never ever kill myself", "kill myself", ctxDrop, 0},
		{"negation far before is not denial", "self_harm", "want_to die", "I'm not ok i want to die", "want to die", ctxKeep, 0},
		{"near miss is kept", "self_harm", "kill* myself", "the only reason I didn't kill myself was my dog", "kill myself", ctxKeep, 0},
		{"nearly is kept", "self_harm", "kill* myself", "last night I nearly didn't stop myself, I almost did not kill myself", "kill myself", ctxKeep, 0},
		{"denial without a near miss", "self_harm", "kill* myself", "don't worry, I didn't kill myself, I'm fine", "kill myself", ctxDrop, 0},
		{"why don't you is no denial", "bullying", "just away", "why don't you just go away", "just go away", ctxKeep, scanners.Low},
		{"don't without why is", "bullying", "just away", "I didn't just go away", "just go away", ctxDrop, scanners.Low},
		{"denied threat", "weapons", "gonna hit you", "I'm not gonna hit you, calm down", "gonna hit you", ctxDrop, scanners.Medium},
		{"go away as a command", "bullying", "go away", "ugh go away", "go away", ctxKeep, scanners.Low},
		{"go away as a statement", "bullying", "go away", "waiting for all my problems to go away", "go away", ctxDrop, scanners.Low},
		{"go away after a modal", "bullying", "go away", "if they go away for a long weekend", "go away", ctxDrop, scanners.Low},
		{"support", "bullying", "kill yourself", "please don't kill yourself, talk to me", "kill yourself", ctxCap, 0},
		{"insult after no is kept", "bullying", "you ugly", "no you're so ugly", "you're so ugly", ctxKeep, 0},
		{"crosses a sentence", "bullying", "nobody you", "I know what you're asking. Nobody", "you're asking. Nobody", ctxDrop, 0},
		{"crosses a comma", "bullying", "screw you", "screw, until you", "screw, until you", ctxDrop, 0},
		{"abbreviation dots are not a boundary", "bullying", "you idiot", "you i.d.i.o.t", "you i.d.i.o.t", ctxKeep, 0},
		{"statistics", "self_harm", "suicide", "Suicide rates rose 5% last year", "Suicide", ctxCap, 0},
		{"news", "self_harm", "kill* myself", "The news said he wrote 'I will kill myself' before", "kill myself", ctxCap, 0},
		{"dream", "self_harm", "kill* myself", "I had a dream where I killed myself", "killed myself", ctxCap, 0},
		{"story", "self_harm", "want_to die", "In the story the girl says she wants to die", "wants to die", ctxCap, 0},
		{"asking for help is a disclosure", "self_harm", "want_to kill* myself", "i want to kill myself and i dont know how to get help", "want to kill myself", ctxKeep, 0},
		{"helpline", "self_harm", "suicidal", "if you feel suicidal ring Childline", "suicidal", ctxCap, 0},
		{"generic third person", "self_harm", "suicidal", "the suicidal character in chapter two", "suicidal", ctxCap, 0},
		{"generic first person", "self_harm", "suicidal", "i feel suicidal again", "suicidal", ctxKeep, 0},
		{"joking generic", "self_harm", "suicidal", "im literally suicidal the wifi is down lol", "suicidal", ctxCap, 0},
		{"critical is kept", "sexual", "child porn", "no, child porn", "child porn", ctxKeep, scanners.Critical},
		{"banter", "bullying", "you dumb", "lol you're so dumb for forgetting your PE kit", "you're so dumb", ctxCap, scanners.Medium},
		{"laughing does not soften looks", "bullying", "you ugly", "lol u r so ugly", "u r so ugly", ctxKeep, scanners.Medium},
		{"laughing does not soften worth", "bullying", "you loser", "you're such a loser lmao", "you're such a loser", ctxKeep, scanners.Medium},
		{"friends teasing", "bullying", "i hate you", "i hate you lol", "i hate you", ctxCap, scanners.Low},
		{"laughing does not soften kys", "bullying", "kys", "kys lol", "kys", ctxKeep, scanners.High},
		{"documentary", "weapons", "knife crime", "we watched a documentary about knife crime", "knife crime", ctxCap, 0},
		{"news does not soften an insult", "bullying", "you ugly", "the news says you're so ugly", "you're so ugly", ctxKeep, scanners.Medium},
		{"joking softens a medium phrase", "self_harm", "i_m|im suicidal", "im literally suicidal the wifi is down lol", "im literally suicidal", ctxCap, scanners.Medium},
		{"joking does not soften a high phrase", "self_harm", "want_to kill* myself", "i want to kill myself lol", "want to kill myself", ctxKeep, 0},
	}
	for _, tc := range []struct {
		text, hit string
		want      ctxEffect
	}{
		{"asshole", "asshole", ctxKeep},
		{"  Pig you are.\r\n", "Pig", ctxKeep},
		{"no slut", "slut", ctxKeep},
		{"idiot lol", "idiot", ctxCap},
		{"the guinea pig ate", "pig", ctxDrop},
		{"you won't believe it, idiot", "idiot", ctxDrop},
		{"i'm an idiot", "idiot", ctxDrop},
		{strings.Repeat("word ", 20) + "idiot", "idiot", ctxDrop},
	} {
		a := strings.Index(tc.text, tc.hit)
		if got := hitEffect("bullying", TagAlone, "idiot", scanners.Medium, tc.text, a, a+len(tc.hit)); got != tc.want {
			t.Errorf("hitEffect(alone, %q, %q) = %d, want %d", tc.text, tc.hit, got, tc.want)
		}
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := strings.Index(tc.text, tc.hit)
			if a < 0 {
				t.Fatalf("hit %q not in %q", tc.hit, tc.text)
			}
			if got := contextEffect(tc.topic, tc.phrase, cmp.Or(tc.sev, scanners.High), tc.text, a, a+len(tc.hit)); got != tc.want {
				t.Errorf("contextEffect(%q, %q) = %d, want %d", tc.text, tc.hit, got, tc.want)
			}
		})
	}
}

// TestContextInScanner checks the rules and lexicons through the scanner,
// both ways. Severities are bounds (lo..hi), so that they hold with and
// without the envelope weighting of pupils' mail; -1 means no finding of
// the rule.
func TestContextInScanner(t *testing.T) {
	t.Parallel()
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	const none = scanners.Severity(-1)
	tests := []struct {
		name, text, rule string
		lo, hi           scanners.Severity
	}{
		{"denial", "I'm not suicidal, just tired", "safeguarding_self_harm", none, none},
		{"disclosure", "I'm suicidal and I have the pills ready", "safeguarding_self_harm", scanners.High, scanners.High},
		{"support is low", "please don't kill yourself", "safeguarding_bullying", scanners.Low, scanners.Low},
		{"insult", "kill yourself", "safeguarding_bullying", scanners.High, scanners.High},
		{"indirect ideation", "i just hope i never wake up", "safeguarding_self_harm", scanners.High, scanners.High},
		{"sleep and never wake", "i just want to sleep and never wake up", "safeguarding_self_harm", scanners.High, scanners.High},
		{"goodbye", "by the time you read this i will be gone", "safeguarding_self_harm", scanners.High, scanners.High},
		{"past attempt", "I tried to kill myself last year", "safeguarding_self_harm", scanners.High, scanners.High},
		{"overdose count", "i took like 20 paracetamol last night", "safeguarding_self_harm", scanners.Medium, scanners.High},
		{"ordinary medicine", "I took two paracetamol for my headache", "safeguarding_self_harm", none, none},
		{"worry about a friend", "my friend told me she's been cutting herself", "safeguarding_self_harm", scanners.Medium, scanners.High},
		{"no point", "theres no point anymore", "safeguarding_self_harm", scanners.Medium, scanners.High},
		{"no point in shopping", "there's no point in going to the shop now", "safeguarding_self_harm", none, none},
		{"contraction insult", "ur a total idiot", "safeguarding_bullying", scanners.Medium, scanners.High},
		{"joined letters", "r u a virgin", "safeguarding_bullying", scanners.Medium, scanners.High},
		{"everyone hates you", "everyone at school hates u", "safeguarding_bullying", scanners.Medium, scanners.High},
		{"banter", "lol you're so dumb for forgetting your PE kit", "safeguarding_bullying", scanners.Low, scanners.Low},
		{"game", "i'm going to beat you at fifa", "safeguarding_bullying", none, scanners.Low},
		{"invitation", "are you coming to the party on saturday?", "safeguarding_bullying", none, none},
		{"near miss", "the only reason I didn't kill myself tonight was my cat", "safeguarding_self_harm", scanners.High, scanners.High},
		{"threat", "I want to kill you", "safeguarding_weapons", scanners.Medium, scanners.High},
		{"insult without a modifier", "you are so lazy and you are rude", "safeguarding_bullying", scanners.Medium, scanners.High},
		{"address by insult", "shut it ya dafty", "safeguarding_bullying", scanners.Medium, scanners.High},
		{"praise is no insult", "you are so kind and you are brilliant", "safeguarding_bullying", none, none},
		{"sexual question", "how's your sex life", "safeguarding_bullying", scanners.Medium, scanners.High},
		{"sex education", "we have sex education on tuesday", "safeguarding_bullying", none, none},
		{"burden", "everyone would be happier without me", "safeguarding_self_harm", scanners.Medium, scanners.High},
		{"wishing death on someone", "i wish you would die", "safeguarding_bullying", scanners.Medium, scanners.High},
		{"wishing someone well", "i wish you would come to my party", "safeguarding_bullying", none, none},
		{"trivial cause", "im so suicidal rn the wifi is down", "safeguarding_self_harm", scanners.Low, scanners.Low},
		{"boredom", "that assembly was so boring i wanted to die", "safeguarding_self_harm", scanners.Low, scanners.Low},
		{"a real cause is no hyperbole", "the bullying got so bad i wanted to die", "safeguarding_self_harm", scanners.High, scanners.High},
		{"everything to stop", "i just want everything to stop", "safeguarding_self_harm", scanners.Medium, scanners.High},
		{"quick way home", "is there a quick way to go home from the station", "safeguarding_self_harm", none, none},
		{"how to end my life", "how to end my life without pain", "safeguarding_self_harm", scanners.High, scanners.High},
		{"i have tried", "i have tried suicide before", "safeguarding_self_harm", scanners.High, scanners.High},
		{"ive tried", "ive attempted before, twice", "safeguarding_self_harm", scanners.High, scanners.High},
		{"bomb the school", "im going to bomb the school", "safeguarding_weapons", scanners.High, scanners.High},
		{"chores", "can you take the rubbish out and put ur garbage in the bin", "safeguarding_bullying", none, none},
		{"you're rubbish", "you're rubbish at this", "safeguarding_bullying", scanners.Medium, scanners.High},
		{"can't go on the trip", "the teacher said we can't go on the trip", "safeguarding_self_harm", none, none},
		{"can't go on like this", "i can't go on like this", "safeguarding_self_harm", scanners.Low, scanners.Medium},
		{"accident", "i nearly killed myself falling off my bike", "safeguarding_self_harm", scanners.Low, scanners.Low},
		{"near attempt", "i nearly killed myself last night", "safeguarding_self_harm", scanners.High, scanners.High},
		{"sex education", "do you like sex education class", "safeguarding_bullying", none, scanners.Low},
		{"about someone else", "she's such a slag", "safeguarding_bullying", scanners.Low, scanners.Medium},
		{"praise of someone else", "she's such a star and he is so kind", "safeguarding_bullying", none, none},
		{"friendly future", "you will always have friends here and you'll regret missing it", "safeguarding_bullying", none, none},
		{"cake", "just cut yourself a slice of cake", "safeguarding_bullying", none, none},
		{"head start", "give me a head start", "safeguarding_bullying", none, none},
		{"essay body", "send me your body paragraph", "safeguarding_bullying", none, none},
		{"trip photos", "can you send the photos to everyone from the trip", "safeguarding_bullying", none, none},
		{"exposure threat", "tell anyone and i'll send your nudes to everyone", "safeguarding_bullying", scanners.Medium, scanners.High},
		{"nothing like", "you're nothing like your sister", "safeguarding_bullying", none, none},
		{"algospeak", "i want to unalive myself", "safeguarding_self_harm", scanners.High, scanners.High},
		{"plan with a time", "i'm gonna end it tonight", "safeguarding_self_harm", scanners.Medium, scanners.High},
		{"a lesson ending", "we will end it today with a quiz", "safeguarding_self_harm", none, none},
		{"ending it with someone", "i'm gonna end it with him, he's so boring", "safeguarding_self_harm", none, none},
		{"sleep forever", "i just want to sleep forever", "safeguarding_self_harm", scanners.High, scanners.High},
		{"a book about", "i read a book about a girl who self harms", "safeguarding_self_harm", scanners.Low, scanners.Low},
		{"life is worth it", "life is worth it when you have friends", "safeguarding_self_harm", none, none},
		{"1488 alone", "order 1488 has shipped", "safeguarding_extremism", none, none},
		{"1488 with heil", "heil 1488 brothers", "safeguarding_extremism", scanners.High, scanners.High},
		{"informational", "Suicide rates rose 5% last year.", "safeguarding_self_harm", scanners.Low, scanners.Low},
		{"documentary", "we watched a documentary about knife crime", "safeguarding_weapons", none, scanners.Low},
		// directed abuse: swearing or an insult aimed at the reader is
		// bullying (medium when strong), undirected swearing is not
		{"fuck you", "fuck you", "safeguarding_bullying", scanners.Medium, scanners.High},
		{"fuck off", "just fuck off", "safeguarding_bullying", scanners.Medium, scanners.High},
		{"go fuck yourself", "go fuck yourself", "safeguarding_bullying", scanners.Medium, scanners.High},
		{"stfu", "stfu", "safeguarding_bullying", scanners.Medium, scanners.High},
		{"you little shit", "you little shit", "safeguarding_bullying", scanners.Medium, scanners.High},
		{"you shit", "you shit!", "safeguarding_bullying", scanners.Medium, scanners.High},
		{"you don't know shit", "you don't know shit about it", "safeguarding_bullying", scanners.Medium, scanners.High},
		{"you know fuck all", "you know fuck all", "safeguarding_bullying", scanners.Medium, scanners.High},
		{"wtf is wrong with you", "wtf is wrong with you", "safeguarding_bullying", scanners.Medium, scanners.High},
		{"up yours", "up yours", "safeguarding_bullying", scanners.Medium, scanners.High},
		{"name and swear", "Tom you wanker", "safeguarding_bullying", scanners.Medium, scanners.High},
		{"insult alone", "asshole", "safeguarding_bullying", scanners.Medium, scanners.High},
		{"insult alone after no", "no slut", "safeguarding_bullying", scanners.Medium, scanners.High},
		{"mild insult alone", "pig", "safeguarding_bullying", scanners.Low, scanners.Medium},
		{"insult alone laughing", "idiot lol", "safeguarding_bullying", scanners.Low, scanners.Low},
		{"undirected swearing", "this homework is fucking hard", "safeguarding_bullying", none, none},
		{"oh shit", "oh shit I forgot my PE kit", "safeguarding_bullying", none, none},
		{"fuck this", "fuck this computer", "safeguarding_bullying", none, none},
		{"fuck yeah", "fuck yeah we won", "safeguarding_bullying", none, none},
		{"what the fuck", "what the fuck", "safeguarding_bullying", none, none},
		{"praise with a swear", "you're fucking amazing", "safeguarding_bullying", none, none},
		{"intensifier", "did you fucking see that goal", "safeguarding_bullying", none, none},
		{"swearing about a third party", "my boss is an asshole at work", "safeguarding_bullying", none, none},
		{"not knowing", "you dont know anything about it yet", "safeguarding_bullying", none, none},
		{"I don't know shit", "I don't know shit about cars", "safeguarding_bullying", none, none},
		{"pig in a sentence", "the guinea pig ate all its food", "safeguarding_bullying", none, none},
		{"coming out", "i'm gay", "safeguarding_bullying", none, none},
		{"insult word in a long mail", strings.Repeat("the build server was down all day again. ", 4) + "that bastard of a bug", "safeguarding_bullying", none, none},
		{"insult word beside a phrase in a long mail", strings.Repeat("the build server was down all day again. ", 4) + "bastard. fuck you", "safeguarding_bullying", scanners.Medium, scanners.High},
		{"self-deprecation", "i'm a pig", "safeguarding_bullying", none, none},
		{"self-deprecation, curly apostrophe", "I’m a weirdo", "safeguarding_bullying", none, none},
		{"a thing", "stupid thing won't open", "safeguarding_bullying", none, none},
		{"do you smell", "do you smell?", "safeguarding_bullying", none, none},
		{"die as a command", "just die already", "safeguarding_bullying", scanners.Medium, scanners.High},
		{"die bitch", "die bitch", "safeguarding_bullying", scanners.Medium, scanners.High},
		{"a phone dying", "my phone will die now", "safeguarding_bullying", none, none},
		{"happy to die", "i could die now, so happy", "safeguarding_bullying", none, none},
		{"dumb fuck alone", "dumb fuck", "safeguarding_bullying", scanners.Low, scanners.Medium},
		{"into your pants", "he wants to get into your pants", "safeguarding_bullying", scanners.Medium, scanners.High},
		{"third person swear", "my brother is a bastard", "safeguarding_bullying", scanners.Low, scanners.Medium},
		{"undressing", "take your clothes off", "safeguarding_bullying", scanners.Medium, scanners.High},
		{"a coat", "take your coat off and sit down", "safeguarding_bullying", none, none},
		{"see you naked", "i want to see you naked", "safeguarding_bullying", scanners.Medium, scanners.High},
		{"underwear colour", "what colour is your underwear", "safeguarding_bullying", scanners.Medium, scanners.High},
		{"bag colour", "what colour is your bag", "safeguarding_bullying", none, none},
		{"body remark", "nice tits", "safeguarding_bullying", scanners.Medium, scanners.High},
		{"bum bag", "nice bum bag", "safeguarding_bullying", none, none},
		{"great tit", "we saw a great tit in the garden", "safeguarding_bullying", none, none},
		{"give me head", "give me head", "safeguarding_bullying", scanners.Medium, scanners.High},
		{"sleepover", "you can sleep with me in my tent at the sleepover", "safeguarding_bullying", none, none},
		{"PE", "spread your legs shoulder width apart", "safeguarding_bullying", none, none},
		{"game talk", "i'd smash you at fifa", "safeguarding_bullying", none, none},
		{"a dog", "the dog wants to lick you", "safeguarding_bullying", none, none},
		// self-harm, round 3: means, rehearsal, hopelessness; and the
		// ordinary sentences the same words make
		{"gun in the mouth", "I've put a gun in my mouth and squeezed the trigger", "safeguarding_self_harm", scanners.High, scanners.High},
		{"staring at the pills", "i'm staring at the pills", "safeguarding_self_harm", scanners.Medium, scanners.High},
		{"pills on a shelf", "I looked at the pills on the shelf in boots", "safeguarding_self_harm", none, none},
		{"ending it tonight", "i'm ending it tonight", "safeguarding_self_harm", scanners.Medium, scanners.High},
		{"ending it with him", "i'm ending it with him tonight", "safeguarding_self_harm", none, none},
		{"end my existence", "why not end the pain, this existence", "safeguarding_self_harm", scanners.Medium, scanners.High},
		{"a boss's existence", "the game will end this existence of the boss", "safeguarding_self_harm", none, none},
		{"life is garbage", "my life is garbage", "safeguarding_self_harm", scanners.Low, scanners.Medium},
		{"life is a waste of time", "my life is a waste of time doing homework", "safeguarding_self_harm", none, none},
		{"no reason to keep going", "there is no reason to keep going", "safeguarding_self_harm", scanners.Medium, scanners.High},
		{"a reason to keep going with a project", "is there a reason to keep going with this project", "safeguarding_self_harm", none, none},
		{"misspelt disappear", "it makes me want to dissapear", "safeguarding_self_harm", scanners.Medium, scanners.High},
		{"swallowed pills", "I swallowed a handful of pills", "safeguarding_self_harm", scanners.High, scanners.High},
		{"carried pills", "we took a bunch of pills to the science lab", "safeguarding_self_harm", none, none},
		{"hoarding pills", "i've been hoarding pills", "safeguarding_self_harm", scanners.High, scanners.High},
		{"struggling with sh", "i've been struggling with sh for years", "safeguarding_self_harm", scanners.Medium, scanners.High},
		{"the shell", "the script has problems with sh and bash", "safeguarding_self_harm", none, none},
		{"will to live", "i'm losing my will to live", "safeguarding_self_harm", scanners.High, scanners.High},
		{"game gun", "my gun jammed in fortnite so i lost", "safeguarding_self_harm", none, none},
		{"no purpose", "i feel like i have no purpose in life", "safeguarding_self_harm", scanners.Medium, scanners.High},
		{"a folder's purpose", "i have no purpose for this folder", "safeguarding_self_harm", none, none},
		{"researching methods", "i've been researching ways to kill myself", "safeguarding_self_harm", scanners.High, scanners.High},
		{"dye", "i wish i could die my hair blue", "safeguarding_self_harm", none, scanners.Low},
		{"wish to die", "i wish i could just die", "safeguarding_self_harm", scanners.Medium, scanners.High},
		{"don't deserve to live", "i don't deserve to live", "safeguarding_self_harm", scanners.High, scanners.High},
		{"gave up on everything", "i've given up on everything", "safeguarding_self_harm", scanners.Medium, scanners.High},
		{"gave up on life drawing", "i gave up on life drawing", "safeguarding_self_harm", none, none},
		{"what's the point of anything", "what's the point of anything", "safeguarding_self_harm", scanners.Medium, scanners.High},
		{"what's the point of me going", "what's the point of me going if you're not", "safeguarding_self_harm", none, none},
		{"planning to end my life", "i'm planning to kill myself", "safeguarding_self_harm", scanners.Medium, scanners.High},
		{"planning to end it with him", "i'm planning to end it with him", "safeguarding_self_harm", none, none},
		{"close to a goal", "we were so close to ending it in the last minute", "safeguarding_self_harm", none, none},
		{"a jump from a roof", "i'm on the roof and i'm going to jump", "safeguarding_self_harm", scanners.Medium, scanners.High},
		{"pills saved", "i have enough pills saved up", "safeguarding_self_harm", scanners.High, scanners.High},
		{"failed overdose", "i tried to overdose last night", "safeguarding_self_harm", scanners.High, scanners.High},
		{"caffeine", "i tried to overdose on caffeine before the exam", "safeguarding_self_harm", none, scanners.Low},
		{"better off gone", "i'd be better off gone", "safeguarding_self_harm", scanners.Medium, scanners.High},
		{"someone better off gone from a school", "you're better off gone from that school", "safeguarding_self_harm", none, none},
		{"can't be bothered living", "i can't be bothered living anymore", "safeguarding_self_harm", scanners.Medium, scanners.High},
	}
	lim := message.Limits{}.WithDefaults()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs, err := s.Scan(t.Context(), message.Parse(context.Background(), evaluate.PupilMail(tc.text), lim), evaluate.PupilEnvelope())
			if err != nil {
				t.Fatal(err)
			}
			got := none
			for _, f := range fs {
				if f.Rule == tc.rule {
					got = f.Severity
				}
			}
			if got < tc.lo || got > tc.hi {
				t.Errorf("Scan(%q) %s = %v, want %v..%v (findings %v)", tc.text, tc.rule, got, tc.lo, tc.hi, fs)
			}
		})
	}
}

// TestRound5Context checks the round 5 context rules both ways: banter
// softens less, Q&A labels are no words, reassurance and insults about
// the writer are not bullying, and a second-person hit must be aimed.
func TestRound5Context(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, tag, phrase, text, hit string
		sev                          scanners.Severity
		want                         ctxEffect
	}{
		// "literally" intensifies an insult; laughter still marks banter
		{"literally is no laughter", "-", "no_one wants you", "literally no one wants you here", "no one wants you", scanners.Medium, ctxKeep},
		{"lol still softens", "-", "you dumb", "lol ur so dumb", "ur so dumb", scanners.Medium, ctxCap},
		{"exclusion is not softened", "-", "you got no mates", "u got no mates lol", "u got no mates", scanners.Medium, ctxKeep},
		{"fake is not softened", "-", "you fake", "Q: you're so fake lol", "you're so fake", scanners.Medium, ctxKeep},
		// Q&A labels
		{"alone in a Q&A post", TagAlone, "slut", "Q: slut A: ok", "slut", scanners.Medium, ctxKeep},
		{"alone in a sentence", TagAlone, "slut", "Q: she said slut to me A: ok", "slut", scanners.Medium, ctxDrop},
		{"final before an answer", TagFinal, "your fat", "Q: your fat<br>A: thanks", "your fat", scanners.Medium, ctxKeep},
		{"final before the answer label", TagFinal, "your fat", "Q: your fat A: thanks", "your fat", scanners.Medium, ctxKeep},
		{"not final", TagFinal, "your fat", "your fat cat is lovely", "your fat", scanners.Medium, ctxDrop},
		// reassurance
		{"not ugly", TagAlone, "ugly", "you're not ugly", "ugly", scanners.Medium, ctxDrop},
		{"ugly", TagAlone, "ugly", "ur ugly", "ugly", scanners.Medium, ctxKeep},
		{"support stays low", TagAlone, "go_cut_yourself", "please don't go cut yourself", "go cut yourself", scanners.Medium, ctxCap},
		// bare insult words: the writer, or denied
		{"about the writer", "-", "idiot", "im such an idiot i left my phone at home", "idiot", scanners.Low, ctxDrop},
		{"at fifa", "-", "loser", "i'm a loser at fifa", "loser", scanners.Low, ctxDrop},
		{"denied", "-", "loser", "you're not a loser", "loser", scanners.Low, ctxDrop},
		{"about someone the writer names", "-", "idiot", "i think my stepfather is an idiot", "idiot", scanners.Low, ctxKeep},
		{"the writer insults the reader", "-", "idiot", "i think you're an idiot", "idiot", scanners.Low, ctxKeep},
		{"disclosure stays", "-", "bullied", "i was bullied last year", "bullied", scanners.Low, ctxKeep},
		// aim
		{"a verb in the gap", "-", "you|u fake|fat", "do you want fake nails", "you want fake", scanners.Medium, ctxDrop},
		{"a copula in the gap", "-", "you|u fake|fat", "you are fake", "you are fake", scanners.Medium, ctxKeep},
		{"an intensifier in the gap", "-", "you|u fake|fat", "u sooo fat", "u sooo fat", scanners.Medium, ctxKeep},
		{"a phrase word in the gap", "-", "you|u look_like a pig", "you look like a pig", "you look like a pig", scanners.Medium, ctxKeep},
		{"an adjective before its noun", "-", "ur|your fat|fake", "ur fake tan looks good", "ur fake", scanners.Medium, ctxDrop},
		{"an adjective before an insult", "-", "ur|your fat|fake", "ur fat bitch", "ur fat", scanners.Medium, ctxKeep},
		{"an adjective alone", "-", "ur|your fat|fake", "ur fat", "ur fat", scanners.Medium, ctxKeep},
		{"masked letters are one word", "-", "you cunt", "you c-u-n-t", "you c-u-n-t", scanners.Medium, ctxKeep},
		{"an explicit gap takes any words", "-", "you have ... fake_friends", "why do you have so many fake friends", "you have so many fake friends", scanners.Medium, ctxKeep},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := strings.Index(tc.text, tc.hit)
			if a < 0 {
				t.Fatalf("%q not in %q", tc.hit, tc.text)
			}
			if got := hitEffect("bullying", tc.tag, tc.phrase, tc.sev, tc.text, a, a+len(tc.hit)); got != tc.want {
				t.Errorf("hitEffect(%s, %q, %q) = %d, want %d", tc.tag, tc.text, tc.hit, got, tc.want)
			}
		})
	}
}

// TestAddressContext checks TagAddress both ways: "you fucking" + one noun
// ending a statement is an insult whatever the noun; praise, adverbs,
// verbs and questions are not.
func TestAddressContext(t *testing.T) {
	t.Parallel()
	const ph = "you|u|ya fucking|bloody"
	for _, tc := range []struct {
		text string
		want ctxEffect
	}{
		{"you fucking gnome", ctxKeep},
		{"bye you fucking gnome!", ctxKeep},
		{"you fucking cheat. get out", ctxKeep},
		{"Q: you fucking gnome A: ok", ctxKeep},
		{"you fucking legend", ctxDrop},
		{"you bloody beauty", ctxDrop},
		{"you fucking legend, thanks for the notes", ctxDrop},
		{"did you fucking see that goal", ctxDrop},
		{"are you fucking serious?", ctxDrop},
		{"what did you fucking say", ctxDrop},
		{"I told you fucking twice", ctxDrop},
		{"you fucking did it!", ctxDrop},
		{"love you fucking loads", ctxDrop},
		{"you fucking", ctxDrop},
		{"you fucking what?", ctxDrop},
	} {
		t.Run(tc.text, func(t *testing.T) {
			t.Parallel()
			lower := strings.ToLower(tc.text)
			a := strings.Index(lower, "you ")
			b := a + len("you fucking")
			if strings.Contains(lower, "you bloody") {
				b = a + len("you bloody")
			}
			if got := hitEffect("bullying", TagAddress, ph, scanners.Medium, tc.text, a, b); got != tc.want {
				t.Errorf("hitEffect(address, %q) = %d, want %d", tc.text, got, tc.want)
			}
		})
	}
}

// TestWantYouTo checks the request rule both ways: "want you to ..." is a
// request, "doesn't even want you" alone is not.
func TestWantYouTo(t *testing.T) {
	t.Parallel()
	const ph = "she|he doesnt|doesn_t even want|like|love you|u|ya"
	for _, tc := range []struct {
		text, hit string
		want      ctxEffect
	}{
		{"he doesn't even want you to bring anything", "he doesn't even want you", ctxDrop},
		{"she doesn't even like you to call her that", "she doesn't even like you", ctxDrop},
		{"he doesn't even want you", "he doesn't even want you", ctxKeep},
		{"she doesn't even like you, she just uses you", "she doesn't even like you", ctxKeep},
		{"he doesn't even want you. To be honest nobody does", "he doesn't even want you", ctxKeep},
	} {
		t.Run(tc.text, func(t *testing.T) {
			t.Parallel()
			a := strings.Index(tc.text, tc.hit)
			if got := hitEffect("bullying", "-", ph, scanners.Medium, tc.text, a, a+len(tc.hit)); got != tc.want {
				t.Errorf("hitEffect(%q) = %d, want %d", tc.text, got, tc.want)
			}
		})
	}
}

// TestCharRefs checks that an HTML character reference left in plain text
// (Q&A pages copied as text: "you&#039;re") is one word for the context
// rules, not a clause break, both ways.
func TestCharRefs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"you&#039;re so ugly", false},
		{"you&#39;re a slut", false},
		{"you&rsquo;re such a loser", false},
		{"you&#x27;re fat", false},
		{"you are; ugly", true},
		{"you're fat; & so", true},
		{"ugly;", true},
	} {
		if got := crossesBoundary(tc.s); got != tc.want {
			t.Errorf("crossesBoundary(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
	text := "i&#039;m such an idiot i left my phone at home"
	a := strings.Index(text, "idiot")
	if got := hitEffect("bullying", "-", "idiot", scanners.Low, text, a, a+len("idiot")); got != ctxDrop {
		t.Errorf("hitEffect(%q) = %d, want ctxDrop (the writer)", text, got)
	}
}
