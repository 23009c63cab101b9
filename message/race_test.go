//go:build race

package message

// raceBuild: under the race detector (make test) the corpus-wide golden
// and differential tests read an eighth of the corpus; make test also runs
// them over all of it without -race (see the Makefile).
const raceBuild = true
