package sqlite

import (
	"context"
	"fmt"
	"time"
)

// The committer does not copy the WAL back into the database itself: a
// checkpoint copies and syncs megabytes, and every transaction waiting in
// the next group would wait for it. The checkpointer does it beside the
// committer, on a connection of its own, in PASSIVE mode (it blocks
// neither the writer nor readers), at most every checkpointEvery while
// writes come in.
//
// A PASSIVE checkpoint cannot restart the WAL from its beginning while
// readers keep reading (the dispatcher reads all the time on a busy bot)
// and the writer keeps writing, so under steady load the file would grow
// without end. Past restartAt frames the checkpointer asks the committer to
// restart it between two groups: the committer holds the store's reads
// back for a moment (reads on the pool are short, and new ones would
// otherwise keep the WAL in use) and runs a RESTART checkpoint, which
// finds little left to copy. Writes wait those few milliseconds, once per
// 64 MB of WAL.
const (
	checkpointEvery = 100 * time.Millisecond
	checkpointWait  = 50 * time.Millisecond // the checkpointer's connection's busy timeout
	restartAt       = 16000                 // frames: 64 MB of WAL
	restartWait     = 10 * time.Millisecond // how long a restart waits for readers of other processes
)

// wrote tells the checkpointer that a group was committed.
func (s *Store) wrote() {
	select {
	case s.written <- struct{}{}:
	default:
	}
}

// checkpointer runs until the store closes.
func (s *Store) checkpointer() {
	defer close(s.checkpointed)
	for {
		select {
		case <-s.closing:
			return
		case <-s.written:
		}
		// A checkpoint that fails (readers that did not finish in time,
		// another process checkpointing, the disk) is tried again after the
		// next commit.
		_ = s.checkpoint()
		select {
		case <-s.closing:
			return
		case <-time.After(checkpointEvery):
		}
	}
}

// checkpoint copies what it can of the WAL back, and asks for a restart
// when it has grown past s.restartAt frames.
func (s *Store) checkpoint() error {
	var busy, frames, copied int
	err := s.ckpt.QueryRowContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied)
	if err != nil {
		return err
	}
	if frames >= s.restartAt {
		s.restart.Store(true)
	}
	return nil
}

// restartWAL runs on the committer, between groups, when the checkpointer
// asked for it.
//
// A RESTART waits for every reader to leave the WAL. The store's own
// readers are held back, but readers in other processes are not, and
// `onboardbot backup` reads one snapshot for as long as its copy takes
// (0.6 s for 100,000 sellers): with the writer's busy timeout, every group
// would wait up to 5 s while it runs. So the restart waits restartWait at
// most; one that could not finish leaves the WAL to grow a little, and the
// checkpointer asks again.
func (s *Store) restartWAL() {
	if !s.restart.Load() {
		return
	}
	s.reads.Lock()
	defer s.reads.Unlock()
	ctx := context.Background()
	conn, err := s.write.Conn(ctx) // the writer's one connection: these three run on it in turn
	if err != nil {
		return
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA busy_timeout = %d`, restartWait.Milliseconds())); err != nil {
		return
	}
	defer conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA busy_timeout = %d`, busyWait.Milliseconds()))
	// On failure (the disk), the next round asks again.
	if _, err := conn.ExecContext(ctx, `PRAGMA wal_checkpoint(RESTART)`); err == nil {
		s.restart.Store(false)
	}
}
