// Package directory owns who is who: which school an address belongs to and
// which groups (staff, pupils, parents, ...) it is in.
//
// Groups come from the school's records: address globs in the TOML
// ([school.groups]) now, and the MIS CSV exports named in [school.directory]
// later. A person may be in several groups. Lookups are case-insensitive and
// safe for concurrent use; a Directory is immutable once built (reload builds
// a new one).
package directory

import (
	"path"
	"sort"
	"strings"

	"github.com/lychgate/lychgate/config"
)

// Directory answers group and school membership questions.
type Directory struct {
	cfg     *config.Config
	schools []school
}

type school struct {
	id     string
	groups map[string][]string // group -> lower-cased globs
}

// New builds a Directory from the configuration.
func New(cfg *config.Config) *Directory {
	d := &Directory{cfg: cfg}
	for _, s := range cfg.Schools {
		sc := school{id: s.ID, groups: map[string][]string{}}
		for g, globs := range s.Groups {
			for _, gl := range globs {
				sc.groups[g] = append(sc.groups[g], strings.ToLower(gl))
			}
		}
		d.schools = append(d.schools, sc)
	}
	return d
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

// Groups returns the sorted groups addr is in within school schoolID.
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
	sort.Strings(out)
	return out
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
