// Package clamav is the antivirus scanner: a client for ClamAV's clamd
// that sends each top-level attachment with the INSTREAM command (over TCP
// or a unix socket) and reports what clamd found. clamd unpacks archives,
// Office documents and nested mail itself, so archive members are not
// sent again.
//
// Rules (stable ids), category "attachment":
//
//	clamav_virus        critical  clamd reported a signature (evidence: the signature name)
//	clamav_not_scanned  medium    the attachment is larger than the stream limit and was not sent
//
// A clamd that cannot be reached, answers with an error or does not answer
// in time makes Scan return an error; the pipeline turns it into a
// scanner-error finding and the policy decides (default: tempfail). Each
// attachment gets its own connection and deadline (Options.Timeout, and
// never beyond the context's deadline).
//
// The protocol is clamd's own (clamd(8), "INSTREAM"): the command
// "zINSTREAM\0", then chunks each prefixed by its length as a 4-byte
// big-endian integer, a zero-length chunk to end, and one NUL-terminated
// reply: "stream: OK", "stream: <signature> FOUND" or "... ERROR".
package clamav

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
)

// Name is the scanner's stable id.
const Name = "clamav"

// Options configures the client.
type Options struct {
	// Address is clamd's socket: "tcp://host:port", "host:port",
	// "unix:///path/clamd.ctl" or "/path/clamd.ctl".
	Address string
	// Timeout bounds one attachment's scan, connection included (0: 30s).
	Timeout time.Duration
	// MaxStreamBytes is the largest attachment sent; it must not exceed
	// clamd's StreamMaxLength (0: 25 MiB, clamd's default).
	MaxStreamBytes int64
	// Logger receives debug lines; nil discards.
	Logger *slog.Logger
}

// Scanner is the clamd client. It holds no connection between scans and is
// safe for concurrent use.
type Scanner struct {
	network, addr string
	timeout       time.Duration
	maxStream     int64
	log           *slog.Logger
}

var _ scanners.Scanner = (*Scanner)(nil)

// ErrClamd is returned (wrapped) when clamd answers with an error.
var ErrClamd = errors.New("clamd error")

