package all

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/pii"
	"github.com/lychgate/lychgate/scanners/profanity"
	"github.com/lychgate/lychgate/scanners/safeguarding"
	"github.com/lychgate/lychgate/textnorm"
)

// contentScanners builds profanity, safeguarding and pii. Schools that tune
// them get their own instance; the others share the built-in one.
func contentScanners(cfg *config.Config) ([]scanners.Scanner, error) {
	prof := &perSchool{id: profanity.Name, by: map[string]scanners.Scanner{}}
	safe := &perSchool{id: safeguarding.Name, by: map[string]scanners.Scanner{}}
	pi := &perSchool{id: pii.Name, by: map[string]scanners.Scanner{}}
	var err error
	if prof.def, err = profanity.New(profanity.Options{}); err != nil {
		return nil, fmt.Errorf("scanner %s: %w", profanity.Name, err)
	}
	if safe.def, err = safeguarding.New(safeguarding.Options{}); err != nil {
		return nil, fmt.Errorf("scanner %s: %w", safeguarding.Name, err)
	}
	var allNames []string
	for _, s := range cfg.Schools {
		allNames = append(allNames, s.Name)
		allNames = append(allNames, s.PII.SchoolNames...)
	}
	if pi.def, err = pii.New(pii.Options{SchoolNames: nonEmpty(allNames)}); err != nil {
		return nil, fmt.Errorf("scanner %s: %w", pii.Name, err)
	}
	for _, s := range cfg.Schools {
		if s.Profanity != (config.Profanity{}) {
			opts, err := profanityOptions(cfg, s.Profanity)
			if err != nil {
				return nil, fmt.Errorf("school %s: profanity: %w", s.ID, err)
			}
			if prof.by[s.ID], err = profanity.New(opts); err != nil {
				return nil, fmt.Errorf("school %s: profanity: %w", s.ID, err)
			}
		}
		if len(s.Safeguarding.Disable) > 0 || s.Safeguarding.ExtraDir != "" {
			extra, err := lexiconDir(cfg.Path(s.Safeguarding.ExtraDir))
			if err != nil {
				return nil, fmt.Errorf("school %s: safeguarding: %w", s.ID, err)
			}
			if safe.by[s.ID], err = safeguarding.New(safeguarding.Options{DisableTopics: s.Safeguarding.Disable, Extra: extra}); err != nil {
				return nil, fmt.Errorf("school %s: safeguarding: %w", s.ID, err)
			}
		}
		if pi.by[s.ID], err = pii.New(pii.Options{SchoolNames: nonEmpty(append([]string{s.Name}, s.PII.SchoolNames...))}); err != nil {
			return nil, fmt.Errorf("school %s: pii: %w", s.ID, err)
		}
	}
	if err := shareText(cfg, prof, safe); err != nil {
		return nil, err
	}
	return []scanners.Scanner{prof, safe, pi}, nil
}

// shareText gives the profanity and safeguarding instances that run for
// the same school one textnorm.Group, so that the two read a message's
// normalised text in one pass between them: each instance in use is
// replaced by a view of it (WithGroup) for its pair. Findings are
// unchanged.
func shareText(cfg *config.Config, prof, safe *perSchool) error {
	type pair struct{ p, s scanners.Scanner }
	views := map[pair][2]scanners.Scanner{}
	view := func(pr pair) ([2]scanners.Scanner, error) {
		if v, ok := views[pr]; ok {
			return v, nil
		}
		p, s := pr.p.(*profanity.Scanner), pr.s.(*safeguarding.Scanner)
		g, err := textnorm.NewGroup(append(p.Matchers(), s.Matchers()...)...)
		if err != nil {
			return [2]scanners.Scanner{}, err
		}
		gp, err := p.WithGroup(g)
		if err != nil {
			return [2]scanners.Scanner{}, err
		}
		gs, err := s.WithGroup(g)
		if err != nil {
			return [2]scanners.Scanner{}, err
		}
		views[pr] = [2]scanners.Scanner{gp, gs}
		return views[pr], nil
	}
	pick := func(ps *perSchool, id string) scanners.Scanner {
		if s, ok := ps.by[id]; ok {
			return s
		}
		return ps.def
	}
	byID := map[string][2]scanners.Scanner{}
	for _, sc := range cfg.Schools {
		if _, p := prof.by[sc.ID]; !p {
			if _, s := safe.by[sc.ID]; !s {
				continue // the default pair
			}
		}
		v, err := view(pair{pick(prof, sc.ID), pick(safe, sc.ID)})
		if err != nil {
			return fmt.Errorf("school %s: content: %w", sc.ID, err)
		}
		byID[sc.ID] = v
	}
	def, err := view(pair{prof.def, safe.def})
	if err != nil {
		return fmt.Errorf("content: %w", err)
	}
	prof.def, safe.def = def[0], def[1]
	for id, v := range byID {
		prof.by[id], safe.by[id] = v[0], v[1]
	}
	return nil
}

func nonEmpty(ss []string) []string {
	return slices.DeleteFunc(slices.Clone(ss), func(s string) bool { return strings.TrimSpace(s) == "" })
}

