package config

import (
	"cmp"
	"slices"
	"strings"
)

// Warnings returns what is valid but probably not meant, in the form of
// problems ("file:line: key: warning: ..."): a school with no dsl address,
// and group globs on domains the school does not own. `lychgate config
// check` prints them and fails on them only with --strict.
func (c *Config) Warnings() []*Error {
	var ws []*Error
	add := func(key, msg string) { ws = append(ws, &Error{Key: key, Msg: "warning: " + msg}) }
	for i := range c.Schools {
		s := &c.Schools[i]
		at := indexKey("school", i)
		if len(s.DSL) == 0 {
			if len(c.Notify.FallbackDSL) > 0 {
				add(at+".dsl", "school "+s.ID+" has no dsl address: its alerts go to notify.fallback_dsl")
			} else {
				add(at+".dsl", "school "+s.ID+" has no dsl address and notify.fallback_dsl is empty: mail that needs an alert is deferred (4xx) until one is set")
			}
		}
		for _, g := range sortedKeys(s.Groups) {
			for j, glob := range s.Groups[g] {
				if msg := globProblem(glob, s.Domains); msg != "" {
					add(indexKey(joinKey(at+".groups", g), j), msg)
				}
			}
		}
	}
	var idx lineIndex
	if len(c.src) > 0 {
		idx = indexLines(c.src)
	}
	for _, w := range ws {
		w.File = c.File
		if idx != nil {
			w.Line = idx.lookup(w.Key)
		}
	}
	slices.SortStableFunc(ws, func(a, b *Error) int { return cmp.Compare(a.Line, b.Line) })
	return ws
}

// globProblem says why an address glob of a school's group reaches
// outside the school's domains, or "".
func globProblem(glob string, domains []string) string {
	g := strings.ToLower(strings.TrimSpace(glob))
	at := strings.LastIndexByte(g, '@')
	if at < 0 {
		if strings.Trim(g, "*") == "" {
			return "glob \"" + glob + "\" matches every address, of any school or none"
		}
		return "glob \"" + glob + "\" has no @domain: it may match addresses outside the school's domains"
	}
	dom := g[at+1:]
	if strings.Trim(dom, "*.") == "" {
		return "glob \"" + glob + "\" matches any domain, not only the school's"
	}
	lit := strings.TrimPrefix(dom, "*.")
	if strings.Contains(lit, "*") {
		return "" // a pattern inside the domain: cannot tell
	}
	for _, d := range domains {
		d = strings.ToLower(d)
		if lit == d || strings.HasSuffix(lit, "."+d) {
			return ""
		}
	}
	return "glob \"" + glob + "\" is on " + lit + ", which is not one of the school's domains (" + strings.Join(domains, ", ") + ")"
}
