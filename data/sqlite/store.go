// Package sqlite is the bot's SQLite store: it implements bot.Store with one
// writer connection whose transactions are committed in groups, a pool of
// readers, and the migrations embedded and applied at start.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/internal/teamsql"
	"github.com/onboardbot/onboardbot/flows"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is the SQLite store. Writes go through a single connection, so
// transactions never contend for SQLite's one write lock; reads use a pool.
type Store struct {
	file  string // the database file, as SQLite names it
	write *sqlx.DB
	read  *sqlx.DB
	ckpt  *sqlx.DB     // the checkpointer's connection
	reads sync.RWMutex // held by each read; taken to restart the WAL

	mu         sync.Mutex
	stmts      map[stmtKey]*sqlx.Stmt
	unprepared map[string]bool // writer queries to prepare once the connection is free

	sellers *sellerCache // the committer's goroutine only
	log     *slog.Logger
	// damagedClaims counts, per inbound delivery, the transactions that
	// failed on damaged data (the committer's goroutine only; damage.go).
	damagedClaims map[string]int

	queue        chan *updateReq // transactions waiting for the committer
	written      chan struct{}   // a group was committed: the WAL grew
	restartAt    int             // WAL frames past which the WAL is restarted
	restart      atomic.Bool     // the checkpointer asks the committer to restart the WAL
	checkpointed chan struct{}   // closed when the checkpointer has stopped
	closing      chan struct{}
	stopped      chan struct{}
	closeOnce    sync.Once
}

var _ bot.Store = (*Store)(nil)

// Option configures a Store.
type Option func(*options)

type options struct {
	log *slog.Logger
}

// WithLogger sets the logger: the start-up check's outcome, and damage
// found while running.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// Open opens (creating if needed) the SQLite file at path, checks it for
// damage (refusing a damaged file, with the way out) and applies the
// embedded migrations.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	if path == "" {
		return nil, errors.New("open store: empty database path")
	}
	o := options{log: slog.New(slog.DiscardHandler)}
	for _, opt := range opts {
		opt(&o)
	}
	if err := check(ctx, path, o.log); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	write, err := sqlx.Open("sqlite", dsn(path, true))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	file, err := onDisk(ctx, write)
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s := &Store{file: file, write: write, stmts: map[stmtKey]*sqlx.Stmt{}, unprepared: map[string]bool{}, sellers: newSellerCache(),
		queue: make(chan *updateReq), closing: make(chan struct{}), stopped: make(chan struct{}),
		written: make(chan struct{}, 1), checkpointed: make(chan struct{}), restartAt: restartAt}
	s.log, s.damagedClaims = o.log, map[string]int{}
	if err := s.migrate(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	read, err := sqlx.Open("sqlite", dsn(path, false))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// Keep the readers open: a new connection re-prepares every query.
	read.SetMaxOpenConns(16)
	read.SetMaxIdleConns(16)
	s.read = read
	ckpt, err := sqlx.Open("sqlite", dsnWith(path, false, checkpointWait))
	if err != nil {
		write.Close()
		read.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	ckpt.SetMaxOpenConns(1)
	s.ckpt = ckpt
	go s.committer()
	go s.checkpointer()
	return s, nil
}

// dsn builds the connection string: WAL, a busy timeout and foreign keys
// for every connection, and BEGIN IMMEDIATE for the writer, since its
// transactions read before they write.
func dsn(path string, writer bool) string { return dsnWith(path, writer, busyWait) }

// busyWait is how long a statement waits for a lock another connection holds.
const busyWait = 5 * time.Second

// dsnWith is dsn with another busy timeout: how long a statement waits for
// a lock another connection holds.
func dsnWith(path string, writer bool, busy time.Duration) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	// The checkpointer copies the WAL back (checkpoint.go); the writer's
	// own checkpoint is only a backstop, should it fall behind.
	q.Add("_pragma", fmt.Sprintf("wal_autocheckpoint(%d)", 2*restartAt))
	if writer {
		q.Set("_txlock", "immediate")
	}
	if strings.Contains(path, "?") { // a file: URI with parameters of its own
		return path + "&" + q.Encode()
	}
	return path + "?" + q.Encode()
}

func (s *Store) migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, s.write.DB, sub)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	return nil
}

