// Package resilience holds tests only: lychgate's Redis-backed parts (the
// quarantine store, the notification outbox and the relay) run against a
// real Redis Cluster and a real Sentinel set while their master fails
// over, and every acknowledged write is checked to be there exactly once.
// It owns no production code; the end-to-end crash tests of the binary
// live in cmd/lychgate.
package resilience
