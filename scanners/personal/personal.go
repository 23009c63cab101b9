// Package personal is the personal-address scanner (id "personal_address",
// category personal-address): it spots staff reaching parents and pupils
// through private channels, which school policy forbids ("staff should not
// use personal email accounts ... to email parents/carers").
//
// It reports five cases, each with its own stable rule id:
//
//   - personal_address_cc: staff mail to a parent or pupil that puts the
//     sender's own personal address in Cc, Bcc, Reply-To or
//     Disposition-Notification-To;
//   - personal_address_in_body: staff mail to a parent or pupil whose own
//     text (not the quoted history) gives a personal email address or mobile
//     number, other than the school's own (config [school.personal]);
//   - personal_address_in_thread: mail from a parent showing a staff
//     member's personal address in To/Cc or in the quoted history;
//   - personal_address_staff_personal_account: mail from a personal address
//     that is a staff member's, with parents or pupils among the recipients;
//   - personal_address_to_self: staff mail to their own personal address
//     carrying attachments or forwarded content.
//
// "A staff member's personal address" means one listed in the staff export
// (personal_emails), or an address on a personal/webmail domain whose
// display name or local part fits the staff member's name (see
// directory.NameScore); the evidence says which. Parents' and pupils' own
// addresses from the exports are never taken for staff. The scanner only
// reports; package policy decides (by default: deliver, warn, DSL digest;
// to_self is held).
//
// Bounded work: at most 20 findings per rule (one per distinct address or
// number), the context checked between text parts.
package personal

import (
	"context"
	"fmt"
	"net/mail"
	"strings"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/directory"
	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
)

// ID is the scanner's stable id.
const ID = "personal_address"

// The rule ids. Stable forever: they appear in config, logs and the UI.
const (
	RuleCc              = "personal_address_cc"
	RuleInBody          = "personal_address_in_body"
	RuleInThread        = "personal_address_in_thread"
	RuleStaffPersonal   = "personal_address_staff_personal_account"
	RuleToSelf          = "personal_address_to_self"
	baseScore           = 3.0
	defaultMinNameScore = 0.6
	defaultStrongScore  = 0.85
)

// Official is a school's own contact details, which staff may share.
type Official struct {
	Numbers   []string
	Addresses []string
}

// Options configures the scanner.
type Options struct {
	// Official maps a school id to its own numbers and addresses.
	Official map[string]Official
	// MinNameScore is the least directory.NameScore for an address on a
	// personal domain to count as the sender's own (default 0.6).
	MinNameScore float64
	// StrongNameScore is the least score for an address to count as some
	// staff member's when it is compared with every staff name (cases 3 and
	// 4; default 0.85).
	StrongNameScore float64
}

// OptionsFromConfig reads [school.personal] of every school.
func OptionsFromConfig(cfg *config.Config) Options {
	o := Options{Official: map[string]Official{}}
	for _, s := range cfg.Schools {
		o.Official[s.ID] = Official{Numbers: s.Personal.OfficialNumbers, Addresses: s.Personal.OfficialAddresses}
	}
	return o
}

// Scanner is the personal-address scanner. It is immutable and safe for
// concurrent use.
type Scanner struct {
	dir     *directory.Directory
	opts    Options
	numbers map[string]map[string]bool // school -> canonical numbers
	addrs   map[string]map[string]bool // school -> canonical addresses
}

var _ scanners.Scanner = (*Scanner)(nil)

// New returns the scanner reading people from dir.
func New(dir *directory.Directory, opts Options) (*Scanner, error) {
	if dir == nil {
		return nil, fmt.Errorf("personal: no directory")
	}
	if opts.MinNameScore <= 0 {
		opts.MinNameScore = defaultMinNameScore
	}
	if opts.StrongNameScore <= 0 {
		opts.StrongNameScore = defaultStrongScore
	}
	s := &Scanner{dir: dir, opts: opts, numbers: map[string]map[string]bool{}, addrs: map[string]map[string]bool{}}
	for id, o := range opts.Official {
		s.numbers[id], s.addrs[id] = map[string]bool{}, map[string]bool{}
		for _, n := range o.Numbers {
			if c := canonicalNumber(n); c != "" {
				s.numbers[id][c] = true
			}
		}
		for _, a := range o.Addresses {
			s.addrs[id][dir.Canonical(a)] = true
		}
	}
	return s, nil
}

