package postgres

import (
	"context"
	"fmt"
)

// Ping writes through the writers' pool, as every message does, so it
// fails when the store cannot take one (the server gone, the database
// turned read-only, a role without the privileges).
func (s *Store) Ping(ctx context.Context) error {
	if err := s.heartbeat(ctx); err != nil {
		return fmt.Errorf("store cannot write: %w", err)
	}
	return nil
}

// heartbeat rewrites the heartbeat's one row.
func (s *Store) heartbeat(ctx context.Context) error {
	_, err := s.exec1(ctx, `INSERT INTO heartbeat (id, at) VALUES (1, now())
		ON CONFLICT (id) DO UPDATE SET at = excluded.at`)
	return writeError("write heartbeat", err)
}
