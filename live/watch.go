package live

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/lychgate/lychgate/config"
)

// WatchedFiles lists every file a runtime is built from: the configuration
// file, the relay's login users, word lists and lexicon folders, notification
// templates and the MIS directory exports. A change to any of them is a
// reason to rebuild.
func WatchedFiles(cfg *config.Config) []string {
	var out []string
	add := func(p string) {
		if p != "" {
			out = append(out, cfg.Path(p))
		}
	}
	if cfg.File != "" {
		out = append(out, cfg.File)
	}
	add(cfg.Relay.AuthUsersFile)
	add(cfg.Notify.Templates.Alert)
	add(cfg.Notify.Templates.Digest)
	add(cfg.Notify.Templates.Warning)
	for _, s := range cfg.Schools {
		add(s.Directory.Staff)
		add(s.Directory.Pupils)
		add(s.Directory.Parents)
		add(s.Profanity.Add)
		add(s.Profanity.Remove)
		add(s.Profanity.Allow)
		if d := s.Safeguarding.ExtraDir; d != "" {
			add(d)
			if files, err := filepath.Glob(filepath.Join(cfg.Path(d), "*.txt")); err == nil {
				out = append(out, files...)
			}
		}
	}
	return out
}

// stamp is what a file looked like when a runtime was built.
type stamp struct {
	size  int64
	mod   time.Time
	isDir bool
	err   bool
}

func stampOf(path string) stamp {
	fi, err := os.Stat(path)
	if err != nil {
		return stamp{err: true}
	}
	return stamp{size: fi.Size(), mod: fi.ModTime(), isDir: fi.IsDir()}
}

func stampAll(cfg *config.Config) map[string]stamp {
	m := map[string]stamp{}
	for _, p := range WatchedFiles(cfg) {
		m[p] = stampOf(p)
	}
	return m
}

// Changed returns the watched files that changed on disk (size,
// modification time, appearing or disappearing) since rt was built.
func (rt *Runtime) Changed() []string {
	var out []string
	for p, st := range rt.stamps {
		if stampOf(p) != st {
			out = append(out, p)
		}
	}
	return out
}

// Signature is a fingerprint of the watched files of cfg as they are on disk
// now; it changes when any of them does.
func Signature(cfg *config.Config) string {
	var b []byte
	for _, p := range WatchedFiles(cfg) {
		st := stampOf(p)
		b = fmt.Appendf(b, "%s\x00%d\x00%d\x00%v\n", p, st.size, st.mod.UnixNano(), st.err)
	}
	return string(b)
}
