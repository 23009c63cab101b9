//go:build !race

package profanity

const raceBuild = false
