package all

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
)

// runReference is perSchool.run as it was, before the one-instance case
// went around the uses bookkeeping (TestPerSchoolRunEqualsReference).
func (p *perSchool) runReference(env *scanners.Envelope, scan func(scanners.Scanner) ([]scanners.Finding, error)) ([]scanners.Finding, error) {
	type use struct {
		s       scanners.Scanner
		schools []string
	}
	var uses []use
	add := func(school string) {
		s, ok := p.by[school]
		if !ok {
			s = p.def
		}
		for i := range uses {
			if uses[i].s == s {
				if !slices.Contains(uses[i].schools, school) {
					uses[i].schools = append(uses[i].schools, school)
				}
				return
			}
		}
		uses = append(uses, use{s: s, schools: []string{school}})
	}
	if env != nil {
		for _, r := range env.Recipients {
			add(r.School)
		}
		if len(env.Recipients) == 0 {
			add(env.SenderSchool)
		}
	} else {
		add("")
	}
	if len(uses) == 1 {
		fs, err := scan(uses[0].s)
		if err != nil {
			return nil, err
		}
		if _, own := p.by[uses[0].schools[0]]; own && len(uses[0].schools) == 1 {
			for i := range fs {
				fs[i].School = uses[0].schools[0]
			}
		}
		return fs, nil
	}
	var out []scanners.Finding
	for _, u := range uses {
		fs, err := scan(u.s)
		if err != nil {
			return nil, err
		}
		for _, school := range u.schools {
			if school == "" {
				// A copy no school owns: it is refused if held, so the
				// trust-wide list's findings need no copy of their own.
				continue
			}
			for _, f := range fs {
				f.School = school
				out = append(out, f)
			}
		}
	}
	return out, nil
}

// TestPerSchoolRunEqualsReference: run gives what runReference gave for
// every envelope shape (no envelope, no recipients, one school, several
// schools on one instance, schools on different instances, schools
// without an instance of their own, "" as a school with an instance).
func TestPerSchoolRunEqualsReference(t *testing.T) {
	t.Parallel()
	inst := func(id string) scanners.Scanner {
		return &scanners.Func{ID: id, F: func(context.Context, *message.Message, *scanners.Envelope) ([]scanners.Finding, error) {
			return []scanners.Finding{{Rule: id + ".a"}, {Rule: id + ".b"}}, nil
		}}
	}
	def, a, b := inst("def"), inst("a"), inst("b")
	variants := map[string]*perSchool{
		"own instances":    {id: "x", def: def, by: map[string]scanners.Scanner{"a": a, "b": b}},
		"shared instance":  {id: "x", def: def, by: map[string]scanners.Scanner{"a": a, "b": a}},
		"default only":     {id: "x", def: def, by: map[string]scanners.Scanner{}},
		"empty school own": {id: "x", def: def, by: map[string]scanners.Scanner{"": a, "a": a}},
	}
	rcpts := func(schools ...string) *scanners.Envelope {
		env := &scanners.Envelope{SenderSchool: "s"}
		for _, s := range schools {
			env.Recipients = append(env.Recipients, scanners.Recipient{Addr: s + "@x", School: s})
		}
		return env
	}
	envs := map[string]*scanners.Envelope{
		"nil": nil, "no recipients": rcpts(), "no recipients, sender a": {SenderSchool: "a"},
		"a": rcpts("a"), "a a": rcpts("a", "a"), "a b": rcpts("a", "b"), "b a b": rcpts("b", "a", "b"),
		"a c": rcpts("a", "c"), "c": rcpts("c"), "c d": rcpts("c", "d"), "empty": rcpts(""), "empty a": rcpts("", "a"),
	}
	for vn, p := range variants {
		for en, env := range envs {
			scan := func(s scanners.Scanner) ([]scanners.Finding, error) { return s.Scan(t.Context(), nil, env) }
			got, gerr := p.run(env, scan)
			want, werr := p.runReference(env, scan)
			if !reflect.DeepEqual(got, want) || fmt.Sprint(gerr) != fmt.Sprint(werr) {
				t.Errorf("%s, envelope %s: run = %+v, %v; reference %+v, %v", vn, en, got, gerr, want, werr)
			}
		}
	}
}
