// Package sqlstore is what the bot's two SQL stores, data/sqlite and
// data/postgres, share: the rows and their conversion to the bot's types,
// and the statements written alike in both dialects, with the logic around
// them. Each store keeps its own connections, transactions and locking,
// and runs the statements here its own way through Querier and Execer
// (SQLite through its prepared statements and its read pool's lock,
// PostgreSQL rebinding the placeholders), so sharing them costs neither
// store its tuning. SQL that differs between the dialects stays in its
// store.
package sqlstore

import (
	"context"
	"database/sql"

	"github.com/onboardbot/onboardbot/bot"
)

// Querier runs a query written with ? placeholders, which the store
// adapts to its driver. Get returns sql.ErrNoRows when there is no row.
type Querier interface {
	Get(ctx context.Context, dest any, query string, args ...any) error
	Select(ctx context.Context, dest any, query string, args ...any) error
}

// Execer is a Querier that writes too: a store's write transaction.
type Execer interface {
	Querier
	Exec(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// TxQuerier is a store's write transaction as Tx needs it: its statements,
// and its own way of finding a seller (SQLite's cache, PostgreSQL's lock
// on the seller), which SellersByKey goes through.
type TxQuerier interface {
	Execer
	Seller(ctx context.Context, platform, userID string) (bot.Seller, error)
	// SellersWith runs a query whose rows are a seller's columns and then
	// those scanned into more, and calls each with every row's seller.
	SellersWith(ctx context.Context, what, query string, args, more []any, each func(bot.Seller)) error
}

// Tx implements, on a store's write transaction, the methods of bot.Tx
// whose SQL is the same in both stores, and the helpers the stores' own
// methods call. A store's transaction embeds one, made by NewTx for each
// transaction (it remembers what the transaction read).
type Tx struct {
	q TxQuerier
	// projections holds the projection last read or written in this
	// transaction, per seller and market, so a save knows what is stored.
	projections map[projectionKey]string
}

// NewTx returns the shared part of the transaction q.
func NewTx(q TxQuerier) Tx { return Tx{q: q} }

// Reads implements, on a store's read side (committed data), the methods
// of bot.Reader, bot.Reports and bot.Outbox whose SQL is the same in both
// stores. A store embeds one, made by NewReads.
type Reads struct {
	q Querier
}

// NewReads returns the shared part of the read side q.
func NewReads(q Querier) Reads { return Reads{q: q} }
