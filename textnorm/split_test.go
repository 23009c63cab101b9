package textnorm

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/internal/testutil/shareddata"
)

// whole is m.Match reading the text in one piece.
func whole(m *Matcher, r *Result) []Hit {
	if m.t16 != nil {
		return matchWhole(m, m.t16, r, nil)
	}
	return matchWhole(m, m.t32, r, nil)
}

// TestPairSplit checks that reading a pair of automata, or one, as two
// halves at once (pairSplit, matchSplit) gives each exactly what reading
// the text in one piece gives, for every place the
// second half may start in the middle of each text (after a separator
// in its second half), with tables of both widths: texts where the
// second half starts inside a match of several words, inside runs of
// one-letter words and letters, and corpus messages.
func TestPairSplit(t *testing.T) {
	t.Parallel()
	pats := append(listPatterns(t),
		Pattern{Text: "kill yourself"}, Pattern{Text: "go and kill yourself now"}, Pattern{Text: "a b c d e f g h"},
		Pattern{Text: "*ss*"}, Pattern{Text: "fuck*"}, Pattern{Text: "*fuck"}, Pattern{Text: "you are a"}, Pattern{Text: "no one likes you"})
	var ms [2][2]*Matcher // [wide][half]
	for w := range 2 {
		for h := range 2 {
			ps := pats
			if h == 1 {
				ps = slices.Clone(pats[len(pats)/3:])
				slices.Reverse(ps)
			}
			m, err := compile(ps, w == 1, rowsPow2)
			if err != nil {
				t.Fatal(err)
			}
			ms[w][h] = m
		}
	}
	mx, err := compile(pats, false, rowsExact) // rows not a power of two
	if err != nil {
		t.Fatal(err)
	}
	// Automata with rows of 1<<rowShift entries (the lists without their
	// digits: stepQuad32 and stepPair32 read a pair of them) and of fewer
	// (stepQuad when one of a pair).
	var letterPats []Pattern
	for _, p := range pats {
		if !strings.ContainsAny(p.Text, "0123456789$@!|") {
			letterPats = append(letterPats, p)
		}
	}
	m32, err := compile(letterPats, false, rowsPow2)
	if err != nil {
		t.Fatal(err)
	}
	m32b, err := compile(letterPats[len(letterPats)/2:], true, rowsPow2)
	if err != nil {
		t.Fatal(err)
	}
	// and two with 16-bit tables (as the lists' are)
	m32c, err := compile(letterPats[:len(letterPats)/3], false, rowsPow2)
	if err != nil {
		t.Fatal(err)
	}
	m32d, err := compile(letterPats[len(letterPats)/2:], false, rowsPow2)
	if err != nil {
		t.Fatal(err)
	}
	small, err := compile([]Pattern{{Text: "kill yourself"}, {Text: "*ss*"}, {Text: "you are a"}}, false, rowsPow2)
	if err != nil {
		t.Fatal(err)
	}
	if m32.shift != rowShift || m32b.shift != rowShift || m32c.shift != rowShift || m32d.shift != rowShift || small.shift == rowShift || ms[0][0].shift == rowShift {
		t.Fatalf("row shifts %d, %d, %d, %d, %d and %d: the test no longer covers both stepQuad32 and stepQuad", m32.shift, m32b.shift, m32c.shift, m32d.shift, small.shift, ms[0][0].shift)
	}
	if m32c.t16 == nil || m32d.t16 == nil {
		t.Fatal("m32c and m32d no longer have 16-bit tables")
	}
	texts := []string{
		strings.Repeat("go and kill yourself now ", 60),
		strings.Repeat("a b c d e f g h ", 80),
		strings.Repeat("no one likes you, you are a fuuuucking asss ", 30),
		strings.Repeat("x ", 700),
		strings.Repeat("f u c k ", 150) + strings.Repeat("kill yourself ", 40),
	}
	files := corpusFiles("spamassassin/ham/*")
	for i := 0; i < len(files) && len(texts) < 25; i += 97 {
		if raw, err := os.ReadFile(files[i]); err == nil && len(raw) >= splitMin {
			texts = append(texts, string(raw[:min(len(raw), 6000)]))
		}
	}
	n := NewNormalizer()
	splits := 0
	for _, text := range texts {
		r := n.Normalize(text)
		bs := r.B
		if len(bs) < splitMin {
			continue
		}
		wx := whole(mx, r)
		for p := (len(bs) + 1) / 2; p < len(bs); p += shareddata.Every() {
			if bs[p-1] == Sep {
				var got []Hit
				if mx.t16 != nil {
					got = matchSplit(mx, mx.t16, r, nil, p)
				} else { // the lists outgrew 16-bit entries
					got = matchSplit(mx, mx.t32, r, nil, p)
				}
				if !slices.Equal(got, wx) {
					t.Fatalf("text %.40q split at %d of %d: rows of %d: the halves' hits differ from Match\n got %v\nwant %v", text, p, len(bs), mx.stride, got, wx)
				}
			}
		}
		for _, pair := range [][2]*Matcher{{ms[0][0], ms[0][1]}, {ms[0][0], ms[1][1]}, {ms[1][0], ms[0][1]}, {ms[1][1], ms[1][0]}, {ms[0][0], small}, {m32c, m32d}, {m32d, m32c}, {m32c, m32b}, {m32, m32b}, {m32b, m32}, {m32, small}} {
			a, b := pair[0], pair[1]
			wa, wb := whole(a, r), whole(b, r)
			tried := 0
			for p := (len(bs) + 1) / 2; p < len(bs) && tried < 60/shareddata.Every(); p++ {
				if bs[p-1] != Sep {
					continue
				}
				tried++
				var sc splitScratch
				var ga, gb []Hit
				switch {
				case a.t16 != nil && b.t16 != nil:
					ga, gb = pairSplit(a, b, a.t16, b.t16, r, nil, nil, p, &sc)
				case a.t16 != nil:
					ga, gb = pairSplit(a, b, a.t16, b.t32, r, nil, nil, p, &sc)
				case b.t16 != nil:
					ga, gb = pairSplit(a, b, a.t32, b.t16, r, nil, nil, p, &sc)
				default:
					ga, gb = pairSplit(a, b, a.t32, b.t32, r, nil, nil, p, &sc)
				}
				if !slices.Equal(ga, wa) || !slices.Equal(gb, wb) {
					t.Fatalf("text %.40q split at %d of %d: the halves' hits differ from Match\n got %v\nwant %v\n got %v\nwant %v", text, p, len(bs), ga, wa, gb, wb)
				}
				if a.t16 != nil {
					ga = matchSplit(a, a.t16, r, nil, p)
				} else {
					ga = matchSplit(a, a.t32, r, nil, p)
				}
				if !slices.Equal(ga, wa) {
					t.Fatalf("text %.40q split at %d of %d: one automaton's halves' hits differ from Match\n got %v\nwant %v", text, p, len(bs), ga, wa)
				}
				splits++
			}
		}
	}
	if splits < 1000/shareddata.Every() {
		t.Fatalf("only %d splits tried", splits)
	}
	t.Logf("%d splits, all as Match", splits)
}
