package postgres

// fleet.go: what lets several serve instances share one database. The
// store's outbox queries call lease (Pending) and use leasedElsewhere
// (DueChats).

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
)

// fleetState is this process's place in the fleet: 0 until Join.
type fleetState struct {
	id atomic.Int64
}

// instance is this process's instance id, 0 when it has not joined a fleet
// (chat, announce, tests of the store alone): then no chat is leased.
func (f *fleetState) instance() int64 { return f.id.Load() }

// gone is how long an instance may go unseen before the fleet takes over
// what it held.
const gone = "5 seconds"

// lease takes the chat for this instance, unless another live instance
// holds it; it reports whether this instance may send to the chat.
func (s *Store) lease(ctx context.Context, platform, chatID string) (bool, error) {
	me := s.fleet.instance()
	if me == 0 {
		return true, nil
	}
	var holder int64
	err := s.db.QueryRowContext(ctx, `INSERT INTO chat_leases (platform, chat_id, instance) VALUES ($1, $2, $3)
		ON CONFLICT (platform, chat_id) DO UPDATE SET instance = excluded.instance
		WHERE chat_leases.instance = excluded.instance OR NOT EXISTS (
		  SELECT 1 FROM instances i WHERE i.id = chat_leases.instance AND i.seen_at > now() - interval '`+gone+`')
		RETURNING instance`, platform, chatID, me).Scan(&holder)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("lease chat %s: %w", chatID, err)
	}
	return true, nil
}

// leasedElsewhere is a condition on an outbox row aliased o: its chat is
// being sent to by another live instance. Its one ? takes this instance's
// id (s.fleet.instance()).
const leasedElsewhere = `EXISTS (SELECT 1 FROM chat_leases l JOIN instances i ON i.id = l.instance
	WHERE l.platform = o.platform AND l.chat_id = o.chat_id AND l.instance <> ? AND i.seen_at > now() - interval '` + gone + `')`
