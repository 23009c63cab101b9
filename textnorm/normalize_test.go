package textnorm_test

import (
	"testing"
	"unicode/utf8"

	"github.com/lychgate/lychgate/textnorm"
)

func TestNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"case", "FuCk YoU", "fuck you"},
		{"dots", "F.U.C.K you", "fuck you"},
		{"spaces", "f u c k off", "fuck of"},
		{"hyphens", "c-u-n-t", "cunt"},
		{"underscores", "b_a_s_t_a_r_d", "bastard"},
		{"chain stops at other separator", "k.i.l.l m.y.s.e.l.f", "kil myself"},
		{"two letters do not join", "a b test", "a b test"},
		{"repeats collapsed", "fuuuuck", "fuck"},
		{"leet digits", "sh1t h4te", "sh\x01t hate"},
		{"leet dollar and at", "$hit @ss", "shit as"},
		{"bang inside word", "sh!t", "sh\x01t"},
		{"bang at end separates", "shit!", "shit"},
		{"numbers stay", "2019 room 151", "2019 rom 151"},
		{"mostly digits stay", "151s mp3", "151s mpe"},
		{"fullwidth", "ｆｕｃｋ", "fuck"},
		{"math bold", "𝐟𝐮𝐜𝐤", "fuck"},
		{"cyrillic confusable", "\u0441unt", "cunt"},
		{"zero width", "fu\u200bck", "fuck"},
		{"soft hyphen", "wan\u00adker", "wanker"},
		{"combining mark", "fu\u0308ck", "fuck"},
		{"accents", "café naïve", "cafe naive"},
		{"n't apostrophe dropped", "don't", "dont"},
		{"other apostrophe separates", "who're", "who re"},
		{"curly apostrophe", "don\u2019t", "dont"},
		{"punctuation collapses", "hello,  world!!", "helo world"},
		{"other script", "日本", "\x02"},
		{"numeric reference apostrophe", "you&#039;re a liar", "you re a liar"},
		{"hex reference apostrophe", "you&#x27;re", "you re"},
		{"named apostrophes", "you&apos;re you&rsquo;re", "you re you re"},
		{"n't through a reference", "don&#39;t", "dont"},
		{"line-break tags separate", "Q: hi<br>A: go<BR />away<br/>now", "q hi a go away now"},
		{"named reference separates", "fish&amp;chips &quot;yes&quot;", "fish chips yes"},
		{"reference to a letter joins", "d&#105;ck", "dick"},
		{"reference to an ignorable character", "ki&#8203;ll", "kil"},
		{"not a reference", "a &b c&#039 d&#;e <b>x", "a b c 039 d e b x"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := textnorm.String(tt.in); got != tt.want {
				t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestRunsAndSpans(t *testing.T) {
	t.Parallel()
	n := textnorm.NewNormalizer()
	src := "you f.u.u.u.c.k, fuuuck"
	r := n.Normalize(src)
	if string(r.B) != "you fuck fuck" {
		t.Fatalf("B = %q", r.B)
	}
	if r.Run[5] != 3 || r.Run[10] != 3 {
		t.Errorf("runs = %v, want 3 for the u's", r.Run)
	}
	a, b := r.Span(4, 8)
	if got := src[a:b]; got != "f.u.u.u.c.k" {
		t.Errorf("Span(4,8) = %q, want %q", got, "f.u.u.u.c.k")
	}
	a, b = r.Span(9, 13)
	if got := src[a:b]; got != "fuuuck" {
		t.Errorf("Span(9,13) = %q, want %q", got, "fuuuck")
	}
}

func TestMatcher(t *testing.T) {
	t.Parallel()
	pats := []textnorm.Pattern{{Text: "fuck*"}, {Text: "ass"}, {Text: "kill"}, {Text: "*cunt*"}, {Text: "dont tell"}, {Text: "bollocks"}}
	m, err := textnorm.Compile(pats)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, in string
		want     []int // pattern indexes, in order
	}{
		{"suffix wildcard", "fucking hell", []int{0}},
		{"no prefix without star", "clusterfuck", nil},
		{"boundary", "assessment as class", nil},
		{"run at least pattern's", "asssss", []int{1}},
		{"shorter run rejected", "as", nil},
		{"i/l ambiguity", "k1ll", []int{2}},
		{"i/l wrong letter", "kiil", nil},
		{"infix wildcard", "scunthorpe", []int{3}},
		{"phrase across spaces", "dont  tell", []int{4}},
		{"doubles kept", "bolocks", nil},
		{"doubles stretched", "bolllllocks", []int{5}},
	}
	n := textnorm.NewNormalizer()
	for _, tt := range tests {
		res := n.Normalize(tt.in)
		var got []int
		for _, h := range m.Match(res, nil) {
			got = append(got, int(h.Pattern))
		}
		if len(got) != len(tt.want) {
			t.Errorf("%s: Match(%q) = %v, want %v", tt.name, tt.in, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%s: Match(%q) = %v, want %v", tt.name, tt.in, got, tt.want)
			}
		}
	}
}

func TestNormalizeAllocs(t *testing.T) {
	n := textnorm.NewNormalizer()
	s := "Hello, you f.u.c.k — ｆｕｃｋ sh1t don't Scunthorpe 12345 " + string(make([]byte, 0))
	n.Normalize(s)
	if a := testing.AllocsPerRun(100, func() { n.Normalize(s) }); a != 0 {
		t.Errorf("Normalize allocates %v times per call after warm-up, want 0", a)
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"", "f.u.c.k", "ｆｕｃｋ", "fu\u200bck", "don't", "\xff\xfe", "a b c d e", "ß", "ﬀ", "1!|$@"} {
		f.Add(s)
	}
	m, err := textnorm.Compile([]textnorm.Pattern{{Text: "fuck*"}, {Text: "*ss*"}, {Text: "a b"}})
	if err != nil {
		f.Fatal(err)
	}
	n := textnorm.NewNormalizer()
	f.Fuzz(func(t *testing.T, s string) {
		r := n.Normalize(s)
		if len(r.Start) != len(r.B) || len(r.End) != len(r.B) || len(r.Run) != len(r.B) {
			t.Fatalf("lengths differ: %d %d %d %d", len(r.B), len(r.Start), len(r.End), len(r.Run))
		}
		prev := int32(0)
		for i := range r.B {
			st, en := r.Start[i], r.End[i]
			if st < 0 || st > en || int(en) > len(s) {
				t.Fatalf("byte %d: span [%d,%d) out of bounds for len %d", i, st, en, len(s))
			}
			if st < prev {
				t.Fatalf("byte %d: Start %d < previous %d", i, st, prev)
			}
			if i > 0 && en < r.End[i-1] {
				t.Fatalf("byte %d: End %d < previous %d", i, en, r.End[i-1])
			}
			prev = st
			if r.Run[i] == 0 {
				t.Fatalf("byte %d: zero run", i)
			}
		}
		for _, h := range m.Match(r, nil) {
			a, b := r.Span(int(h.Start), int(h.End))
			if a < 0 || b > len(s) || a > b {
				t.Fatalf("hit span [%d,%d) out of bounds", a, b)
			}
		}
		if utf8.ValidString(s) {
			_ = textnorm.String(s)
		}
	})
}

// TestMarkupSpans checks that a character reference or a <br> tag maps back
// to all of its bytes, so evidence quotes what was written.
func TestMarkupSpans(t *testing.T) {
	t.Parallel()
	in := "so you&#039;re a liar<br>go"
	r := textnorm.NewNormalizer().Normalize(in)
	if got := string(r.B); got != "so you re a liar go" {
		t.Fatalf("stream %q", got)
	}
	// "you re": from the start of "you" to the end of "re".
	if s, e := r.Span(3, 9); in[s:e] != "you&#039;re" {
		t.Errorf("span of %q is %q", r.B[3:9], in[s:e])
	}
	// The separator after "liar" covers the whole tag.
	if s, e := r.Span(16, 17); in[s:e] != "<br>" {
		t.Errorf("span of the separator is %q", in[s:e])
	}
}
