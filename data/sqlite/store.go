// Package sqlite is the bot's SQLite store: it implements bot.Store with one
// writer connection whose transactions are committed in groups, a pool of
// readers, and the migrations embedded and applied at start.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
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
	"github.com/onboardbot/onboardbot/data/internal/sqlstore"
	"github.com/onboardbot/onboardbot/data/internal/teamsql"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is the SQLite store. Writes go through a single connection, so
// transactions never contend for SQLite's one write lock; reads use a pool.
//
// Besides its own methods, Store has those of the read side it shares with
// data/postgres (sqlstore.Reads, embedded): Onboardings, History, Projections,
// Outgoing, the reports (Funnel, Stuck, Stops, ItemCounts, Expiring,
// AnnouncementReport, SellerByID, Messages, Session) and the gauges
// (OutboxDepth, UnreachableSellers, OnboardingStages).
type Store struct {
	file  string // the database file, as SQLite names it
	write *sqlx.DB
	read  *sqlx.DB
	ckpt  *sqlx.DB     // the checkpointer's connection
	reads sync.RWMutex // held by each read; taken to restart the WAL

	mu         sync.Mutex
	stmts      map[stmtKey]*sqlx.Stmt
	unprepared map[string]bool // writer queries to prepare once the connection is free

	sellers    *sellerCache   // the committer's goroutine only
	identities *identityCache // the committer's goroutine only
	log        *slog.Logger
	// sharedReads is the read side shared with data/postgres, run through rsel
	// and rget (see readPool).
	sharedReads
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
	s := &Store{file: file, write: write, stmts: map[stmtKey]*sqlx.Stmt{}, unprepared: map[string]bool{}, sellers: newSellerCache(), identities: newIdentityCache(),
		queue: make(chan *updateReq), closing: make(chan struct{}), stopped: make(chan struct{}),
		written: make(chan struct{}, 1), checkpointed: make(chan struct{}), restartAt: restartAt}
	s.log, s.damagedClaims = o.log, map[string]int{}
	s.sharedReads = sqlstore.NewReads(readPool{s})
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
	t.sharedTx = sqlstore.NewTx(t)
	t.Tx = teamsql.Tx{DB: t} // through Exec, Get and Select (shared.go)
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
	s.identities.commit(&t.ids)
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
		}
		return tx.SetUnreachable(ctx, r, reason, at)
	})
	if err != nil {
		return fmt.Errorf("mark unreachable: %w", err)
	}
	return nil
}

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
	return sqlstore.Pending(ctx, readPool{s}, platform, chatID)
}

// storeTx implements bot.Tx on one SQL transaction.
type storeTx struct {
	tx      *sqlx.Tx
	store   *Store
	req     *updateReq            // the transaction of the group running now
	bound   map[string]*sqlx.Stmt // statements bound to tx, by query: a group binds each once
	sellers txSellers             // what it read and wrote of the seller cache
	ids     txIdentities          // what it read of the identity cache, and which companies' accounts it wrote
	// sharedTx is the part of bot.Tx whose SQL data/postgres shares, run
	// through Exec, Get and Select (so through txStmt).
	sharedTx
	teamsql.Tx // members, accounts, codes and team notes (accounts.go)
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
	return t.InsertClaim(ctx, platform, updateID, at)
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
	var r sqlstore.SellerRow
	err = r.Scan(st.QueryRowContext(context.Background(), platform, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return bot.Seller{}, bot.ErrNotFound
	}
	if err != nil {
		return bot.Seller{}, err
	}
	seller := r.Seller()
	t.sellers.load(k, seller)
	return seller, nil
}

func (t *storeTx) CreateSeller(ctx context.Context, s *bot.Seller) error {
	t.sellers.wrote(sellerKey{s.Platform, s.UserID}, 0)
	return t.InsertSeller(ctx, s)
}

func (t *storeTx) SaveSeller(ctx context.Context, s bot.Seller) error {
	t.sellers.wrote(sellerKey{s.Platform, s.UserID}, s.ID)
	return t.UpdateSeller(ctx, s)
}

func (t *storeTx) Onboarding(ctx context.Context, sellerID int64, market string) (bot.Onboarding, error) {
	return t.LoadOnboarding(ctx, sqlstore.SelectOnboarding, sellerID, market)
}

func (t *storeTx) Onboardings(ctx context.Context, sellerID int64) ([]bot.Onboarding, error) {
	return t.ListOnboardings(ctx, sellerID, "")
}

func (t *storeTx) Enqueue(ctx context.Context, r *bot.Reply, at time.Time) error {
	payload, err := sqlstore.ReplyPayload(r)
	if err != nil {
		return err
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
		r.Platform, r.ChatID, seller, string(r.Kind), payload, at.UTC(), announcement, statusOf, failedAt, r.Undeliverable)
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
	return t.InsertReplyFile(ctx, r)
}
