package safeguarding

import "testing"

// TestRound9 covers the round-9 lines both ways: getting others to hurt,
// exclude or humiliate a third person and wishing it on them (bullying
// "through others", Anti-Bullying Alliance and Childnet), rumours, sexual
// questions and call requests aimed at the reader (Childnet Project
// deSHAME), and a strong insult noun after a call for attention ("oi
// slag come here"). Hand-written sentences, with ordinary twins that share
// their words (games, sport, cooking, birthdays, calls).
func TestRound9(t *testing.T) {
	t.Parallel()
	const b = "safeguarding_bullying"
	runLexCases(t, []lexCase{
		{"someone should beat her up", b, true},
		{"someone needs to punch him", b, true},
		{"somebody should slap that girl", b, true},
		{"we should jump him after school", b, true},
		{"everyone should bully her", b, true},
		{"she deserves to be bullied", b, true},
		{"he deserves to get battered", b, true},
		{"she deserves a good slap", b, true},
		{"let's make her life hell", b, true},
		{"we're gonna make his life a misery", b, true},
		{"lets make her cry", b, true},
		{"i'm gonna make him regret it", b, true},
		{"lets get her expelled", b, true},
		{"we should get him beaten up", b, true},
		{"spread it round that he is gay", b, true},
		{"start a rumour that she stuffs her bra", b, true},
		{"are you good in bed", b, true},
		{"r u any good at sex", b, true},
		{"rate your body out of 10", b, true},
		{"rate ur tits", b, true},
		{"get on facetime naked", b, true},
		{"facetime me topless", b, true},
		{"touch my pussy", b, true},
		{"i want to rub my pussy all the time", b, true},
		{"ive got a huge dick", b, true},
		{"i got a hard dick for you", b, true},
		{"so i can jack off", b, true},
		{"i jacked off to your pic", b, true},
		{"oi slag come here", b, true},
		{"hey bitch what are you doing", b, true},
		// ordinary twins
		{"someone should beat him at chess", b, false},
		{"someone needs to beat her record", b, false},
		{"someone should punch the ball harder", b, false},
		{"we should stab the potatoes with a fork", b, false},
		{"someone needs to help her", b, false},
		{"you need to jump higher on the trampoline", b, false},
		{"you have to hurt them in the game to win", b, false},
		{"she deserves to be happy", b, false},
		{"she deserved to get the prize", b, false},
		{"let's make her life easier", b, false},
		{"let's make her a card", b, false},
		{"let's make him laugh", b, false},
		{"this film will make her cry", b, false},
		{"let's make them cry in the final", b, false},
		{"let's get her a present", b, false},
		{"we should get him in the team", b, false},
		{"we should get them excluded from the competition for cheating", b, false},
		{"spread it around the pan", b, false},
		{"we read about how rumours spread", b, false},
		{"are you good at maths", b, false},
		{"are you any good at football", b, false},
		{"rate your day out of 10", b, false},
		{"facetime me after school", b, false},
		{"my brother walked in while i was on facetime and my mum was naked screaming", b, false},
		{"i have a big family", b, false},
		{"i've got a massive knob of butter", b, false},
		{"we jacked up the car", b, false},
		{"jack it in mate", b, false},
		{"hey guys wanna play fifa", b, false},
		{"oi mate come here", b, false},
		{"hey idiots we won", b, false},
	})
}

// TestRound9AnswerNo: the answer "no" before a new clause negates nothing
// in it ("are you ok?" "no i want to die"); a negation inside the clause
// still does.
func TestRound9AnswerNo(t *testing.T) {
	t.Parallel()
	const b, sh = "safeguarding_bullying", "safeguarding_self_harm"
	runLexCases(t, []lexCase{
		{"no i would like it if you died", b, true},
		{"no i want to die", sh, true},
		{"no i really want to die", sh, true},
		{"no, i want to kill myself", sh, true},
		{"there is no way i want to die", sh, true},
		// denials
		{"no i would never kill myself", sh, false},
		{"no i'm not suicidal", sh, false},
		{"no one wants to die", sh, false},
		{"no i'm not gonna hit you", b, false},
		{"no i wont kill you", b, false},
	})
}

// TestRound9Fresh: the lines written from a fresh hand-written set (17 of
// 30 caught before them, 28 after; 2 of 20 ordinary lines flagged before
// and after, both by older lines), and ordinary twins written against
// them. An insult noun ending an order is aimed even after a possessive
// ("shut your mouth slag").
func TestRound9Fresh(t *testing.T) {
	t.Parallel()
	const b = "safeguarding_bullying"
	runLexCases(t, []lexCase{
		{"shut your mouth slag", b, true},
		{"get out of my way bitch", b, true},
		{"what size bra are you now", b, true},
		{"show me what's under your skirt", b, true},
		{"you'd look better with no clothes on", b, true},
		{"how far have you gone with a boy", b, true},
		{"i'd smash you", b, true},
		{"make sure she doesn't get invited", b, true},
		{"tell her she's not welcome anymore", b, true},
		{"kick him out of the group chat", b, true},
		{"post that video of her everywhere", b, true},
		{"if she comes in tomorrow we're gonna jump her", b, true},
		// ordinary twins
		{"shut the door on the slag heap", b, false},
		{"get me the slag from the furnace", b, false},
		{"what size shoe are you", b, false},
		{"i went bra shopping with my mum", b, false},
		{"what's under your bed", b, false},
		{"show me what's under the lid", b, false},
		{"you'd look better with your hair down", b, false},
		{"you'd look better without glasses", b, false},
		{"how far have you gone with your project", b, false},
		{"how far did you go with him on the bike ride", b, false},
		{"i'd smash you at fifa", b, false},
		{"i'd smash that test", b, false},
		{"make sure she doesn't come late", b, false},
		{"make sure he doesn't forget his kit", b, false},
		{"she's not welcome to bring her dog", b, false},
		{"they're not here anymore", b, false},
		{"kick him off the sofa", b, false},
		{"remove the photo from the group chat", b, false},
		{"post the video of the concert on the class page", b, false},
		{"share that video of her dancing at the talent show", b, false},
		{"send the pic of you and your nan to grandad", b, false},
		{"i'm gonna jump in the pool", b, false},
		{"we're gonna jump higher", b, false},
		{"we'll beat up the eggs for the cake", b, false},
		{"im gonna deck the halls", b, false},
	})
}

