package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestIndexLines(t *testing.T) {
	t.Parallel()
	src := `# header comment
top = 1
a.b."c.d" = 2          # dotted and quoted
[relay]
trusted_networks = [
  # comment inside an array
  "10.0.0.0/8",

  "192.168.0.0/16", # trailing comment
]
nested = [[1, 2], [
  3,
]]
'literal key' = 'x'

[[school]]
id = "a"
text = """
[[school]]
id = "fake"
"""
[school.groups]
staff = ["*@a"]

[[school]]   # second
inline = { x = 1, y.z = [
  "q",
], w = { v = 1 } }
[school.groups]
pupils = ["p*"]

[[school.rooms]]
n = 1
[[school.rooms]]
n = 2
[ school . "odd key" ]
k = '''
'''
after = true
`
	want := map[string]int{
		"top":                       2,
		"a":                         3,
		"a.b":                       3,
		`a.b."c.d"`:                 3,
		"relay":                     4,
		"relay.trusted_networks":    5,
		"relay.trusted_networks[0]": 7,
		"relay.trusted_networks[1]": 9,
		"relay.nested[0][1]":        11,
		"relay.nested[1][0]":        12,
		`relay."literal key"`:       14,
		"school":                    16,
		"school[0]":                 16,
		"school[0].id":              17,
		"school[0].text":            18,
		"school[0].groups":          22,
		"school[0].groups.staff[0]": 23,
		"school[1]":                 25,
		"school[1].inline.x":        26,
		"school[1].inline.y.z[0]":   27,
		"school[1].inline.w.v":      28,
		"school[1].groups.pupils":   30,
		"school[1].rooms[0].n":      33,
		"school[1].rooms[1]":        34,
		"school[1].rooms[1].n":      35,
		`school[1]."odd key".k`:     37,
		`school[1]."odd key".after`: 39,
	}
	idx := indexLines(src)
	for key, line := range want {
		if got := idx[key]; got != line {
			t.Errorf("indexLines: %s at line %d, want %d", key, got, line)
		}
	}
	if _, ok := idx[`school[0].id`]; !ok || idx["school[2]"] != 0 {
		t.Errorf("indexLines counted the [[school]] inside a multi-line string")
	}

	lookups := []struct {
		key  string
		want int
	}{
		{"school[1].groups.pupils[7]", 30},
		{"school[1].domains", 25},
		{"school[0].directory.staff", 16},
		{"next_hop.inbound", 0},
		{"", 0},
	}
	for _, tc := range lookups {
		if got := idx.lookup(tc.key); got != tc.want {
			t.Errorf("lookup(%q) = %d, want %d", tc.key, got, tc.want)
		}
	}
}

func TestIndexLinesGarbage(t *testing.T) {
	t.Parallel()
	inputs := []string{
		"", "[", "[[", "]]", "a =", "= 1", "a = [", "a = {", `a = "`, `a = """`, "a = '''", `"`,
		"a = [" + strings.Repeat("[", 10000), "a = {" + strings.Repeat("b = {", 5000),
		"[a.\"\\", "a.\x00 = 1", "\xff\xfe",
	}
	for _, in := range inputs {
		indexLines(in) // must return
	}
}

func TestParentKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"school[1].domains[0]", "school[1].domains", true},
		{"school[1].domains", "school[1]", true},
		{"school[1]", "school", true},
		{"school", "", false},
		{`school[0].groups."a.b[1]"`, "school[0].groups", true},
		{`school[0].groups."a.b[1]"[2]`, `school[0].groups."a.b[1]"`, true},
		{`"x\"y".z`, `"x\"y"`, true},
		{"", "", false},
		{"a[", "", false},
	}
	for _, tc := range tests {
		got, ok := parentKey(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parentKey(%q) = %q, %v, want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestKeyHelpers(t *testing.T) {
	t.Parallel()
	if got := joinKey(joinKey("", "school"), "year 7"); got != `school."year 7"` {
		t.Errorf(`joinKey("school", "year 7") = %s, want school."year 7"`, got)
	}
	if got := stripIndices(`school[1]."a[2]".b[3]`); got != `school."a[2]".b` {
		t.Errorf("stripIndices = %s", got)
	}
	if !keyUnder("school[1].id", "school[1]") || keyUnder("school[10]", "school[1]") || keyUnder("relays", "relay") {
		t.Errorf("keyUnder is wrong")
	}
}

// schemaKeys lists every key of the schema as written in a file (the last
// path element), from the toml tags.
func schemaKeys() []string {
	var keys []string
	seen := map[string]bool{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			name := f.Tag.Get("toml")
			if !f.IsExported() || name == "" || name == "-" {
				continue
			}
			ft := f.Type
			if ft.Kind() == reflect.Slice {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct && ft != reflect.TypeFor[Duration]() {
				walk(ft)
				continue
			}
			if ft.Kind() == reflect.Map {
				continue // groups: a table of user-chosen names
			}
			if !seen[name] {
				seen[name] = true
				keys = append(keys, name)
			}
		}
	}
	walk(reflect.TypeFor[Config]())
	return keys
}
