//go:build !race

package spam

const raceBuild = false
