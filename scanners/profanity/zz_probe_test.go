package profanity_test

import (
	"testing"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners/profanity"
)

func TestZZProbe(t *testing.T) {
	s := newScanner(t, profanity.Options{})
	for _, in := range []string{"a$$", "kiss my a$$", "a$$hole", "@ss", "b!tch", "b*tch", "bi+ch", "f(ck", "fvck", "fxck you", "fcking", "fkn", "fking", "fk off", "effing", "f u", "fu", "stfu", "gtfo", "kys", "wtf", "tf you mean", "sh1te", "shyte", "shiit", "sh*t", "s**t", "bs", "bullsh1t", "d1ck", "d!ck", "c*nt", "cnt", "kunt", "twot", "w4nker", "wanka", "bastid", "biatch", "beyotch", "mofo", "muthafucka", "mf", "mfer", "pr1ck", "azz", "fuk u", "phuk", "fook off", "eff off", "piss off", "p*ss off", "🖕", "slag", "slut", "sl*t", "wh0re", "h0e", "hoe", "thot", "n1gga", "nigg@", "f@g", "f4g", "r3tard", "retard", "spaz", "mong", "gay", "ur gay", "you're so gay", "lmao", "lmfao", "omfg", "jfc", "ffs", "pos", "sob", "dafuq", "wtaf", "fml", "af", "dumb af", "ugly af", "fuckboy", "f boy", "douche", "tosser", "bellend", "nonce", "knob", "minger", "pillock", "prat", "muppet", "numpty", "plonker", "div", "melt", "wasteman", "neek", "wet wipe", "dweeb", "nerd", "bum", "tramp", "scrote", "chav", "pikey"} {
		fs, _ := s.Scan(t.Context(), &message.Message{Texts: []message.Text{{PartID: "1", Content: in}}}, nil)
		r := ""
		for _, f := range fs {
			r += " " + f.Rule + "/" + f.Severity.String()
		}
		t.Logf("%-16q %s", in, r)
	}
}