// Name returns "personal_address".
func (s *Scanner) Name() string { return ID }

// Scan reports the five cases described in the package comment.
func (s *Scanner) Scan(ctx context.Context, m *message.Message, env *scanners.Envelope) ([]scanners.Finding, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("personal: %w", err)
	}
	st := &scan{s: s, m: m, env: env}
	if st.staffSender() {
		st.outbound(ctx)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("personal: %w", err)
	}
	st.inbound()
	return st.out, nil
}

// scan is the state of one Scan call.
type scan struct {
	s      *Scanner
	m      *message.Message
	env    *scanners.Envelope
	school string
	sender directory.Person // the staff sender (Name may come from From)
	out    []scanners.Finding
	seen   map[string]bool
	rules  map[string]int // findings per rule
}

// maxPerRule bounds the findings of one rule in one message.
const maxPerRule = 20

func (st *scan) add(rule, expl string, conf float64, ev ...scanners.Evidence) {
	key := rule + "\x00" + ev[0].Text
	if st.seen == nil {
		st.seen = map[string]bool{}
	}
	if st.seen[key] || st.rules[rule] >= maxPerRule {
		return
	}
	st.seen[key] = true
	if st.rules == nil {
		st.rules = map[string]int{}
	}
	st.rules[rule]++
	st.out = append(st.out, scanners.Finding{
		Scanner: ID, Rule: rule, Category: scanners.PersonalAddress, Severity: scanners.Medium,
		Score: baseScore * conf, Explanation: expl, Evidence: ev,
	})
}

// done reports whether add would drop a finding of rule for text: one is
// already there, or the rule has its maximum.
func (st *scan) done(rule, text string) bool {
	return st.seen[rule+"\x00"+text] || st.rules[rule] >= maxPerRule
}

// fromAddr is the author: the From header, else the envelope sender.
func (st *scan) fromAddr() message.Address {
	if len(st.m.From) > 0 {
		return st.m.From[0]
	}
	return message.Address{Addr: st.env.From}
}

// staffSender reports whether the message is from a staff member's school
// address, and remembers who.
func (st *scan) staffSender() bool {
	if st.env.SenderSchool == "" || !scanners.HasGroup(st.env.SenderGroups, scanners.StaffGroup) {
		return false
	}
	st.school = st.env.SenderSchool
	from := st.fromAddr()
	p, ok := st.s.dir.Person(st.school, st.env.From)
	if !ok {
		p, ok = st.s.dir.Person(st.school, from.Addr)
	}
	if !ok {
		p = directory.Person{Kind: directory.Staff, School: st.school, Name: from.Name, Email: st.env.From}
	}
	st.sender = p
	return true
}

// toFamilies reports whether any outbound or internal copy goes to a
// parent or pupil.
func (st *scan) toFamilies() bool {
	for _, r := range st.env.Recipients {
		if r.Direction != scanners.Inbound && (scanners.HasGroup(r.Groups, scanners.ParentGroup) || scanners.HasGroup(r.Groups, scanners.PupilGroup)) {
			return true
		}
	}
	return false
}

// family reports whether addr is a parent's or pupil's own address.
func (st *scan) family(school, addr string) bool {
	p, ok := st.s.dir.Person(school, addr)
	if ok && p.Kind != directory.Staff {
		return true
	}
	g := st.s.dir.Groups(school, addr)
	return scanners.HasGroup(g, scanners.ParentGroup) || scanners.HasGroup(g, scanners.PupilGroup)
}

// excluded reports whether addr can never be a staff member's personal
// address: a school address, an official one, or a family's.
func (st *scan) excluded(school, addr string) bool {
	return st.s.dir.SchoolOf(addr) != "" || st.s.addrs[school][st.s.dir.Canonical(addr)] || st.family(school, addr)
}

