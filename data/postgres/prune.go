package postgres

import (
	"context"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/internal/sqlstore"
)

// Prune deletes old claims and old delivered messages (see bot.Pruner and
// sqlstore.Prune): the walk reads on the read side, and each batch is one
// statement in a transaction of its own.
func (s *Store) Prune(ctx context.Context, claimsBefore, outboxBefore time.Time, batch int) (bot.Pruned, error) {
	return sqlstore.Prune(ctx, readSide{s}, sqlstore.Deletes{Claims: s.deleteClaims, Messages: s.deleteMessages},
		claimsBefore, outboxBefore, batch)
}

func (s *Store) deleteClaims(ctx context.Context, keys [][2]string, before time.Time) (int64, error) {
	platforms, ids := make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		platforms[i], ids[i] = k[0], k[1]
	}
	return s.deleteRows(ctx, `DELETE FROM inbound WHERE (platform, update_id) IN (SELECT * FROM unnest(?::text[], ?::text[])) AND handled_at < ?`,
		platforms, ids, before)
}

func (s *Store) deleteMessages(ctx context.Context, ids []int64, before time.Time) (int64, error) {
	return s.deleteRows(ctx, `DELETE FROM outbox WHERE id = ANY(?) AND `+sqlstore.Prunable, ids, before, bot.RecentAnnouncements)
}

// deleteRows runs a delete and returns how many rows it deleted.
func (s *Store) deleteRows(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := s.exec1(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
