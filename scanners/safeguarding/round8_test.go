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
		{"we have a special relationship, don't tell anyone", gr, true},
		{"our special friendship is a secret", gr, true},
		// ordinary twins
		{"the news said she used to be a porn star", sx, false},
		{"this cake is total food porn", sx, false},
		{"the UK and the US have a special relationship", gr, false},
		{"we learned about the special relationship in history", gr, false},
	})
}
