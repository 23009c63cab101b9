package relay

import (
	"bufio"
)

// dataLimits bound one DATA stream. Zero means no limit.
type dataLimits struct {
	maxBytes int64 // content bytes kept (after dot-unstuffing)
	maxLine  int   // bytes of one line, without its line ending
}

// dataResult is what readDotData found besides the content.
type dataResult struct {
	tooLarge bool // content exceeded maxBytes (the rest was read and dropped)
	longLine bool // a line exceeded maxLine (the rest was read and dropped)
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

// readDotData reads one DATA stream from br up to and including the
// end-of-data line ".\r\n" (the first "\r\n.\r\n", or ".\r\n" at the very
// start) and returns the content with the transparency dots removed: a line
// that starts with "." loses that first dot. Nothing after the end-of-data
// line is consumed, so pipelined commands stay in br. Bytes over the limits
// are read and dropped, so the stream always ends at its end-of-data line
// and the answer comes only then. An error means the stream did not end
// (timeout, closed connection): the caller must not read br as commands.
func readDotData(br *bufio.Reader, lim dataLimits) ([]byte, dataResult, error) {
	var (
		out     []byte
		res     dataResult
		state   = dsBOL
		lineLen int
		n       int64
		keep    = true
	)
	emit := func(c byte) {
		switch c {
		case '\n':
			lineLen = 0
		case '\r':
		default:
			lineLen++
			if lim.maxLine > 0 && lineLen > lim.maxLine && !res.longLine {
				res.longLine = true
				keep = false
			}
		}
		n++
		if lim.maxBytes > 0 && n > lim.maxBytes && !res.tooLarge {
			res.tooLarge = true
			keep = false
		}
		if keep {
			out = append(out, c)
		}
	}
	// emitRun is emit for bytes that hold no CR or LF.
	emitRun := func(run []byte) {
		lineLen += len(run)
		n += int64(len(run))
		if lim.maxLine > 0 && lineLen > lim.maxLine && !res.longLine {
			res.longLine = true
			keep = false
		}
		if lim.maxBytes > 0 && n > lim.maxBytes && !res.tooLarge {
			res.tooLarge = true
			keep = false
		}
		if keep {
			out = append(out, run...)
		}
	}
	for {
		if br.Buffered() == 0 {
			if _, err := br.Peek(1); err != nil {
				return nil, res, err
			}
		}
		chunk, _ := br.Peek(br.Buffered())
		for i := 0; i < len(chunk); i++ {
			c := chunk[i]
			if state == dsMid && c != '\r' && c != '\n' {
				// Fast path: the run of plain bytes up to the next CR or LF.
				j := i + 1
				for j < len(chunk) && chunk[j] != '\r' && chunk[j] != '\n' {
					j++
				}
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
	}
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
