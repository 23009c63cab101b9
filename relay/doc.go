// Package relay owns the SMTP side of lychgate: the listener and its
// sessions (RFC 5321, with STARTTLS RFC 3207, 8BITMIME RFC 6152, SMTPUTF8
// RFC 6531, SIZE RFC 1870), recipient policy (who may relay where), limits,
// and forwarding to the next hop.
//
// lychgate is a before-queue filter with no queue of its own. The reply to
// the end of DATA is sent only after every recipient's copy was accepted by
// the next hop or durably written to the quarantine; any failure on the way
// answers 4xx so the sending MTA keeps the message and retries (DESIGN.md,
// invariant 1). Quarantine writes are idempotent, so a retry never creates a
// second entry. A message with bare CR or LF is refused (or, if configured,
// rewritten to CRLF), so SMTP smuggling can never produce a second message
// downstream; what is forwarded is canonical CRLF, dot-stuffed by the client.
//
// Wire replies are built only in this package (reply.go). Clients see
// generic texts; details go to the logs and the quarantine record.
//
// Not done here: queueing, DKIM signing, per-recipient DATA replies (SMTP
// has none; LMTP is not offered).
package relay