// selfPersonal reports whether addr is the staff sender's personal address,
// with the reason for evidence.
func (st *scan) selfPersonal(addr, display string) (float64, string, bool) {
	if st.excluded(st.school, addr) {
		return 0, "", false
	}
	c := st.s.dir.Canonical(addr)
	for _, pe := range st.sender.PersonalEmails {
		if st.s.dir.Canonical(pe) == c {
			return 1, "listed as the sender's personal address in the staff export", true
		}
	}
	if !st.s.dir.IsPersonalAddress(addr) || st.sender.Name == "" {
		return 0, "", false
	}
	nm := directory.NameScore(st.sender.Name, addr, display)
	if nm.Score < st.s.opts.MinNameScore {
		return 0, "", false
	}
	return nm.Score, fmt.Sprintf("a personal-domain address whose %s fits the sender's name %q (score %.2f)", nm.Reason, st.sender.Name, nm.Score), true
}

// staffPersonal reports whether addr (display name display) is some staff
// member's personal address in school.
func (st *scan) staffPersonal(school, addr, display string) (directory.StaffMatch, bool) {
	if st.excluded(school, addr) {
		return directory.StaffMatch{}, false
	}
	if p, ok := st.s.dir.StaffByPersonal(school, addr); ok {
		return directory.StaffMatch{Person: p, NameMatch: directory.NameMatch{Score: 1, Reason: "listed personal address"}}, true
	}
	if !st.s.dir.IsPersonalAddress(addr) {
		return directory.StaffMatch{}, false
	}
	return st.s.dir.MatchStaff(school, addr, display, st.s.opts.StrongNameScore)
}

// headerAddrs are the addresses in header name, with evidence spans.
type located struct {
	message.Address
	ev scanners.Evidence
}

func (st *scan) headerAddrs(name string) []located {
	var out []located
	for _, v := range st.m.HeaderValues(name) {
		list, err := mail.ParseAddressList(v)
		if err != nil {
			list = nil
			for _, loc := range findEmails(v) {
				list = append(list, &mail.Address{Address: v[loc[0]:loc[1]]})
			}
		}
		for _, a := range list {
			out = append(out, located{message.Address{Name: a.Name, Addr: a.Address}, spanIn(v, a.Address, "header:"+name)})
		}
	}
	return out
}

// spanIn locates addr (case-insensitively) in text.
func spanIn(text, addr, field string) scanners.Evidence {
	i := strings.Index(strings.ToLower(text), strings.ToLower(addr))
	if i < 0 {
		return scanners.Evidence{Field: "envelope", Text: addr}
	}
	return scanners.Evidence{Field: field, Offset: i, Length: len(addr), Text: text[i : i+len(addr)]}
}

// outbound covers cases 1, 2 and 5 for a staff sender.
func (st *scan) outbound(ctx context.Context) {
	families := st.toFamilies()
	if families {
		// Case 1: the sender's personal address copied in or as reply path.
		var cands []located
		for _, h := range []string{"Cc", "Bcc", "Reply-To", "Disposition-Notification-To", "Return-Receipt-To"} {
			cands = append(cands, st.headerAddrs(h)...)
		}
		cands = append(cands, st.bccRecipients()...)
		for _, c := range cands {
			if conf, why, ok := st.selfPersonal(c.Addr, c.Name); ok {
				where := strings.TrimPrefix(c.ev.Field, "header:")
				if c.ev.Field == "envelope" {
					where = "a blind copy"
				}
				st.add(RuleCc, fmt.Sprintf("Staff mail to a parent or pupil puts the sender's personal address %s in %s (%s).", c.Addr, where, why), conf, c.ev)
			}
		}
		// Case 2: the sender's own text gives a personal address or mobile.
		for _, t := range st.m.Texts {
			if ctx.Err() != nil {
				return
			}
			st.bodyContacts(t)
		}
	}
	// Case 5: school content sent to the sender's own personal account.
	st.toSelf()
}

// bccRecipients are outbound envelope recipients not named in To or Cc.
func (st *scan) bccRecipients() []located {
	named := map[string]bool{}
	for _, a := range append(append([]message.Address(nil), st.m.To...), st.m.Cc...) {
		named[st.s.dir.Canonical(a.Addr)] = true
	}
	var out []located
	for _, r := range st.env.Recipients {
		if r.Direction == scanners.Outbound && !named[st.s.dir.Canonical(r.Addr)] {
			out = append(out, located{message.Address{Addr: r.Addr}, scanners.Evidence{Field: "envelope", Text: r.Addr}})
		}
	}
	return out
}

