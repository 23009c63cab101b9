package relay

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/lychgate/lychgate/engine"
	"github.com/lychgate/lychgate/notify"
	"github.com/lychgate/lychgate/policy"
	"github.com/lychgate/lychgate/quarantine"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/spam"
)

// handling is one message after DATA: scan, decide, then make every copy
// safe (delivered or quarantined) before the reply.
type handling struct {
	se       *session
	log      *slog.Logger
	raw      []byte // as received from the client, canonical CRLF
	hash     string // hex SHA-256 of raw: the same for every retry
	msgID    string
	received time.Time
	findings findingsLog // the log's "findings", once scanned
}

// copyGroup is the recipients that get byte-identical copies through one hop.
type copyGroup struct {
	hop    string
	header string // lines prepended (Received, verdict headers)
	prefix string // subject prefix
	rcpts  []string
}

// quarantineGroup is one school's held recipients.
type quarantineGroup struct {
	school    string
	held      []string
	decisions []policy.Decision
}

func (h *handling) run(ctx context.Context) error {
	se := h.se
	start := time.Now()
	sum := sha256.Sum256(h.raw)
	h.hash = hex.EncodeToString(sum[:])
	v := se.rt.Engine.Analyze(ctx, h.raw, se.env)
	if ctx.Err() != nil {
		h.log.Info("data tempfailed: shutting down during scan")
		return errTempfail
	}
	se.s.obs.Analyzed(v)
	action := overallAction(v.Decisions)
	h.findings = findingsLog(v.Result.Findings)
	h.log = withAttrs(h.log, slog.String("action", string(strictest(v.Decisions))), slog.Float64("score", maxScore(v.Decisions)),
		slog.Duration("duration", time.Since(start)), slog.Any("findings", &h.findings))
	switch action {
	case policy.Tempfail:
		h.log.Warn("data tempfailed by policy", "rule", reasons(v.Decisions))
		return errScanTempfail
	case policy.Reject:
		// The DSL and the sender still hear about a refused message.
		if err := h.queueNotify(ctx, v, nil); err != nil {
			h.log.Warn("data tempfailed: notification could not be queued", "err", err)
			return errTempfail
		}
		h.log.Info("data rejected by policy", "rule", reasons(v.Decisions))
		return errPolicyReject
	}

	groups, held := h.plan(v)
	if len(held) > 0 && se.rt.Store == nil {
		h.log.Error("data tempfailed: quarantine needed but no store configured")
		return errTempfail
	}

	// Phase 1: open every downstream transaction up to RCPT, so a refusal
	// costs nothing and leaves nothing half done.
	var txns []*txn
	abortAll := func() {
		for _, t := range txns {
			t.abort()
		}
	}
	for _, g := range groups {
		t, err := se.s.hops.open(ctx, se.rt.NextHop, g.hop, mailParams{from: se.mail.from, utf8: se.mail.utf8, body: se.mail.body, size: int64(len(h.raw))}, g.rcpts)
		if err != nil {
			abortAll()
			return h.downstreamFailed(err)
		}
		txns = append(txns, t)
	}

	// Phase 2: quarantine and queue notifications (both idempotent, so a
	// retry after a later failure finds them already there).
	ids := map[string]string{}
	for _, q := range held {
		id, err := h.quarantine(ctx, v, q)
		if err != nil {
			abortAll()
			h.log.Warn("data tempfailed: quarantine write failed", "err", err)
			return errTempfail
		}
		ids[q.school] = id
	}
	if err := h.queueNotify(ctx, v, ids); err != nil {
		abortAll()
		h.log.Warn("data tempfailed: notification could not be queued", "err", err)
		return errTempfail
	}

	// Phase 3: transmit. A failure after an earlier hop accepted its copy
	// means that hop gets a duplicate when the client retries; duplicates
	// are accepted, losses never.
	end := headerEnd(h.raw)
	for i, t := range txns {
		g := groups[i]
		// This copy's header lines, then the shared body, never joined.
		hdr := make([]byte, 0, len(g.header)+end+len(g.prefix)+1)
		hdr = append(hdr, g.header...)
		hdr = appendRewrittenHeader(hdr, h.raw[:end], ownHeaders, g.prefix)
		if err := t.send(hdr, h.raw[end:]); err != nil {
			for _, rest := range txns[i+1:] {
				rest.abort()
			}
			if i > 0 {
				h.log.Warn("partial delivery before failure; a retry duplicates earlier copies", "err", err)
			}
			return h.downstreamFailed(err)
		}
	}
	if h.log.Enabled(ctx, slog.LevelInfo) {
		h.log.Info("message handled", "delivered", countRcpts(groups), "quarantined", len(ids), "quarantine_ids", joinIDs(ids))
	}
	return nil
}

