//go:build race

package profanity

// raceBuild: under the race detector the corpus-wide differential tests
// read an eighth of the corpus (and the hostile texts are an eighth as
// long).
const raceBuild = true
