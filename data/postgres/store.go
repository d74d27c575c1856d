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
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jmoiron/sqlx"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/internal/teamsql"
	"github.com/onboardbot/onboardbot/flows"
)

// Store is the PostgreSQL store.
type Store struct {
	db     *sqlx.DB // the read side, single statements, and the fleet's leases
	writer *sqlx.DB // Update's transactions (see writeConns)
	fleet  fleetState
	log    *slog.Logger
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
	t.Tx = teamsql.Tx{DB: txDB{t}}
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
	// projections holds the projection last read or written in this
	// transaction, per seller and market, so a save knows what is stored.
	projections map[projectionKey]string
	teamsql.Tx  // members, accounts, codes and team notes (accounts.go)
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

// selector runs a query into dest: a transaction's or the read side's.
type selector func(ctx context.Context, dest any, query string, args ...any) error

func (t *storeTx) Claim(ctx context.Context, platform, updateID string, at time.Time) (bool, error) {
	// A second transaction claiming the same delivery waits for the first,
	// then inserts nothing: a redelivery that arrives while the first is
	// still being handled is a duplicate, as it is after.
	res, err := t.exec(ctx, `INSERT INTO inbound (platform, update_id, handled_at) VALUES (?, ?, ?)
		ON CONFLICT (platform, update_id) DO NOTHING`, platform, updateID, at.UTC())
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
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

type sellerRow struct {
	ID          int64        `db:"id"`
	Platform    string       `db:"platform"`
	UserID      string       `db:"user_id"`
	ChatID      string       `db:"chat_id"`
	Lang        string       `db:"lang"`
	LangSet     bool         `db:"lang_set"`
	Market      string       `db:"market"`
	Unreachable sql.NullTime `db:"unreachable_at"`
	CreatedAt   time.Time    `db:"created_at"`
	TZ          string       `db:"tz"`
	TZSet       bool         `db:"tz_set"`
	Off         int          `db:"reminders_off"`
}

// sellerColumns are the columns of sellerRow, in the order scan takes them.
const sellerColumns = `id, platform, user_id, chat_id, lang, lang_set, market, unreachable_at, created_at, tz, tz_set, reminders_off`

// scan reads sellerColumns, then more.
func (r *sellerRow) scan(row interface{ Scan(...any) error }, more ...any) error {
	return row.Scan(append([]any{&r.ID, &r.Platform, &r.UserID, &r.ChatID, &r.Lang, &r.LangSet, &r.Market, &r.Unreachable, &r.CreatedAt,
		&r.TZ, &r.TZSet, &r.Off}, more...)...)
}

func (r sellerRow) seller() bot.Seller {
	return bot.Seller{ID: r.ID, Platform: r.Platform, UserID: r.UserID, ChatID: r.ChatID,
		Lang: flows.Lang(r.Lang), LangSet: r.LangSet, Market: r.Market, Unreachable: r.Unreachable.Valid, CreatedAt: r.CreatedAt,
		TZ: r.TZ, TZSet: r.TZSet, RemindersOff: bot.Topic(r.Off)}
}

// prefixed puts a table's alias before each of a list of columns.
func prefixed(alias, columns string) string {
	return alias + strings.ReplaceAll(columns, ", ", ", "+alias)
}

func (t *storeTx) Seller(ctx context.Context, platform, userID string) (bot.Seller, error) {
	if err := t.lockSeller(platform, userID); err != nil {
		return bot.Seller{}, err
	}
	var r sellerRow
	err := r.scan(t.tx.QueryRowContext(t.ctx, `SELECT `+sellerColumns+` FROM sellers WHERE platform = $1 AND user_id = $2`, platform, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return bot.Seller{}, bot.ErrNotFound
	}
	if err != nil {
		return bot.Seller{}, err
	}
	return r.seller(), nil
}

func (t *storeTx) CreateSeller(ctx context.Context, s *bot.Seller) error {
	if err := t.lockSeller(s.Platform, s.UserID); err != nil {
		return err
	}
	return t.get(ctx, &s.ID,
		`INSERT INTO sellers (platform, user_id, chat_id, lang, lang_set, market, created_at, tz, tz_set, reminders_off)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		s.Platform, s.UserID, s.ChatID, string(s.Lang), s.LangSet, s.Market, s.CreatedAt.UTC(), s.TZ, s.TZSet, int(s.RemindersOff))
}

func (t *storeTx) SaveSeller(ctx context.Context, s bot.Seller) error {
	if s.Unreachable {
		// The store marks sellers unreachable (MarkUnreachable); the core only clears it.
		_, err := t.exec(ctx, `UPDATE sellers SET chat_id = ?, lang = ?, lang_set = ?, market = ?, tz = ?, tz_set = ?, reminders_off = ? WHERE id = ?`,
			s.ChatID, string(s.Lang), s.LangSet, s.Market, s.TZ, s.TZSet, int(s.RemindersOff), s.ID)
		return err
	}
	_, err := t.exec(ctx, `UPDATE sellers SET chat_id = ?, lang = ?, lang_set = ?, market = ?, tz = ?, tz_set = ?, reminders_off = ?, unreachable_at = NULL WHERE id = ?`,
		s.ChatID, string(s.Lang), s.LangSet, s.Market, s.TZ, s.TZSet, int(s.RemindersOff), s.ID)
	return err
}

func (t *storeTx) SellersByKey(ctx context.Context, keys []string) ([]bot.Seller, error) {
	var out []bot.Seller
	for _, k := range keys {
		platform, user, ok := strings.Cut(k, ":")
		if !ok {
			continue
		}
		s, err := t.Seller(ctx, platform, user)
		if errors.Is(err, bot.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

type onboardingRow struct {
	SellerID     int64     `db:"seller_id"`
	Market       string    `db:"market"`
	RulesVersion string    `db:"rules_version"`
	Stage        string    `db:"stage"`
	State        string    `db:"state"`
	StartedAt    time.Time `db:"started_at"`
	UpdatedAt    time.Time `db:"updated_at"`
	Muted        bool      `db:"muted"`
	Projection   string    `db:"projection"`
}

func (r onboardingRow) onboarding() (bot.Onboarding, error) {
	o := bot.Onboarding{SellerID: r.SellerID, Market: r.Market, RulesVersion: r.RulesVersion,
		Stage: flows.Stage(r.Stage), Muted: r.Muted, StartedAt: r.StartedAt, UpdatedAt: r.UpdatedAt}
	if err := json.Unmarshal([]byte(r.State), &o.State); err != nil {
		return o, fmt.Errorf("decode state of seller %d in %s: %w", r.SellerID, r.Market, err)
	}
	return o, nil
}

const onboardingColumns = `seller_id, market, rules_version, stage, state, started_at, updated_at, muted, projection`

// forSave locks the onboarding rows a transaction reads, since it may save
// them: the seller's lock keeps the seller's own transactions apart, but
// the rule sync (Behind) saves sellers' onboardings without it. A save
// compares with the projection read, so what was read must still be what
// is stored.
const forSave = ` FOR NO KEY UPDATE`

func (t *storeTx) Onboarding(ctx context.Context, sellerID int64, market string) (bot.Onboarding, error) {
	var r onboardingRow
	err := t.get(ctx, &r,
		`SELECT `+onboardingColumns+` FROM onboardings WHERE seller_id = ? AND market = ?`+forSave, sellerID, market)
	if errors.Is(err, sql.ErrNoRows) {
		t.sawProjection(onboardingRow{SellerID: sellerID, Market: market, Projection: noRows})
		return bot.Onboarding{}, bot.ErrNotFound
	}
	if err != nil {
		return bot.Onboarding{}, err
	}
	t.sawProjection(r)
	return r.onboarding()
}

func (t *storeTx) Onboardings(ctx context.Context, sellerID int64) ([]bot.Onboarding, error) {
	return onboardings(ctx, t.sel, sellerID, forSave, t.sawProjection)
}

// Onboardings lists a seller's onboardings from committed data (the read side).
func (s *Store) Onboardings(ctx context.Context, sellerID int64) ([]bot.Onboarding, error) {
	return onboardings(ctx, s.rsel, sellerID, "", nil)
}

// onboardings lists a seller's onboardings, the query ending with suffix.
// saw, when set, is told of each row with its projection; without it the
// projection is not read.
func onboardings(ctx context.Context, sel selector, sellerID int64, suffix string, saw func(onboardingRow)) ([]bot.Onboarding, error) {
	var rows []onboardingRow
	columns := onboardingColumns
	if saw == nil {
		columns = strings.TrimSuffix(onboardingColumns, ", projection") + ", '' AS projection"
		saw = func(onboardingRow) {}
	}
	err := sel(ctx, &rows,
		`SELECT `+columns+` FROM onboardings WHERE seller_id = ? ORDER BY started_at, market`+suffix, sellerID)
	if err != nil {
		return nil, err
	}
	out := make([]bot.Onboarding, 0, len(rows))
	for _, r := range rows {
		o, err := r.onboarding()
		if err != nil {
			return nil, err
		}
		saw(r)
		out = append(out, o)
	}
	return out, nil
}

func (t *storeTx) SaveOnboarding(ctx context.Context, o bot.Onboarding, p bot.Projection) error {
	state, err := json.Marshal(o.State)
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	// The rows first: they compare with the projection stored so far.
	enc, err := t.saveProjection(ctx, p)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `INSERT INTO onboardings (`+onboardingColumns+`, question, stop_question)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (seller_id, market) DO UPDATE SET
		  rules_version = excluded.rules_version, stage = excluded.stage,
		  state = excluded.state, updated_at = excluded.updated_at, muted = excluded.muted,
		  question = excluded.question, stop_question = excluded.stop_question, projection = excluded.projection`,
		o.SellerID, o.Market, o.RulesVersion, string(p.Stage), string(state), o.StartedAt.UTC(), o.UpdatedAt.UTC(), o.Muted, enc,
		p.Question, p.StopQuestion)
	return err
}

func (t *storeTx) AppendHistory(ctx context.Context, h bot.HistoryEntry) error {
	_, err := t.exec(ctx, `INSERT INTO answer_history (seller_id, market, action, question, value, at)
		VALUES (?, ?, ?, ?, ?, ?)`, h.SellerID, h.Market, string(h.Action), h.Question, h.Value, h.At.UTC())
	return err
}

// History lists a page of a seller's history in a market from committed
// data (the read side), both queries on the (seller, market, id) index.
func (s *Store) History(ctx context.Context, sellerID int64, market string, offset, limit int) ([]bot.HistoryEntry, int, error) {
	var total int
	if err := s.rget(ctx, &total, `SELECT count(*) FROM answer_history WHERE seller_id = ? AND market = ?`, sellerID, market); err != nil {
		return nil, 0, fmt.Errorf("count history: %w", err)
	}
	var rows []struct {
		SellerID int64     `db:"seller_id"`
		Market   string    `db:"market"`
		Action   string    `db:"action"`
		Question string    `db:"question"`
		Value    string    `db:"value"`
		At       time.Time `db:"at"`
	}
	err := s.rsel(ctx, &rows,
		`SELECT seller_id, market, action, question, value, at FROM (
		   SELECT id, seller_id, market, action, question, value, at FROM answer_history
		   WHERE seller_id = ? AND market = ? ORDER BY id DESC LIMIT ? OFFSET ?) page
		 ORDER BY id`, sellerID, market, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("load history: %w", err)
	}
	out := make([]bot.HistoryEntry, len(rows))
	for i, r := range rows {
		out[i] = bot.HistoryEntry{SellerID: r.SellerID, Market: r.Market, Action: bot.Action(r.Action),
			Question: r.Question, Value: r.Value, At: r.At}
	}
	return out, total, nil
}
