package config

import (
	"cmp"
	"encoding"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// MaxFileSize is the largest configuration file Load and Parse accept.
const MaxFileSize = 16 << 20

// Load reads, decodes and validates the configuration file at path. On
// failure it returns every problem at once (see Parse).
func Load(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	defer f.Close() //nolint:errcheck // read path
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}
	return Parse(path, data)
}

// Parse decodes data strictly onto Default() and validates the result. name
// is the file name used in error messages; Dir is set to its directory, and
// relative paths in the configuration are resolved against it.
//
// Every problem is reported, each as an *Error naming file, line and key
// ("lychgate.toml:14: relay.max_message_bytes: must be positive"), joined
// with errors.Join; Problems returns them as a list. A TOML syntax error
// stops decoding, so it is reported alone. Keys that are not part of the
// schema are errors, as are values of the wrong type.
func Parse(name string, data []byte) (*Config, error) {
	if len(data) > MaxFileSize {
		return nil, &Error{File: name, Msg: fmt.Sprintf("file is larger than %d MiB", MaxFileSize>>20)}
	}
	src := string(data)
	var top map[string]toml.Primitive
	md, err := toml.Decode(src, &top)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, &Error{File: name, Line: pe.Position.Line, Msg: pe.Message}
		}
		return nil, &Error{File: name, Msg: err.Error()}
	}

	c := Default()
	c.File = name
	c.Dir = filepath.Dir(name)
	c.src = src

	d := &decoder{md: &md}
	d.fields(top, reflect.ValueOf(c).Elem(), "")
	d.undecoded()
	c.trusted = normalisePrefixes(c.Relay.TrustedNetworks)

	probs := d.errs
	for _, p := range c.problems() {
		if !d.failed(p.Key) {
			probs = append(probs, p)
		}
	}
	if len(probs) > 0 {
		return nil, c.join(probs)
	}
	return c, nil
}

// join sets File and Line on probs, orders them by line and joins them.
func (c *Config) join(probs []*Error) error {
	var idx lineIndex
	if len(c.src) > 0 {
		idx = indexLines(c.src)
	}
	for _, p := range probs {
		p.File = c.File
		if p.Line == 0 && idx != nil {
			p.Line = idx.lookup(p.Key)
		}
	}
	slices.SortStableFunc(probs, func(a, b *Error) int { return cmp.Compare(a.Line, b.Line) })
	errs := make([]error, len(probs))
	for i, p := range probs {
		errs[i] = p
	}
	return errors.Join(errs...)
}

// decoder decodes one key at a time so that every unknown key and every
// type mismatch is reported with its full, indexed key path; toml.Decode
// itself stops at the first mismatch and matches keys case-insensitively.
type decoder struct {
	md   *toml.MetaData
	errs []*Error
}

func (d *decoder) add(key, msg string) {
	d.errs = append(d.errs, &Error{Key: key, Msg: msg})
}

// failed reports whether key is, or lies below or above, a key that could
// not be decoded; validating it again would only repeat the problem.
func (d *decoder) failed(key string) bool {
	for _, e := range d.errs {
		if keyUnder(key, e.Key) || keyUnder(e.Key, key) {
			return true
		}
	}
	return false
}

var (
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	durationType        = reflect.TypeFor[Duration]()
)

