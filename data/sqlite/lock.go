package sqlite

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// ErrLocked is returned by Lock when another process holds the lock.
var ErrLocked = errors.New("locked by another process")

// Lock takes the lock that makes one serving process the only writer of a
// database file, for the process's life: the writer keeps seller rows in
// memory and the dispatcher keeps what it sent, both of which a second
// serving process would contradict (messages sent twice, a stale seller
// row written back). The lock is an OS lock on path+".lock", released by
// the OS when the process ends however it ends, so a crash never leaves it
// behind. chat, announce and markets do not take it: they are safe beside
// a running serve. The lock file is named after the database file as
// SQLite opened it, so every way of naming one file (a relative path, a
// file: URI) takes the same lock.
func (s *Store) Lock() (release func(), err error) {
	path := s.file
	name := path + ".lock"
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: another onboardbot serve is using %s (it holds %s); stop it first, or give this one its own ONBOARD_DB", ErrLocked, path, name)
		}
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	_ = f.Truncate(0)
	fmt.Fprintf(f, "%d\n", os.Getpid()) // for an operator who wonders who holds it
	return func() { f.Close() }, nil
}