func profanityOptions(cfg *config.Config, p config.Profanity) (profanity.Options, error) {
	var o profanity.Options
	var err error
	if p.Add != "" {
		if o.Add, err = profanity.LoadList(cfg.Path(p.Add), profanity.Strong); err != nil {
			return o, err
		}
	}
	if p.Remove != "" {
		if o.Remove, err = profanity.LoadWords(cfg.Path(p.Remove)); err != nil {
			return o, err
		}
	}
	if p.Allow != "" {
		if o.Allow, err = profanity.LoadWords(cfg.Path(p.Allow)); err != nil {
			return o, err
		}
	}
	return o, nil
}

// lexiconDir reads <topic>.txt files (one lexicon line each) from dir.
func lexiconDir(dir string) (map[string][]string, error) {
	if dir == "" {
		return nil, nil
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return nil, err
		}
		topic := strings.TrimSuffix(filepath.Base(f), ".txt")
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
				out[topic] = append(out[topic], line)
			}
		}
		err = sc.Err()
		_ = fh.Close()
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", f, err)
		}
	}
	return out, nil
}

// perSchool runs, for each school a message belongs to, that school's
// instance of a scanner (or the shared default), and merges the findings.
type perSchool struct {
	id  string
	def scanners.Scanner
	by  map[string]scanners.Scanner
}

func (p *perSchool) Name() string { return p.id }

// Scan runs the picked instances' Scan.
func (p *perSchool) Scan(ctx context.Context, m *message.Message, env *scanners.Envelope) ([]scanners.Finding, error) {
	return p.run(env, func(s scanners.Scanner) ([]scanners.Finding, error) { return s.Scan(ctx, m, env) })
}

// ScanText runs the picked instances on the shared normalised text when
// they can, else on the message.
func (p *perSchool) ScanText(ctx context.Context, t *textnorm.Text, env *scanners.Envelope) ([]scanners.Finding, error) {
	return p.run(env, func(s scanners.Scanner) ([]scanners.Finding, error) {
		if ts, ok := s.(scanners.TextScanner); ok {
			return ts.ScanText(ctx, t, env)
		}
		return s.Scan(ctx, t.Message(), env)
	})
}

// run scans with the instance of each school the message belongs to. When
// they all use one instance its findings are trust-wide; otherwise each
// finding carries the school whose instance (list) produced it, once per
// school using that instance, so one school's words never decide for
// another school's recipients.
func (p *perSchool) run(env *scanners.Envelope, scan func(scanners.Scanner) ([]scanners.Finding, error)) ([]scanners.Finding, error) {
	if s, school, one, ok := p.single(env); ok {
		// The usual case, without the bookkeeping below: every school of
		// the message uses one instance (as runMany finds with one use).
		fs, err := scan(s)
		if err != nil {
			return nil, err
		}
		if _, own := p.by[school]; own && one {
			for i := range fs {
				fs[i].School = school
			}
		}
		return fs, nil
	}
	return p.runMany(env, scan)
}

// single returns the instance every school of the message uses, the
// first school and whether it is the only one; ok is false when the
// schools use different instances.
func (p *perSchool) single(env *scanners.Envelope) (s scanners.Scanner, school string, one, ok bool) {
	pick := func(school string) scanners.Scanner {
		if s, ok := p.by[school]; ok {
			return s
		}
		return p.def
	}
	switch {
	case env == nil:
		return pick(""), "", true, true
	case len(env.Recipients) == 0:
		return pick(env.SenderSchool), env.SenderSchool, true, true
	}
	school, one = env.Recipients[0].School, true
	s = pick(school)
	for _, r := range env.Recipients[1:] {
		if pick(r.School) != s {
			return nil, "", false, false
		}
		one = one && r.School == school
	}
	return s, school, one, true
}

// runMany is run for a message whose schools use different instances
// (so uses has two or more).
func (p *perSchool) runMany(env *scanners.Envelope, scan func(scanners.Scanner) ([]scanners.Finding, error)) ([]scanners.Finding, error) {
	type use struct {
		s       scanners.Scanner
		schools []string
	}
	var uses []use
	add := func(school string) {
		s, ok := p.by[school]
		if !ok {
			s = p.def
		}
		for i := range uses {
			if uses[i].s == s {
				if !slices.Contains(uses[i].schools, school) {
					uses[i].schools = append(uses[i].schools, school)
				}
				return
			}
		}
		uses = append(uses, use{s: s, schools: []string{school}})
	}
	if env != nil {
		for _, r := range env.Recipients {
			add(r.School)
		}
		if len(env.Recipients) == 0 {
			add(env.SenderSchool)
		}
	} else {
		add("")
	}
	var out []scanners.Finding
	for _, u := range uses {
		fs, err := scan(u.s)
		if err != nil {
			return nil, err
		}
		for _, school := range u.schools {
			if school == "" {
				// A copy no school owns: it is refused if held, so the
				// trust-wide list's findings need no copy of their own.
				continue
			}
			for _, f := range fs {
				f.School = school
				out = append(out, f)
			}
		}
	}
	return out, nil
}
