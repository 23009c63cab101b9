//go:build linux || darwin || freebsd || netbsd || openbsd

package nexthop

import (
	"errors"
	"net"
	"syscall"
)

// alive reports whether an idle connection can still carry a transaction:
// the peer has neither closed it (EOF) nor sent anything unasked (a 421
// before closing). It peeks without blocking and consumes nothing.
func alive(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return true
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	var buf [1]byte
	var n int
	var rerr error
	if err := rc.Read(func(fd uintptr) bool {
		n, _, rerr = syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		return true
	}); err != nil {
		return false
	}
	switch {
	case errors.Is(rerr, syscall.EAGAIN) || errors.Is(rerr, syscall.EWOULDBLOCK):
		return true // nothing to read: idle and open
	case rerr == nil && n > 0:
		return false // unsolicited data, such as a 421 before closing
	default:
		return false // n == 0: EOF; or a socket error
	}
}
