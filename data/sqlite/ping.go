package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/onboardbot/onboardbot/bot"
)

// Ping writes through the writer, as every message does, so it fails when
// the store cannot take one (a full disk, a read-only or damaged file).
func (s *Store) Ping(ctx context.Context) error {
	err := s.Update(ctx, func(tx bot.Tx) error {
		_, err := tx.(*storeTx).exec(ctx, `INSERT INTO heartbeat (id, at) VALUES (1, ?)
			ON CONFLICT (id) DO UPDATE SET at = excluded.at`, time.Now().UTC())
		return err
	})
	if err != nil {
		return fmt.Errorf("store cannot write: %w", err)
	}
	return nil
}
