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
// it (it comes from the seller cache). A transaction that writes members
// or accounts names the companies it changed (or, when it cannot tell,
// all of them), and their entries are dropped when it commits; until then
// it reads past the cache for them.
type identityCache struct {
	rows      map[sellerKey]bot.Identity
	byCompany map[int64][]sellerKey
}

func newIdentityCache() *identityCache {
	return &identityCache{rows: map[sellerKey]bot.Identity{}, byCompany: map[int64][]sellerKey{}}
}

// txIdentities is what one transaction identified, and which companies'
// members or accounts it wrote.
type txIdentities struct {
	loaded  map[sellerKey]bot.Identity
	changed map[int64]bool     // companies whose members or accounts it wrote
	keys    map[sellerKey]bool // accounts it wrote
	all     bool               // it wrote something it cannot place
}

// wrote records a write to a company's members or accounts (company 0:
// one that cannot be placed), or to the account k.
func (t *txIdentities) wrote(company int64, k sellerKey) {
	switch {
	case company == 0 && k == (sellerKey{}):
		t.all = true
	case company != 0:
		if t.changed == nil {
			t.changed = map[int64]bool{}
		}
		t.changed[company] = true
	}
	if k != (sellerKey{}) {
		if t.keys == nil {
			t.keys = map[sellerKey]bool{}
		}
		t.keys[k] = true
	}
}

func (c *identityCache) lookup(t *txIdentities, k sellerKey) (bot.Identity, bool) {
	if t.all || t.keys[k] {
		return bot.Identity{}, false
	}
	id, ok := c.rows[k]
	if !ok || t.changed[id.Account.SellerID] {
		return bot.Identity{}, false
	}
	return id, true
}

func (t *txIdentities) load(k sellerKey, id bot.Identity) {
	if t.all || t.keys[k] || t.changed[id.Account.SellerID] {
		return
	}
	if t.loaded == nil {
		t.loaded = map[sellerKey]bot.Identity{}
	}
	id.Seller = bot.Seller{}
	t.loaded[k] = id
}

// commit applies a committed transaction: its writes drop what they
// changed, then what it read is kept.
func (c *identityCache) commit(t *txIdentities) {
	if t.all || len(c.rows)+len(t.loaded) > maxCachedSellers {
		clear(c.rows)
		clear(c.byCompany)
	}
	for company := range t.changed {
		for _, k := range c.byCompany[company] {
			delete(c.rows, k)
		}
		delete(c.byCompany, company)
	}
	for k := range t.keys {
		delete(c.rows, k) // its company's list may name it still: harmless
	}
	for k, id := range t.loaded {
		// What was read before a write of the transaction may be stale:
		// load refuses it only after.
		if t.all || t.changed[id.Account.SellerID] || t.keys[k] {
			continue
		}
		c.rows[k] = id
		c.byCompany[id.Account.SellerID] = append(c.byCompany[id.Account.SellerID], k)
	}
}
