package sqlite

import (
	"context"
	"encoding/json"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/internal/sqlstore"
)

// Prune deletes old claims, old delivered messages, old codes and old
// wrong codes (see bot.Pruner and sqlstore.Prune): the walk reads on the
// read pool, and each batch is deleted in a transaction of the
// committer's, so it shares a commit with the messages being handled.
// Codes are not in the identity cache: deleting them leaves it right.
func (s *Store) Prune(ctx context.Context, before bot.PruneBefore, batch int) (bot.Pruned, error) {
	return sqlstore.Prune(ctx, readPool{s}, sqlstore.Deletes{Claims: s.deleteClaims, Messages: s.deleteMessages,
		Codes: s.deleteCodes, CodeTries: s.deleteCodeTries}, before, batch)
}

func (s *Store) deleteClaims(ctx context.Context, keys [][2]string, before time.Time) (int64, error) {
	return s.deleteListed(ctx, `DELETE FROM inbound WHERE (platform, update_id) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?))
		AND handled_at < ?`, keys, before)
}

func (s *Store) deleteMessages(ctx context.Context, ids []int64, before time.Time) (int64, error) {
	return s.deleteListed(ctx, `DELETE FROM outbox WHERE id IN (SELECT value FROM json_each(?)) AND `+sqlstore.Prunable,
		ids, before, bot.RecentAnnouncements)
}

func (s *Store) deleteCodes(ctx context.Context, keys [][2]string, before time.Time) (int64, error) {
	return s.deleteListed(ctx, `DELETE FROM link_codes WHERE id IN (SELECT value ->> 0 FROM json_each(?)) AND `+sqlstore.CodePrunable,
		keys, before, before)
}

func (s *Store) deleteCodeTries(ctx context.Context, keys [][2]string, before time.Time) (int64, error) {
	return s.deleteListed(ctx, `DELETE FROM code_tries WHERE (platform, user_id) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?))
		AND at < ?`, keys, before)
}

// deleteListed runs query, which takes keys as a JSON array and then args,
// in one write transaction, and returns how many rows it deleted. (One
// statement whatever the number of keys: it is prepared once.)
func (s *Store) deleteListed(ctx context.Context, query string, keys any, args ...any) (int64, error) {
	list, err := json.Marshal(keys)
	if err != nil {
		return 0, err
	}
	var n int64
	err = s.Update(ctx, func(t bot.Tx) error {
		res, err := t.(*storeTx).exec(ctx, query, append([]any{string(list)}, args...)...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}
