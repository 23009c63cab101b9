package quarantine

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/lychgate/lychgate/scanners"
)

// Query selects entries of one school for Search. Zero fields match
// everything.
type Query struct {
	// School is required.
	School string
	// Status is held, released or deleted, or StatusIncident for entries
	// marked as an incident (whatever their status).
	Status string
	// Category lists only entries with a finding of this category.
	Category string
	// MinSeverity lists only entries whose worst finding is at least this
	// severe (Info, the zero value, matches all).
	MinSeverity scanners.Severity
	// Direction is inbound, outbound or internal.
	Direction scanners.Direction
	// Sender is a case-insensitive substring of the envelope or header
	// sender.
	Sender string
	// Recipient is a case-insensitive substring of any recipient.
	Recipient string
	// Since and Until bound the received time (Since inclusive, Until
	// exclusive).
	Since, Until time.Time
	// Text is free text: every word must occur (case-insensitively) in the
	// subject or the findings (category, rule, explanation, evidence).
	Text string
	// Limit is the page size: DefaultListLimit if zero or less, at most
	// MaxListLimit.
	Limit int
	// Cursor is the next value of the previous page; empty for the first.
	Cursor string
}

// scanBudget is how many index members one run of the search script looks
// at, so one search never blocks Redis for long.
const scanBudget = 5000

// searchScript walks an index newest first from a position and returns the
// ids that match the filters, reading only the small lower-cased search
// fields of each hash inside Redis (nothing crosses the network for the
// entries that do not match).
//
// KEYS[1] index. ARGV: [1] entry key prefix, [2] max score (inclusive),
// [3] min score (inclusive), [4] position id ("" for none: the max score
// is then not yet dealt with), [5] budget, [6] want, [7] status,
// [8] direction, [9] min severity, [10] sender, [11] recipient, [12..] words.
// Returns {matches (id, score, ...), stale ids, last id, last score, done}.
var searchScript = redis.NewScript(`
local prefix, maxs, mins, posid = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local budget, want = tonumber(ARGV[5]), tonumber(ARGV[6])
local st, dir, minsev, sender, rcpt = ARGV[7], ARGV[8], tonumber(ARGV[9]), ARGV[10], ARGV[11]
local possc = tonumber(maxs)
local res, stale = {}, {}
local lastid, lastsc = posid, maxs
local scanned, offset, done, nres = 0, 0, false, 0
while scanned < budget and nres < want do
  local n = math.min(500, budget - scanned)
  local batch = redis.call('ZRANGE', KEYS[1], maxs, mins, 'BYSCORE', 'REV', 'LIMIT', offset, n, 'WITHSCORES')
  offset = offset + #batch / 2
  for i = 1, #batch, 2 do
    local id, sc = batch[i], batch[i + 1]
    scanned = scanned + 1
    if posid == '' or tonumber(sc) < possc or id < posid then
      lastid, lastsc = id, sc
      local v = redis.call('HMGET', prefix .. id, 'st', 'sev', 'dir', 'from', 'rcpt', 'text')
      if not v[1] then
        if redis.call('EXISTS', prefix .. id) == 0 then stale[#stale + 1] = id end
      else
        local s = v[1]
        if s == 'releasing' then s = 'held' end
        local ok = (st == '' or s == st) and (dir == '' or v[3] == dir) and tonumber(v[2] or '0') >= minsev
          and (sender == '' or string.find(v[4] or '', sender, 1, true) ~= nil)
          and (rcpt == '' or string.find(v[5] or '', rcpt, 1, true) ~= nil)
        if ok then
          for w = 12, #ARGV do
            if not string.find(v[6] or '', ARGV[w], 1, true) then ok = false break end
          end
        end
        if ok then
          res[#res + 1] = id
          res[#res + 1] = sc
          nres = nres + 1
          if nres >= want then break end
        end
      end
    end
  end
  if #batch < 2 * n then
    if nres < want then done = true end
    break
  end
end
return {res, stale, lastid, lastsc, done and 1 or 0}
`)

// isFullAddress reports whether s is a whole address (user@domain), which
// an address index answers, rather than a fragment to look for.
func isFullAddress(s string) bool {
	at := strings.IndexByte(s, '@')
	return at > 0 && at < len(s)-1 && !strings.ContainsAny(s, " \t\r\n")
}