func (st *scan) bodyContacts(t message.Text) {
	own := t.Content[:quoteStart(t.Content)]
	for _, loc := range findEmails(own) {
		addr := own[loc[0]:loc[1]]
		if st.done(RuleInBody, addr) {
			continue // a finding for it would be dropped
		}
		ev := scanners.Evidence{Part: t.PartID, Field: "body", Offset: loc[0], Length: loc[1] - loc[0], Text: addr}
		if conf, why, ok := st.selfPersonal(addr, ""); ok {
			st.add(RuleInBody, fmt.Sprintf("Staff mail to a parent or pupil gives the sender's personal address %s (%s).", addr, why), conf, ev)
			continue
		}
		if st.excluded(st.school, addr) || !st.s.dir.IsPersonalAddress(addr) {
			continue
		}
		if cue := cueBefore(own, loc[0]); cue != "" {
			st.add(RuleInBody, fmt.Sprintf("Staff mail to a parent or pupil gives a personal email address %s (after %q).", addr, cue), 0.8, ev)
		}
	}
	if !strings.Contains(own, "07") && !strings.Contains(own, "+44") {
		return // every mobileRE match has one
	}
	for _, loc := range mobileRE.FindAllStringIndex(own, -1) {
		num := own[loc[0]:loc[1]]
		if st.done(RuleInBody, num) || st.s.numbers[st.school][canonicalNumber(num)] {
			continue
		}
		cue := cueBefore(own, loc[0])
		if cue == "" {
			continue
		}
		ev := scanners.Evidence{Part: t.PartID, Field: "body", Offset: loc[0], Length: loc[1] - loc[0], Text: num}
		st.add(RuleInBody, fmt.Sprintf("Staff mail to a parent or pupil gives a mobile number %s that is not one of the school's own (after %q).", num, cue), 0.8, ev)
	}
}

// toSelf is case 5.
func (st *scan) toSelf() {
	var cands []located
	for _, h := range []string{"To", "Cc", "Bcc"} {
		cands = append(cands, st.headerAddrs(h)...)
	}
	cands = append(cands, st.bccRecipients()...)
	var hit *located
	var conf float64
	var why string
	for i := range cands {
		if c, w, ok := st.selfPersonal(cands[i].Addr, cands[i].Name); ok {
			hit, conf, why = &cands[i], c, w
			break
		}
	}
	if hit == nil {
		return
	}
	content := st.schoolContent()
	if len(content) == 0 {
		return
	}
	ev := append([]scanners.Evidence{hit.ev}, content...)
	st.add(RuleToSelf, fmt.Sprintf("Staff member sent school content (%s) to their own personal address %s (%s).", describe(content), hit.Addr, why), conf, ev...)
}

// schoolContent is evidence of attachments or forwarded mail.
func (st *scan) schoolContent() []scanners.Evidence {
	var ev []scanners.Evidence
	for _, a := range st.m.Attachments {
		if a.Container != "" {
			continue
		}
		if strings.HasPrefix(a.ContentType, "image/") && a.Size < 16<<10 && a.Filename == "" {
			continue // a signature logo
		}
		if a.Filename != "" {
			ev = append(ev, scanners.Evidence{Part: a.PartID, Field: "filename", Length: len(a.Filename), Text: a.Filename})
		} else {
			ev = append(ev, scanners.Evidence{Part: a.PartID, Field: "mime", Text: a.ContentType})
		}
	}
	if loc := forwardSubjectRE.FindStringIndex(st.m.Subject); loc != nil {
		ev = append(ev, scanners.Evidence{Field: "subject", Offset: loc[0], Length: loc[1] - loc[0], Text: st.m.Subject[loc[0]:loc[1]]})
	}
	for _, t := range st.m.Texts {
		if loc := forwardBodyRE.FindStringIndex(t.Content); loc != nil {
			ev = append(ev, scanners.Evidence{Part: t.PartID, Field: "body", Offset: loc[0], Length: loc[1] - loc[0], Text: t.Content[loc[0]:loc[1]]})
			break
		}
	}
	return ev
}

