// Package directory owns who is who: which school an address belongs to,
// which groups (staff, pupils, parents, ...) it is in, who the person behind
// it is, and whether an address is a personal/webmail one.
//
// Groups come from the school's records: address globs in the TOML
// ([school.groups]) and the MIS CSV exports named in [school.directory]
// (staff, pupils and parents; see ReadCSV for the format). A person may be
// in several groups. Addresses are compared in canonical form (Canonical:
// case, Gmail dots, plus-tags). Malformed rows never stop loading: they are
// skipped and reported as Warnings (Directory.Warnings), which the caller
// logs.
//
// The personal/webmail domains are a bundled list (see NOTICE) plus
// [personal_domains] add, minus remove; the schools' own domains are never
// personal.
//
// A Directory is safe for concurrent use. The CSV exports are reloaded when
// their size or modification time changes (checked at most once per reload
// interval, on lookup): the new index is built aside and swapped in
// atomically, so a lookup sees either the old or the new export, never a
// mix. If a reloaded file cannot be read, the rows from that file are gone
// until it can, and a Warning says so.
package directory

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lychgate/lychgate/config"
)

// DefaultReloadInterval is how often the CSV exports are checked for
// changes.
const DefaultReloadInterval = 5 * time.Second

// Directory answers group, school and person questions.
type Directory struct {
	cfg      *config.Config
	schools  []school
	personal map[string]bool
	logger   *slog.Logger
	interval time.Duration
	now      func() time.Time

	idx       atomic.Pointer[index]
	lastCheck atomic.Int64 // unix nanoseconds of the last stat
	reloadMu  sync.Mutex
}

type school struct {
	id     string
	groups map[string][]string // group -> lower-cased globs
	files  []source
}

type source struct {
	path string // resolved
	name string // as written in the config, for messages
	kind Kind
}

// index is one immutable load of the CSV exports.
type index struct {
	schools  map[string]*schoolIndex
	warnings []Warning
	stamps   map[string]stamp
}

type stamp struct {
	size int64
	mod  time.Time
	err  bool
}

type schoolIndex struct {
	byAddr     map[string]*Person   // canonical official address -> person
	byPersonal map[string]*Person   // canonical personal address -> staff
	staff      []*Person            // in file order
	pupils     map[string][]*Person // folded name -> pupils
}

// Option configures New.
type Option func(*Directory)

// WithLogger logs load warnings (each malformed row) to l, at load and on
// every reload.
func WithLogger(l *slog.Logger) Option { return func(d *Directory) { d.logger = l } }

// WithReloadInterval sets how often the exports are checked for changes (0:
// on every lookup; negative: never).
func WithReloadInterval(iv time.Duration) Option {
	return func(d *Directory) { d.interval = iv }
}

// New builds a Directory from the configuration, loading the MIS exports it
// names (relative to cfg.Dir). It never fails: unreadable files and
// malformed rows are Warnings.
func New(cfg *config.Config, opts ...Option) *Directory {
	d := &Directory{cfg: cfg, interval: DefaultReloadInterval, now: time.Now, logger: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(d)
	}
	for _, s := range cfg.Schools {
		sc := school{id: s.ID, groups: map[string][]string{}}
		for g, globs := range s.Groups {
			for _, gl := range globs {
				sc.groups[g] = append(sc.groups[g], strings.ToLower(gl))
			}
		}
		for _, f := range []struct {
			p string
			k Kind
		}{{s.Directory.Staff, Staff}, {s.Directory.Pupils, Pupil}, {s.Directory.Parents, Parent}} {
			if f.p != "" {
				sc.files = append(sc.files, source{path: cfg.Path(f.p), name: f.p, kind: f.k})
			}
		}
		d.schools = append(d.schools, sc)
	}
	d.personal = map[string]bool{}
	for _, dom := range BundledPersonalDomains() {
		d.personal[dom] = true
	}
	for _, dom := range cfg.PersonalDomains.Add {
		d.personal[strings.TrimSuffix(strings.ToLower(strings.TrimSpace(dom)), ".")] = true
	}
	for _, dom := range cfg.PersonalDomains.Remove {
		delete(d.personal, strings.TrimSuffix(strings.ToLower(strings.TrimSpace(dom)), "."))
	}
	d.idx.Store(d.load())
	d.lastCheck.Store(d.now().UnixNano())
	return d
}

