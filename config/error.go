package config

import (
	"strconv"
	"strings"
)

// Error is one problem in a configuration file. Parse, Load and Validate
// return every problem at once, joined with errors.Join; use Problems to get
// them back as a list.
type Error struct {
	// File is the configuration file name ("" for a Config built in code).
	File string
	// Line is the 1-based line the problem is on, or 0 when no line is
	// known (for example a required key that is missing altogether).
	Line int
	// Key is the key path, with array indices:
	// "relay.max_message_bytes", "school[1].domains[0]". It is "" for
	// problems with the file as a whole, such as syntax errors.
	Key string
	// Msg says what is wrong, lowercase, without the key.
	Msg string
}

// Error formats e as "file:line: key: msg", leaving out the parts that are
// unknown: "file: key: msg" when Line is 0, "file:line: msg" when Key is "".
func (e *Error) Error() string {
	var b strings.Builder
	switch {
	case e.File != "" && e.Line > 0:
		b.WriteString(e.File)
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Line))
		b.WriteString(": ")
	case e.File != "":
		b.WriteString(e.File)
		b.WriteString(": ")
	case e.Line > 0:
		b.WriteString("line ")
		b.WriteString(strconv.Itoa(e.Line))
		b.WriteString(": ")
	}
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Problems returns the configuration problems in err, in the order they
// were reported (by line). It returns nil when err holds no *Error.
func Problems(err error) []*Error {
	if err == nil {
		return nil
	}
	var out []*Error
	var walk func(error)
	walk = func(err error) {
		if e, ok := err.(*Error); ok { //nolint:errorlint // walking the tree by hand
			out = append(out, e)
			return
		}
		switch u := err.(type) { //nolint:errorlint // walking the tree by hand
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	return out
}

// joinKey appends the TOML key name to the key path prefix, quoting name
// when it is not a bare key.
func joinKey(prefix, name string) string {
	if !isBareKey(name) {
		name = strconv.Quote(name)
	}
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// indexKey appends an array index to a key path: school[1].
func indexKey(prefix string, i int) string {
	return prefix + "[" + strconv.Itoa(i) + "]"
}

func isBareKey(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// parentKey returns the key path one level up: "school[1].domains" for
// "school[1].domains[0]", "school[1]" for "school[1].domains", "school" for
// "school[1]". ok is false at the top.
func parentKey(k string) (parent string, ok bool) {
	last := -1
	for i := 0; i < len(k); {
		last = i
		switch k[i] {
		case '[':
			j := strings.IndexByte(k[i:], ']')
			if j < 0 {
				return "", false
			}
			i += j + 1
		case '"':
			q, err := strconv.QuotedPrefix(k[i:])
			if err != nil {
				return "", false
			}
			i += len(q)
		default:
			j := strings.IndexAny(k[i:], ".[")
			if j < 0 {
				i = len(k)
			} else {
				i += j
			}
		}
		if i < len(k) && k[i] == '.' {
			i++
		}
	}
	if last <= 0 {
		return "", false
	}
	return strings.TrimSuffix(k[:last], "."), true
}

// keyUnder reports whether key k is p or lies below p.
func keyUnder(k, p string) bool {
	if !strings.HasPrefix(k, p) {
		return false
	}
	return len(k) == len(p) || k[len(p)] == '.' || k[len(p)] == '['
}

// stripIndices removes array indices from a key path: school[1].id becomes
// school.id.
func stripIndices(k string) string {
	if !strings.Contains(k, "[") {
		return k
	}
	var b strings.Builder
	for i := 0; i < len(k); i++ {
		switch k[i] {
		case '"':
			q, err := strconv.QuotedPrefix(k[i:])
			if err != nil {
				b.WriteString(k[i:])
				return b.String()
			}
			b.WriteString(q)
			i += len(q) - 1
		case '[':
			j := strings.IndexByte(k[i:], ']')
			if j < 0 {
				return b.String()
			}
			i += j
		default:
			b.WriteByte(k[i])
		}
	}
	return b.String()
}
