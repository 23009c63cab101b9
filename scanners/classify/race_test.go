//go:build race

package classify

// raceBuild: under the race detector the corpus-wide differential tests
// read an eighth of the corpus.
const raceBuild = true
