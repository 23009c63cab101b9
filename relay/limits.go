package relay

import (
	"container/list"
	"context"
	"net/netip"
	"sync"
	"time"
)

// Defaults for the relay.* keys whose zero value means "default".
const (
	defaultMaxConnections       = 1000
	defaultUntrustedPerIP       = 10
	defaultStressReadTimeout    = 10 * time.Second
	defaultMaxLineBytes         = 1 << 20
	defaultForwardLineBytes     = 998
	defaultMaxReceived          = 50
	defaultMaxBytesInFlight     = DefaultMaxBytesInFlight
	defaultAnalysisWait         = 30 * time.Second
	defaultDataTimeoutBase      = 10 * time.Minute
	dataTimeoutBytesPerSecond   = 64 << 10
	defaultReadTimeout          = 5 * time.Minute
	defaultWriteTimeout         = 5 * time.Minute
	stressNumerator, stressDeno = 3, 4 // stressed from 3/4 of the slots in use
)

// DefaultMaxBytesInFlight is relay.max_bytes_in_flight when it is 0.
const DefaultMaxBytesInFlight = 256 << 20

// connLimits enforces relay.max_connections, max_connections_per_ip,
// max_connections_per_untrusted_ip and trusted_reserved_connections.
type connLimits struct {
	maxAll, perIP, untrustedPerIP, reserved int

	mu    sync.Mutex
	conns int
	byIP  map[netip.Addr]int
}

func newConnLimits(maxAll, perIP, untrustedPerIP, reserved int) *connLimits {
	if maxAll <= 0 {
		maxAll = defaultMaxConnections
	}
	if untrustedPerIP <= 0 {
		untrustedPerIP = defaultUntrustedPerIP
	}
	if perIP > 0 && untrustedPerIP > perIP {
		untrustedPerIP = perIP
	}
	if reserved <= 0 {
		reserved = max(1, maxAll/10)
	}
	if reserved >= maxAll {
		reserved = maxAll - 1
	}
	return &connLimits{maxAll: maxAll, perIP: perIP, untrustedPerIP: untrustedPerIP, reserved: reserved, byIP: map[netip.Addr]int{}}
}

// acquire takes a slot for a client at ip. Untrusted clients may not use
// the reserved slots and have the lower per-address limit.
func (l *connLimits) acquire(ip netip.Addr, trusted bool) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	all, perIP := l.maxAll, l.perIP
	if !trusted {
		all -= l.reserved
		perIP = l.untrustedPerIP
	}
	if l.conns >= all || (perIP > 0 && l.byIP[ip] >= perIP) {
		return false
	}
	l.conns++
	l.byIP[ip]++
	return true
}

func (l *connLimits) release(ip netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.conns--
	if l.byIP[ip]--; l.byIP[ip] <= 0 {
		delete(l.byIP, ip)
	}
}

// stressed reports whether most slots are in use, when the relay shortens
// its greeting and command timeouts (Postfix's stress-adaptive behaviour).
func (l *connLimits) stressed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.conns*stressDeno >= l.maxAll*stressNumerator
}

// byteSem is a size-weighted semaphore with FIFO waiters: it bounds the
// bytes of all messages under analysis at once. A message larger than the
// whole budget takes all of it, so it still runs, alone.
type byteSem struct {
	size int64

	mu      sync.Mutex
	cur     int64
	waiters list.List // of *semWaiter
}

type semWaiter struct {
	n     int64
	ready chan struct{}
}

func newByteSem(size int64) *byteSem { return &byteSem{size: size} }

// acquire waits for n bytes until ctx is done.
func (s *byteSem) acquire(ctx context.Context, n int64) (int64, error) {
	n = min(max(n, 1), s.size)
	s.mu.Lock()
	if s.size-s.cur >= n && s.waiters.Len() == 0 {
		s.cur += n
		s.mu.Unlock()
		return n, nil
	}
	w := &semWaiter{n: n, ready: make(chan struct{})}
	elem := s.waiters.PushBack(w)
	s.mu.Unlock()
	select {
	case <-w.ready:
		return n, nil
	case <-ctx.Done():
		s.mu.Lock()
		select {
		case <-w.ready:
			// Granted just now: give it back.
			s.cur -= n
			s.notifyLocked()
		default:
			isFront := s.waiters.Front() == elem
			s.waiters.Remove(elem)
			if isFront {
				s.notifyLocked()
			}
		}
		s.mu.Unlock()
		return 0, ctx.Err()
	}
}

// tryAcquire takes n bytes if they are free now and nobody waits.
func (s *byteSem) tryAcquire(n int64) (int64, bool) {
	n = min(max(n, 1), s.size)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.size-s.cur >= n && s.waiters.Len() == 0 {
		s.cur += n
		return n, true
	}
	return 0, false
}

func (s *byteSem) release(n int64) {
	s.mu.Lock()
	s.cur -= n
	s.notifyLocked()
	s.mu.Unlock()
}

func (s *byteSem) notifyLocked() {
	for {
		front := s.waiters.Front()
		if front == nil {
			return
		}
		w := front.Value.(*semWaiter)
		if s.size-s.cur < w.n {
			return
		}
		s.cur += w.n
		s.waiters.Remove(front)
		close(w.ready)
	}
}