// Close closes the database, after the transaction being committed.
func (s *Store) Close() error {
	s.closeOnce.Do(func() { close(s.closing) })
	<-s.stopped
	<-s.checkpointed
	s.mu.Lock()
	for _, st := range s.stmts {
		st.Close()
	}
	s.mu.Unlock()
	return errors.Join(s.write.Close(), s.read.Close(), s.ckpt.Close())
}

// Update runs fn in one write transaction.
//
// Transactions are committed in groups: while one group is being written,
// the transactions that arrive wait, and then run together in one SQLite
// transaction, so one commit serves them all. Every caller still returns
// only after its own work is committed (or rolled back, if its fn failed).
// When one fn of a group fails, the others run again, each alone: fn may
// run more than once, so it must set what it captures, not add to it.
func (s *Store) Update(ctx context.Context, fn func(bot.Tx) error) error {
	req := &updateReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case s.queue <- req:
	case <-ctx.Done():
		return ctx.Err()
	case <-s.closing:
		return errClosed
	}
	err := <-req.done
	s.mu.Lock()
	fresh := len(s.unprepared) > 0
	s.mu.Unlock()
	if fresh {
		s.prepareNew(context.WithoutCancel(ctx))
	}
	return err
}

var errClosed = errors.New("store is closed")

// maxGroup bounds how many transactions share one commit.
const maxGroup = 128

type updateReq struct {
	ctx   context.Context
	fn    func(bot.Tx) error
	done  chan error
	claim string // the inbound delivery fn claims, if any ("platform update-id")
}

// committer runs the queued transactions, in groups, until the store closes.
func (s *Store) committer() {
	defer close(s.stopped)
	for {
		var first *updateReq
		select {
		case first = <-s.queue:
		case <-s.closing:
			return
		}
		group := []*updateReq{first}
	more:
		for len(group) < maxGroup {
			select {
			case r := <-s.queue:
				group = append(group, r)
			default:
				break more
			}
		}
		s.commitGroup(group)
		s.wrote()
		s.restartWAL()
	}
}

