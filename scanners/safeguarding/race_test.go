//go:build race

package safeguarding

// raceBuild: under the race detector the corpus-wide differential tests
// read an eighth of the corpus (and the adversarial texts are an eighth as
// long).
const raceBuild = true
