package relay

import (
	"fmt"
	"log/slog"
	"sort"
	"strings"

	"github.com/lychgate/lychgate/engine"
	"github.com/lychgate/lychgate/scanners"
)

// Observer is told what the relay does, for metrics (package metrics'
// *Metrics implements it). Its methods are called on the connection's
// goroutine: they must be quick and safe for concurrent use.
type Observer interface {
	// Reply is called for every reply the SMTP server sends, with its code
	// (a multi-line reply counts once).
	Reply(code int)
	// Analyzed is called once per message that was scanned and decided,
	// before its copies are delivered or quarantined.
	Analyzed(v *engine.Verdict)
	// NextHopError is called when a copy could not be handed to its next
	// hop (a *nexthop.Error, or the wrapped cause).
	NextHopError(err error)
}

// nopObserver is the Observer of a relay without one.
type nopObserver struct{}

func (nopObserver) Reply(int)                {}
func (nopObserver) Analyzed(*engine.Verdict) {}
func (nopObserver) NextHopError(error)       {}

// findingsSummary is the log's view of a message's findings: categories
// and their counts, sorted ("malware:1,spam:2"; "none"). Never rule
// evidence, subjects or bodies.
// findingsLog is findingsSummary for a log attribute, computed only when
// a line is written.
type findingsLog []scanners.Finding

func (f findingsLog) LogValue() slog.Value { return slog.StringValue(findingsSummary(f)) }

func findingsSummary(fs []scanners.Finding) string {
	if len(fs) == 0 {
		return "none"
	}
	n := map[string]int{}
	for _, f := range fs {
		if f.Severity > scanners.Info { // notes (spam reasons) are not findings to count
			n[string(f.Category)]++
		}
	}
	if len(n) == 0 {
		return "none"
	}
	cats := make([]string, 0, len(n))
	for c := range n {
		cats = append(cats, c)
	}
	sort.Strings(cats)
	var b strings.Builder
	for i, c := range cats {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s:%d", c, n[c])
	}
	return b.String()
}

// joinIDs lists quarantine entry ids as "school=id" pairs, sorted.
func joinIDs(ids map[string]string) string {
	out := make([]string, 0, len(ids))
	for school, id := range ids {
		out = append(out, school+"="+id)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}
