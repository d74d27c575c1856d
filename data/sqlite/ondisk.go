package sqlite

import (
	"context"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// ErrNotAFile is returned by Open for a path that names no file on disk:
// ":memory:", "file::memory:", "mode=memory", an empty "file:" name. Such a
// database is private to the connection that opened it, and the store uses
// several (a writer, readers, a checkpointer), so a reply the writer
// queued would never be seen by the dispatcher that sends it.
var ErrNotAFile = errors.New("an in-memory or temporary database, not a file: the store's connections would each see a database of their own, and queued replies would never be sent; give the path of a file")

// onDisk checks that db's main database is a file, as SQLite itself tells
// it after the driver has read the path (URI parameters and escapes
// included), rather than by guessing from the path.
func onDisk(ctx context.Context, db *sqlx.DB) (file string, err error) {
	if err := db.QueryRowContext(ctx, "SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&file); err != nil {
		return "", fmt.Errorf("database file name: %w", err)
	}
	if file == "" {
		return "", ErrNotAFile
	}
	return file, nil
}
