package safeguarding

import "testing"

// TestRound8SelfHarm: warning-sign forms added in round 8 (acquiring means,
// asking for a reason to go on, wanting out of life), hand-written, with
// ordinary twins: news, support, sport and games.
func TestRound8SelfHarm(t *testing.T) {
	t.Parallel()
	const sh = "safeguarding_self_harm"
	runLexCases(t, []lexCase{
		{"i bought a gun so i can end it", sh, true},
		{"im getting a gun to kill myself", sh, true},
		{"i got myself a pistol to use on myself", sh, true},
		{"not even my friends can give me a reason to keep going.", sh, true},
		{"i cant find a reason to carry on", sh, true},
		{"someone give me one reason not to do it", sh, true},
		{"i just want out of this life", sh, true},
		{"i want out of this world", sh, true},
		// ordinary twins
		{"my dad bought a gun for clay shooting", sh, false},
		{"he got a water pistol for his birthday", sh, false},
		{"the police said he bought a gun before the robbery", sh, false},
		{"give me a reason to keep going to the gym", sh, false},
		{"the coach gave us a reason to keep going at half time", sh, false},
		{"i want out of this group chat", sh, false},
		{"i want out of the team after what happened", sh, false},
		{"i want out of maths, its so boring", sh, false},
	})
}

// TestRound8Context: the bare word "porn" and "special relationship"
// flagged more clean than offensive texts on the training split; what a
// school must see still fires.
func TestRound8Context(t *testing.T) {
	t.Parallel()
	const sx, gr = "safeguarding_sexual", "safeguarding_grooming"
	runLexCases(t, []lexCase{
		{"have you been watching porn again", sx, true},
		{"send me porn", sx, true},
		{"he showed us porn videos on his phone", sx, true},
		{"go on pornhub", sx, true},
		{"porn", sx, true},
		{"send a porn of you", sx, true},
		{"we have a special relationship, don't tell anyone", gr, true},
		{"our special friendship is a secret", gr, true},
		// ordinary twins
		{"the news said she used to be a porn star", sx, false},
		{"this cake is total food porn", sx, false},
		{"the UK and the US have a special relationship", gr, false},
		{"we learned about the special relationship in history", gr, false},
	})
}