// Search returns a page of school's entries that match q, newest first,
// without their raw messages, and the cursor of the next page ("" when this
// is the last). It reads the most selective index (status, then category,
// then all) over the date range, and filters the rest inside Redis in
// bounded steps. Like List it skips and removes index members whose entry
// has expired.
func (s *Store) Search(ctx context.Context, q Query) (entries []Entry, next string, err error) {
	if err := validName("school", q.School); err != nil {
		return nil, "", fmt.Errorf("quarantine: search: %w", err)
	}
	key := s.indexKey(q.School)
	status := q.Status
	addrIndex := false
	switch {
	case status == StatusIncident:
		// The incident index; the entries' own status does not matter.
		key, status = s.statusKey(q.School, StatusIncident), ""
		if q.Category != "" {
			addrIndex = true // filter the category as a word, below
		}
	case isFullAddress(q.Recipient) || isFullAddress(q.Sender):
		// The most selective index: every entry this address sent or
		// received. Status, category and the rest are filtered below.
		a := q.Recipient
		if !isFullAddress(a) {
			a = q.Sender
		}
		key, addrIndex = s.addrKey(q.School, a), true
		if status != "" && status != StatusHeld && status != StatusReleased && status != StatusDeleted {
			return nil, "", fmt.Errorf("quarantine: search %s: %w: status %q", q.School, ErrInvalid, status)
		}
	case status != "":
		if status != StatusHeld && status != StatusReleased && status != StatusDeleted {
			return nil, "", fmt.Errorf("quarantine: search %s: %w: status %q", q.School, ErrInvalid, status)
		}
		key = s.statusKey(q.School, status)
	case q.Category != "":
		if err := validName("category", q.Category); err != nil {
			return nil, "", fmt.Errorf("quarantine: search %s: %w", q.School, err)
		}
		key = s.categoryKey(q.School, q.Category)
	}
	var words []any
	for _, w := range strings.Fields(strings.ToLower(q.Text)) {
		words = append(words, w)
	}
	if q.Category != "" && (status != "" || addrIndex) {
		// Another index was chosen; the category is a word of the text
		// field ("\n<category> scanner/rule ...").
		words = append(words, "\n"+strings.ToLower(q.Category)+" ")
	}
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultListLimit
	}
	limit = min(limit, MaxListLimit)

	maxs, mins := "+inf", "-inf"
	if !q.Until.IsZero() {
		maxs = "(" + strconv.FormatInt(q.Until.UnixMilli(), 10)
	}
	if !q.Since.IsZero() {
		mins = strconv.FormatInt(q.Since.UnixMilli(), 10)
	}
	posID := ""
	if q.Cursor != "" {
		pos, err := parseCursor(q.Cursor)
		if err != nil {
			return nil, "", fmt.Errorf("quarantine: search %s: %w", q.School, err)
		}
		if q.Until.IsZero() || pos.ms < q.Until.UnixMilli() {
			maxs = strconv.FormatInt(pos.ms, 10)
			posID = pos.id
		}
	}
	var matches []cursor
	for len(matches) <= limit {
		args := []any{s.schoolKey(q.School), maxs, mins, posID, scanBudget, limit + 1 - len(matches),
			status, string(q.Direction), int(q.MinSeverity), strings.ToLower(q.Sender), strings.ToLower(q.Recipient)}
		args = append(args, words...)
		res, err := searchScript.Run(ctx, s.rdb, []string{key}, args...).Slice()
		if err != nil {
			return nil, "", fmt.Errorf("quarantine: search %s: %w", q.School, err)
		}
		if len(res) != 5 {
			return nil, "", fmt.Errorf("quarantine: search %s: script returned %d values", q.School, len(res))
		}
		found, _ := res[0].([]any)
		for i := 0; i+1 < len(found); i += 2 {
			id, _ := found[i].(string)
			sc, _ := found[i+1].(string)
			ms, _ := strconv.ParseFloat(sc, 64)
			matches = append(matches, cursor{ms: int64(ms), id: id})
		}
		if stale, _ := res[1].([]any); len(stale) > 0 {
			ids := make([]string, 0, len(stale))
			for _, v := range stale {
				id, _ := v.(string)
				ids = append(ids, id)
			}
			s.dropStale(ctx, q.School, key, ids)
		}
		if done, _ := res[4].(int64); done == 1 {
			break
		}
		posID, _ = res[2].(string)
		maxs, _ = res[3].(string)
		if posID == "" {
			break // nothing was scanned: an empty range
		}
	}
	more := len(matches) > limit
	if more {
		matches = matches[:limit]
		next = matches[limit-1].String()
	}
	metas, err := s.metas(ctx, q.School, matches)
	if err != nil {
		return nil, "", fmt.Errorf("quarantine: search %s: %w", q.School, err)
	}
	for i, m := range metas {
		if m == nil {
			continue // expired between the scan and now
		}
		e, err := decodeMeta(m[0], m[1:])
		if err != nil {
			s.log.Error("quarantine entry unreadable", "school", q.School, "id", matches[i].id, "err", err)
			continue
		}
		entries = append(entries, *e)
	}
	return entries, next, nil
}
