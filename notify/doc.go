// Package notify delivers lychgate's notifications: DSL alerts (immediate
// for high and critical findings, a digest for the rest), and warning
// bounces to staff whose mail broke policy.
//
// # Outbox
//
// Nothing is sent from the SMTP session. The relay calls Notifier.Notify
// before it answers the client; Notify renders each notification and adds
// it to an outbox in Redis, a stream <prefix>:notify with the consumer
// group "workers", shared by every relay instance (DESIGN.md invariant 5).
// Enqueueing is idempotent on the message hash, the kind and the recipient
// (a retried message queues nothing new). A Worker reads the stream and
// delivers each notification by SMTP through the next hops (Mailer); it
// acknowledges an entry only after the SMTP server accepted it (and then
// even if its ctx has just been cancelled). A failed attempt is scheduled
// again with exponential back-off; entries a crashed worker had read but
// not acknowledged are taken over with XAUTOCLAIM after ClaimIdle. A
// worker told to stop lets a transaction in progress finish (StopGrace)
// rather than hang up after the data was sent, when the server may accept
// the message without the worker knowing. The result is at-least-once
// delivery, and exactly once unless a process dies between the server's
// acceptance and the acknowledgement.
//
// The auxiliary keys (de-duplication markers, rate counters, the retry
// schedule, digest buffers) are named {<prefix>:notify}:..., whose hash tag
// puts them in the same Redis Cluster slot as the stream, so each script
// touches one slot.
//
// # Loop safety
//
// Warning bounces go out with a null envelope sender and
// "Auto-Submitted: auto-replied" (RFC 3834), and only to staff (and pupils
// when the school allows it) of the school the mail came from, at an
// address on one of that school's domains (never to a directory-listed
// webmail address), never in
// reply to mail that is itself automatic: a null sender, MAILER-DAEMON,
// postmaster or noreply senders, Auto-Submitted other than "no", mailing
// lists (List-Id) and Precedence bulk, list or junk (WarnBlocked).
// Notifications never attach the original message.
package notify