// New checks opts; it does not connect.
func New(opts Options) (*Scanner, error) {
	s := &Scanner{timeout: opts.Timeout, maxStream: opts.MaxStreamBytes, log: opts.Logger}
	if s.timeout <= 0 {
		s.timeout = 30 * time.Second
	}
	if s.maxStream <= 0 {
		s.maxStream = 25 << 20
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	a := strings.TrimSpace(opts.Address)
	switch {
	case strings.HasPrefix(a, "unix://"):
		s.network, s.addr = "unix", strings.TrimPrefix(a, "unix://")
	case strings.HasPrefix(a, "/"):
		s.network, s.addr = "unix", a
	case strings.HasPrefix(a, "tcp://"):
		s.network, s.addr = "tcp", strings.TrimPrefix(a, "tcp://")
	default:
		s.network, s.addr = "tcp", a
	}
	if s.network == "tcp" {
		if _, _, err := net.SplitHostPort(s.addr); err != nil {
			return nil, fmt.Errorf("clamav: address %q: want tcp://host:port or unix:///path: %w", opts.Address, err)
		}
	}
	if s.addr == "" {
		return nil, fmt.Errorf("clamav: address is empty")
	}
	return s, nil
}

// Name returns "clamav".
func (s *Scanner) Name() string { return Name }

// Scan sends every top-level attachment to clamd.
func (s *Scanner) Scan(ctx context.Context, m *message.Message, _ *scanners.Envelope) ([]scanners.Finding, error) {
	var out []scanners.Finding
	for i := range m.Attachments {
		a := &m.Attachments[i]
		if a.Container != "" || len(a.Data) == 0 {
			continue
		}
		ev := scanners.Evidence{Part: a.PartID, Field: "attachment", Text: "part " + a.PartID}
		if a.Filename != "" {
			ev = scanners.Evidence{Part: a.PartID, Field: "filename", Length: len(a.Filename), Text: a.Filename}
		}
		if int64(len(a.Data)) > s.maxStream {
			out = append(out, scanners.Finding{Scanner: Name, Rule: "clamav_not_scanned", Category: scanners.AttachmentRisk,
				Severity: scanners.Medium, Score: 2,
				Explanation: fmt.Sprintf("an attachment of %d bytes is larger than the antivirus limit of %d bytes and was not scanned", len(a.Data), s.maxStream),
				Evidence:    []scanners.Evidence{ev}})
			continue
		}
		sig, err := s.ScanBytes(ctx, a.Data)
		if err != nil {
			return nil, fmt.Errorf("clamav: scan part %s: %w", a.PartID, err)
		}
		if sig != "" {
			out = append(out, scanners.Finding{Scanner: Name, Rule: "clamav_virus", Category: scanners.AttachmentRisk,
				Severity: scanners.Critical, Score: 10,
				Explanation: "the antivirus found " + sig + " in an attachment",
				Evidence:    []scanners.Evidence{ev, {Part: a.PartID, Field: "attachment", Text: sig}}})
		}
	}
	return out, nil
}

// dial connects under ctx and the scanner's timeout, and makes a
// cancelled ctx close the connection.
func (s *Scanner) dial(ctx context.Context) (net.Conn, func(), error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	var d net.Dialer
	conn, err := d.DialContext(ctx, s.network, s.addr)
	if err != nil {
		cancel()
		return nil, nil, fmt.Errorf("dial clamd %s: %w", s.addr, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		if err := conn.SetDeadline(dl); err != nil {
			cancel()
			_ = conn.Close() // nothing was sent
			return nil, nil, fmt.Errorf("set deadline: %w", err)
		}
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() }) // unblocks I/O on cancel
	return conn, func() {
		stop()
		cancel()
		_ = conn.Close() // the reply was read (or the scan failed)
	}, nil
}

// Ping sends PING and expects PONG.
func (s *Scanner) Ping(ctx context.Context) error {
	conn, done, err := s.dial(ctx)
	if err != nil {
		return err
	}
	defer done()
	if _, err := conn.Write([]byte("zPING\x00")); err != nil {
		return fmt.Errorf("send ping: %w", err)
	}
	reply, err := readReply(conn)
	if err != nil {
		return err
	}
	if reply != "PONG" {
		return fmt.Errorf("%w: ping answered %q", ErrClamd, reply)
	}
	return nil
}

// chunkSize is how much is sent per INSTREAM chunk.
const chunkSize = 64 << 10

// ScanBytes sends data with INSTREAM and returns the signature clamd
// found, "" when clean.
func (s *Scanner) ScanBytes(ctx context.Context, data []byte) (string, error) {
	conn, done, err := s.dial(ctx)
	if err != nil {
		return "", err
	}
	defer done()
	w := bufio.NewWriterSize(conn, chunkSize+4)
	if _, err := w.WriteString("zINSTREAM\x00"); err != nil {
		return "", fmt.Errorf("send command: %w", err)
	}
	var hdr [4]byte
	for off := 0; off < len(data); off += chunkSize {
		chunk := data[off:min(off+chunkSize, len(data))]
		binary.BigEndian.PutUint32(hdr[:], uint32(len(chunk)))
		if _, err := w.Write(hdr[:]); err != nil {
			return "", fmt.Errorf("send data: %w", err)
		}
		if _, err := w.Write(chunk); err != nil {
			return "", fmt.Errorf("send data: %w", err)
		}
	}
	binary.BigEndian.PutUint32(hdr[:], 0)
	if _, err := w.Write(hdr[:]); err != nil {
		return "", fmt.Errorf("send end: %w", err)
	}
	if err := w.Flush(); err != nil {
		return "", fmt.Errorf("send data: %w", err)
	}
	reply, err := readReply(conn)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return "", fmt.Errorf("%w (%w)", ctxErr, err)
		}
		return "", err
	}
	return parseReply(reply)
}

// readReply reads one NUL-terminated reply (at most 4 KiB); a reply cut
// by the end of the connection is taken as it is.
func readReply(r io.Reader) (string, error) {
	b, err := bufio.NewReaderSize(r, 4096).ReadSlice(0)
	switch {
	case err == nil:
		return strings.TrimSpace(string(b[:len(b)-1])), nil
	case errors.Is(err, io.EOF) && len(b) > 0:
		return strings.TrimSpace(string(b)), nil
	case errors.Is(err, io.EOF):
		return "", fmt.Errorf("read reply: %w", io.ErrUnexpectedEOF)
	}
	return "", fmt.Errorf("read reply: %w", err)
}

// parseReply interprets an INSTREAM reply.
func parseReply(reply string) (string, error) {
	body := strings.TrimPrefix(reply, "stream: ")
	switch {
	case body == "OK":
		return "", nil
	case strings.HasSuffix(body, " FOUND"):
		return strings.TrimSpace(strings.TrimSuffix(body, " FOUND")), nil
	}
	return "", fmt.Errorf("%w: %s", ErrClamd, reply)
}