// ownHeaders are the header fields only lychgate writes: a sender's copies
// are removed from every copy it forwards.
var ownHeaders = []string{"X-Lychgate-"}

// queueNotify hands the verdict to the transaction's notifier (or the
// test hook).
func (h *handling) queueNotify(ctx context.Context, v *engine.Verdict, ids map[string]string) error {
	hd := Handled{Runtime: h.se.rt, Verdict: v, Quarantined: ids, Received: h.received, MsgID: h.msgID, Hash: h.hash}
	if h.se.s.notify != nil {
		return h.se.s.notify(ctx, hd)
	}
	if n := h.se.rt.Notifier; n != nil {
		return n.Notify(ctx, notify.Event{Verdict: v, Quarantined: ids, Received: h.received, Hash: h.hash})
	}
	return nil
}

func (h *handling) downstreamFailed(err error) error {
	h.se.s.obs.NextHopError(err)
	if errors.Is(err, errUTF8NotPossible) {
		h.log.Info("data refused: next hop lacks SMTPUTF8")
		return errUTF8NotPossible
	}
	reply := downstreamReply(err)
	if isTemporary(err) {
		h.log.Warn("data tempfailed: next hop", "err", err)
	} else {
		h.log.Info("data refused by next hop", "err", err)
	}
	return reply
}

// overallAction is the answer to the client: tempfail if any copy must be
// retried, reject only if every copy is rejected; otherwise accept.
func overallAction(ds []policy.Decision) policy.Action {
	all := len(ds) > 0
	for _, d := range ds {
		if d.Action == policy.Tempfail {
			return policy.Tempfail
		}
		all = all && d.Action == policy.Reject
	}
	if all {
		return policy.Reject
	}
	return policy.Deliver
}

// strictest is the strictest action over all recipients (for the log: a
// message with one held copy logs "quarantine").
func strictest(ds []policy.Decision) policy.Action {
	a := policy.Deliver
	for _, d := range ds {
		if d.Action.Stricter(a) {
			a = d.Action
		}
	}
	return a
}

// plan splits the recipients into delivered copy groups and quarantine
// groups. A "reject" for some recipients only (SMTP cannot refuse one
// recipient after DATA) is held in quarantine instead, so nothing is lost
// and the DSL sees it.
func (h *handling) plan(v *engine.Verdict) ([]copyGroup, []quarantineGroup) {
	se := h.se
	// A message has few groups (one per school and copy variant): a
	// search of the slices is cheaper than maps.
	var groups []copyGroup
	var held []quarantineGroup
	for _, d := range v.Decisions {
		switch d.Action {
		case policy.Quarantine, policy.Reject:
			i := slices.IndexFunc(held, func(q quarantineGroup) bool { return q.school == d.School })
			if i < 0 {
				i = len(held)
				held = append(held, quarantineGroup{school: d.School})
			}
			held[i].held = append(held[i].held, d.Recipient)
			held[i].decisions = append(held[i].decisions, d)
			continue
		}
		hop := se.hopFor(d.Direction)
		hdr, prefix := h.verdictHeaders(d, v)
		i := slices.IndexFunc(groups, func(g copyGroup) bool { return g.hop == hop && g.header == hdr && g.prefix == prefix })
		if i < 0 {
			i = len(groups)
			groups = append(groups, copyGroup{hop: hop, header: hdr, prefix: prefix})
		}
		groups[i].rcpts = append(groups[i].rcpts, d.Recipient)
	}
	for i := range groups {
		groups[i].header = se.receivedHeader(h.msgID, h.received, groups[i].rcpts) + groups[i].header
	}
	return groups, held
}