func describe(ev []scanners.Evidence) string {
	var parts []string
	for _, e := range ev {
		switch e.Field {
		case "filename", "mime":
			parts = append(parts, "attachment "+e.Text)
		default:
			parts = append(parts, "forwarded mail")
		}
	}
	if len(parts) > 3 {
		parts = append(parts[:3], "...")
	}
	return strings.Join(parts, ", ")
}

// inbound covers cases 3 and 4: mail arriving at a school.
func (st *scan) inbound() {
	school := ""
	var pupilRcpt bool
	for _, r := range st.env.Recipients {
		if r.Direction == scanners.Inbound && r.School != "" {
			if school == "" {
				school = r.School
			}
			pupilRcpt = pupilRcpt || scanners.HasGroup(r.Groups, scanners.PupilGroup) || scanners.HasGroup(r.Groups, scanners.ParentGroup)
		}
	}
	if school == "" {
		return
	}
	from := st.fromAddr()
	if st.s.dir.SchoolOf(from.Addr) != "" {
		return
	}
	if st.family(school, from.Addr) || st.family(school, st.env.From) {
		st.fromParent(school, from)
		return
	}
	// Case 4: a staff member writing from a personal account to families.
	sm, ok := st.staffPersonal(school, from.Addr, from.Name)
	if !ok {
		return
	}
	var fam []string
	for _, a := range append(append([]message.Address(nil), st.m.To...), st.m.Cc...) {
		if st.family(school, a.Addr) {
			fam = append(fam, a.Addr)
		}
	}
	if !pupilRcpt && len(fam) == 0 {
		return
	}
	ev := []scanners.Evidence{spanIn(st.m.Header("From"), from.Addr, "header:From")}
	for _, f := range fam {
		ev = append(ev, st.findHeader(f))
	}
	st.add(RuleStaffPersonal, fmt.Sprintf("Mail to parents or pupils from %s, a personal address of staff member %s (%s, score %.2f).", from.Addr, sm.Person.Name, sm.Reason, sm.Score), sm.Score, ev...)
}

func (st *scan) findHeader(addr string) scanners.Evidence {
	for _, h := range []string{"To", "Cc"} {
		for _, v := range st.m.HeaderValues(h) {
			if ev := spanIn(v, addr, "header:"+h); ev.Field != "envelope" {
				return ev
			}
		}
	}
	return scanners.Evidence{Field: "envelope", Text: addr}
}

// fromParent is case 3.
func (st *scan) fromParent(school string, from message.Address) {
	for _, h := range []string{"To", "Cc"} {
		for _, c := range st.headerAddrs(h) {
			if st.s.dir.Canonical(c.Addr) == st.s.dir.Canonical(from.Addr) {
				continue
			}
			if sm, ok := st.staffPersonal(school, c.Addr, c.Name); ok {
				st.add(RuleInThread, fmt.Sprintf("A parent's mail is addressed to %s, a personal address of staff member %s (%s, score %.2f).", c.Addr, sm.Person.Name, sm.Reason, sm.Score), sm.Score, c.ev)
			}
		}
	}
	for _, t := range st.m.Texts {
		q := quoteStart(t.Content)
		hist := t.Content[q:]
		for _, loc := range findEmails(hist) {
			addr := hist[loc[0]:loc[1]]
			if st.done(RuleInThread, addr) {
				continue
			}
			if st.s.dir.Canonical(addr) == st.s.dir.Canonical(from.Addr) {
				continue
			}
			sm, ok := st.staffPersonal(school, addr, nameBefore(hist, loc[0]))
			if !ok {
				continue
			}
			ev := scanners.Evidence{Part: t.PartID, Field: "body", Offset: q + loc[0], Length: loc[1] - loc[0], Text: addr}
			st.add(RuleInThread, fmt.Sprintf("A parent's reply quotes mail from %s, a personal address of staff member %s (%s, score %.2f).", addr, sm.Person.Name, sm.Reason, sm.Score), sm.Score, ev)
		}
	}
}
