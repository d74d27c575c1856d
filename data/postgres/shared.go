package postgres

import (
	"context"
	"database/sql"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/internal/sqlstore"
)

// The code this store shares with data/sqlite lives in sqlstore. It runs
// its statements the ways this store runs its own: in a transaction
// through exec, get and sel, on the read side through rsel and rget.

// sharedTx and sharedReads are the shared parts storeTx and Store embed,
// under names of this package, so that Store gains no exported field.
type (
	sharedTx    = sqlstore.Tx
	sharedReads = sqlstore.Reads
)

// Exec, Get and Select run the shared statements of a transaction.
func (t *storeTx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.exec(ctx, query, args...)
}

func (t *storeTx) Get(ctx context.Context, dest any, query string, args ...any) error {
	return t.get(ctx, dest, query, args...)
}

func (t *storeTx) Select(ctx context.Context, dest any, query string, args ...any) error {
	return t.sel(ctx, dest, query, args...)
}

// readSide runs the shared reads on the read side.
type readSide struct{ s *Store }

func (r readSide) Get(ctx context.Context, dest any, query string, args ...any) error {
	return r.s.rget(ctx, dest, query, args...)
}

func (r readSide) Select(ctx context.Context, dest any, query string, args ...any) error {
	return r.s.rsel(ctx, dest, query, args...)
}

// sellerRow and sellerColumns are the shared seller row under the names
// reminders.go reads sellers with.
type sellerRow struct{ sqlstore.SellerRow }

const sellerColumns = sqlstore.SellerColumns

func (r *sellerRow) scan(row interface{ Scan(...any) error }, more ...any) error {
	return r.SellerRow.Scan(row, more...)
}

func (r sellerRow) seller() bot.Seller { return r.SellerRow.Seller() }

// prefixed puts a table's alias before each of a list of columns.
func prefixed(alias, columns string) string { return sqlstore.Prefixed(alias, columns) }
