package relay

import (
	"errors"
	"fmt"

	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Defaults for relay.spool_threshold and relay.spool_dir.
const (
	defaultSpoolThreshold = 4 << 20
	// spillChunk is how many bytes of a spooled message are gathered in
	// memory before they are written to its file.
	spillChunk = 256 << 10
)

// received is one message's content as read from DATA. Up to
// relay.spool_threshold it is held in memory; beyond, it is written to a
// file in the spool directory that is unlinked as soon as it is created,
// so nothing is left on disk however the process ends. A spooled message
// is brought into memory (load) only once it has its share of
// relay.max_bytes_in_flight, in one buffer of exactly its size: while
// large messages arrive or wait for analysis they cost no memory.
type received struct {
	mem  []byte   // the content, or its tail not yet written to file
	file *os.File // nil while in memory
	size int64    // bytes written to file
}

// Len is the content's size in bytes.
func (r *received) Len() int64 { return r.size + int64(len(r.mem)) }

// reserve makes room for n more bytes in memory without a reallocation
// by later appends. A message announced larger than the spool threshold
// is spooled from its first byte; one announced smaller grows to its
// announced size in one step once hintTrustedAfter bytes have come.
func (r *received) reserve(n int, lim dataLimits) {
	if r.file == nil && lim.spoolAt > 0 && lim.sizeHint > lim.spoolAt && len(r.mem) == 0 {
		// Spooled from the start; an error here shows again at spill.
		_ = r.openSpool(lim.spoolDir)
	}
	if cap(r.mem)-len(r.mem) >= n {
		return
	}
	want := len(r.mem) + n
	if r.file == nil && len(r.mem) > 0 && cap(r.mem) < initialMem {
		// A message that did not come in one piece: room for most
		// messages at once (19 in 20 of the SpamAssassin corpus are under
		// 16 KiB) instead of doubling from the first piece, a copy each
		// time. One that comes in one piece is held at its size.
		want = max(want, initialMem)
	}
	if r.file == nil && lim.sizeHint > int64(want) && want > hintTrustedAfter {
		hint := lim.sizeHint
		if lim.maxBytes > 0 {
			hint = min(hint, lim.maxBytes)
		}
		if lim.spoolAt > 0 {
			hint = min(hint, lim.spoolAt)
		}
		want = max(want, int(hint)+n)
	}
	r.mem = slices.Grow(r.mem, want-len(r.mem))
}

// initialMem is the room reserve makes once a message's first piece is
// not all of it.
const initialMem = 16 << 10

// spill moves the content to the spool file once it passes the
// threshold, and from then on writes it out in chunks.
func (r *received) spill(lim dataLimits) error {
	if r.file == nil {
		if lim.spoolAt <= 0 || int64(len(r.mem)) <= lim.spoolAt {
			return nil
		}
		if err := r.openSpool(lim.spoolDir); err != nil {
			return err
		}
	}
	if len(r.mem) < spillChunk {
		return nil
	}
	return r.flush()
}

func (r *received) openSpool(dir string) error {
	f, err := createSpoolFile(dir)
	if err != nil {
		return err
	}
	r.file = f
	if err := r.flush(); err != nil {
		return err
	}
	if cap(r.mem) > 4*spillChunk {
		r.mem = make([]byte, 0, 2*spillChunk)
	}
	return nil
}

func (r *received) flush() error {
	if len(r.mem) == 0 {
		return nil
	}
	if _, err := r.file.Write(r.mem); err != nil {
		return fmt.Errorf("spool: write: %w", err)
	}
	r.size += int64(len(r.mem))
	r.mem = r.mem[:0]
	return nil
}

// finish writes what is still in memory of a spooled message, or spools
// one that passed the threshold in its last chunk.
func (r *received) finish(lim dataLimits) error {
	if r.file == nil {
		if lim.spoolAt <= 0 || int64(len(r.mem)) <= lim.spoolAt {
			return nil
		}
		return r.openSpool(lim.spoolDir)
	}
	return r.flush()
}

// load returns the content in one buffer of exactly its size and gives up
// the spool file. The content stays valid after close.
func (r *received) load() ([]byte, error) {
	if r.file == nil {
		return r.mem, nil
	}
	buf := make([]byte, r.size)
	n, err := r.file.ReadAt(buf, 0)
	if n == len(buf) {
		err = nil
	}
	_ = r.file.Close()
	r.file, r.mem = nil, buf
	r.size = 0
	if err != nil {
		r.mem = nil
		return nil, fmt.Errorf("spool: read back: %w", err)
	}
	return buf, nil
}

// close drops the content (a spool file's space is freed here).
func (r *received) close() {
	if r == nil {
		return
	}
	if r.file != nil {
		_ = r.file.Close()
		r.file = nil
	}
	r.mem, r.size = nil, 0
}

// spoolDirFor is relay.spool_dir, or the default: a directory of this
// user's under the system temporary directory.
func spoolDirFor(dir string) string {
	if dir != "" {
		return dir
	}
	return defaultSpoolDir()
}

// defaultSpoolDir is worked out once: it is asked for every DATA.
var defaultSpoolDir = sync.OnceValue(func() string {
	return filepath.Join(os.TempDir(), "lychgate-spool-"+strconv.Itoa(os.Getuid()))
})

var (
	spoolMu    sync.Mutex
	spoolReady = map[string]bool{}
)

// prepareSpoolDir makes dir private (0700, ours) and removes files left by
// relay processes that no longer run, once per directory and process
// (again after a failure).
func prepareSpoolDir(dir string) error {
	spoolMu.Lock()
	defer spoolMu.Unlock()
	if spoolReady[dir] {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("spool: %s is not a directory", dir)
	}
	if !ownedByUs(fi) {
		return fmt.Errorf("spool: %s belongs to another user", dir)
	}
	if fi.Mode().Perm() != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("spool: %w", err)
		}
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	for _, e := range ents {
		pid, ok := spoolFilePID(e.Name())
		if ok && pid != os.Getpid() && !processAlive(pid) {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("spool: remove a leftover: %w", err)
			}
		}
	}
	spoolReady[dir] = true
	return nil
}

// spoolFilePID is the process id in a spool file's name ("<pid>-*.msg").
func spoolFilePID(name string) (int, bool) {
	p, _, ok := strings.Cut(name, "-")
	if !ok || !strings.HasSuffix(name, ".msg") {
		return 0, false
	}
	pid, err := strconv.Atoi(p)
	return pid, err == nil && pid > 0
}

// createSpoolFile creates a private file (0600) in dir and unlinks it at
// once: it lives as long as its descriptor.
func createSpoolFile(dir string) (*os.File, error) {
	if err := prepareSpoolDir(dir); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, strconv.Itoa(os.Getpid())+"-*.msg")
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	if err := os.Remove(f.Name()); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("spool: unlink: %w", err)
	}
	return f, nil
}
