//go:build !race

package safeguarding

const raceBuild = false
