//go:build !race

package classify

const raceBuild = false
