package postgres

// fleet.go: what lets several serve instances share one database. The
// store's outbox queries call lease (Pending) and use leasedElsewhere
// (DueChats).

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// fleetState is this process's place in the fleet: 0 until Join.
type fleetState struct {
	id   atomic.Int64
	seen atomic.Int64 // when this instance's last beat succeeded (unix ns)
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

// beat is how often an instance says it is alive; live is how recent its
// last successful beat must be for it to go on sending (well inside gone,
// so it stops before the fleet takes its chats).
const (
	beat = time.Second
	live = 3 * time.Second
)

// Join registers this process as an instance of the fleet and keeps it
// alive until ctx is done or leave is called; leaving hands its chats to
// the others at once.
//
// host names the instance: its host and listening address. An instance of
// the same name is one that ran there before and is gone (two processes
// cannot listen on one address), so it is taken out at once, with its
// leases: its chats need not wait for it to be missed.
func (s *Store) Join(ctx context.Context, host string) (leave func(), err error) {
	var id int64
	err = s.db.QueryRowContext(ctx, `WITH gone AS (DELETE FROM instances WHERE host = $1 RETURNING id),
		  freed AS (DELETE FROM chat_leases WHERE instance IN (SELECT id FROM gone))
		INSERT INTO instances (host) VALUES ($1) RETURNING id`, host).Scan(&id)
	if err != nil {
		return nil, fmt.Errorf("join the fleet: %w", err)
	}
	s.fleet.id.Store(id)
	s.fleet.seen.Store(time.Now().UnixNano())
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(beat)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			s.beat(ctx, host)
		}
	}()
	return func() {
		cancel()
		<-done
		// Best effort: what is not deleted here is taken over once unseen.
		lctx, lcancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer lcancel()
		me := s.fleet.id.Swap(0)
		s.db.ExecContext(lctx, `DELETE FROM chat_leases WHERE instance = $1`, me)
		s.db.ExecContext(lctx, `DELETE FROM instances WHERE id = $1`, me)
	}, nil
}

// beat says this instance is alive. An instance found gone (its row
// cleared after a long outage) joins again under a new id: its leases
// were void anyway.
func (s *Store) beat(ctx context.Context, host string) {
	bctx, cancel := context.WithTimeout(ctx, beat)
	defer cancel()
	me := s.fleet.instance()
	res, err := s.db.ExecContext(bctx, `UPDATE instances SET seen_at = now() WHERE id = $1`, me)
	if err != nil {
		return
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var id int64
		if err := s.db.QueryRowContext(bctx, `INSERT INTO instances (host) VALUES ($1) RETURNING id`, host).Scan(&id); err != nil {
			return
		}
		s.fleet.id.Store(id)
	}
	s.fleet.seen.Store(time.Now().UnixNano())
	// Rows of instances long gone are cleared by whoever beats.
	s.db.ExecContext(bctx, `DELETE FROM instances WHERE seen_at < now() - interval '1 hour'`)
}

// Live reports whether this instance may go on sending to the chats it
// leased: its last beat is recent enough that no other instance has taken
// them. A process not in a fleet is always live.
func (s *Store) Live() bool {
	if s.fleet.instance() == 0 {
		return true
	}
	return time.Since(time.Unix(0, s.fleet.seen.Load())) < live
}

// Release gives up this instance's lease on a chat, once it has sent what
// it listed: the next message to it may go from any instance.
func (s *Store) Release(ctx context.Context, platform, chatID string) error {
	me := s.fleet.instance()
	if me == 0 {
		return nil
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM chat_leases WHERE platform = $1 AND chat_id = $2 AND instance = $3`, platform, chatID, me); err != nil {
		return fmt.Errorf("release chat %s: %w", chatID, err)
	}
	return nil
}

// Instances counts the live instances of the fleet.
func (s *Store) Instances(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM instances WHERE seen_at > now() - interval '`+gone+`'`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count instances: %w", err)
	}
	return n, nil
}

// leaderKey is the advisory lock the leader holds ("onboard" in ASCII).
const leaderKey = 0x6f6e626f617264

// Lead waits until this instance is the fleet's leader, runs fn with a
// context that ends when it stops being the leader (its connection to the
// database lost), and tries to lead again after fn returns, until ctx is
// done. The leader's lock is a session advisory lock on a connection of
// its own: when the leader dies, the server ends the session and frees the
// lock, and another instance, trying every second, leads within seconds.
func (s *Store) Lead(ctx context.Context, fn func(ctx context.Context) error) error {
	for {
		err := s.leadOnce(ctx, fn)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			s.log.Warn("fleet: leading stopped; trying again", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(beat):
		}
	}
}

func (s *Store) leadOnce(ctx context.Context, fn func(ctx context.Context) error) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("leader connection: %w", err)
	}
	// Closed, not returned to the pool: a session that held the lock must
	// end so that the lock goes with it.
	defer func() {
		conn.Raw(func(any) error { return driver.ErrBadConn })
		conn.Close()
	}()
	for {
		var got bool
		if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, leaderKey).Scan(&got); err != nil {
			return fmt.Errorf("try to lead: %w", err)
		}
		if got {
			break
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(beat):
		}
	}
	s.log.Info("fleet: this instance leads", "instance", s.fleet.instance())
	defer s.log.Info("fleet: this instance no longer leads", "instance", s.fleet.instance())
	lctx, lost := context.WithCancelCause(ctx)
	defer lost(nil)
	result := make(chan error, 1)
	go func() { result <- fn(lctx) }()
	t := time.NewTicker(beat)
	defer t.Stop()
	for {
		select {
		case err := <-result:
			return err
		case <-t.C:
			pctx, cancel := context.WithTimeout(ctx, beat)
			err := conn.PingContext(pctx)
			cancel()
			if err != nil && ctx.Err() == nil {
				lost(fmt.Errorf("lost the leader's connection: %w", err))
				<-result
				return fmt.Errorf("lost the leader's connection: %w", err)
			}
		}
	}
}
