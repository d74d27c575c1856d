package postgres

// Opening the store: the URL, the connection, the checks that a database
// onboardbot cannot use is refused at start-up with the reason (read-only,
// a schema from a newer onboardbot), and the migrations.

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/jmoiron/sqlx"
	"github.com/onboardbot/onboardbot/data/internal/sqlstore"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations/*.sql
var migrations embed.FS

// ErrReadOnly is returned (wrapped) by Open when the database does not let
// onboardbot write: a read-only database or server, or a role without
// the privileges.
var ErrReadOnly = errors.New("database is read-only for onboardbot")

// SchemaTooNewError is returned (wrapped) by Open when the database was
// migrated by a newer onboardbot than this one: this one would misread it.
type SchemaTooNewError struct {
	Version int64 // the database's schema version
	Known   int64 // the highest version this build knows
}

func (e *SchemaTooNewError) Error() string {
	return fmt.Sprintf("database schema is version %d, this onboardbot knows up to %d: upgrade onboardbot", e.Version, e.Known)
}

// Option configures a Store.
type Option func(*options)

type options struct {
	log *slog.Logger
}

// WithLogger sets the logger: the start-up's outcome, and transactions retried.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// connectTimeout bounds each connection attempt when the URL sets none
// (connect_timeout): an unreachable server fails Open in seconds rather
// than at the operating system's TCP timeout, minutes later.
const connectTimeout = 5 * time.Second

// idleInTx is how long a transaction may idle between statements before
// the server ends its session (unless the URL sets its own).
const idleInTx = "60s"

// Pool sizes. Update's transactions have their own pool, so that a
// transaction that reads the read side (the core's /status does, inside
// its transaction) never waits for a connection another transaction
// holds: with one pool, as many such transactions as connections would
// wait for each other for ever. The writers are more: every message is a
// transaction, while the read side serves the dispatchers and the pages.
const (
	writeConns = 16
	readConns  = 8
)

// Open connects to the PostgreSQL database at url (postgres://...),
// checks that onboardbot can use it, and applies the embedded migrations.
// Its errors never carry the URL's password.
func Open(ctx context.Context, url string, opts ...Option) (*Store, error) {
	o := options{log: slog.New(slog.DiscardHandler)}
	for _, opt := range opts {
		opt(&o)
	}
	s, err := open(ctx, url, o)
	if err != nil {
		return nil, scrub(fmt.Errorf("open postgres: %w", err), url)
	}
	return s, nil
}

func open(ctx context.Context, connString string, o options) (*Store, error) {
	if strings.TrimSpace(connString) == "" {
		return nil, errors.New("empty database URL")
	}
	cfg, err := pgx.ParseConfig(connString)
	if err != nil {
		return nil, malformed(err)
	}
	where := fmt.Sprintf("%s:%d/%s", cfg.Host, cfg.Port, cfg.Database)
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = connectTimeout
	}
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = "onboardbot"
	}
	// A transaction left open by a process that froze (stopped, swapping,
	// cut off without a reset) would hold its sellers' locks, and their
	// messages, for as long: the server ends such a session instead. A
	// transaction of the bot never idles for long between statements.
	if cfg.RuntimeParams["idle_in_transaction_session_timeout"] == "" {
		cfg.RuntimeParams["idle_in_transaction_session_timeout"] = idleInTx
	}
	pool := func(n int) *sqlx.DB {
		db := sqlx.NewDb(stdlib.OpenDB(*cfg, stdlib.OptionAfterConnect(utcTimes)), "pgx")
		db.SetMaxOpenConns(n)
		db.SetMaxIdleConns(n) // a new connection costs a process on the server
		db.SetConnMaxIdleTime(10 * time.Minute)
		return db
	}
	s := &Store{db: pool(readConns), writer: pool(writeConns), log: o.log}
	s.sharedReads = sqlstore.NewReads(readSide{s})
	if err := s.start(ctx, where, cfg.ConnectTimeout); err != nil {
		s.Close()
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	return s, nil
}

// start checks the database and migrates it.
func (s *Store) start(ctx context.Context, where string, timeout time.Duration) error {
	pctx, cancel := context.WithTimeout(ctx, timeout+time.Second)
	defer cancel()
	if err := s.db.PingContext(pctx); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	// A read-only server or database (a standby, default_transaction_read_only)
	// says so: no need to try a write to know.
	var ro string
	if err := s.db.GetContext(ctx, &ro, `SELECT current_setting('transaction_read_only')`); err != nil {
		return fmt.Errorf("read settings: %w", err)
	}
	if ro == "on" {
		return fmt.Errorf("%w: default_transaction_read_only is on, or the server is a standby", ErrReadOnly)
	}
	version, err := s.migrate(ctx)
	if err != nil {
		return err
	}
	// A role may read and not write: only a write tells.
	if err := s.heartbeat(ctx); err != nil {
		return err
	}
	s.log.Info("postgres store open", "database", where, "schema", version)
	return nil
}

// migrate applies the embedded migrations, after refusing a database whose
// schema is newer than they are: this build would misread it. It returns
// the schema version.
func (s *Store) migrate(ctx context.Context) (int64, error) {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return 0, fmt.Errorf("migrations: %w", err)
	}
	// Instances of a fleet may start together: one migrates, the others wait.
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return 0, fmt.Errorf("migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, s.writer.DB, sub, goose.WithSessionLocker(locker))
	if err != nil {
		return 0, fmt.Errorf("migrations: %w", err)
	}
	current, known, err := p.GetVersions(ctx)
	if err != nil {
		return 0, writeError("read schema version", err)
	}
	if current > known {
		return 0, &SchemaTooNewError{Version: current, Known: known}
	}
	if _, err := p.Up(ctx); err != nil {
		return 0, writeError("apply migrations", err)
	}
	return known, nil
}

// writeError wraps an error of a write (nil stays nil), and says when it is because the
// database or the role does not allow writing.
func writeError(what string, err error) error {
	if err == nil {
		return nil
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) && (pg.Code == "25006" || pg.Code == "42501") { // read_only_sql_transaction, insufficient_privilege
		return fmt.Errorf("%w: %s: %w", ErrReadOnly, what, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// utcTimes makes a connection return times in UTC, as the SQLite store
// does: pgx returns them in the process's local zone otherwise, and a time
// formatted without .UTC() would read differently on another machine.
func utcTimes(_ context.Context, c *pgx.Conn) error {
	c.TypeMap().RegisterType(&pgtype.Type{Name: "timestamptz", OID: pgtype.TimestamptzOID,
		Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC}})
	return nil
}

// scrub keeps the URL's password out of an error, should a driver or a
// parser have quoted it: pgx's errors name the user and the database, not
// the password, but a guarantee is better than a reading of pgx. The error keeps its chain
// for errors.Is and errors.As; only its text changes.
func scrub(err error, connString string) error {
	msg := err.Error()
	for _, secret := range secrets(connString) {
		msg = strings.ReplaceAll(msg, secret, "xxxxx")
	}
	if msg == err.Error() {
		return err
	}
	return &scrubbed{msg: msg, err: err}
}

// malformed is the error of a connection string that does not parse:
// pgx's reason, without the string pgx quotes (redacted, by its own
// account, at best effort: a string that does not parse can hide where its
// password ends).
func malformed(err error) error {
	reason := err.Error()
	if i := strings.LastIndex(reason, "`: "); i >= 0 {
		reason = reason[i+len("`: "):]
	}
	return &scrubbed{msg: "malformed database URL: " + reason, err: err}
}

type scrubbed struct {
	msg string
	err error
}

func (e *scrubbed) Error() string { return e.msg }
func (e *scrubbed) Unwrap() error { return e.err }

var (
	// userinfo is the password of a URL, as a parser that fails might
	// still have seen it: between the first colon after // and the last @
	// before the path. Lenient on purpose: it runs on malformed URLs.
	userinfo = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*://[^:@/]*:(.*)@`)
	// keyword is a password in the key=value form of a connection string.
	keyword = regexp.MustCompile(`password\s*=\s*('(?:[^'\\]|\\.)*'|\S+)`)
)

// secrets finds the passwords a connection string holds, as written and
// decoded, so that they can be taken out of a message.
func secrets(connString string) []string {
	var out []string
	add := func(s string) {
		if s == "" {
			return
		}
		out = append(out, s)
		if d, err := url.PathUnescape(s); err == nil && d != s {
			out = append(out, d)
		}
	}
	if m := userinfo.FindStringSubmatch(connString); m != nil {
		add(m[1]) // up to the last @, and up to the first: one of them is the password
		if i := strings.Index(m[1], "@"); i >= 0 {
			add(m[1][:i])
		}
	}
	for _, m := range keyword.FindAllStringSubmatch(connString, -1) {
		add(strings.Trim(m[1], "'"))
	}
	if u, err := url.Parse(connString); err == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok {
			add(pw)
			add(url.QueryEscape(pw))
		}
	}
	// The longest first: a shorter one may be part of it.
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}
