package sqlstore

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/onboardbot/onboardbot/bot"
)

// Pruning never holds the writer for long. Each table is walked a window
// of rows at a time on the read side, in key order and in short reads (a
// long one would hold up SQLite's WAL restart), and only the rows found
// old enough go to the store's writer, at most a batch per transaction,
// deleted by key with the conditions checked again (another instance of a
// PostgreSQL fleet may be pruning too, or a message being sent). The walk
// goes once through each table whatever the batch: deleting "the first
// batch of old rows" again and again would read the rows already deleted,
// which stay in the table until vacuumed, on every round.

// Deletes are how a store deletes the rows Prune found old enough, one
// batch in one write transaction, with the conditions checked again. Each
// returns how many rows it deleted.
type Deletes struct {
	// Claims deletes the claims of keys (platform, update id) handled
	// before before.
	Claims func(ctx context.Context, keys [][2]string, before time.Time) (int64, error)
	// Messages deletes the outbox messages of ids that are still Prunable
	// with before and bot.RecentAnnouncements.
	Messages func(ctx context.Context, ids []int64, before time.Time) (int64, error)
	// Codes deletes the codes of keys (id, "") that are still
	// CodePrunable with before (twice).
	Codes func(ctx context.Context, keys [][2]string, before time.Time) (int64, error)
	// CodeTries deletes the wrong codes of keys (platform, user id) given
	// before before.
	CodeTries func(ctx context.Context, keys [][2]string, before time.Time) (int64, error)
}

// CodePrunable says whether a code may go: it expired, or was used, before
// the time bound (both ? are it).
const CodePrunable = `(expires_at < ? OR (used_at IS NOT NULL AND used_at < ?))`

// Prune deletes what before says is old enough (see bot.Pruner), reading
// on q and deleting through del.
func Prune(ctx context.Context, q Querier, del Deletes, before bot.PruneBefore, batch int) (bot.Pruned, error) {
	var n bot.Pruned
	if batch < 1 {
		return n, fmt.Errorf("prune: batch %d is not positive", batch)
	}
	for _, w := range []struct {
		what   string
		before time.Time
		n      *int
		walk   func(context.Context, Querier, Deletes, time.Time, int) (int, error)
	}{
		{"claims", before.Claims, &n.Claims, pruneClaims},
		{"outbox", before.Outbox, &n.Messages, pruneOutbox},
		{"codes", before.Codes, &n.Codes, pruneCodes},
		{"code tries", before.CodeTries, &n.CodeTries, pruneCodeTries},
	} {
		if w.before.IsZero() {
			continue
		}
		var err error
		if *w.n, err = w.walk(ctx, q, del, w.before.UTC(), batch); err != nil {
			return n, fmt.Errorf("prune %s: %w", w.what, err)
		}
	}
	return n, nil
}

// keyRow is a row a walk in key order reads: its key, in two parts (the
// second empty for a key of one), and whether it is old enough to go.
type keyRow struct {
	K0  string `db:"k0"`
	K1  string `db:"k1"`
	Old bool   `db:"old"`
}

// walkKeys walks a table in key order, read giving the next rows after a
// key (at most batch of them), and deletes the old ones with del, a batch
// at a time.
func walkKeys(ctx context.Context, batch int, read func(after [2]string) ([]keyRow, error), del func(context.Context, [][2]string) (int64, error)) (int, error) {
	d := doomed[[2]string]{batch: batch, del: del}
	var after [2]string
	for {
		rows, err := read(after)
		if err != nil {
			return d.deleted, err
		}
		for _, r := range rows {
			if r.Old {
				if err := d.add(ctx, [2]string{r.K0, r.K1}); err != nil {
					return d.deleted, err
				}
			}
		}
		if len(rows) < batch {
			return d.flush(ctx)
		}
		after = [2]string{rows[len(rows)-1].K0, rows[len(rows)-1].K1}
	}
}

// readKeys reads the rows of a walk in key order (what names them in an
// error).
func readKeys(ctx context.Context, q Querier, what, query string, args ...any) ([]keyRow, error) {
	var rows []keyRow
	if err := q.Select(ctx, &rows, query, args...); err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	return rows, nil
}

// pruneClaims walks the claims in key order (no index on their time: it
// would cost every message a write).
func pruneClaims(ctx context.Context, q Querier, del Deletes, before time.Time, batch int) (int, error) {
	return walkKeys(ctx, batch, func(after [2]string) ([]keyRow, error) {
		return readKeys(ctx, q, "claims", `SELECT platform AS k0, update_id AS k1, handled_at < ? AS old FROM inbound
			WHERE (platform, update_id) > (?, ?) ORDER BY platform, update_id LIMIT ?`, before, after[0], after[1], batch)
	}, func(ctx context.Context, keys [][2]string) (int64, error) { return del.Claims(ctx, keys, before) })
}

// pruneCodes walks the codes by id: there are few (a code lasts minutes),
// and their times are not indexed, as the claims' are not.
func pruneCodes(ctx context.Context, q Querier, del Deletes, before time.Time, batch int) (int, error) {
	return walkKeys(ctx, batch, func(after [2]string) ([]keyRow, error) {
		return readKeys(ctx, q, "codes", `SELECT id AS k0, '' AS k1, `+CodePrunable+` AS old FROM link_codes
			WHERE id > ? ORDER BY id LIMIT ?`, before, before, after[0], batch)
	}, func(ctx context.Context, keys [][2]string) (int64, error) { return del.Codes(ctx, keys, before) })
}

