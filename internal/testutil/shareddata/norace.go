//go:build !race

package shareddata

// Race is true under the race detector (make test), where the tests that
// read the whole shared corpus read a fraction of it (Every).
const Race = false
