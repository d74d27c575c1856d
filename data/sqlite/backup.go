package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Copied says what Backup wrote.
type Copied struct {
	Path        string
	Bytes       int64
	Sellers     int
	Onboardings int
	Undelivered int // messages in the outbox not yet sent or set aside
	Took        time.Duration
}

// Backup writes a consistent copy of the database at path to the new file
// to, while other processes (a running serve) go on using it. The copy is
// made with VACUUM INTO on a connection that only reads: in WAL mode it
// reads one snapshot and the writer goes on committing meanwhile. It is
// written beside to under a temporary name, synced, checked and only then
// given its name, so a copy that stopped half-way is never taken for a
// backup; an existing file is never overwritten.
func Backup(ctx context.Context, path, to string) (Copied, error) {
	began := time.Now()
	if info, err := os.Stat(path); err != nil || !info.Mode().IsRegular() {
		return Copied{}, fmt.Errorf("no database file at %s", path)
	}
	if _, err := os.Lstat(to); err == nil {
		return Copied{}, fmt.Errorf("%s already exists: a backup never overwrites a file; name a new one", to)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return Copied{}, err
	}
	// VACUUM INTO writes into a file that does not exist or is empty.
	tmp, err := os.CreateTemp(filepath.Dir(to), "."+filepath.Base(to)+".*.partial")
	if err != nil {
		return Copied{}, fmt.Errorf("create the copy: %w", err)
	}
	tmp.Close()
	defer os.Remove(tmp.Name()) // gone once linked, or on failure
	if err := vacuumInto(ctx, path, tmp.Name()); err != nil {
		return Copied{}, fmt.Errorf("copy %s: %w", path, err)
	}
	if err := syncFile(tmp.Name()); err != nil {
		return Copied{}, fmt.Errorf("sync the copy: %w", err)
	}
	c, err := inspect(ctx, tmp.Name())
	if err != nil {
		return Copied{}, fmt.Errorf("check the copy: %w", err)
	}
	// A hard link gives the copy its name only if the name is still free.
	if err := os.Link(tmp.Name(), to); err != nil {
		return Copied{}, fmt.Errorf("name the copy %s: %w", to, err)
	}
	if err := syncFile(filepath.Dir(to)); err != nil {
		return Copied{}, fmt.Errorf("sync the folder of %s: %w", to, err)
	}
	c.Path, c.Took = to, time.Since(began)
	return c, nil
}

// readOnly opens a connection that cannot write (and cannot create the
// file).
func readOnly(path string) (*sql.DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	u := url.URL{Scheme: "file", Path: abs, RawQuery: "mode=ro&_pragma=busy_timeout(5000)"}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

func vacuumInto(ctx context.Context, path, to string) error {
	db, err := readOnly(path)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, to); err != nil {
		if corrupt(err) {
			return fmt.Errorf("%w: the database is damaged; a backup of it would be too", err)
		}
		return err
	}
	return nil
}

// inspect checks a copy and counts what it holds.
func inspect(ctx context.Context, path string) (Copied, error) {
	db, err := readOnly(path)
	if err != nil {
		return Copied{}, err
	}
	defer db.Close()
	found, err := quickCheck(ctx, db)
	if err != nil {
		return Copied{}, err
	}
	if len(found) != 1 || found[0] != "ok" {
		return Copied{}, fmt.Errorf("quick_check: %s", strings.Join(found, "; "))
	}
	var c Copied
	err = db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM sellers), (SELECT COUNT(*) FROM onboardings),
		(SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL)`).Scan(&c.Sellers, &c.Onboardings, &c.Undelivered)
	if err != nil {
		return Copied{}, err
	}
	info, err := os.Stat(path)
	if err != nil {
		return Copied{}, err
	}
	c.Bytes = info.Size()
	return c, nil
}

// syncFile flushes a file or a folder to the disk.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