// load reads every export into a new index.
func (d *Directory) load() *index {
	ix := &index{schools: map[string]*schoolIndex{}, stamps: map[string]stamp{}}
	for _, s := range d.schools {
		si := &schoolIndex{byAddr: map[string]*Person{}, byPersonal: map[string]*Person{}, pupils: map[string][]*Person{}}
		ix.schools[s.id] = si
		for _, f := range s.files {
			st, data, err := readStamped(f.path)
			ix.stamps[f.path] = st
			if err != nil {
				ix.warnings = append(ix.warnings, Warning{File: f.name, Reason: fmt.Sprintf("cannot read: %v", err)})
				continue
			}
			people, warns := ReadCSV(bytes.NewReader(data), f.name, f.kind)
			ix.warnings = append(ix.warnings, warns...)
			for i := range people {
				p := &people[i]
				p.School = s.id
				ix.warnings = append(ix.warnings, d.add(si, p)...)
			}
		}
	}
	for _, w := range ix.warnings {
		d.logger.Warn("directory: row skipped", slog.String("where", w.String()))
	}
	return ix
}

// add indexes p, reporting duplicates.
func (d *Directory) add(si *schoolIndex, p *Person) []Warning {
	key := d.Canonical(p.Email)
	if old, ok := si.byAddr[key]; ok && old.Kind == p.Kind {
		if p.Kind == Parent {
			// One row per child is a common export shape: merge.
			merged := *old
			merged.Children = append(append([]string(nil), old.Children...), p.Children...)
			si.byAddr[key] = &merged
			return nil
		}
		return []Warning{{File: fileOf(p.Source), Line: lineOf(p.Source), Reason: fmt.Sprintf("%s is already listed at %s; row skipped", p.Email, old.Source)}}
	} else if ok && old.Kind != Staff && p.Kind == Staff {
		si.byAddr[key] = p // staff outranks a parent record at the same address
	} else if !ok {
		si.byAddr[key] = p
	}
	switch p.Kind {
	case Staff:
		si.staff = append(si.staff, p)
		for _, pe := range p.PersonalEmails {
			si.byPersonal[d.Canonical(pe)] = p
		}
	case Pupil:
		k := strings.Join(nameTokens(p.Name), " ")
		si.pupils[k] = append(si.pupils[k], p)
	}
	return nil
}

func fileOf(src string) string {
	if i := strings.LastIndexByte(src, ':'); i >= 0 {
		return src[:i]
	}
	return src
}

func lineOf(src string) int {
	n := 0
	if i := strings.LastIndexByte(src, ':'); i >= 0 {
		_, _ = fmt.Sscanf(src[i+1:], "%d", &n)
	}
	return n
}

func readStamped(p string) (stamp, []byte, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return stamp{err: true}, nil, fmt.Errorf("stat export: %w", err)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return stamp{err: true}, nil, fmt.Errorf("read export: %w", err)
	}
	return stamp{size: fi.Size(), mod: fi.ModTime()}, data, nil
}

// current returns the index, reloading it first if an export changed.
func (d *Directory) current() *index {
	ix := d.idx.Load()
	if d.interval < 0 || len(ix.stamps) == 0 {
		return ix
	}
	now := d.now().UnixNano()
	last := d.lastCheck.Load()
	if now-last < int64(d.interval) || !d.lastCheck.CompareAndSwap(last, now) {
		return ix
	}
	if !d.changed(ix) {
		return ix
	}
	d.reloadMu.Lock()
	defer d.reloadMu.Unlock()
	if ix2 := d.idx.Load(); ix2 != ix {
		return ix2 // someone else reloaded meanwhile
	}
	nix := d.load()
	d.idx.Store(nix)
	d.logger.Info("directory: MIS exports reloaded", slog.Int("warnings", len(nix.warnings)))
	return nix
}

func (d *Directory) changed(ix *index) bool {
	for p, st := range ix.stamps {
		fi, err := os.Stat(p)
		if err != nil {
			if !st.err {
				return true
			}
			continue
		}
		if st.err || fi.Size() != st.size || !fi.ModTime().Equal(st.mod) {
			return true
		}
	}
	return false
}

// Changed reports whether any MIS export changed on disk since it was
// loaded (size, modification time, or readability). A snapshot directory
// (WithReloadInterval(-1)) never reloads itself; its owner rebuilds it.
func (d *Directory) Changed() bool { return d.changed(d.idx.Load()) }

// Reload re-reads the exports now, whether or not they changed.
func (d *Directory) Reload() {
	d.reloadMu.Lock()
	defer d.reloadMu.Unlock()
	d.idx.Store(d.load())
	d.lastCheck.Store(d.now().UnixNano())
}

// Warnings returns the problems found by the last load: unreadable files
// and skipped rows, each with file and line.
func (d *Directory) Warnings() []Warning {
	return append([]Warning(nil), d.current().warnings...)
}

// Normalize lower-cases addr and strips a trailing dot from its domain.
func Normalize(addr string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(addr)), ".")
}