// commitGroup runs a group in one transaction and commits it once. If one
// transaction of the group fails, the group is rolled back and each is run
// again alone, so a failure rolls back only its own work. (Savepoints
// around each would do the same in one pass, but copying every page each
// one touches costs more on every message than a rare second run.)
func (s *Store) commitGroup(group []*updateReq) {
	live := group[:0:0]
	for _, r := range group {
		if err := r.ctx.Err(); err != nil {
			r.done <- err // gave up before its turn: not run
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	err := s.runTx(live)
	if err != nil && len(live) > 1 {
		for _, r := range live {
			r.done <- s.settle(r, s.runTx([]*updateReq{r}))
		}
		return
	}
	for _, r := range live {
		r.done <- s.settle(r, err)
	}
}

// runTx runs transactions in one SQLite transaction; it commits only if
// every one succeeded, and returns the first error otherwise.
func (s *Store) runTx(group []*updateReq) error {
	tx, err := s.write.BeginTxx(context.Background(), nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	t := &storeTx{tx: tx, store: s, bound: map[string]*sqlx.Stmt{}}
	t.Tx = teamsql.Tx{DB: txDB{t}}
	for _, r := range group {
		t.req = r
		if err := r.fn(t); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	s.sellers.commit(&t.sellers)
	return nil
}

// write1 runs one write statement through the committer, so it shares a
// commit with whatever else is being written.
func (s *Store) write1(ctx context.Context, query string, args ...any) error {
	return s.Update(ctx, func(t bot.Tx) error {
		_, err := t.(*storeTx).exec(ctx, query, args...)
		return err
	})
}

// MarkSent records outbox messages as delivered.
func (s *Store) MarkSent(ctx context.Context, ids []int64, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	query, args, err := sqlx.In(`UPDATE outbox SET sent_at = ? WHERE id IN (?) AND sent_at IS NULL`, at.UTC(), ids)
	if err != nil {
		return fmt.Errorf("mark sent: %w", err)
	}
	if _, err := s.write.ExecContext(ctx, s.write.Rebind(query), args...); err != nil {
		return fmt.Errorf("mark sent: %w", err)
	}
	return nil
}

// MarkSentRef records one message as delivered, with the platform's id for it.
func (s *Store) MarkSentRef(ctx context.Context, id int64, ref string, at time.Time) error {
	err := s.write1(ctx, `UPDATE outbox SET sent_at = ?, ref = ? WHERE id = ? AND sent_at IS NULL`, at.UTC(), ref, id)
	if err != nil {
		return fmt.Errorf("mark outbox %d sent: %w", id, err)
	}
	return nil
}

// MarkFailed sets one message aside with the reason.
func (s *Store) MarkFailed(ctx context.Context, id int64, reason string, at time.Time) error {
	err := s.write1(ctx, `UPDATE outbox SET failed_at = ?, error = ? WHERE id = ? AND sent_at IS NULL`, at.UTC(), reason, id)
	if err != nil {
		return fmt.Errorf("mark outbox %d failed: %w", id, err)
	}
	return nil
}

// MarkUnreachable marks r's seller unreachable and sets aside every
// undelivered message to that chat, in one transaction.
func (s *Store) MarkUnreachable(ctx context.Context, r bot.Reply, reason string, at time.Time) error {
	err := s.Update(ctx, func(t bot.Tx) error {
		tx := t.(*storeTx)
		if r.SellerID != 0 {
			tx.sellers.wrote(sellerKey{}, r.SellerID)
			if _, err := tx.exec(ctx, `UPDATE sellers SET unreachable_at = ? WHERE id = ?`, at.UTC(), r.SellerID); err != nil {
				return fmt.Errorf("mark seller %d unreachable: %w", r.SellerID, err)
			}
		}
		if _, err := tx.exec(ctx, `UPDATE outbox SET failed_at = ?, error = ? WHERE platform = ? AND kind IN (`+allKinds+`) AND chat_id = ? AND sent_at IS NULL AND failed_at IS NULL`,
			at.UTC(), "unreachable: "+reason, r.Platform, r.ChatID); err != nil {
			return fmt.Errorf("set aside messages to %s: %w", r.ChatID, err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("mark unreachable: %w", err)
	}
	return nil
}

type outboxRow struct {
	ID           int64         `db:"id"`
	Platform     string        `db:"platform"`
	ChatID       string        `db:"chat_id"`
	SellerID     sql.NullInt64 `db:"seller_id"`
	Kind         string        `db:"kind"`
	Payload      string        `db:"payload"`
	Announcement sql.NullInt64 `db:"announcement_id"`
	StatusOf     sql.NullInt64 `db:"status_of"`
	Ref          string        `db:"ref"`
}

const outboxColumns = `id, platform, chat_id, seller_id, kind, payload, announcement_id, status_of, ref`

func (r outboxRow) reply() (bot.Reply, error) {
	var rep bot.Reply
	if err := json.Unmarshal([]byte(r.Payload), &rep); err != nil {
		return rep, fmt.Errorf("outbox %d: %w", r.ID, err)
	}
	rep.ID, rep.Platform, rep.ChatID, rep.SellerID, rep.Kind = r.ID, r.Platform, r.ChatID, r.SellerID.Int64, bot.Kind(r.Kind)
	rep.Announcement, rep.StatusOf, rep.Ref = r.Announcement.Int64, r.StatusOf.Int64, r.Ref
	return rep, nil
}

// allKinds lists every kind of message, so that a query by chat can use
// the outbox_due_kind index (platform, kind, chat_id, id).
const allKinds = `'` + string(bot.KindReply) + `', '` + string(bot.KindAnnouncement) + `'`

// replyFirst orders sellers' replies ahead of announcements.
const replyFirst = `CASE WHEN kind = 'reply' THEN 0 ELSE 1 END`

// DueChats lists chats with undelivered messages of a kind to reachable sellers.
func (s *Store) DueChats(ctx context.Context, platform string, kind bot.Kind, limit int) ([]string, error) {
	var chats []string
	err := s.rsel(ctx, &chats,
		`SELECT o.chat_id FROM outbox o LEFT JOIN sellers s ON s.id = o.seller_id
		 WHERE o.platform = ? AND o.kind = ? AND o.sent_at IS NULL AND o.failed_at IS NULL AND s.unreachable_at IS NULL
		 GROUP BY o.chat_id ORDER BY MIN(o.id) LIMIT ?`, platform, string(kind), limit)
	if err != nil {
		return nil, fmt.Errorf("due chats: %w", err)
	}
	return chats, nil
}

// Pending lists undelivered messages for one chat: replies first, oldest first.
func (s *Store) Pending(ctx context.Context, platform, chatID string) ([]bot.Reply, error) {
	var rows []outboxRow
	err := s.rsel(ctx, &rows,
		`SELECT `+outboxColumns+` FROM outbox
		 WHERE platform = ? AND kind IN (`+allKinds+`) AND chat_id = ? AND sent_at IS NULL AND failed_at IS NULL
		 ORDER BY `+replyFirst+`, id`, platform, chatID)
	if err != nil {
		return nil, fmt.Errorf("pending outbox: %w", err)
	}
	out := make([]bot.Reply, 0, len(rows))
	for _, r := range rows {
		rep, err := r.reply()
		if err != nil {
			return nil, err
		}
		if err := fileData(ctx, s.rget, &rep); err != nil {
			return nil, err
		}
		out = append(out, rep)
	}
	return out, nil
}

// fileData reads the bytes of the file a message carries, when the store
// holds them: only such messages pay for the read.
func fileData(ctx context.Context, get selector, r *bot.Reply) error {
	if r.File == nil || !r.File.Stored {
		return nil
	}
	if err := get(ctx, &r.File.Data, `SELECT data FROM outbox_files WHERE outbox_id = ?`, r.ID); err != nil {
		return fmt.Errorf("outbox %d file: %w", r.ID, err)
	}
	return nil
}

// Outgoing finds one queued message by id.
func (s *Store) Outgoing(ctx context.Context, id int64) (bot.Reply, error) {
	return outgoing(ctx, s.rget, id)
}

// Outgoing finds one queued message by id, inside the transaction.
func (t *storeTx) Outgoing(ctx context.Context, id int64) (bot.Reply, error) {
	return outgoing(ctx, t.get, id)
}

func outgoing(ctx context.Context, get selector, id int64) (bot.Reply, error) {
	var r outboxRow
	err := get(ctx, &r,
		`SELECT `+outboxColumns+` FROM outbox WHERE id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return bot.Reply{}, bot.ErrNotFound
	}
	if err != nil {
		return bot.Reply{}, fmt.Errorf("outbox %d: %w", id, err)
	}
	rep, err := r.reply()
	if err != nil {
		return rep, err
	}
	return rep, fileData(ctx, get, &rep)
}

// storeTx implements bot.Tx on one SQL transaction.
type storeTx struct {
	tx      *sqlx.Tx
	store   *Store
	req     *updateReq            // the transaction of the group running now
	bound   map[string]*sqlx.Stmt // statements bound to tx, by query: a group binds each once
	sellers txSellers             // what it read and wrote of the seller cache
	// projections holds the projection last read or written in this
	// transaction, per seller and market, so a save knows what is stored.
	projections map[projectionKey]string
	teamsql.Tx  // members, accounts, codes and team notes (accounts.go)
}

// The store prepares each query once and reuses it: parsing SQL again for
// every message costs more than running it.

func (s *Store) stmt(ctx context.Context, db *sqlx.DB, query string) (*sqlx.Stmt, error) {
	key := stmtKey{db: db, query: query}
	s.mu.Lock()
	st, ok := s.stmts[key]
	s.mu.Unlock()
	if ok {
		return st, nil
	}
	// Not under s.mu: preparing waits for a connection, and the writer's one
	// connection may belong to a transaction that needs s.mu meanwhile.
	st, err := db.PreparexContext(ctx, db.Rebind(query))
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if prev, ok := s.stmts[key]; ok {
		st.Close()
		return prev, nil
	}
	s.stmts[key] = st
	return st, nil
}

type stmtKey struct {
	db    *sqlx.DB
	query string
}

// rsel and rget run a query on the reader pool. Reads pause while the
// checkpointer restarts the WAL (see checkpoint.go).
func (s *Store) rsel(ctx context.Context, dest any, query string, args ...any) error {
	st, err := s.stmt(ctx, s.read, query)
	if err != nil {
		return err
	}
	s.reads.RLock()
	defer s.reads.RUnlock()
	return st.SelectContext(ctx, dest, args...)
}

func (s *Store) rget(ctx context.Context, dest any, query string, args ...any) error {
	st, err := s.stmt(ctx, s.read, query)
	if err != nil {
		return err
	}
	s.reads.RLock()
	defer s.reads.RUnlock()
	return st.GetContext(ctx, dest, args...)
}

// txStmt returns the prepared query bound to the transaction. The writer
// has one connection, which the transaction holds, so a query not prepared
// yet is prepared on the transaction this time, and on the database right
// after it ends (see Update).
func (t *storeTx) txStmt(ctx context.Context, query string) (*sqlx.Stmt, error) {
	if st, ok := t.bound[query]; ok {
		return st, nil
	}
	key := stmtKey{db: t.store.write, query: query}
	t.store.mu.Lock()
	st, ok := t.store.stmts[key]
	if !ok {
		t.store.unprepared[query] = true
	}
	t.store.mu.Unlock()
	var err error
	if ok {
		st = t.tx.StmtxContext(ctx, st)
	} else if st, err = t.tx.PreparexContext(ctx, t.tx.Rebind(query)); err != nil {
		return nil, err
	}
	t.bound[query] = st
	return st, nil
}

// prepareNew prepares on the writer the queries transactions met for the
// first time.
func (s *Store) prepareNew(ctx context.Context) {
	s.mu.Lock()
	queries := make([]string, 0, len(s.unprepared))
	for q := range s.unprepared {
		queries = append(queries, q)
	}
	clear(s.unprepared)
	s.mu.Unlock()
	for _, q := range queries {
		if _, err := s.stmt(ctx, s.write, q); err != nil {
			return // prepared on the next transaction that needs it
		}
	}
}

// Statements in a transaction run without the caller's context: a caller
// that gives up before its turn is skipped by the committer, and once its
// work runs it finishes, so that a cancellation never interrupts the
// connection the whole group shares. A context that cannot be cancelled also
// spares database/sql and the driver a watching goroutine per statement.
func (t *storeTx) exec(_ context.Context, query string, args ...any) (sql.Result, error) {
	ctx := context.Background()
	st, err := t.txStmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (t *storeTx) get(_ context.Context, dest any, query string, args ...any) error {
	ctx := context.Background()
	st, err := t.txStmt(ctx, query)
	if err != nil {
		return err
	}
	return st.GetContext(ctx, dest, args...)
}

func (t *storeTx) sel(_ context.Context, dest any, query string, args ...any) error {
	ctx := context.Background()
	st, err := t.txStmt(ctx, query)
	if err != nil {
		return err
	}
	return st.SelectContext(ctx, dest, args...)
}

func (t *storeTx) Claim(ctx context.Context, platform, updateID string, at time.Time) (bool, error) {
	t.req.claim = platform + " " + updateID
	// ON CONFLICT DO NOTHING is understood by SQLite and PostgreSQL alike.
	res, err := t.exec(ctx, `INSERT INTO inbound (platform, update_id, handled_at) VALUES (?, ?, ?)
		ON CONFLICT (platform, update_id) DO NOTHING`, platform, updateID, at.UTC())
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
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

// scan reads sellerColumns (scanned by hand: every message loads its
// seller, and sqlx's mapping by reflection costs more than the query).
func (r *sellerRow) scan(row interface{ Scan(...any) error }, more ...any) error {
	return row.Scan(append([]any{&r.ID, &r.Platform, &r.UserID, &r.ChatID, &r.Lang, &r.LangSet, &r.Market, &r.Unreachable, &r.CreatedAt,
		&r.TZ, &r.TZSet, &r.Off}, more...)...)
}

func (t *storeTx) Seller(ctx context.Context, platform, userID string) (bot.Seller, error) {
	k := sellerKey{platform, userID}
	if s, ok := t.store.sellers.lookup(&t.sellers, k); ok {
		return s, nil
	}
	st, err := t.txStmt(context.Background(), `SELECT `+sellerColumns+` FROM sellers WHERE platform = ? AND user_id = ?`)
	if err != nil {
		return bot.Seller{}, err
	}
	var r sellerRow
	err = r.scan(st.QueryRowContext(context.Background(), platform, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return bot.Seller{}, bot.ErrNotFound
	}
	if err != nil {
		return bot.Seller{}, err
	}
	seller := r.seller()
	t.sellers.load(k, seller)
	return seller, nil
}

func (r sellerRow) seller() bot.Seller {
	return bot.Seller{ID: r.ID, Platform: r.Platform, UserID: r.UserID, ChatID: r.ChatID,
		Lang: flows.Lang(r.Lang), LangSet: r.LangSet, Market: r.Market, Unreachable: r.Unreachable.Valid, CreatedAt: r.CreatedAt,
		TZ: r.TZ, TZSet: r.TZSet, RemindersOff: bot.Topic(r.Off)}
}

func (t *storeTx) CreateSeller(ctx context.Context, s *bot.Seller) error {
	t.sellers.wrote(sellerKey{s.Platform, s.UserID}, 0)
	// RETURNING works in SQLite 3.35+ and PostgreSQL, unlike LastInsertId.
	return t.get(ctx, &s.ID,
		`INSERT INTO sellers (platform, user_id, chat_id, lang, lang_set, market, created_at, tz, tz_set, reminders_off)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		s.Platform, s.UserID, s.ChatID, string(s.Lang), s.LangSet, s.Market, s.CreatedAt.UTC(), s.TZ, s.TZSet, int(s.RemindersOff))
}

func (t *storeTx) SaveSeller(ctx context.Context, s bot.Seller) error {
	t.sellers.wrote(sellerKey{s.Platform, s.UserID}, s.ID)
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

func (t *storeTx) Onboarding(ctx context.Context, sellerID int64, market string) (bot.Onboarding, error) {
	var r onboardingRow
	err := t.get(ctx, &r,
		`SELECT `+onboardingColumns+` FROM onboardings WHERE seller_id = ? AND market = ?`, sellerID, market)
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
	return onboardings(ctx, t.sel, sellerID, t.sawProjection)
}

// Onboardings lists a seller's onboardings from committed data (the read side).
func (s *Store) Onboardings(ctx context.Context, sellerID int64) ([]bot.Onboarding, error) {
	return onboardings(ctx, s.rsel, sellerID, nil)
}

// selector runs a query into a slice: a transaction's or the read pool's.
type selector func(ctx context.Context, dest any, query string, args ...any) error

// onboardings lists a seller's onboardings. saw, when set, is told of each
// row with its projection; without it the projection, at the end of the
// row, is not read.
func onboardings(ctx context.Context, sel selector, sellerID int64, saw func(onboardingRow)) ([]bot.Onboarding, error) {
	var rows []onboardingRow
	columns := onboardingColumns
	if saw == nil {
		columns = strings.TrimSuffix(onboardingColumns, ", projection") + ", '' AS projection"
		saw = func(onboardingRow) {}
	}
	err := sel(ctx, &rows,
		`SELECT `+columns+` FROM onboardings WHERE seller_id = ? ORDER BY started_at, market`, sellerID)
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
// data (the read side). Both queries use the (seller, market, id) index:
// the count reads only the index, and the page reads only its own rows.
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
		   WHERE seller_id = ? AND market = ? ORDER BY id DESC LIMIT ? OFFSET ?)
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

func (t *storeTx) Enqueue(ctx context.Context, r *bot.Reply, at time.Time) error {
	if r.File != nil {
		r.File.Stored = len(r.File.Data) > 0
	}
	payload, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode reply: %w", err)
	}
	var seller, announcement, statusOf, failedAt any
	if r.SellerID != 0 {
		seller = r.SellerID
	}
	if r.Announcement != 0 {
		announcement = r.Announcement
	}
	if r.StatusOf != 0 {
		statusOf = r.StatusOf
	}
	if r.Undeliverable != "" {
		failedAt = at.UTC()
	}
	// An announcement already queued to this seller stays queued once.
	// The id comes from LastInsertId rather than RETURNING: every message
	// queues a reply, and a query with rows costs SQLite a good deal more
	// than an exec. (A PostgreSQL store would use RETURNING here.)
	res, err := t.exec(ctx,
		`INSERT INTO outbox (platform, chat_id, seller_id, kind, payload, created_at, announcement_id, status_of, failed_at, error)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		 ON CONFLICT (announcement_id, seller_id) WHERE announcement_id IS NOT NULL DO NOTHING`,
		r.Platform, r.ChatID, seller, string(r.Kind), string(payload), at.UTC(), announcement, statusOf, failedAt, r.Undeliverable)
	if err != nil {
		return err
	}
	r.ID = 0
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 1 {
		if r.ID, err = res.LastInsertId(); err != nil {
			return err
		}
	}
	if r.ID != 0 && r.File != nil && r.File.Stored {
		if _, err := t.exec(ctx, `INSERT INTO outbox_files (outbox_id, data) VALUES (?, ?)`, r.ID, r.File.Data); err != nil {
			return fmt.Errorf("queue file: %w", err)
		}
	}
	return nil
}
