//go:build linux || darwin || freebsd || netbsd || openbsd

package nexthop

import (
	"errors"
	"net"
	"syscall"
)

// peeker checks an idle connection for a closed or talking peer without
// blocking and without consuming anything. It is built once per
// connection: the check runs before every reuse.
type peeker struct {
	rc  syscall.RawConn // nil: not a socket, assumed alive
	buf [1]byte
	n   int
	err error
	fn  func(fd uintptr) bool
}

func newPeeker(c net.Conn) *peeker {
	p := &peeker{}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return p
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		p.err = err
		return p
	}
	p.rc = rc
	p.fn = func(fd uintptr) bool {
		p.n, _, p.err = syscall.Recvfrom(int(fd), p.buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		return true
	}
	return p
}

// alive reports whether an idle connection can still carry a transaction:
// the peer has neither closed it (EOF) nor sent anything unasked (a 421
// before closing).
func (p *peeker) alive() bool {
	if p.rc == nil {
		return p.err == nil
	}
	if err := p.rc.Read(p.fn); err != nil {
		return false
	}
	switch {
	case errors.Is(p.err, syscall.EAGAIN) || errors.Is(p.err, syscall.EWOULDBLOCK):
		return true // nothing to read: idle and open
	case p.err == nil && p.n > 0:
		return false // unsolicited data, such as a 421 before closing
	default:
		return false // n == 0: EOF; or a socket error
	}
}
