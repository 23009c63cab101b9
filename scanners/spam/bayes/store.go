package bayes

import (
	"context"
	"sync"
)

// Counts is how many trained spam and ham messages contained a token (or,
// for the totals, how many spam and ham messages were trained).
type Counts struct {
	Spam, Ham int64
}

// Label is the class a message was trained as.
type Label byte

// The labels. None means "not trained".
const (
	None Label = 0
	Spam Label = 's'
	Ham  Label = 'h'
)

// String returns "spam", "ham" or "none".
func (l Label) String() string {
	switch l {
	case Spam:
		return "spam"
	case Ham:
		return "ham"
	}
	return "none"
}

// Batch is one set of changes to a Store, applied together.
type Batch struct {
	// Tokens maps a token key to the change of its counts (may be negative
	// when a message is re-labelled).
	Tokens map[string]Counts
	// Totals is the change of the message totals.
	Totals Counts
	// Learned maps a message key to the label it is now trained as.
	Learned map[string]Label
}

// Store holds the classifier's counts. Keys are opaque short strings made
// by the classifier (hashes of tokens and messages), never message text.
// RedisStore is the production implementation; MemStore serves offline
// evaluation and the tests of code above the store. Implementations are
// safe for concurrent use.
type Store interface {
	// Lookup returns the totals and the counts of each key, in order
	// (zero for unknown keys).
	Lookup(ctx context.Context, keys []string) (Counts, []Counts, error)
	// Labels returns the label each message key was trained as.
	Labels(ctx context.Context, msgKeys []string) ([]Label, error)
	// Apply adds b to the store.
	Apply(ctx context.Context, b *Batch) error
}

// MemStore is an in-memory Store, for offline evaluation.
type MemStore struct {
	mu      sync.RWMutex
	totals  Counts
	tokens  map[string]Counts
	learned map[string]Label
}

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore {
	return &MemStore{tokens: map[string]Counts{}, learned: map[string]Label{}}
}

// Lookup implements Store.
func (s *MemStore) Lookup(_ context.Context, keys []string) (Counts, []Counts, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Counts, len(keys))
	for i, k := range keys {
		out[i] = s.tokens[k]
	}
	return s.totals, out, nil
}

// Labels implements Store.
func (s *MemStore) Labels(_ context.Context, msgKeys []string) ([]Label, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Label, len(msgKeys))
	for i, k := range msgKeys {
		out[i] = s.learned[k]
	}
	return out, nil
}

// Apply implements Store.
func (s *MemStore) Apply(_ context.Context, b *Batch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, d := range b.Tokens {
		c := s.tokens[k]
		c.Spam += d.Spam
		c.Ham += d.Ham
		if c.Spam <= 0 && c.Ham <= 0 {
			delete(s.tokens, k)
			continue
		}
		s.tokens[k] = c
	}
	s.totals.Spam += b.Totals.Spam
	s.totals.Ham += b.Totals.Ham
	for k, l := range b.Learned {
		s.learned[k] = l
	}
	return nil
}
