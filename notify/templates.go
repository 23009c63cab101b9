package notify

import (
	"embed"
	"fmt"
	"os"
	"strings"
	"text/template"
)

//go:embed templates/*.tmpl
var builtin embed.FS

var funcs = template.FuncMap{
	"join": strings.Join,
	"add":  func(a, b int) int { return a + b },
}

// Templates are the parsed alert, digest and warning templates. Each
// defines "subject" and "body".
type Templates struct {
	Alert, Digest, Warning *template.Template
}

// TemplatePaths names override files; "" uses the built-in template.
type TemplatePaths struct {
	Alert, Digest, Warning string
}

// LoadTemplates parses the built-in templates, replaced by the files named
// in p where set.
func LoadTemplates(p TemplatePaths) (*Templates, error) {
	load := func(name, path string) (*template.Template, error) {
		var (
			src []byte
			err error
		)
		if path == "" {
			src, err = builtin.ReadFile("templates/" + name + ".tmpl")
		} else {
			src, err = os.ReadFile(path)
		}
		if err != nil {
			return nil, fmt.Errorf("notify: %s template: %w", name, err)
		}
		t, err := template.New(name).Funcs(funcs).Option("missingkey=error").Parse(string(src))
		if err != nil {
			return nil, fmt.Errorf("notify: %s template %s: %w", name, path, err)
		}
		for _, part := range []string{"subject", "body"} {
			if t.Lookup(part) == nil {
				return nil, fmt.Errorf("notify: %s template %s: no {{define %q}}", name, path, part)
			}
		}
		return t, nil
	}
	var t Templates
	var err error
	if t.Alert, err = load("alert", p.Alert); err != nil {
		return nil, err
	}
	if t.Digest, err = load("digest", p.Digest); err != nil {
		return nil, err
	}
	if t.Warning, err = load("warning", p.Warning); err != nil {
		return nil, err
	}
	return &t, nil
}

// render executes t's subject and body with data.
func render(t *template.Template, data any) (subject, body string, err error) {
	var sb, bb strings.Builder
	if err := t.ExecuteTemplate(&sb, "subject", data); err != nil {
		return "", "", fmt.Errorf("notify: render %s subject: %w", t.Name(), err)
	}
	if err := t.ExecuteTemplate(&bb, "body", data); err != nil {
		return "", "", fmt.Errorf("notify: render %s body: %w", t.Name(), err)
	}
	return strings.Join(strings.Fields(sb.String()), " "), bb.String(), nil
}