// TestRound8Ideation: two fresh hand-written sets of indirect ideation
// (20 and 15 of 30 caught at medium+ before round 8's lines, which were
// then written from their misses and the published warning signs), and
// ordinary twins with the same words. Cases each set still misses, and
// ordinary lines older lines flag, are listed in the doc, not here.
func TestRound8Ideation(t *testing.T) {
	t.Parallel()
	const sh = "safeguarding_self_harm"
	runLexCases(t, []lexCase{
		{"i dont think i can do this much longer", sh, true},
		{"everyone would be better off if i wasnt around", sh, true},
		{"i just want to sleep and never wake up", sh, true},
		{"i keep thinking about ending it all", sh, true},
		{"ive been thinking about killing myself a lot lately", sh, true},
		{"i wrote letters to my family just in case", sh, true},
		{"i dont see the point in anything anymore", sh, true},
		{"im so tired of being alive", sh, true},
		{"i want to disappear forever", sh, true},
		{"nobody would even notice if i was gone", sh, true},
		{"ive been giving my stuff away to my friends", sh, true},
		{"this is the last time you will hear from me", sh, true},
		{"i have a plan and i know when im going to do it", sh, true},
		{"i tried to kill myself last year and i think about doing it again", sh, true},
		{"i cant keep living like this", sh, true},
		{"sometimes i think about jumping off the bridge near school", sh, true},
		{"i feel like a burden to everyone", sh, true},
		{"i wish i could just fall asleep and not wake up", sh, true},
		{"i dont want to exist anymore", sh, true},
		{"im going to end my life this weekend", sh, true},
		{"i have been cutting again and its getting deeper", sh, true},
		{"theres no way out for me", sh, true},
		{"i think the world would be better without me", sh, true},
		{"im ready to go, ive said my goodbyes", sh, true},
		{"it would be easier if i just wasnt here", sh, true},
		{"i want to die", sh, true},
		{"life isnt worth living anymore", sh, true},
		{"i keep wishing a car would hit me", sh, true},
		{"honestly whats the point of me", sh, true},
		{"i just want everything to stop", sh, true},
		{"cant be bothered to live anymore", sh, true},
		{"if i died tomorrow would anyone care", sh, true},
		{"im not gonna be around much longer", sh, true},
		{"ive been reading about ways to die", sh, true},
		{"i took a load of my mums tablets last night", sh, true},
		{"i want to go to sleep forever", sh, true},
		{"i dont wanna be here anymore", sh, true},
		{"every day i think about not being here", sh, true},
		{"i wish i had never been born", sh, true},
		{"i cant cope anymore i just want to be gone", sh, true},
		{"i cut myself again last night", sh, true},
		{"my family would be better without me", sh, true},
		{"im done with life", sh, true},
		{"ive thought about how i would do it", sh, true},
		{"i have the pills ready", sh, true},
		{"no one will miss me when im gone", sh, true},
		{"i want to hurt myself so bad rn", sh, true},
		{"i feel so empty i just want to stop existing", sh, true},
		{"i keep planning how to kill myself", sh, true},
		{"what if i just didnt wake up tomorrow", sh, true},
		{"i want to end it", sh, true},
		{"im scared i will hurt myself", sh, true},
		{"i cant live with myself anymore", sh, true},
		{"i just want to die in my sleep", sh, true},
		// ordinary twins
		{"we did a lesson on suicide prevention today", sh, false},
		{"the charity raises money for people who have lost someone to suicide", sh, false},
		{"this maths homework is killing me", sh, false},
		{"i could die of embarrassment", sh, false},
		{"im dead lol that video", sh, false},
		{"please dont hurt yourself, talk to me", sh, false},
		{"my grandad died last year and i miss him", sh, false},
		{"i was so tired i slept for twelve hours", sh, false},
		{"the book is about a boy whose brother took his own life", sh, false},
		{"i'm giving my old clothes to the charity shop", sh, false},
		{"this is the last time i lend you my charger", sh, false},
		{"i have a plan for the weekend, cinema then pizza", sh, false},
		{"i cant keep doing these late shifts", sh, false},
		{"i hate mondays", sh, false},
		{"we jumped off the pier into the sea, it was amazing", sh, false},
		{"my phone is dying", sh, false},
		{"i'm not suicidal, just stressed about exams", sh, false},
		{"the news said suicide rates went up", sh, false},
		{"i dont want to go to school tomorrow", sh, false},
		{"whats the point of this homework", sh, false},
		{"i just want the rain to stop", sh, false},
		{"cant be bothered to go to football", sh, false},
		{"if i fail tomorrow my mum will kill me", sh, false},
		{"im not gonna be around much at the weekend, im at my dads", sh, false},
		{"ive been reading about the ways the romans died in the arena", sh, false},
		{"we stood on the bridge to watch the fireworks", sh, false},
		{"i took my tablets for my hayfever", sh, false},
		{"i want to go to sleep so bad, so tired", sh, false},
		{"i dont wanna be here, this lesson is boring", sh, false},
		{"i wish i had been born in the 80s", sh, false},
		{"i cut my finger making dinner", sh, false},
		{"im done with this game", sh, false},
		{"ive thought about how i would spend the money", sh, false},
		{"i want to hurt him in the match lol", sh, false},
		{"tonight is the night of the school disco", sh, false},
		{"i cant live without my phone", sh, false},
		{"i died laughing at that", sh, false},
		{"she killed it at the talent show", sh, false},
		{"i cant go on the trip much longer than a week", sh, false},
		{"i cant keep going to bed this late", sh, false},
		{"i wrote notes for my friends in case they missed the lesson", sh, false},
		{"i'm giving my old toys away to my cousin", sh, false},
		{"this is the last time you will hear from me about the party, promise", sh, false},
		{"i have a plan for the project and i know when im going to do it", sh, false},
		{"i want the exams to be over", sh, false},
		{"we said our goodbyes at the airport", sh, false},
		{"the bus nearly hit me this morning", sh, false},
		{"i hope the bus comes soon", sh, false},
		{"whats the point of this", sh, false},
		{"i cant be bothered to go out tonight", sh, false},
		{"if i died my hair blue would anyone notice", sh, false},
		{"i read about ways to save money", sh, false},
		{"i took a load of photos on the trip", sh, false},
		{"i keep thinking about not being here next year when we move", sh, false},
		{"i want to be gone before the traffic starts", sh, false},
		{"ive thought about how i would decorate my room", sh, false},
		{"what if i didnt wake up in time for the exam", sh, false},
		{"i cant live with this haircut", sh, false},
		{"i took a handful of sweets from the jar", sh, false},
		{"my mum took her tablets this morning", sh, false},
	})
}

// TestTrashTalkContext: "trash" followed by "talk" is the verb of sports
// banter, not an insult; "you're trash" still is.
func TestTrashTalkContext(t *testing.T) {
	t.Parallel()
	const b = "safeguarding_bullying"
	runLexCases(t, []lexCase{
		{"why are you trash talking my team", b, false},
		{"if you're gonna trash talk my piercings say it to my face", b, false},
		{"you trash-talked us all week and lost", b, false},
		{"you're trash", b, true},
		{"you are trash. talk to the hand", b, true},
		{"everyone knows ur trash", b, true},
	})
}

// TestRound8Groups: hostility about a group without insult words, and
// the same words in a lesson or about rights and facts.
func TestRound8Groups(t *testing.T) {
	t.Parallel()
	const b = "safeguarding_bullying"
	runLexCases(t, []lexCase{
		{"gay people should not be allowed to adopt", b, true},
		{"women shouldn't be allowed to vote", b, true},
		{"trans people are mentally ill", b, true},
		{"being gay is a mental illness", b, true},
		{"immigrants are taking our jobs", b, true},
		{"refugees keep stealing our houses", b, true},
		{"asians all look the same", b, true},
		{"muslims are all the same", b, true},
		// ordinary twins
		{"gay people can marry in the UK since 2014", b, false},
		{"immigrants helped build the NHS", b, false},
		{"trans people face discrimination at work", b, false},
		{"women got the vote in 1918", b, false},
		{"these two shirts all look the same to me", b, false},
		{"mental illness affects one in four people", b, false},
	})
}
