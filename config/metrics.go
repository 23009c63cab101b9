package config

// Metrics configures the operational HTTP endpoints' own listener
// ([metrics]). /metrics (Prometheus), /healthz and /readyz always answer on
// [web] listen when the review UI runs; this listener serves them as well,
// for a deployment without the review UI or to scrape from another
// interface. The endpoints have no authentication: bind to loopback or a
// management network, or firewall the port.
type Metrics struct {
	// Listen is the TCP address of the /metrics, /healthz and /readyz
	// listener, e.g. "127.0.0.1:9125"; "" (the default) starts none.
	Listen string `toml:"listen"`
}

// metrics checks [metrics]. Validate calls it.
func (v *checker) metrics() {
	m := &v.c.Metrics
	if m.Listen == "" {
		return
	}
	if msg := hostPortProblem(m.Listen, false); msg != "" {
		v.add("metrics.listen", "%s", msg)
		return
	}
	if m.Listen == v.c.Web.Listen {
		v.add("metrics.listen", "is the same address as web.listen, which already serves /metrics: leave it empty")
	}
}