// pruneCodeTries walks the wrong codes by account, on their index; an
// account whose oldest try is old enough loses every try given before
// before, and keeps those the per-account limit still counts.
func pruneCodeTries(ctx context.Context, q Querier, del Deletes, before time.Time, batch int) (int, error) {
	return walkKeys(ctx, batch, func(after [2]string) ([]keyRow, error) {
		return readKeys(ctx, q, "code tries", `SELECT platform AS k0, user_id AS k1, min(at) < ? AS old FROM code_tries
			WHERE (platform, user_id) > (?, ?) GROUP BY platform, user_id ORDER BY platform, user_id LIMIT ?`,
			before, after[0], after[1], batch)
	}, func(ctx context.Context, keys [][2]string) (int64, error) { return del.CodeTries(ctx, keys, before) })
}

// Prunable says whether an outbox message may go, given its time bound
// (the first ?) and bot.RecentAnnouncements (the second).
const Prunable = `created_at < ? AND (sent_at IS NOT NULL OR failed_at IS NOT NULL)
	AND (announcement_id IS NULL OR announcement_id NOT IN (` + keptAnnouncements + `))
	AND (status_of IS NULL OR status_of NOT IN (SELECT id FROM announcements WHERE finished_at IS NULL))`

// keptAnnouncements are the announcements whose messages are kept: those
// being delivered and the latest (as many as the ?).
const keptAnnouncements = `SELECT id FROM announcements WHERE finished_at IS NULL
	UNION SELECT id FROM (SELECT id FROM announcements ORDER BY id DESC LIMIT ?) latest`

// pruneOutbox walks the outbox in id order, which is the order messages
// were queued in, and stops at the first message queued since before.
// The messages of a kept announcement, possibly tens of thousands queued
// together, are stepped over without being read.
func pruneOutbox(ctx context.Context, q Querier, del Deletes, before time.Time, batch int) (int, error) {
	d := doomed[int64]{batch: batch, del: func(ctx context.Context, ids []int64) (int64, error) { return del.Messages(ctx, ids, before) }}
	var kept []struct {
		Lo int64 `db:"lo"`
		Hi int64 `db:"hi"`
	}
	err := q.Select(ctx, &kept, `SELECT lo, hi FROM (
		  SELECT (SELECT min(id) FROM outbox WHERE announcement_id = a.id) AS lo,
		         (SELECT max(id) FROM outbox WHERE announcement_id = a.id) AS hi
		  FROM (`+keptAnnouncements+`) a) k
		WHERE lo IS NOT NULL ORDER BY lo`, bot.RecentAnnouncements)
	if err != nil {
		return 0, fmt.Errorf("read kept announcements: %w", err)
	}
	var after int64
	for {
		for len(kept) > 0 && kept[0].Hi <= after {
			kept = kept[1:]
		}
		upTo := int64(math.MaxInt64)
		if len(kept) > 0 {
			if kept[0].Lo <= after+1 {
				after = kept[0].Hi // inside a kept announcement's messages: step over them
				continue
			}
			upTo = kept[0].Lo
		}
		var rows []struct {
			ID       int64 `db:"id"`
			Old      bool  `db:"old"`
			Prunable bool  `db:"prunable"`
		}
		err := q.Select(ctx, &rows, `SELECT id, created_at < ? AS old, (`+Prunable+`) AS prunable FROM outbox
			WHERE id > ? AND id < ? ORDER BY id LIMIT ?`, before, before, bot.RecentAnnouncements, after, upTo, batch)
		if err != nil {
			return d.deleted, fmt.Errorf("read outbox: %w", err)
		}
		for _, r := range rows {
			if !r.Old {
				return d.flush(ctx) // queued since before, like every message after it
			}
			if r.Prunable {
				if err := d.add(ctx, r.ID); err != nil {
					return d.deleted, err
				}
			}
		}
		switch {
		case len(rows) == batch:
			after = rows[len(rows)-1].ID
		case upTo != math.MaxInt64:
			after = upTo - 1 // the walk reached a kept announcement
		default:
			return d.flush(ctx)
		}
	}
}

// doomed gathers the keys of rows to delete, and deletes them with del a
// batch at a time.
type doomed[K any] struct {
	del     func(context.Context, []K) (int64, error)
	batch   int
	keys    []K
	deleted int
}

func (d *doomed[K]) add(ctx context.Context, k K) error {
	d.keys = append(d.keys, k)
	if len(d.keys) < d.batch {
		return nil
	}
	_, err := d.flush(ctx)
	return err
}

// flush deletes the keys gathered, and returns how many rows were deleted
// in all.
func (d *doomed[K]) flush(ctx context.Context) (int, error) {
	if len(d.keys) == 0 {
		return d.deleted, nil
	}
	n, err := d.del(ctx, d.keys)
	if err != nil {
		return d.deleted, fmt.Errorf("delete %d rows: %w", len(d.keys), err)
	}
	d.keys = d.keys[:0]
	d.deleted += int(n)
	return d.deleted, nil
}
