package sqlite

import "github.com/onboardbot/onboardbot/bot"

// sellerCache keeps the seller rows the committer has read, by platform
// and user: every message loads its sender first, and on a busy bot that
// read costs more than the rest of the message's statements. Only the
// committer's goroutine uses it (transactions run there), so it has no
// lock. It holds committed rows only: what a transaction reads or writes is
// applied when it commits, and forgotten when it rolls back. A write to a
// seller drops the row, so the next read takes it from the database. This
// process is the only one that writes sellers (onboardbot announce writes
// announcements and the outbox only).
type sellerCache struct {
	rows map[sellerKey]bot.Seller
	keys map[int64]sellerKey // by seller id, for writes that only know the id
}

type sellerKey struct{ platform, userID string }

// maxCachedSellers bounds the cache; past it, it starts again empty (a
// full cache of short rows is a few tens of MB).
const maxCachedSellers = 100_000

func newSellerCache() *sellerCache {
	return &sellerCache{rows: map[sellerKey]bot.Seller{}, keys: map[int64]sellerKey{}}
}

// txSellers is what one transaction read and wrote.
type txSellers struct {
	loaded  map[sellerKey]bot.Seller
	written map[sellerKey]bool
	ids     map[int64]bool // sellers written, by id
}

// lookup returns the cached row unless this transaction wrote that seller.
func (c *sellerCache) lookup(t *txSellers, k sellerKey) (bot.Seller, bool) {
	if t.written[k] {
		return bot.Seller{}, false
	}
	if s, ok := t.loaded[k]; ok {
		return s, true
	}
	s, ok := c.rows[k]
	if !ok || t.ids[s.ID] {
		return bot.Seller{}, false
	}
	return s, true
}

// loaded records a row this transaction read from the database.
func (t *txSellers) load(k sellerKey, s bot.Seller) {
	if t.written[k] || t.ids[s.ID] {
		return // read after this transaction's own write: not committed yet
	}
	if t.loaded == nil {
		t.loaded = map[sellerKey]bot.Seller{}
	}
	t.loaded[k] = s
}

// wrote records a write to a seller, by key, by id, or both.
func (t *txSellers) wrote(k sellerKey, id int64) {
	if k != (sellerKey{}) {
		if t.written == nil {
			t.written = map[sellerKey]bool{}
		}
		t.written[k] = true
		delete(t.loaded, k)
	}
	if id != 0 {
		if t.ids == nil {
			t.ids = map[int64]bool{}
		}
		t.ids[id] = true
		for k, s := range t.loaded {
			if s.ID == id {
				delete(t.loaded, k)
			}
		}
	}
}

// commit applies a committed transaction's reads and writes.
func (c *sellerCache) commit(t *txSellers) {
	for k := range t.written {
		c.drop(k)
	}
	for id := range t.ids {
		if k, ok := c.keys[id]; ok {
			c.drop(k)
		}
	}
	if len(c.rows)+len(t.loaded) > maxCachedSellers {
		clear(c.rows)
		clear(c.keys)
	}
	for k, s := range t.loaded {
		c.rows[k] = s
		c.keys[s.ID] = k
	}
}

func (c *sellerCache) drop(k sellerKey) {
	if s, ok := c.rows[k]; ok {
		delete(c.keys, s.ID)
		delete(c.rows, k)
	}
}

// identityCache keeps the accounts the committer has identified (account,
// member, how many members), by platform and user, beside the seller rows:
// every message identifies its sender first. The company's row is not in
// it (it comes from the seller cache). Members and accounts change only
// when sellers link accounts or manage a team, so a transaction that
// writes any of them empties the whole cache when it commits, and reads
// past it until then.
type identityCache struct {
	rows map[sellerKey]bot.Identity
}

// txIdentities is what one transaction identified, and whether it wrote
// members or accounts.
type txIdentities struct {
	loaded map[sellerKey]bot.Identity
	dirty  bool
}

func (c *identityCache) lookup(t *txIdentities, k sellerKey) (bot.Identity, bool) {
	if t.dirty {
		return bot.Identity{}, false
	}
	id, ok := c.rows[k]
	return id, ok
}

func (t *txIdentities) load(k sellerKey, id bot.Identity) {
	if t.dirty {
		return
	}
	if t.loaded == nil {
		t.loaded = map[sellerKey]bot.Identity{}
	}
	id.Seller = bot.Seller{}
	t.loaded[k] = id
}

// commit applies a committed transaction's reads, or empties the cache
// if it wrote members or accounts.
func (c *identityCache) commit(t *txIdentities) {
	if t.dirty || len(c.rows)+len(t.loaded) > maxCachedSellers {
		clear(c.rows)
	}
	if t.dirty {
		return
	}
	for k, id := range t.loaded {
		c.rows[k] = id
	}
}
