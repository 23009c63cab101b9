package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/quarantine"
)

// TestSetStoreSwapsQuarantine: after a reload the review page reads the
// runtime's new quarantine store, not the one it started with.
func TestSetStoreSwapsQuarantine(t *testing.T) {
	h := newHarness(t)
	old := h.put("a", "before reload", "meet me secretly", false)
	newer := quarantine.New(h.rdb, quarantine.Options{Prefix: h.cfg.Redis.KeyPrefix + "-reloaded", Now: h.clock.Now})
	h.store = newer
	moved := h.put("a", "after reload", "meet me secretly", false)
	c := h.login("dsl-a")

	if code, _ := c.get("/quarantine/" + moved.ID); code == http.StatusOK {
		t.Fatalf("an entry of the new store is shown before SetStore")
	}
	if code, page := c.get("/quarantine/" + old.ID); code != http.StatusOK || !strings.Contains(page, "before reload") {
		t.Fatalf("start-up store: GET = %d", code)
	}
	h.ws.SetStore(newer)
	if code, page := c.get("/quarantine/" + moved.ID); code != http.StatusOK || !strings.Contains(page, "after reload") {
		t.Fatalf("after SetStore: GET = %d, want the new store's entry", code)
	}
	if code, _ := c.get("/quarantine/" + old.ID); code == http.StatusOK {
		t.Fatalf("after SetStore the old store's entry is still shown")
	}
}
