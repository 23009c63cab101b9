//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package nexthop

import "net"

// peeker cannot peek on this platform; a dead connection shows up as a
// failed MAIL, and Begin then retries once on a new one.
type peeker struct{}

func newPeeker(net.Conn) *peeker { return &peeker{} }

func (*peeker) alive() bool { return true }
