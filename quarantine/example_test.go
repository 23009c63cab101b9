package quarantine_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/lychgate/lychgate/quarantine"
	"github.com/lychgate/lychgate/scanners"
)

// The relay holds one recipient's copy, then the DSL's UI lists and opens it.
// (Compiled, not run: it needs a Redis at localhost:6379.)
func Example() {
	ctx := context.Background()
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{
		Addrs:                 []string{"localhost:6379"},
		ContextTimeoutEnabled: true, // ctx deadlines bound every command
	})
	store := quarantine.New(rdb, quarantine.Options{Retention: 30 * 24 * time.Hour})

	raw := []byte("From: pupil@school.example\r\nSubject: hi\r\n\r\n...\r\n")
	e := &quarantine.Entry{
		School:     "st-marys",
		Direction:  scanners.Internal,
		From:       "pupil@school.example",
		Recipients: []string{"a@school.example", "b@school.example"},
		Held:       []string{"b@school.example"},
		Subject:    "hi",
	}
	putCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	created, err := store.Put(putCtx, e, raw)
	if err != nil {
		fmt.Println("tempfail: answer 451 so the sender retries")
		return
	}
	fmt.Println("held", e.ID, "new:", created)

	entries, next, err := store.List(ctx, quarantine.ListOptions{School: "st-marys", Limit: 20})
	if err != nil {
		return
	}
	fmt.Println(len(entries), "on this page; more:", next != "")

	_, msg, err := store.Find(ctx, []string{"st-marys", "st-johns"}, e.ID)
	if errors.Is(err, quarantine.ErrNotFound) {
		fmt.Println("expired or never held")
		return
	}
	fmt.Println(len(msg), "bytes")
}
