// Package nexthop owns lychgate's SMTP client side: the one client that
// carries relayed copies, DSL alerts, warning bounces and released mail to
// the next hops configured in [next_hop] (RFC 5321 client, STARTTLS RFC
// 3207, 8BITMIME RFC 6152, SMTPUTF8 RFC 6531, SIZE RFC 1870, PIPELINING
// RFC 2920). The protocol is spoken here (proto.go), not by go-smtp's
// client, whose error type (*smtp.SMTPError) replies still come as.
//
// What it owns:
//
//   - Dialling with a context and a timeout (next_hop.dial_timeout), the
//     greeting and EHLO with relay.hostname, and STARTTLS decided from the
//     hop's EHLO reply (HELO when the hop refuses EHLO) under next_hop.tls:
//     "opportunistic" (the default; TLS when offered, plain otherwise),
//     "required" (a hop that does not offer it is a temporary failure) or
//     "none". next_hop.tls_skip_verify turns certificate checks off.
//   - Per-command deadlines (next_hop.command_timeout), a write deadline
//     that moves with progress while DATA is written, and the caller's
//     context: when it ends, the connection is closed and the blocked call
//     returns.
//   - A pool of connections per hop address: a connection is reused for a
//     later transaction (RFC 5321 §4.1.4) after a completed DATA or an
//     RSET, checked for a closed or talking peer before reuse (unless it
//     was pooled within the last second: a hop that closed it since fails
//     MAIL, and Begin retries once on a new connection), closed after
//     Options.IdleTimeout idle or Options.MaxUses transactions, and at most
//     Options.MaxIdlePerHop are kept per hop. Connections in use are not
//     capped here: the callers' own limits bound them (relay
//     max_connections), and a cap could deadlock a message that opens
//     several transactions to one hop.
//   - Routing for Send: an address of one of the schools (Options.IsLocal)
//     goes to next_hop.inbound, every other one to next_hop.outbound. The
//     relay picks its hop itself (from the recipient's direction) and names
//     it in Begin.
//   - Typed errors: every failure is an *Error naming the hop, the stage
//     (dial, tls, ehlo, mail, rcpt, data), the hop's reply code and
//     enhanced code when it answered, and Temporary(). Callers use
//     errors.As and Temporary(), never the error text.
//   - Long lines: what is written in DATA is folded to at most
//     Options.MaxLineLength octets per line (RFC 5322 §2.1.1: 998); see
//     FoldWriter for exactly how.
//   - Round trips: MAIL and every RCPT go in one write when the hop offers
//     PIPELINING (their replies read in order); the DATA content is
//     dot-stuffed in bulk and written with its end-of-data line, so a
//     small message costs three round trips (MAIL+RCPT, DATA, content),
//     or two with Mail.PipelineData (DATA goes with the RCPTs; an Abort
//     then drops the connection instead of resetting it).
//
// The relay's three-phase delivery maps onto Begin (MAIL and every RCPT,
// with a result per recipient), then, after the quarantine writes,
// Txn.Data (or Txn.Abort). Txn.Data takes the copy's own header lines and
// a section of the shared message, and writes both without joining them.
//
// Not done here: queueing and retries (lychgate has no queue; notify's
// outbox retries), MX lookups (next hops are fixed host:port), AUTH towards
// the hop, LMTP, CHUNKING.
//
// A Client is safe for concurrent use. A Txn belongs to one goroutine.
package nexthop
