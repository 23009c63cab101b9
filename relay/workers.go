package relay

import (
	"sync"
	"sync/atomic"
)

// connWorkers runs connections on goroutines kept between connections. A
// goroutine per connection starts with a small stack and grows it, by
// copying, through the DATA phase (parse, scan, decide, deliver) of every
// connection again; a worker keeps the stack it grew. An idle worker takes
// the next connection; with none idle, a new one starts, so a connection
// never waits for another. At most maxIdle workers wait; the others end
// when their connection does.
type connWorkers struct {
	conns   chan *conn // unbuffered: a send succeeds only to a waiting worker
	idle    atomic.Int32
	maxIdle int32
	stop    sync.Once
}

// maxIdleWorkers is how many connection workers wait for the next
// connection at most.
const maxIdleWorkers = 128

func newConnWorkers(maxIdle int32) *connWorkers {
	return &connWorkers{conns: make(chan *conn), maxIdle: maxIdle}
}

// run serves c on an idle worker, or on a new one.
func (w *connWorkers) run(c *conn) {
	select {
	case w.conns <- c:
	default:
		go w.work(c)
	}
}

func (w *connWorkers) work(c *conn) {
	for {
		c.s.serveConn(c)
		c = nil // nothing of the connection is kept while idle
		if w.idle.Add(1) > w.maxIdle {
			w.idle.Add(-1)
			return
		}
		c = <-w.conns
		w.idle.Add(-1)
		if c == nil {
			return // closed
		}
	}
}

// close ends the idle workers. Nothing may call run afterwards (Shutdown
// calls it once every connection handler has returned, and no new one
// starts while draining).
func (w *connWorkers) close() { w.stop.Do(func() { close(w.conns) }) }
