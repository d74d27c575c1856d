package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/onboardbot/onboardbot/bot"
)

// A database file can be damaged under the program (a disk or file system
// fault, a copy taken while it was written, another tool writing to it).
// SQLite then fails every statement that reads a damaged page with
// SQLITE_CORRUPT, however often it is run. Two defences:
//
//   - Open runs PRAGMA quick_check first and refuses a damaged file, saying
//     how to restore it, rather than start and fail update after update.
//   - A transaction that fails on damage while the program runs is logged,
//     and once the same inbound delivery has failed setAsideAfter times it
//     is returned as bot.ErrSetAside: the core then acknowledges it, so the
//     platform stops redelivering it (and a polling loop, which refetches
//     a failed batch, moves on).

// checkBudget bounds the start-up check. quick_check reads every page: on
// the 100,000-seller database of BenchmarkScale100k (154 MB) it takes about
// 0.4-0.5 s on the development machine, so the budget covers files about
// ten times that size; a larger file starts unchecked, and says so.
var checkBudget = 5 * time.Second

// setAsideAfter is how many times one inbound delivery may fail on damaged
// data before the store gives up on it. More than once, since a read can
// fail on a fault that passes (a disk that recovers); the platforms
// redeliver a failed update within minutes (Slack three times).
const setAsideAfter = 3

// maxTracked bounds the deliveries whose failures are counted.
const maxTracked = 4096

// wayOut is what an operator does about a damaged file.
const wayOut = "stop every onboardbot process on it, move the file (with its -wal and -shm files) aside, " +
	"copy your latest backup (`onboardbot backup --to FILE` makes one) to its path, and start again; " +
	`see "Backups" in the README`

// corrupt reports whether err says the database file is damaged.
func corrupt(err error) bool {
	var e *msqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code() & 0xff { // the primary code of an extended one
	case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
		return true
	}
	return false
}

// damaged is Open's answer for a damaged file: what SQLite found, and the
// way out.
func damaged(found string) error {
	return fmt.Errorf("the database file is damaged (%s), so onboardbot will not start on it. To restore it: %s", found, wayOut)
}

// check runs PRAGMA quick_check on its own connection (closed after, so the
// pages it reads do not crowd the writer's cache), within checkBudget.
func check(ctx context.Context, path string, log *slog.Logger) error {
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return fmt.Errorf("check database: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	cctx, cancel := context.WithTimeout(ctx, checkBudget)
	defer cancel()
	began := time.Now()
	found, err := quickCheck(cctx, db)
	took := time.Since(began).Round(time.Millisecond)
	switch {
	case err == nil && len(found) == 1 && found[0] == "ok":
		log.Info("database checked: no damage found", "check", "quick_check", "took", took)
		return nil
	case err == nil:
		return damaged("quick_check: " + strings.Join(found, "; "))
	case corrupt(err):
		return damaged(err.Error())
	case ctx.Err() != nil:
		return ctx.Err()
	case cctx.Err() != nil:
		log.Warn("database check stopped at its time limit: the file is large; starting without a full check",
			"check", "quick_check", "took", took, "limit", checkBudget)
		return nil
	}
	return fmt.Errorf("check database: %w", err)
}

// quickCheck returns quick_check's findings: "ok", or up to three problems.
func quickCheck(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, `PRAGMA quick_check(3)`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var found []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return nil, err
		}
		found = append(found, line)
	}
	return found, rows.Err()
}

// settle runs on the committer when a transaction's outcome is known: it
// logs damage, counts the failures of each inbound delivery, and turns the
// last one into bot.ErrSetAside.
func (s *Store) settle(r *updateReq, err error) error {
	if err == nil {
		if len(s.damagedClaims) > 0 {
			delete(s.damagedClaims, r.claim)
		}
		return nil
	}
	if !corrupt(err) {
		return err
	}
	if r.claim == "" {
		s.log.Error("database damaged: a write failed", "err", err, "way_out", wayOut)
		return err
	}
	if len(s.damagedClaims) >= maxTracked {
		clear(s.damagedClaims)
	}
	n := s.damagedClaims[r.claim] + 1
	s.damagedClaims[r.claim] = n
	s.log.Error("database damaged: an update failed", "update", r.claim, "attempt", n, "err", err, "way_out", wayOut)
	if n < setAsideAfter {
		return err
	}
	return fmt.Errorf("%w %d times: %w", bot.ErrSetAside, n, err)
}
