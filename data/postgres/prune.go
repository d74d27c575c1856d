package postgres

import (
	"context"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/internal/sqlstore"
)

// Prune deletes old claims, old delivered messages, old codes and old
// wrong codes (see bot.Pruner and sqlstore.Prune): the walk reads on the
// read side, and each batch is one statement in a transaction of its own.
func (s *Store) Prune(ctx context.Context, before bot.PruneBefore, batch int) (bot.Pruned, error) {
	return sqlstore.Prune(ctx, readSide{s}, sqlstore.Deletes{Claims: s.deleteClaims, Messages: s.deleteMessages,
		Codes: s.deleteCodes, CodeTries: s.deleteCodeTries}, before, batch)
}

// columns splits two-part keys into the two arrays unnest takes.
func columns(keys [][2]string) (first, second []string) {
	first, second = make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		first[i], second[i] = k[0], k[1]
	}
	return first, second
}

func (s *Store) deleteClaims(ctx context.Context, keys [][2]string, before time.Time) (int64, error) {
	platforms, ids := columns(keys)
	return s.deleteRows(ctx, `DELETE FROM inbound WHERE (platform, update_id) IN (SELECT * FROM unnest(?::text[], ?::text[])) AND handled_at < ?`,
		platforms, ids, before)
}

func (s *Store) deleteCodes(ctx context.Context, keys [][2]string, before time.Time) (int64, error) {
	ids, _ := columns(keys)
	return s.deleteRows(ctx, `DELETE FROM link_codes WHERE id = ANY(?) AND `+sqlstore.CodePrunable, ids, before, before)
}

func (s *Store) deleteCodeTries(ctx context.Context, keys [][2]string, before time.Time) (int64, error) {
	platforms, users := columns(keys)
	return s.deleteRows(ctx, `DELETE FROM code_tries WHERE (platform, user_id) IN (SELECT * FROM unnest(?::text[], ?::text[])) AND at < ?`,
		platforms, users, before)
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
