// Package relay owns the SMTP side of lychgate: the listener and its
// sessions (RFC 5321, with STARTTLS RFC 3207, AUTH PLAIN/LOGIN RFC 4954,
// PIPELINING RFC 2920, 8BITMIME RFC 6152, SMTPUTF8 RFC 6531, SIZE RFC 1870,
// ENHANCEDSTATUSCODES RFC 2034), recipient policy (who may relay where),
// limits, and forwarding to the next hop.
//
// lychgate is a before-queue filter with no queue of its own. The reply to
// the end of DATA is sent only after every recipient's copy was accepted by
// the next hop or durably written to the quarantine; any failure on the way
// answers 4xx so the sending MTA keeps the message and retries (DESIGN.md,
// invariant 1). Quarantine writes are idempotent, so a retry never creates a
// second entry. A message with bare CR or LF is refused (or, if configured,
// rewritten to CRLF), a NUL byte is refused (or stripped), so SMTP
// smuggling can never produce a second message downstream; what is
// forwarded is canonical CRLF, dot-stuffed by the client, with lines folded
// to what the next hop accepts as they are written (nexthop.FoldWriter).
//
// # Large messages
//
// DATA is cleaned (dot-unstuffing, NUL and bare line ending policies) as it
// is read, into the one buffer that holds it, grown to the client's SIZE=
// in one step. Above relay.spool_threshold it goes to a file in a private
// spool directory instead, unlinked at creation so nothing outlives the
// transaction or the process (spool.go). Such a message is read into
// memory, once and in one buffer of exactly its size, only when it gets
// its share of relay.max_bytes_in_flight: messages that arrive or wait
// cost no memory, and the bytes being analysed are bounded.
//
// # Why the relay has its own SMTP server
//
// The server side (conn.go, command.go, datareader.go) is our own; go-smtp
// is used only as the next-hop client and for its SMTPError type. We read
// go-smtp v0.25.1's conn.go and data.go and could not make its DATA phase
// exact from the outside:
//   - its dot reader treats CR CR LF as data but loses the following
//     end-of-data line, and drops ".\r" when a byte other than LF follows;
//   - the read deadline is set once per command, so a slow DATA either
//     fails against a deadline that ignores progress or never ends;
//   - after a failed read inside DATA it answers 554 with the error text
//     (socket addresses included) and goes on reading the rest of the body
//     as commands, which is how a timeout smuggled a second message;
//   - one line limit (MaxLineLength) serves commands and DATA and is
//     enforced below the reader, so a long body line closes the connection
//     while the client is still writing;
//   - Session.Data gets the bytes through a reader that sits on the
//     connection's private bufio.Reader, so the DATA phase cannot be taken
//     over: pipelined bytes are already buffered where we cannot reach them.
//
// The state machine here is small (no BDAT, no LMTP, no DSN), and every
// read goes through one deadline reader: a command waits at most
// read_timeout (stress_read_timeout when most slots are taken), a DATA read
// waits read_timeout from the last progress and the whole DATA at most
// data_timeout. Any failure while reading DATA ends the connection with a
// plain 4xx. readDotData is fuzzed against a direct reading of RFC 5321
// §4.5.2 (FuzzDataReader).
//
// Wire replies are built only in this package (reply.go, command.go).
// Clients see generic texts; details go to the logs and the quarantine
// record.
//
// Not done here: queueing, DKIM signing, CHUNKING/BDAT, DSN, per-recipient
// DATA replies (SMTP has none; LMTP is not offered).
package relay
