//go:build race

package shareddata

// Race is true under the race detector (make test), where the tests that
// read the whole shared corpus read a fraction of it (Every): it runs
// several times slower, and the whole corpus is read again without it.
const Race = true
