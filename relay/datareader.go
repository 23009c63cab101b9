package relay

import (
	"bufio"
	"bytes"

	"github.com/lychgate/lychgate/config"
)

// dataLimits bound one DATA stream and say what to do with what may never
// be forwarded. Zero means no limit.
type dataLimits struct {
	maxBytes int64 // content bytes accepted (after dot-unstuffing, before fixing)
	maxLine  int   // bytes of one line, without its line ending
	// sizeHint is the client's SIZE= (RFC 1870): the buffer grows to it at
	// once instead of step by step, when at least hintTrustedAfter bytes
	// have arrived (a client cannot make the relay allocate much by
	// announcing a size and sending nothing).
	sizeHint int64
	bare     cleaning // a bare CR or LF: refuse, or rewrite to CRLF (relay.bare_line_endings)
	nul      cleaning // a NUL byte: refuse, or drop it (relay.nul_bytes)
	// spoolAt is the content size above which the message goes to an
	// unlinked file in spoolDir instead of memory (0: never).
	spoolAt  int64
	spoolDir string
}

// cleaning is what the DATA reader does with bytes that may never be
// forwarded.
type cleaning uint8

const (
	keepAll cleaning = iota // keep them (the zero value, for tests of the framing alone)
	refuse                  // refuse the message
	fix                     // rewrite bare CR/LF to CRLF, drop NUL
)

// dataResult is what readDotData found besides the content.
type dataResult struct {
	tooLarge bool  // content exceeded maxBytes (the rest was read and dropped)
	longLine bool  // a line exceeded maxLine (the rest was read and dropped)
	bare     bool  // a refused bare CR or LF (the rest was read and dropped)
	nul      bool  // a refused NUL byte (the rest was read and dropped)
	spoolErr error // the spool file could not be written (the rest was read and dropped)
}

// dataLimitsFor is the DATA reader's settings from the transaction's
// relay.* keys; sizeHint is the client's SIZE= (0 if none).
func dataLimitsFor(cfg *config.Config, sizeHint int64) dataLimits {
	rc := &cfg.Relay
	lim := dataLimits{
		maxBytes: rc.MaxMessageBytes,
		maxLine:  orInt(rc.MaxLineBytes, defaultMaxLineBytes),
		sizeHint: sizeHint,
		bare:     refuse,
		nul:      refuse,
		spoolAt:  rc.SpoolThreshold,
		spoolDir: spoolDirFor(cfg.Path(rc.SpoolDir)),
	}
	if rc.BareLineEndings == "fix" {
		lim.bare = fix
	}
	if rc.NULBytes == "strip" {
		lim.nul = fix
	}
	switch {
	case lim.spoolAt == 0:
		lim.spoolAt = defaultSpoolThreshold
	case lim.spoolAt < 0:
		lim.spoolAt = 0 // never
	}
	return lim
}

// dataRefused answers a message the DATA reader refused for its content
// or could not keep.
func (c *conn) dataRefused(res dataResult) {
	switch {
	case res.nul:
		c.log.Info("data rejected", "mail_from", c.se.env.From, "err", errNULByte)
		c.replyErr(errNULByte)
	case res.bare:
		c.log.Info("data rejected", "mail_from", c.se.env.From, "err", errBareLineEnding)
		c.replyErr(errBareLineEnding)
	default:
		c.log.Error("data tempfailed: message could not be spooled", "mail_from", c.se.env.From, "err", res.spoolErr)
		c.replyErr(errTempfail)
	}
}

// refused reports whether the content was dropped.
func (r dataResult) refused() bool {
	return r.tooLarge || r.longLine || r.bare || r.nul || r.spoolErr != nil
}

// DATA reader states (RFC 5321 §4.5.2, §4.1.1.4). Lines are delimited by
// CRLF only: a bare CR or LF is data, so it can never end the message or
// start a line whose dot is removed.
const (
	dsBOL   = iota // at the beginning of a line (start, or just after CRLF)
	dsDot          // read "." at the beginning of a line
	dsDotCR        // read ".\r" at the beginning of a line
	dsMid          // inside a line, last byte not CR
	dsCR           // inside a line, last byte CR
)

// hintTrustedAfter is how many content bytes must have arrived before the
// buffer is grown to the client's SIZE= in one step.
const hintTrustedAfter = 1 << 20

