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
