// Package quarantine owns the Redis store of quarantined mail: what the relay
// writes when a policy decision holds a recipient's copy, and what the DSL's
// review UI reads.
//
// # Keys
//
// Every key of one school carries the school id as a Redis Cluster hash tag,
// so an entry and all its indexes live in one slot and change together in one
// atomic script (DESIGN.md, "Redis"). With the default prefix "lg":
//
//	lg:{<school>}:q:<id>             hash: "meta" (Entry as JSON), "raw" (the
//	                                 message, compressed), "enc" (how "raw" is
//	                                 compressed: "deflate"); TTL = retention
//	lg:{<school>}:q:idx              sorted set: id by received time (unix ms)
//	lg:{<school>}:q:cat:<category>   sorted set: the same, per finding category
//
// The indexes have no TTL. When an entry's hash expires its index members stay
// behind until List meets them; List skips them and removes them atomically
// (only if the hash is still absent).
//
// # Guarantees
//
// Put is atomic and idempotent: one Lua script checks that the entry does not
// exist, writes the hash, sets its TTL and adds it to every index, so there is
// never an index member without its hash or a hash without its index members
// (other than after expiry, see above). The entry id is derived from the
// school, the content hash of the raw message and the held recipients (ID),
// so an SMTP retry of the same message finds its entry and creates no second
// one (DESIGN.md invariant 1). Put returns only after Redis has acknowledged
// the write; how durable that is depends on Redis: production Redis must run
// with AOF (appendfsync everysec or always).
//
// Every method honours its ctx. Create the client with ContextTimeoutEnabled
// so that ctx deadlines also bound reads from a Redis that hangs; otherwise
// go-redis waits for its own ReadTimeout. A Store is safe for concurrent use.
//
// Non-goals for now: release, delete, status changes, retention sweeps, the
// audit stream and search belong here too and come later; status values other
// than "held" are reserved for them.
package quarantine