// verdictHeaders are the X-Lychgate-* fields for one recipient's copy, and
// the subject prefix for tagged mail.
func (h *handling) verdictHeaders(d policy.Decision, v *engine.Verdict) (string, string) {
	var b strings.Builder
	b.Grow(128)
	b.WriteString("X-Lychgate-Verdict: ")
	b.WriteString(string(d.Action))
	b.WriteString("\r\n")
	fs := v.ForSchool(d.School)
	if d.Action != policy.Tag {
		h.spamHeaders(&b, d, fs)
		return b.String(), ""
	}
	cats := map[string]bool{}
	for _, f := range fs {
		if f.Severity > scanners.Info {
			cats[string(f.Category)] = true
		}
	}
	list := make([]string, 0, len(cats))
	for c := range cats {
		list = append(list, c)
	}
	sort.Strings(list)
	fmt.Fprintf(&b, "X-Lychgate-Categories: %s\r\n", strings.Join(list, ", "))
	fmt.Fprintf(&b, "X-Lychgate-Score: %s\r\n", strconv.FormatFloat(d.Score, 'f', 1, 64))
	if len(d.Reasons) > 0 {
		rs := slices.Clone(d.Reasons)
		if len(rs) > 10 {
			rs = append(rs[:10], "...")
		}
		fmt.Fprintf(&b, "X-Lychgate-Rules: %s\r\n", sanitizeHeaderValue(strings.Join(rs, "; ")))
	}
	h.spamHeaders(&b, d, fs)
	return b.String(), h.se.rt.Config.Relay.SubjectPrefix
}

// spamHeaders adds X-Lychgate-Spam (the score under the thresholds of this
// copy's school and direction) and, inbound, Authentication-Results (RFC
// 8601) when the spam scanner ran.
func (h *handling) spamHeaders(b *strings.Builder, d policy.Decision, fs []scanners.Finding) {
	if spam.Ran(fs) {
		t := h.se.rt.Config.Spam.ThresholdsFor(d.School, string(d.Direction))
		b.WriteString("X-Lychgate-Spam: ")
		b.WriteString(sanitizeHeaderValue(spam.HeaderValue(fs, t)))
		b.WriteString("\r\n")
	}
	if ar := spam.AuthenticationResults(fs); ar != "" && d.Direction == scanners.Inbound {
		// RFC 8601: our own verdict for the school's server to read; any
		// copy of this field a sender forged was removed with the
		// X-Lychgate-* fields.
		b.WriteString("Authentication-Results: ")
		b.WriteString(sanitizeHeaderValue(ar))
		b.WriteString("\r\n")
	}
}

func (h *handling) quarantine(ctx context.Context, v *engine.Verdict, q quarantineGroup) (string, error) {
	se := h.se
	m := v.Message
	// The entry holds this school's view only: another school's lists and
	// rules, and their findings, are not this school's to see.
	view := v.ForSchool(q.school)
	e := &quarantine.Entry{
		School:    q.school,
		Status:    quarantine.StatusHeld,
		Direction: se.env.Direction(),
		From:      se.env.From,
		Held:      q.held,
		Subject:   m.Subject,
		MessageID: m.MessageID,
		Received:  h.received,
		Size:      len(h.raw),
		Findings:  view,
		Decisions: q.decisions,
		RemoteIP:  se.env.RemoteIP,
	}
	for _, r := range se.env.Recipients {
		if r.School == q.school {
			e.Recipients = append(e.Recipients, r.Addr)
		}
	}
	if len(m.From) > 0 {
		e.HeaderFrom = m.From[0].String()
	}
	cats := map[string]bool{}
	for _, f := range view {
		if f.Severity > scanners.Info && !cats[string(f.Category)] {
			cats[string(f.Category)] = true
			e.Categories = append(e.Categories, string(f.Category))
		}
		if f.Severity > e.MaxSeverity {
			e.MaxSeverity = f.Severity
		}
	}
	// The id comes from the client's bytes, so a retried message (with a new
	// Received line) maps to the same entry.
	e.ID = quarantine.IDFromHash(h.hash, q.school, q.held)
	created, err := se.rt.Store.PutWithHeader(ctx, e, []byte(se.receivedHeader(h.msgID, h.received, q.held)), h.raw)
	if err != nil {
		return "", fmt.Errorf("put %s: %w", e.ID, err)
	}
	h.log.Debug("quarantined", "quarantine_id", e.ID, "school", q.school, "created", created, "held", len(q.held))
	return e.ID, nil
}

// maxScore is the highest score of one recipient's decision (the log's
// "score").
func maxScore(ds []policy.Decision) float64 {
	var m float64
	for _, d := range ds {
		m = max(m, d.Score)
	}
	return m
}

func reasons(ds []policy.Decision) string {
	var out []string
	for _, d := range ds {
		for _, r := range d.Reasons {
			if !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	return strings.Join(out, "; ")
}

func countRcpts(gs []copyGroup) int {
	n := 0
	for _, g := range gs {
		n += len(g.rcpts)
	}
	return n
}