// SchoolOf returns the id of the school whose domain addr is in, or "".
func (d *Directory) SchoolOf(addr string) string {
	if s := d.cfg.SchoolForAddress(Normalize(addr)); s != nil {
		return s.ID
	}
	return ""
}

// Groups returns the sorted groups addr is in within school schoolID: the
// [school.groups] globs it matches, and staff, pupils or parents when an
// export lists it (by its official address, in canonical form).
func (d *Directory) Groups(schoolID, addr string) []string {
	addr = Normalize(addr)
	var out []string
	for _, s := range d.schools {
		if s.id != schoolID {
			continue
		}
		for g, globs := range s.groups {
			for _, gl := range globs {
				if ok, _ := path.Match(gl, addr); ok {
					out = append(out, g)
					break
				}
			}
		}
	}
	if si := d.current().schools[schoolID]; si != nil {
		if p := si.byAddr[d.Canonical(addr)]; p != nil && !contains(out, string(p.Kind)) {
			out = append(out, string(p.Kind))
		}
	}
	sort.Strings(out)
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Lookup returns the school and groups of addr: the school owning its domain,
// or else the first school whose groups list it (a parent's webmail address,
// say).
func (d *Directory) Lookup(addr string) (schoolID string, groups []string) {
	if id := d.SchoolOf(addr); id != "" {
		return id, d.Groups(id, addr)
	}
	for _, s := range d.schools {
		if g := d.Groups(s.id, addr); len(g) > 0 {
			return s.id, g
		}
	}
	return "", nil
}

// Person returns the person whose official address (the email column) is
// addr in school schoolID.
func (d *Directory) Person(schoolID, addr string) (Person, bool) {
	si := d.current().schools[schoolID]
	if si == nil {
		return Person{}, false
	}
	p := si.byAddr[d.Canonical(addr)]
	if p == nil {
		return Person{}, false
	}
	return *p, true
}

// StaffByPersonal returns the staff member of school schoolID who lists addr
// among their personal_emails.
func (d *Directory) StaffByPersonal(schoolID, addr string) (Person, bool) {
	si := d.current().schools[schoolID]
	if si == nil {
		return Person{}, false
	}
	p := si.byPersonal[d.Canonical(addr)]
	if p == nil {
		return Person{}, false
	}
	return *p, true
}

// PersonalAddresses returns the personal addresses the staff export lists
// for the staff member whose school address is addr.
func (d *Directory) PersonalAddresses(schoolID, addr string) []string {
	p, ok := d.Person(schoolID, addr)
	if !ok || p.Kind != Staff {
		return nil
	}
	return append([]string(nil), p.PersonalEmails...)
}

// Staff returns school schoolID's staff from its export, in file order.
func (d *Directory) Staff(schoolID string) []Person {
	si := d.current().schools[schoolID]
	if si == nil {
		return nil
	}
	out := make([]Person, len(si.staff))
	for i, p := range si.staff {
		out[i] = *p
	}
	return out
}

// StaffMatch is a staff member an address may belong to.
type StaffMatch struct {
	Person Person
	NameMatch
}

// MatchStaff returns the staff member of schoolID that addr (display name
// display) best fits: a listed personal address scores 1, otherwise the
// best NameScore at least minScore. ok is false when nobody fits.
func (d *Directory) MatchStaff(schoolID, addr, display string, minScore float64) (StaffMatch, bool) {
	if p, ok := d.StaffByPersonal(schoolID, addr); ok {
		return StaffMatch{Person: p, NameMatch: NameMatch{Score: 1, Reason: "listed personal address"}}, true
	}
	var best StaffMatch
	for _, p := range d.Staff(schoolID) {
		if m := NameScore(p.Name, addr, display); m.Score > best.Score {
			best = StaffMatch{Person: p, NameMatch: m}
		}
	}
	if best.Score == 0 || best.Score < minScore {
		return StaffMatch{}, false
	}
	return best, true
}

// Children returns the pupils a parent's export row names, resolved against
// the pupil export by name; a child not found there is returned with only
// Name and Kind set.
func (d *Directory) Children(schoolID, parentAddr string) []Person {
	p, ok := d.Person(schoolID, parentAddr)
	if !ok || p.Kind != Parent {
		return nil
	}
	si := d.current().schools[schoolID]
	var out []Person
	for _, c := range p.Children {
		if ps := si.pupils[strings.Join(nameTokens(c), " ")]; len(ps) > 0 {
			for _, x := range ps {
				out = append(out, *x)
			}
			continue
		}
		out = append(out, Person{Kind: Pupil, School: schoolID, Name: c})
	}
	return out
}
