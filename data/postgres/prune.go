package postgres

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/onboardbot/onboardbot/bot"
)

// Pruning walks each table a window of rows at a time on the read side,
// in key order, and deletes the rows found old enough a batch per write
// transaction, by key, with the conditions checked again (another
// instance of the fleet may be pruning too, or a message being sent). The
// walk goes once through each table whatever the batch: deleting "the
// first batch of old rows" again and again would read the rows already
// deleted, which stay in the table until vacuumed, on every round.

// Prune deletes old claims and old delivered messages (see bot.Pruner).
func (s *Store) Prune(ctx context.Context, claimsBefore, outboxBefore time.Time, batch int) (bot.Pruned, error) {
	var n bot.Pruned
	var err error
	if batch < 1 {
		return n, fmt.Errorf("prune: batch %d is not positive", batch)
	}
	if n.Claims, err = s.pruneClaims(ctx, claimsBefore.UTC(), batch); err != nil {
		return n, fmt.Errorf("prune claims: %w", err)
	}
	if n.Messages, err = s.pruneOutbox(ctx, outboxBefore.UTC(), batch); err != nil {
		return n, fmt.Errorf("prune outbox: %w", err)
	}
	return n, nil
}

// pruneClaims walks the claims in key order (no index on their time: it
// would cost every message a write).
func (s *Store) pruneClaims(ctx context.Context, before time.Time, batch int) (int, error) {
	d := doomed[[2]string]{store: s, batch: batch,
		query: `DELETE FROM inbound WHERE (platform, update_id) IN (SELECT * FROM unnest(?::text[], ?::text[])) AND handled_at < ?`,
		args: func(keys [][2]string) []any {
			platforms, ids := make([]string, len(keys)), make([]string, len(keys))
			for i, k := range keys {
				platforms[i], ids[i] = k[0], k[1]
			}
			return []any{platforms, ids, before}
		}}
	var after [2]string
	for {
		var rows []struct {
			Platform string `db:"platform"`
			UpdateID string `db:"update_id"`
			Old      bool   `db:"old"`
		}
		err := s.rsel(ctx, &rows, `SELECT platform, update_id, handled_at < ? AS old FROM inbound
			WHERE (platform, update_id) > (?, ?) ORDER BY platform, update_id LIMIT ?`, before, after[0], after[1], batch)
		if err != nil {
			return d.deleted, fmt.Errorf("read claims: %w", err)
		}
		for _, r := range rows {
			if r.Old {
				if err := d.add(ctx, [2]string{r.Platform, r.UpdateID}); err != nil {
					return d.deleted, err
				}
			}
		}
		if len(rows) < batch {
			return d.flush(ctx)
		}
		after = [2]string{rows[len(rows)-1].Platform, rows[len(rows)-1].UpdateID}
	}
}

// prunable says whether an outbox message may go, given its time bound
// (the first ?) and bot.RecentAnnouncements (the second).
const prunable = `created_at < ? AND (sent_at IS NOT NULL OR failed_at IS NOT NULL)
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
func (s *Store) pruneOutbox(ctx context.Context, before time.Time, batch int) (int, error) {
	d := doomed[int64]{store: s, batch: batch,
		query: `DELETE FROM outbox WHERE id = ANY(?) AND ` + prunable,
		args:  func(ids []int64) []any { return []any{ids, before, bot.RecentAnnouncements} }}
	var kept []struct {
		Lo int64 `db:"lo"`
		Hi int64 `db:"hi"`
	}
	err := s.rsel(ctx, &kept, `SELECT lo, hi FROM (
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
		err := s.rsel(ctx, &rows, `SELECT id, created_at < ? AS old, (`+prunable+`) AS prunable FROM outbox
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

// doomed gathers the keys of rows to delete, and deletes them a batch per
// write transaction with query, whose arguments args makes of the keys.
type doomed[K any] struct {
	store   *Store
	query   string
	args    func([]K) []any
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
	res, err := d.store.exec1(ctx, d.query, d.args(d.keys)...)
	if err != nil {
		return d.deleted, fmt.Errorf("delete %d rows: %w", len(d.keys), err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return d.deleted, err
	}
	d.keys = d.keys[:0]
	d.deleted += int(n)
	return d.deleted, nil
}