// readDotData reads one DATA stream from br up to and including the
// end-of-data line ".\r\n" (the first "\r\n.\r\n", or ".\r\n" at the very
// start) and returns the content with the transparency dots removed: a line
// that starts with "." loses that first dot. Nothing after the end-of-data
// line is consumed, so pipelined commands stay in br. Bytes over the limits
// are read and dropped, so the stream always ends at its end-of-data line
// and the answer comes only then. An error means the stream did not end
// (timeout, closed connection): the caller must not read br as commands.
//
// The content is cleaned as it is read, into the one buffer that holds it:
// NUL bytes are dropped or refuse the message, and a bare CR or LF is
// rewritten to CRLF or refuses it (lim.nul, lim.bare), exactly as if the whole
// content had been cleaned afterwards (NULs first). A refused message is not
// kept. Above spoolAt bytes the content goes to a spool file instead of
// memory (see received). The caller must close the result.
func readDotData(br *bufio.Reader, lim dataLimits) (*received, dataResult, error) {
	var (
		res     dataResult
		state   = dsBOL
		lineLen int
		n       int64 // content bytes before cleaning
		keep    = true
		prevCR  bool // the last byte kept is a CR that may start a CRLF
		out     = &received{}
	)
	drop := func() {
		keep = false
		out.close()
	}
	// put keeps one content byte c, applying the NUL and bare line ending
	// policies.
	put := func(c byte) {
		switch {
		case c == 0 && lim.nul != keepAll:
			if lim.nul == refuse {
				res.nul = true
				drop()
			}
			return
		case lim.bare == keepAll:
		case prevCR && c != '\n':
			// The CR kept last was bare.
			if lim.bare == refuse {
				res.bare = true
				drop()
				return
			}
			out.mem = append(out.mem, '\n')
		case c == '\n' && !prevCR:
			if lim.bare == refuse {
				res.bare = true
				drop()
				return
			}
			out.mem = append(out.mem, '\r')
		}
		prevCR = c == '\r'
		out.mem = append(out.mem, c)
	}
	count := func(k int) {
		n += int64(k)
		if lim.maxLine > 0 && lineLen > lim.maxLine && !res.longLine {
			res.longLine = true
			drop()
		}
		if lim.maxBytes > 0 && n > lim.maxBytes && !res.tooLarge {
			res.tooLarge = true
			drop()
		}
	}
	emit := func(c byte) {
		switch c {
		case '\n':
			lineLen = 0
		case '\r':
		default:
			lineLen++
		}
		count(1)
		if keep {
			put(c)
		}
	}
	// emitRun is emit for bytes that hold no CR or LF.
	emitRun := func(run []byte) {
		lineLen += len(run)
		count(len(run))
		if !keep {
			return
		}
		for keep && prevCR && len(run) > 0 {
			// Settles the CR kept last (a stripped NUL leaves it pending).
			put(run[0])
			run = run[1:]
		}
		for keep && len(run) > 0 {
			i := -1
			if lim.nul != keepAll {
				i = bytes.IndexByte(run, 0)
			}
			if i < 0 {
				out.mem = append(out.mem, run...)
				break
			}
			out.mem = append(out.mem, run[:i]...)
			put(0)
			run = run[i+1:]
		}
	}
	for {
		if br.Buffered() == 0 {
			if _, err := br.Peek(1); err != nil {
				out.close()
				return nil, res, err
			}
		}
		chunk, _ := br.Peek(br.Buffered())
		if keep {
			// Room for the whole chunk, so the appends below do not
			// reallocate: twice it when a bare CR or LF may become CRLF,
			// else the content is never longer than what was read.
			if lim.bare == fix {
				out.reserve(2*len(chunk)+2, lim)
			} else {
				out.reserve(len(chunk)+2, lim)
			}
		}
		for i := 0; i < len(chunk); i++ {
			c := chunk[i]
			if state == dsMid && c != '\r' && c != '\n' {
				// Fast path: the run of plain bytes up to the next CR or LF.
				j := plainRun(chunk, i+1)
				emitRun(chunk[i:j])
				i = j - 1
				continue
			}
			switch state {
			case dsBOL:
				switch c {
				case '.':
					state = dsDot
					continue
				case '\r':
					state = dsCR
				default:
					state = dsMid
				}
				emit(c)
			case dsDot:
				if c == '\r' {
					state = dsDotCR
					continue
				}
				// The dot was a transparency dot: drop it.
				state = dsMid
				emit(c)
			case dsDotCR:
				if c == '\n' {
					_, _ = br.Discard(i + 1)
					if keep && prevCR && lim.bare != keepAll {
						// Cannot happen (the content ends in CRLF or is
						// empty), but a bare CR must never be forwarded.
						if lim.bare == refuse {
							res.bare = true
							drop()
						} else {
							out.mem = append(out.mem, '\n')
						}
					}
					if keep {
						if err := out.finish(lim); err != nil {
							res.spoolErr = err
							drop()
						}
					}
					if !keep {
						return nil, res, nil
					}
					return out, res, nil
				}
				// ".\r" then something else: a line that starts with a
				// transparency dot, then a CR that is data.
				emit('\r')
				state = afterCR(c)
				emit(c)
			case dsMid:
				if c == '\r' {
					state = dsCR
				}
				emit(c)
			case dsCR:
				state = afterCR(c)
				emit(c)
			}
		}
		_, _ = br.Discard(len(chunk))
		if keep {
			if err := out.spill(lim); err != nil {
				res.spoolErr = err
				drop()
			}
		}
	}
}

// plainRun returns the index of the first CR or LF in b at or after i, or
// len(b): two vectorised searches (the CR of a CRLF line first) instead of
// a loop over every byte.
func plainRun(b []byte, i int) int {
	rest := b[i:]
	end := len(rest)
	if k := bytes.IndexByte(rest, '\r'); k >= 0 {
		end = k
	}
	if k := bytes.IndexByte(rest[:end], '\n'); k >= 0 {
		end = k
	}
	return i + end
}

// afterCR is the state after byte c when the previous byte was a CR.
func afterCR(c byte) int {
	switch c {
	case '\n':
		return dsBOL
	case '\r':
		return dsCR
	}
	return dsMid
}
