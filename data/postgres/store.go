// Package postgres is the bot's PostgreSQL store: it implements bot.Store
// for a fleet of serve instances sharing one database. Each Update is one
// transaction, retried when PostgreSQL aborts it for a conflict; a
// seller's transactions run one after the other across processes, under
// an advisory lock on the seller; the migrations are embedded and applied
// at start.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jmoiron/sqlx"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/internal/sqlstore"
	"github.com/onboardbot/onboardbot/data/internal/teamsql"
)

// Store is the PostgreSQL store.
//
// Besides its own methods, Store has those of the read side it shares with
// data/sqlite (sqlstore.Reads, embedded): Onboardings, History, Projections,
// Outgoing, the reports (Funnel, Stuck, Stops, ItemCounts, Expiring,
// AnnouncementReport, SellerByID, Messages, Session) and the gauges
// (OutboxDepth, UnreachableSellers, OnboardingStages).
type Store struct {
	db     *sqlx.DB // the read side, single statements, and the fleet's leases
	writer *sqlx.DB // Update's transactions (see writeConns)
	fleet  fleetState
	log    *slog.Logger
	// sharedReads is the read side shared with data/sqlite, run through rsel
	// and rget (see readSide).
	sharedReads
}

var (
	_ bot.Store = (*Store)(nil)
	_ bot.Tx    = (*storeTx)(nil)
)

// Close closes the connections.
func (s *Store) Close() error {
	return errors.Join(s.writer.Close(), s.db.Close())
}

// maxAttempts bounds how many times Update runs a transaction that
// PostgreSQL keeps aborting for conflicts.
const maxAttempts = 5

// Update runs fn in one transaction and commits it when fn returns nil.
// A transaction PostgreSQL aborted for a conflict with another (a
// serialization failure, a deadlock) or whose connection failed before
// anything was sent is run again, fn and all, a few times: the contract
// allows it.
//
// The caller's context is checked before each attempt; once a transaction
// has begun its statements run to the end whatever the caller does, since
// cancelling one kills its connection and gains nothing: the work is
// either all committed or all rolled back.
func (s *Store) Update(ctx context.Context, fn func(bot.Tx) error) error {
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := s.runTx(ctx, fn)
		if err == nil || attempt == maxAttempts || !retryable(err) {
			return err
		}
		s.log.Debug("transaction retried", "attempt", attempt, "err", err)
		// Apart, so that the transactions that collided do not collide again.
		wait := time.Duration(attempt) * (5*time.Millisecond + rand.N(10*time.Millisecond))
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return err
		}
	}
}

func (s *Store) runTx(ctx context.Context, fn func(bot.Tx) error) error {
	ctx = context.WithoutCancel(ctx)
	tx, err := s.writer.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	t := &storeTx{tx: tx, ctx: ctx}
	t.sharedTx = sqlstore.NewTx(t)
	t.Tx = teamsql.Tx{DB: t} // through Exec, Get and Select (shared.go)
	if err := fn(t); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// retryable says whether a transaction that failed with err may be run
// again: it was aborted for a conflict, and rolled back; or its connection
// failed before the request was sent (so not the commit's, which may have
// been applied).
func retryable(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "40001" || pg.Code == "40P01" // serialization_failure, deadlock_detected
	}
	return pgconn.SafeToRetry(err)
}

// storeTx implements bot.Tx on one SQL transaction.
type storeTx struct {
	tx *sqlx.Tx
	// ctx runs every statement: the caller's, without its cancellation
	// (see Update). The context the Tx methods are given is not used.
	ctx    context.Context
	locked map[string]bool // the sellers this transaction holds the lock of
	// sharedTx is the part of bot.Tx whose SQL data/sqlite shares, run
	// through Exec, Get and Select.
	sharedTx
	teamsql.Tx // members, accounts, codes and team notes (accounts.go)
}

func (t *storeTx) exec(_ context.Context, query string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(t.ctx, t.tx.Rebind(query), args...)
}

func (t *storeTx) get(_ context.Context, dest any, query string, args ...any) error {
	return t.tx.GetContext(t.ctx, dest, t.tx.Rebind(query), args...)
}

func (t *storeTx) sel(_ context.Context, dest any, query string, args ...any) error {
	return t.tx.SelectContext(t.ctx, dest, t.tx.Rebind(query), args...)
}

func (t *storeTx) query(_ context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(t.ctx, t.tx.Rebind(query), args...)
}

// rsel and rget run a query on the read side, on committed data.
func (s *Store) rsel(ctx context.Context, dest any, query string, args ...any) error {
	return s.db.SelectContext(ctx, dest, s.db.Rebind(query), args...)
}

func (s *Store) rget(ctx context.Context, dest any, query string, args ...any) error {
	return s.db.GetContext(ctx, dest, s.db.Rebind(query), args...)
}

func (t *storeTx) Claim(ctx context.Context, platform, updateID string, at time.Time) (bool, error) {
	// A second transaction claiming the same delivery waits for the first,
	// then inserts nothing: a redelivery that arrives while the first is
	// still being handled is a duplicate, as it is after.
	return t.InsertClaim(ctx, platform, updateID, at)
}

// lockSeller takes the seller's lock until the transaction ends, so that
// two transactions of one seller, in any processes sharing the database,
// run one after the other: the second reads what the first wrote. Keys
// that hash alike share a lock, which only costs some waiting.
func (t *storeTx) lockSeller(platform, userID string) error {
	key := platform + ":" + userID
	if t.locked[key] {
		return nil
	}
	if _, err := t.tx.ExecContext(t.ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, key); err != nil {
		return fmt.Errorf("lock seller %s: %w", key, err)
	}
	if t.locked == nil {
		t.locked = map[string]bool{}
	}
	t.locked[key] = true
	return nil
}

func (t *storeTx) Seller(ctx context.Context, platform, userID string) (bot.Seller, error) {
	if err := t.lockSeller(platform, userID); err != nil {
		return bot.Seller{}, err
	}
	var r sqlstore.SellerRow
	err := r.Scan(t.tx.QueryRowContext(t.ctx, `SELECT `+sellerColumns+` FROM sellers WHERE platform = $1 AND user_id = $2`, platform, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return bot.Seller{}, bot.ErrNotFound
	}
	if err != nil {
		return bot.Seller{}, err
	}
	return r.Seller(), nil
}

func (t *storeTx) CreateSeller(ctx context.Context, s *bot.Seller) error {
	if err := t.lockSeller(s.Platform, s.UserID); err != nil {
		return err
	}
	return t.InsertSeller(ctx, s)
}

func (t *storeTx) SaveSeller(ctx context.Context, s bot.Seller) error {
	return t.UpdateSeller(ctx, s)
}

// forSave locks the onboarding rows a transaction reads, since it may save
// them: the seller's lock keeps the seller's own transactions apart, but
// the rule sync (Behind) saves sellers' onboardings without it. A save
// compares with the projection read, so what was read must still be what
// is stored.
const forSave = ` FOR NO KEY UPDATE`

func (t *storeTx) Onboarding(ctx context.Context, sellerID int64, market string) (bot.Onboarding, error) {
	return t.LoadOnboarding(ctx, sqlstore.SelectOnboarding+forSave, sellerID, market)
}

func (t *storeTx) Onboardings(ctx context.Context, sellerID int64) ([]bot.Onboarding, error) {
	return t.ListOnboardings(ctx, sellerID, forSave)
}
