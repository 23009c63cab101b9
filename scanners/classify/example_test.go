package classify_test

import (
	"fmt"

	"github.com/lychgate/lychgate/scanners/classify"
)

func ExampleModel_Score() {
	m, err := classify.Default()
	if err != nil {
		fmt.Println(err)
		return
	}
	insult := m.Score("you are a stupid ugly bitch and everyone hates you")
	notice := m.Score("Please hand in your homework on Monday, thank you")
	fmt.Println("topics:", m.Topics)
	fmt.Println("insult scores higher for bullying:", insult["bullying"] > notice["bullying"])
	// Output:
	// topics: [self_harm bullying abusive]
	// insult scores higher for bullying: true
}