// value decodes p into rv, which must be addressable.
func (d *decoder) value(p toml.Primitive, rv reflect.Value, key string) {
	if reflect.PointerTo(rv.Type()).Implements(textUnmarshalerType) {
		d.leaf(p, rv, key)
		return
	}
	switch rv.Kind() {
	case reflect.Struct:
		var m map[string]toml.Primitive
		if err := d.md.PrimitiveDecode(p, &m); err != nil || m == nil {
			d.mismatch(p, rv.Type(), key)
			return
		}
		d.fields(m, rv, key)
	case reflect.Map:
		var m map[string]toml.Primitive
		if err := d.md.PrimitiveDecode(p, &m); err != nil || m == nil {
			d.mismatch(p, rv.Type(), key)
			return
		}
		out := reflect.MakeMapWithSize(rv.Type(), len(m))
		for _, k := range slices.Sorted(maps.Keys(m)) {
			ev := reflect.New(rv.Type().Elem()).Elem()
			d.value(m[k], ev, joinKey(key, k))
			out.SetMapIndex(reflect.ValueOf(k).Convert(rv.Type().Key()), ev)
		}
		rv.Set(out)
	case reflect.Slice:
		var items []toml.Primitive
		if err := d.md.PrimitiveDecode(p, &items); err != nil {
			d.mismatch(p, rv.Type(), key)
			return
		}
		out := reflect.MakeSlice(rv.Type(), len(items), len(items))
		for i := range items {
			d.value(items[i], out.Index(i), indexKey(key, i))
		}
		rv.Set(out)
	default:
		d.leaf(p, rv, key)
	}
}

// fields decodes the table m into the struct rv, matching keys to toml tags
// exactly.
func (d *decoder) fields(m map[string]toml.Primitive, rv reflect.Value, key string) {
	t := rv.Type()
	byName := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if !f.IsExported() || name == "-" || name == "" {
			continue
		}
		byName[name] = i
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		i, ok := byName[k]
		if !ok {
			d.add(joinKey(key, k), "unknown key"+suggest(k, byName))
			continue
		}
		d.value(m[k], rv.Field(i), joinKey(key, k))
	}
}

// suggest returns " (did you mean x?)" for a key that differs from a known
// one only in case or in - versus _.
func suggest(k string, known map[string]int) string {
	norm := func(s string) string { return strings.ReplaceAll(strings.ToLower(s), "-", "_") }
	for name := range known {
		if norm(name) == norm(k) {
			return fmt.Sprintf(" (did you mean %s?)", name)
		}
	}
	return ""
}

func (d *decoder) leaf(p toml.Primitive, rv reflect.Value, key string) {
	err := d.md.PrimitiveDecode(p, rv.Addr().Interface())
	if err == nil {
		return
	}
	var pe toml.ParseError
	if errors.As(err, &pe) {
		// A value of the right kind that does not parse (a duration) or
		// does not fit.
		d.add(key, pe.Message)
		return
	}
	d.mismatch(p, rv.Type(), key)
}

func (d *decoder) mismatch(p toml.Primitive, want reflect.Type, key string) {
	var got any
	_ = d.md.PrimitiveDecode(p, &got) // decoding into any cannot fail
	if _, ok := got.(map[string]any); ok && want.Kind() == reflect.Slice && want.Elem().Kind() == reflect.Struct {
		d.add(key, fmt.Sprintf("must be an array of tables: write [[%s]], not [%s]", key, key))
		return
	}
	d.add(key, fmt.Sprintf("must be %s, not %s", goTypeName(want), tomlTypeName(got)))
}

// undecoded reports keys toml saw but the walk did not decode, unless they
// lie below a key already reported. The walk reports unknown keys itself
// (with array indices), so this is a safety net.
func (d *decoder) undecoded() {
	reported := make([]string, len(d.errs))
	for i, e := range d.errs {
		reported[i] = stripIndices(e.Key)
	}
outer:
	for _, k := range d.md.Undecoded() {
		key := ""
		for _, seg := range k {
			key = joinKey(key, seg)
		}
		for _, r := range reported {
			if keyUnder(key, r) {
				continue outer
			}
		}
		d.add(key, "unknown key")
		reported = append(reported, key)
	}
}

func goTypeName(t reflect.Type) string {
	if t == durationType {
		return `a duration such as "30s" or "5m"`
	}
	if reflect.PointerTo(t).Implements(textUnmarshalerType) {
		return "a string"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "a table"
	}
	return t.String()
}

func tomlTypeName(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case []map[string]any:
		return "an array of tables"
	case []any:
		return "an array"
	case map[string]any:
		return "a table"
	case time.Time:
		return "a date-time"
	case nil:
		return "nothing"
	}
	return "a date or time"
}