// TestRound9OrdinarySense: the words after "go away", "a virgin" and
// "what are you wearing" that give them their everyday sense (a trip, a
// brand, an occasion), found on the hand-written ordinary teen set; the
// hurtful senses still fire.
func TestRound9OrdinarySense(t *testing.T) {
	t.Parallel()
	const b, gr = "safeguarding_bullying", "safeguarding_grooming"
	runLexCases(t, []lexCase{
		{"go away", b, true},
		{"go away for good", b, true},
		{"just go away and die", b, true},
		{"go away to your room", b, true},
		{"are you a virgin", b, true},
		{"what r u wearing rn", b, true},
		{"what are you wearing to bed", gr, true},
		{"what are you wearing for me", gr, true},
		{"what are you wearing tonight", gr, true},
		// everyday senses
		{"go away for the weekend?", b, false},
		{"go away for a bit and come back refreshed", b, false},
		{"we go away to spain in august", b, false},
		{"are you a virgin media customer", b, false},
		{"what are you wearing to the party", b, false},
		{"what are you wearing to the party", gr, false},
		{"what are you wearing tomorrow", gr, false},
		{"what are you wearing for non uniform day", gr, false},
	})
}

// TestRound9Campaign: a bare bullying word named as a campaign or policy
// is talk about bullying (low, capped); a disclosure still fires.
func TestRound9Campaign(t *testing.T) {
	t.Parallel()
	const b = "safeguarding_bullying"
	runLexCases(t, []lexCase{
		{"she keeps bullying me", b, true},
		{"i'm being bullied", b, true},
		{"last week she started bullying me", b, true},
		{"they are bullying me at lunch", b, true},
		// campaigns and policies
		{"anti bullying week is next week", b, false},
		{"the anti-bullying ambassadors are meeting at lunch", b, false},
		{"our school has a zero tolerance on bullying", b, false},
	})
}

// TestRound9Second: the lines written from a second fresh hand-written
// set (19 of 30 caught at medium+ before them, 26 after), with ordinary
// twins written against them.
func TestRound9Second(t *testing.T) {
	t.Parallel()
	const b = "safeguarding_bullying"
	runLexCases(t, []lexCase{
		{"no one in this chat likes you, just leave", b, true},
		{"stop posting selfies nobody wants to see your face", b, true},
		{"you're the reason your dad left", b, true},
		{"i've got your nudes and i'm sending them to everyone", b, true},
		{"delete your account before we make you", b, true},
		{"you should just disappear honestly", b, true},
		{"you should never have been born", b, true},
		{"do everyone a favour and stop existing", b, true},
		{"i'll make sure everyone knows your secret", b, true},
		{"nobody in our form likes you", b, true},
		// ordinary twins
		{"no one in this class likes maths", b, false},
		{"there's no one like you", b, false},
		{"nobody wants you to get hurt", b, false},
		{"nobody wants to see your face covered in paint", b, false},
		{"you're the reason your mum smiles", b, false},
		{"you're the reason i passed", b, false},
		{"i've got your pics from the trip", b, false},
		{"i've got your jumper", b, false},
		{"delete your account before the update", b, false},
		{"delete your old account or it gets hacked", b, false},
		{"you should disappear into the kitchen and make tea", b, false},
		{"you should just leave it in the oven for ten minutes", b, false},
		{"you should all leave now, the bell went", b, false},
		{"i'll make sure everyone knows what time the bus leaves", b, false},
		{"make sure everyone knows about the party", b, false},
		{"i'll make sure everyone knows what you did for us, thank you", b, false},
		{"do everyone a favour and bring cake", b, false},
	})
}

// TestOrdinarySenseAllocs: a hit whose last word is none of the words
// ordinarySense reads ("away", "virgin", "wearing") costs no allocation.
func TestOrdinarySenseAllocs(t *testing.T) {
	text := "you are such a loser and everyone knows it"
	if n := testing.AllocsPerRun(100, func() { ordinarySense(text, 0, 19) }); n != 0 {
		t.Errorf("ordinarySense allocates %.0f times on an unrelated hit, want 0", n)
	}
	for _, c := range []struct {
		s, w string
		want bool
	}{
		{"go away", "away", true},
		{"go AWAY", "away", true},
		{"away", "away", true},
		{"runaway", "away", false},
		{"wearing", "wearing", true},
		{"swearing", "wearing", false},
	} {
		if got := endsWordFold(c.s, c.w); got != c.want {
			t.Errorf("endsWordFold(%q, %q) = %v, want %v", c.s, c.w, got, c.want)
		}
	}
}
