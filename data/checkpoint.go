package data

import (
	"context"
	"time"
)

// The committer does not copy the WAL back into the database itself: a
// checkpoint copies and syncs megabytes, and every transaction waiting in
// the next group would wait for it. The checkpointer does it beside the
// committer, on a reader connection, in PASSIVE mode (it blocks neither
// the writer nor readers), at most every checkpointEvery while writes come
// in.
//
// A PASSIVE checkpoint cannot reset the WAL while readers keep reading
// (the dispatcher reads all the time on a busy bot), so under steady load
// the file would grow without end. Past truncateAt frames the checkpointer
// runs a TRUNCATE checkpoint instead: it waits for the readers of the
// moment, holds new writes back for as long (milliseconds), and empties
// the file.
const (
	checkpointEvery = 100 * time.Millisecond
	truncateAt      = 16000 // frames: 64 MB of WAL
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
		// A checkpoint that fails (another process checkpointing, the disk)
		// is tried again after the next commit.
		_ = s.checkpoint()
		select {
		case <-s.closing:
			return
		case <-time.After(checkpointEvery):
		}
	}
}

// checkpoint copies what it can of the WAL back, and empties the WAL when
// it has grown past s.truncateAt frames.
func (s *Store) checkpoint() error {
	ctx := context.Background()
	var busy, frames, copied int
	if err := s.read.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied); err != nil {
		return err
	}
	if frames < s.truncateAt {
		return nil
	}
	_, err := s.read.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return err
}
