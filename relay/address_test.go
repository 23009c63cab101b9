package relay

import (
	"errors"
	"testing"
)

func TestCheckAddress(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
		want error
	}{
		{"plain", "jane.smith@school.example.sch.uk", nil},
		{"plus tag", "jane+news@school.example.sch.uk", nil},
		{"utf8 local", "jöhn@school.example.sch.uk", nil},
		{"utf8 domain", "a@bücher.example", nil},
		{"no at", "jane", errAddrNoAt},
		{"two ats", "a@b.example@school.example", errAddrManyAt},
		{"percent", "a%b.example@school.example", errAddrRouting},
		{"bang", "b.example!a@school.example", errAddrRouting},
		{"colon", "x:a@school.example", errAddrRouting},
		{"quote", `a"b@school.example`, errAddrQuoted},
		{"backslash", `a\b@school.example`, errAddrQuoted},
		{"ip literal", "a@[10.0.0.1]", errAddrIPLiteral},
		{"digits domain", "a@10.0.0.1", errAddrIPLiteral},
		{"trailing dot", "a@school.example.", errAddrDomain},
		{"leading dot", "a@.school.example", errAddrDomain},
		{"empty label", "a@school..example", errAddrDomain},
		{"single label", "a@localhost", errAddrDomain},
		{"hyphen label", "a@-x.example", errAddrDomain},
		{"underscore", "a@x_y.example", errAddrDomain},
		{"local dot start", ".a@school.example", errAddrLocal},
		{"local double dot", "a..b@school.example", errAddrLocal},
		{"space", "a b@school.example", errAddrControlChar},
		{"control", "a\x01b@school.example", errAddrControlChar},
		{"invalid utf8", "a\xff@school.example", errAddrControlChar},
		{"long local", string(make65('a')) + "@school.example", errAddrLocal},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := checkAddress(tc.in); !errors.Is(got, tc.want) {
				t.Errorf("checkAddress(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func make65(c byte) []byte {
	b := make([]byte, 65)
	for i := range b {
		b[i] = c
	}
	return b
}

func FuzzCheckAddress(f *testing.F) {
	for _, s := range []string{"a@b.example", "a%b@c.example", `"a@b"@c.example`, "a@[1.2.3.4]", "a@b.", "@a:b@c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if checkAddress(s) != nil {
			return
		}
		// Whatever is accepted has exactly one @, no routing characters and
		// a dotted domain without a trailing dot.
		at := 0
		for i := 0; i < len(s); i++ {
			switch s[i] {
			case '@':
				at++
			case '%', '!', '"', '\\', '[', ' ', '\r', '\n':
				t.Fatalf("checkAddress(%q) accepted a routing or control character", s)
			}
		}
		if at != 1 || s[len(s)-1] == '.' {
			t.Fatalf("checkAddress(%q) accepted a malformed address", s)
		}
	})
}
