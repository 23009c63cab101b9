package main

import (
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/lychgate/lychgate/internal/testutil/redistest"
)

// appendConfig adds TOML to the config file at path.
func appendConfig(t *testing.T, path, toml string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("\n" + toml + "\n"); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// httpGet returns the status and body of GET url.
func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, string(b)
}

// scrape parses /metrics in the Prometheus text format.
func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	code, body := httpGet(t, base+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("GET /metrics = %d\n%s", code, body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse /metrics: %v\n%s", err, body)
	}
	return fams
}

// sample returns the value of the metric name with exactly these labels
// (counter, gauge, or a histogram's sample count), and whether it exists.
func sample(fams map[string]*dto.MetricFamily, name string, labels map[string]string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
	var sum float64
	found := false
next:
	for _, m := range f.GetMetric() {
		for k, v := range labels {
			ok := false
			for _, lp := range m.GetLabel() {
				if lp.GetName() == k && lp.GetValue() == v {
					ok = true
				}
			}
			if !ok {
				continue next
			}
		}
		found = true
		switch {
		case m.Counter != nil:
			sum += m.GetCounter().GetValue()
		case m.Gauge != nil:
			sum += m.GetGauge().GetValue()
		case m.Histogram != nil:
			sum += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return sum, found
}

// TestMetricsAndHealthOnWebListener: after real traffic through the relay
// (swaks in, smtp-sink as next hop, real Redis), /metrics on [web] listen
// shows it, /healthz and /readyz answer without a session, and /readyz
// turns 503 naming Redis when Redis stops. The one info line per message
// carries the msg_id that is in the delivered copy's Received header.
func TestMetricsAndHealthOnWebListener(t *testing.T) {
	t.Parallel()
	hop, dumpDir := postfixSink(t)
	rs := redistest.Start(t)
	addr, webAddr := freePort(t), freePort(t)
	config := writeE2EConfig(t, addr, hop, rs.URL())
	appendConfig(t, config, "[web]\nlisten = \""+webAddr+"\"")
	d := startDaemon(t, config, addr)
	base := "http://" + webAddr
	waitListening(t, webAddr)

	if out, err := swaks(t, addr, "parent@example.com", "head@stlaurence.example.sch.uk", "Sports day", "See you at sports day."); err != nil {
		t.Fatalf("swaks clean: %v\n%s", err, out)
	}
	if out, err := swaks(t, addr, "stranger@example.com", "pupil1@stlaurence.example.sch.uk", "hi", "this has the example phrase in it"); err != nil {
		t.Fatalf("swaks quarantine: %v\n%s", err, out)
	}

	fams := scrape(t, base)
	for _, c := range []struct {
		name   string
		labels map[string]string
		min    float64
	}{
		{"lychgate_messages_total", map[string]string{"direction": "inbound", "school": "stlaurence", "decision": "deliver"}, 1},
		{"lychgate_messages_total", map[string]string{"direction": "inbound", "school": "stlaurence", "decision": "quarantine"}, 1},
		{"lychgate_findings_total", map[string]string{"category": "safeguarding", "severity": "critical"}, 1},
		{"lychgate_scanner_duration_seconds", map[string]string{"status": "ok"}, 2},
		{"lychgate_smtp_replies_total", map[string]string{"code": "220"}, 2},
		{"lychgate_smtp_replies_total", map[string]string{"code": "354"}, 2},
		{"lychgate_smtp_replies_total", map[string]string{"code": "250"}, 8},
		{"lychgate_quarantine_entries", map[string]string{"school": "stlaurence", "status": "held"}, 1},
		{"lychgate_outbox_pending", map[string]string{"state": "stream"}, 0},
		{"lychgate_outbox_oldest_age_seconds", nil, 0},
		{"go_goroutines", nil, 1},
	} {
		if v, ok := sample(fams, c.name, c.labels); !ok || v < c.min {
			t.Errorf("%s%v = %v (present %v), want at least %v", c.name, c.labels, v, ok, c.min)
		}
	}
	if code, body := httpGet(t, base+"/healthz"); code != http.StatusOK || strings.TrimSpace(body) != "ok" {
		t.Errorf("/healthz = %d %q, want 200 ok", code, body)
	}
	if code, body := httpGet(t, base+"/readyz"); code != http.StatusOK || strings.TrimSpace(body) != "ready" {
		t.Errorf("/readyz = %d %q, want 200 ready", code, body)
	}

	// One info line per message, with its msg_id, findings and decision;
	// the same id is in the Received header of the delivered copy.
	handled := eventually(t, func() ([]string, bool) {
		var out []string
		for _, l := range strings.Split(d.log.String(), "\n") {
			if strings.Contains(l, "level=INFO") && strings.Contains(l, "msg_id=") {
				out = append(out, l)
			}
		}
		return out, len(out) >= 2
	})
	if len(handled) != 2 {
		t.Fatalf("info lines with a msg_id = %d, want 2 (one per message):\n%s", len(handled), strings.Join(handled, "\n"))
	}
	idRe := regexp.MustCompile(`msg_id=([0-9a-f]+)`)
	var cleanID string
	for _, l := range handled {
		switch {
		case strings.Contains(l, "findings=none") && strings.Contains(l, "action=deliver"):
			cleanID = idRe.FindStringSubmatch(l)[1]
		case strings.Contains(l, "findings=safeguarding:1") && strings.Contains(l, "action=quarantine"):
		default:
			t.Errorf("message line lacks its findings summary or decision: %s", l)
		}
		if strings.Contains(l, "example phrase") || strings.Contains(l, "Sports day") {
			t.Errorf("message line quotes the message: %s", l)
		}
	}
	var delivered string
	for _, m := range dumps(t, dumpDir) {
		if strings.Contains(m, "See you at sports day.") {
			delivered = m
		}
	}
	if cleanID == "" || !regexp.MustCompile(`\(lychgate\) with ESMTP id `+cleanID+`\s`).MatchString(delivered) {
		t.Errorf("delivered copy's Received lacks the logged msg_id %q:\n%s", cleanID, delivered)
	}

	// Redis stops: not ready (naming Redis only), still healthy.
	rs.Stop(t)
	code, body := httpGet(t, base+"/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "redis") || strings.Contains(body, "127.0.0.1") {
		t.Errorf("/readyz with Redis stopped = %d %q, want 503 naming redis without addresses", code, body)
	}
	if code, _ := httpGet(t, base+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz with Redis stopped = %d, want 200", code)
	}
	fams = scrape(t, base)
	if v, _ := sample(fams, "lychgate_redis_errors_total", nil); v < 1 {
		t.Errorf("lychgate_redis_errors_total = %v after Redis stopped, want at least 1", v)
	}
}

// TestMetricsListenWithoutWeb: with no review UI, [metrics] listen serves
// the operational endpoints on their own listener; /readyz names a next
// hop that does not accept connections.
func TestMetricsListenWithoutWeb(t *testing.T) {
	t.Parallel()
	rs := redistest.Start(t)
	addr, metricsAddr, deadHop := freePort(t), freePort(t), freePort(t)
	config := writeE2EConfig(t, addr, deadHop, rs.URL())
	appendConfig(t, config, "[metrics]\nlisten = \""+metricsAddr+"\"")
	d := startDaemon(t, config, addr)
	waitListening(t, metricsAddr)
	base := "http://" + metricsAddr
	if code, _ := httpGet(t, base+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz = %d, want 200", code)
	}
	code, body := httpGet(t, base+"/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "next hop "+deadHop) || strings.Contains(body, "redis") {
		t.Errorf("/readyz with the next hop down = %d %q, want 503 naming only the next hop", code, body)
	}
	if _, ok := sample(scrape(t, base), "lychgate_outbox_pending", nil); !ok {
		t.Error("/metrics lacks lychgate_outbox_pending")
	}
	if !strings.Contains(d.log.String(), "metrics listening") {
		t.Error("serve did not log the metrics listener")
	}

	// A transaction in flight holds the drain open; meanwhile /readyz says
	// the relay is going away, so a load balancer stops sending to it.
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail("parent@example.com", nil); err != nil {
		t.Fatal(err)
	}
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 5*time.Second, "serve to log its shutdown", func() bool { return strings.Contains(d.log.String(), "shutting down") })
	if code, body := httpGet(t, base+"/readyz"); code != http.StatusServiceUnavailable || strings.TrimSpace(body) != "not ready: shutting down" {
		t.Errorf("/readyz while draining = %d %q, want 503 shutting down", code, body)
	}
	if err := c.Reset(); err != nil {
		t.Errorf("RSET while draining: %v", err)
	}
	_ = c.Quit()
	if err := d.cmd.Wait(); err != nil {
		t.Errorf("serve after SIGTERM: %v", err)
	}
}
