//go:build !race

package message

const raceBuild = false
