package message

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/jhillyerd/enmime/v2"
)

// enmimeAddresses is addressList's reading of v through enmime, the
// reference for plainAddressList: the addresses and whether it parsed.
func enmimeAddresses(v string) ([]Address, bool) {
	list, err := enmime.ParseAddressList(v)
	if err != nil {
		return nil, false
	}
	var out []Address
	for _, a := range list {
		out = append(out, Address{Name: validString(a.Name), Addr: validString(a.Address)})
	}
	return out, true
}

// checkPlainAddressList fails t when plainAddressList accepts v and
// reads it differently from enmime; it reports whether it accepted v.
func checkPlainAddressList(t *testing.T, v string) bool {
	t.Helper()
	prefix := []Address{{Name: "kept", Addr: "kept@example.org"}}
	got, ok := plainAddressList(v, prefix[:1:1])
	if !ok {
		if len(got) != 1 || got[0] != prefix[0] {
			t.Errorf("%q: refused, but changed out to %v", v, got)
		}
		return false
	}
	want, wok := enmimeAddresses(v)
	if !wok {
		t.Errorf("%q: plainAddressList read %v, enmime refuses it", v, got[1:])
		return true
	}
	if got[0] != prefix[0] || !reflect.DeepEqual(got[1:], want) {
		t.Errorf("%q: plainAddressList read %#v, enmime %#v", v, got[1:], want)
	}
	return true
}

var plainAddressCases = []struct {
	v      string
	accept bool
}{
	{"a@example.com", true},
	{"  a@example.com  ", true},
	{"<a@example.com>", true},
	{"< a@example.com>", true},
	{"<a@example.com >", false},
	{"John Smith <john.smith@example.com>", true},
	{"John  Smith   <j@example.com>", true},
	{"John Q. Public <j@example.com>", true},
	{"John<j@example.com>", true},
	{`"Smith, John" <j@example.com>`, true},
	{`"" <j@example.com>`, true},
	{`John "the" Smith <j@example.com>`, true},
	{`John"Q"Smith <j@example.com>`, true},
	{`"a@b" <j@example.com>`, true},
	{`"A" "B" <j@example.com>`, true},
	{`A "B" C <j@example.com>`, true},
	{`"A"  B <j@example.com>`, true},
	{`A  B C <j@example.com>`, true},
	{`A B  C <j@example.com>`, true},
	{`"A B"C <j@example.com>`, true},
	{`A.B. C. <j@example.com>`, true},
	{"a@example.com, b@example.org", true},
	{"a@example.com,b@example.org,", true},
	{", ,a@example.com,, ,b@example.org", true},
	{"a@ example.com", true},
	{"a+tag!#$%&'*/=^_`{|}~-@ex-ample.co.uk", true},
	{"SRS0=abc=de@example.com", true},
	{"a@b", true},
	{"x@foo_bar", true},
	{"Team <team@example.com>, \"B, C\" <bc@example.com>, d@example.com", true},
	{"a @example.com", false},
	{"a.@example.com", false},
	{".a@example.com", false},
	{"a..b@example.com", false},
	{"a@example..com", false},
	{"a@example.com.", false},
	{"a@", false},
	{"@example.com", false},
	{"a@example.com b@example.com", false},
	{"a@example.com (John)", false},
	{"John (x) <j@example.com>", false},
	{"John Smith", false},
	{"john.smith", false},
	{"=?utf-8?q?J=C3=B6rg?= <j@example.com>", false},
	{"J=rg <j@example.com>", true},
	{"\"John\"@example.com", false},
	{"a@[127.0.0.1]", false},
	{"group: a@example.com;", false},
	{"John \\\"S <j@example.com>", false},
	{"Jörg <j@example.com>", false},
	{"a@example.com,\r\n b@example.com", false},
	{"John\t<j@example.com>", false},
	{`"unclosed <j@example.com>`, false},
	{"<j@example.com", false},
	{"<>", false},
	{"Name <>", false},
	{",", false},
	{"", false},
	{"<a@example.com><b@example.com>", false},
	{"Name <a@example.com>>", false},
}

func TestPlainAddressListEqualsEnmime(t *testing.T) {
	t.Parallel()
	for _, c := range plainAddressCases {
		if got := checkPlainAddressList(t, c.v); got != c.accept {
			t.Errorf("%q: accepted %v, want %v", c.v, got, c.accept)
		}
	}
	// Every address header of the corpus.
	dir := corpusDir
	if dir == "" {
		t.Log("no shared corpus here: written cases only")
		return
	}
	stride := corpusStride()
	seen, accepted := 0, 0
	for i, f := range corpusFiles(t, dir) {
		if i%stride != 0 {
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		n, _ := HeaderEnd(raw)
		for _, fl := range splitHeader(raw[:n]) {
			switch strings.ToLower(fl.name) {
			case "from", "to", "cc", "reply-to", "sender", "bcc", "resent-from", "resent-to":
				seen++
				if checkPlainAddressList(t, fl.value) {
					accepted++
				}
			}
		}
	}
	t.Logf("plainAddressList read %d of %d corpus address fields", accepted, seen)
	if seen > 1000 && accepted < seen/2 {
		t.Errorf("plainAddressList read only %d of %d corpus address fields", accepted, seen)
	}
}

func FuzzPlainAddressList(f *testing.F) {
	for _, c := range plainAddressCases {
		f.Add(c.v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		checkPlainAddressList(t, v)
	})
}
