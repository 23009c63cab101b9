package profanity

import (
	"strings"

	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/textnorm"
)

// GestureRule is the stable rule id of the middle-finger emoji finding.
const GestureRule = "profanity_gesture"

// middleFinger is U+1F595 REVERSED HAND WITH MIDDLE FINGER EXTENDED (skin
// tone modifiers follow it and need no extra handling). Normalisation drops
// emoji, so it is looked for in the original text.
const middleFinger = "\U0001F595"

// gestureFinding reports the middle-finger emoji in fields as a low
// finding (one strings.Index pass per field).
func gestureFinding(fields []textnorm.Field, maxEv int) (scanners.Finding, bool) {
	f := scanners.Finding{Scanner: Name, Rule: GestureRule, Category: scanners.Profanity, Severity: scanners.Low}
	n := 0
	for _, fl := range fields {
		for off := 0; ; {
			i := strings.Index(fl.Text[off:], middleFinger)
			if i < 0 {
				break
			}
			a := off + i
			n++
			if len(f.Evidence) < maxEv {
				f.Evidence = append(f.Evidence, scanners.Evidence{Part: fl.Part, Field: fl.Name, Offset: a, Length: len(middleFinger), Text: middleFinger})
			}
			off = a + len(middleFinger)
		}
	}
	if n == 0 {
		return f, false
	}
	f.Score = float64(n)
	f.Explanation = "middle-finger emoji"
	return f, true
}
