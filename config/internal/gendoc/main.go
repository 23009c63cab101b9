// Command gendoc renders docs/config.md, the configuration reference, from
// the doc comments and toml tags of package config's schema and from the
// values of config.Default(). Run it with `go generate ./config`.
package main

import (
	"bytes"
	_ "embed"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/lychgate/lychgate/config"
)

//go:embed template.md
var template string

func main() {
	src := flag.String("src", ".", "the folder of package config (every non-test .go file is read)")
	out := flag.String("out", "../docs/config.md", "the Markdown file to write")
	flag.Parse()
	doc, _, err := render(*src)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gendoc:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, doc, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gendoc:", err)
		os.Exit(1)
	}
}

// docs maps a type name to its doc comment ("") and field docs (by Go
// field name).
type docs map[string]map[string]string

// parseDocs reads the doc comments of every struct type declared in the
// non-test Go files of dir.
func parseDocs(dir string) (docs, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	d := docs{}
	fset := token.NewFileSet()
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		addDocs(d, f)
	}
	return d, nil
}

func addDocs(d docs, f *ast.File) {
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.TYPE {
			continue
		}
		for _, spec := range gd.Specs {
			ts := spec.(*ast.TypeSpec)
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				continue
			}
			m := map[string]string{"": gd.Doc.Text()}
			for _, fld := range st.Fields.List {
				for _, n := range fld.Names {
					m[n.Name] = fld.Doc.Text()
				}
			}
			d[ts.Name.Name] = m
		}
	}
}

// render returns the Markdown reference for the schema in folder src, and
// the keys whose meaning is empty (an undocumented field or table).
func render(src string) ([]byte, []string, error) {
	d, err := parseDocs(src)
	if err != nil {
		return nil, nil, err
	}
	var b bytes.Buffer
	r := &renderer{b: &b, d: d}
	def := reflect.ValueOf(config.Default()).Elem()
	t := def.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		key := tomlName(f)
		if key == "" {
			continue
		}
		if strings.TrimSpace(d["Config"][f.Name]) == "" && strings.TrimSpace(d[tableType(f.Type).Name()][""]) == "" {
			r.missing = append(r.missing, key)
		}
		switch f.Type.Kind() {
		case reflect.Struct:
			r.section("## ["+key+"]", key, f.Type, def.Field(i))
		case reflect.Slice:
			et := f.Type.Elem()
			r.section("## [["+key+"]]", key, et, reflect.New(et).Elem())
		case reflect.Map:
			et := f.Type.Elem()
			r.section("## ["+key+".&lt;id&gt;]", key+".<id>", et, reflect.New(et).Elem())
		}
	}
	out := strings.Replace(template, "{{sections}}\n", b.String(), 1)
	return []byte(out), r.missing, nil
}

type renderer struct {
	b       *bytes.Buffer
	d       docs
	missing []string
}

var durationType = reflect.TypeFor[config.Duration]()

// tableType is the struct type of a table, array of tables or table of
// tables.
func tableType(t reflect.Type) reflect.Type {
	if k := t.Kind(); k == reflect.Slice || k == reflect.Map {
		return t.Elem()
	}
	return t
}

// section writes the heading, the type's doc and a table of its keys, then
// a sub-section for each nested table.
func (r *renderer) section(heading, path string, t reflect.Type, v reflect.Value) {
	b, d := r.b, r.d
	fmt.Fprintf(b, "%s\n\n", heading)
	names := goToTOML(t)
	if td := prose(d[t.Name()][""], "", names); td != "" {
		fmt.Fprintf(b, "%s\n\n", td)
	}
	b.WriteString("| key | type | default | meaning |\n|---|---|---|---|\n")
	type sub struct {
		key string
		t   reflect.Type
		v   reflect.Value
	}
	var subs []sub
	for i := range t.NumField() {
		f := t.Field(i)
		key := tomlName(f)
		if key == "" {
			continue
		}
		meaning := prose(d[t.Name()][f.Name], f.Name, names)
		if meaning == "" && f.Type.Kind() == reflect.Struct {
			meaning = prose(d[f.Type.Name()][""], "", goToTOML(f.Type))
		}
		if meaning == "" {
			r.missing = append(r.missing, path+"."+key)
		}
		if f.Type.Kind() == reflect.Struct && f.Type != durationType {
			subs = append(subs, sub{key, f.Type, v.Field(i)})
			fmt.Fprintf(b, "| `%s` | table | | %s See [%s.%s] below. |\n", key, cell(meaning), path, key)
			continue
		}
		fmt.Fprintf(b, "| `%s` | %s | %s | %s |\n", key, typeName(f.Type), value(v.Field(i)), cell(meaning))
	}
	b.WriteString("\n")
	for _, s := range subs {
		r.section("### ["+path+"."+s.key+"]", path+"."+s.key, s.t, s.v)
	}
}

func tomlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
	if !f.IsExported() || name == "-" {
		return ""
	}
	return name
}

// goToTOML maps the Go field names of t to their keys.
func goToTOML(t reflect.Type) map[string]string {
	m := map[string]string{}
	for i := range t.NumField() {
		if k := tomlName(t.Field(i)); k != "" {
			m[t.Field(i).Name] = k
		}
	}
	return m
}

var goIdent = regexp.MustCompile(`\b[A-Z][A-Za-z0-9]*\b`)

// prose turns a Go doc comment into one line for TOML readers: a leading
// "Field is" or "Field are" is dropped, and Go field names become keys.
func prose(doc, field string, names map[string]string) string {
	s := strings.Join(strings.Fields(doc), " ")
	if field != "" {
		for _, verb := range []string{" is ", " are "} {
			if rest, ok := strings.CutPrefix(s, field+verb); ok {
				s = strings.ToUpper(rest[:1]) + rest[1:]
				break
			}
		}
	}
	return goIdent.ReplaceAllStringFunc(s, func(w string) string {
		if k, ok := names[w]; ok {
			return "`" + k + "`"
		}
		return w
	})
}

// cell escapes text for a Markdown table cell.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;").Replace(s)
}

func typeName(t reflect.Type) string {
	if t == durationType {
		return "duration"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int64:
		return "integer"
	case reflect.Float64:
		return "number"
	case reflect.Slice:
		return "array of " + typeName(t.Elem()) + "s"
	case reflect.Map:
		return "table of " + typeName(t.Elem())
	}
	return t.String()
}

// value formats a default in TOML syntax.
func value(v reflect.Value) string {
	if v.Type() == durationType {
		return "`\"" + shortDuration(v.Interface().(config.Duration).Duration) + "\"`"
	}
	switch v.Kind() {
	case reflect.String:
		return fmt.Sprintf("`%q`", v.String())
	case reflect.Slice:
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = strings.Trim(value(v.Index(i)), "`")
		}
		return "`[" + strings.Join(parts, ", ") + "]`"
	case reflect.Map:
		return "`{}`"
	case reflect.Float64:
		return fmt.Sprintf("`%.1f`", v.Float())
	}
	return fmt.Sprintf("`%v`", v.Interface())
}

// shortDuration writes d the way an operator would: "720h", "5m", "30s".
func shortDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "0s"
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d%time.Second == 0:
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return d.String()
}
