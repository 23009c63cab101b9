package live

import (
	"reflect"
	"slices"
	"strings"

	"github.com/lychgate/lychgate/config"
)

// RestartKeys are the configuration keys (or tables, ending in ".") a
// reload cannot apply: they are bound when the process starts (listening
// sockets, TLS files loaded into listeners, the Redis connection, the
// logger). Everything else takes effect on reload.
var RestartKeys = []string{
	"relay.listen", "relay.tls_cert", "relay.tls_key",
	// The SMTP server's connection handling: greeting name, timeouts,
	// connection slots and the bytes-in-flight budget.
	"relay.read_timeout", "relay.write_timeout", "relay.data_timeout", "relay.stress_read_timeout",
	"relay.analysis_wait", "relay.max_connections", "relay.max_connections_per_ip",
	"relay.max_connections_per_untrusted_ip", "relay.trusted_reserved_connections", "relay.max_bytes_in_flight",
	"redis.",
	"web.listen", "web.tls_cert", "web.tls_key",
	"log.",
}

// Changes lists the leaf keys whose values differ between a and b, in
// schema order ("relay.trusted_networks", "school[1].dsl", ...).
func Changes(a, b *config.Config) []string {
	var out []string
	diff(&out, "", reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem())
	return out
}

// NeedsRestart returns the changed keys among RestartKeys, and the rest.
func NeedsRestart(a, b *config.Config) (restart, reloaded []string) {
	for _, k := range Changes(a, b) {
		if slices.ContainsFunc(RestartKeys, func(r string) bool {
			return k == r || (strings.HasSuffix(r, ".") && strings.HasPrefix(k, r))
		}) {
			restart = append(restart, k)
		} else {
			reloaded = append(reloaded, k)
		}
	}
	return restart, reloaded
}

func diff(out *[]string, path string, a, b reflect.Value) {
	if a.Kind() != reflect.Struct || a.Type() == reflect.TypeFor[config.Duration]() {
		if !reflect.DeepEqual(a.Interface(), b.Interface()) {
			*out = append(*out, path)
		}
		return
	}
	t := a.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		key, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if !f.IsExported() || key == "-" || key == "" {
			continue
		}
		p := key
		if path != "" {
			p = path + "." + key
		}
		fa, fb := a.Field(i), b.Field(i)
		if fa.Kind() == reflect.Struct && fa.Type() != reflect.TypeFor[config.Duration]() {
			diff(out, p, fa, fb)
			continue
		}
		if !reflect.DeepEqual(fa.Interface(), fb.Interface()) {
			*out = append(*out, p)
		}
	}
}
